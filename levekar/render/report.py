"""Reports in bokmål (jinja2 → HTML) and static figures (matplotlib).

The HTML report is self-contained: figures are embedded as PNG data URIs, so
it can be e-mailed or printed to PDF from a browser. Jinja2 autoescaping is on,
so names from data appear as text, never as markup.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..catalogue import DOMAINS, Catalogue
from .figures import save_figure as _save
from .presentation import (
    CHANGE_LABELS,
    CLUSTER_LABELS,
    ESTIMATED,
    FINDING_LABELS,
    PRESET_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    area_colours,
    counterfactual_text,
    evidence_text,
    format_number,
    format_percent,
    format_probability,
    format_value,
    is_estimated,
    measurable_note,
    names_of,
    rule_label,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from ..spatial import SpatialClusters

__all__ = [
    "ReportInputs",
    "fact_sheet_names",
    "fact_sheets",
    "fact_sheets_combined",
    "index_figure",
    "profile_figure",
    "rank_band_figure",
    "rank_caterpillar_figure",
    "render_report",
    "render_reselection",
    "report_figures",
    "report_files",
]


@dataclass
class ReportInputs:
    """Everything the reports, fact sheets and their figures show, given explicitly.

    Frames use ``code`` as the area key. ``selection`` is the selection table (one row per
    area with ``name, population, score, rank, selected, in_initiative, n_worse,
    n_indicators`` and, after a Monte Carlo, ``rank_p05, rank_p95, p_top_k, main_source``);
    ``rates`` every year's indicator values; ``reselection`` and ``reselection_summary``
    the rule year by year; ``counterfactuals`` codes and numbers.

    Attributes
    ----------
    title, label : str
        The study's name and the data label shown on every page.
    synthetic : bool
        Whether the data are synthetic (red banner).
    kommune_name : str
        The kommune's name.
    year, k, rule, min_population, draws : int or str
        The selection year, the rule (kind and k), its minimum population and the
        Monte Carlo's draws.
    initiative_name : str
        The initiative's name.
    plan_start, end_year : int
        The plan's first and last year.
    catalogue : Catalogue
        Indicator definitions.
    layer : geopandas.GeoDataFrame
        The lokalsamfunn (``code, name, geometry``).
    selection, rates, targets : pandas.DataFrame
        See above; targets with ``published``.
    names : dict of str to str
        Area names by code.
    n_indicators : int
        Indicators in the index.
    counterfactuals, agreement, reselection, reselection_summary : pandas.DataFrame
        Empty when not computed.
    spatial : SpatialClusters or None
        Moran's I and LISA clusters, when computed.
    accounting : dict
        The run's accounting, for the method notes.
    shrinkage : bool
        Whether the index scored smoothed values.
    sources : tuple of str
        The sources of uncertainty the Monte Carlo varied.
    excluded : tuple of str
        Names of the areas the rule never chooses (``selection.exclude``).
    """

    title: str
    label: str
    synthetic: bool
    kommune_name: str
    year: int
    k: int
    rule: str
    min_population: int
    draws: int
    initiative_name: str
    plan_start: int
    end_year: int
    catalogue: Catalogue
    layer: gpd.GeoDataFrame
    selection: pd.DataFrame
    rates: pd.DataFrame
    targets: pd.DataFrame
    names: dict[str, str]
    n_indicators: int
    counterfactuals: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    reselection: pd.DataFrame = field(default_factory=pd.DataFrame)
    reselection_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    spatial: SpatialClusters | None = None
    accounting: dict = field(default_factory=dict)
    shrinkage: bool = False
    sources: tuple[str, ...] = ()
    findings: list[dict] = field(default_factory=list)
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: tuple[str, ...] = ()
    rule_family: pd.DataFrame = field(default_factory=pd.DataFrame)
    choice: dict = field(default_factory=dict)
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def rates_year(self) -> pd.DataFrame:
        """The selection year's indicator values."""
        return self.rates[self.rates["year"] == self.year]


@functools.cache
def _env():
    """Return the one jinja2 environment (templates compiled once per process), autoescaping on."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("levekar.render", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda x, d=0: format_number(x, decimals=d)
    env.filters["pct"] = lambda x, d=0: format_percent(x, decimals=d)
    env.filters["val"] = format_value
    env.filters["prob"] = format_probability
    return env


def _scale_bar(ax, length_m: float = 5000) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x = x0 + 0.05 * (x1 - x0)
    y = y0 + 0.05 * (y1 - y0)
    ax.plot([x, x + length_m], [y, y], color="black", lw=3, solid_capstyle="butt")
    ax.text(
        x + length_m / 2,
        y + 0.015 * (y1 - y0),
        f"{format_number(length_m / 1000)} km",
        ha="center",
        va="bottom",
        fontsize=8,
    )


def _north_arrow(ax) -> None:
    ax.annotate(
        "N",
        xy=(0.95, 0.93),
        xytext=(0.95, 0.83),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 3, "headwidth": 9},
    )


def _both(fig) -> tuple[bytes, bytes]:
    """Save a figure as PNG and as SVG, then close it."""
    png = _save(fig, "png", close=False)
    return png, _save(fig, "svg")


def index_figure(inp: ReportInputs, fmt: str = "png") -> bytes:
    """Draw a static choropleth of the index, initiative areas outlined.

    With a scale bar and a north arrow.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs (layer, selection, names, label).
    fmt : {"png", "svg"}
        The format.

    Returns
    -------
    bytes
        The PNG (or SVG).
    """
    return _save(_index_fig(inp), fmt)


def _index_fig(inp: ReportInputs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from .maps import NO_DATA, PALETTE, class_breaks, legend_labels

    ls = inp.layer.merge(inp.selection[["code", "score"]], on="code", how="left")
    breaks = class_breaks(ls["score"])
    offset = len(PALETTE) - len(breaks)
    cls = [
        int(min(np.searchsorted(breaks, v), len(breaks) - 1)) if np.isfinite(v) else -1
        for v in ls["score"]
    ]
    colours = [PALETTE[offset + c] if c >= 0 else NO_DATA for c in cls]
    fig, ax = plt.subplots(figsize=(7, 7), dpi=110)
    ls.plot(ax=ax, color=colours, edgecolor="#555", linewidth=0.5)
    init = ls[ls["code"].isin(inp.selection.loc[inp.selection["in_initiative"], "code"])]
    init.boundary.plot(ax=ax, color="#1f3a93", linewidth=2.2, linestyle="--")
    for _, r in ls.iterrows():
        p = r.geometry.representative_point()
        ax.text(p.x, p.y, r["name"], fontsize=6, ha="center", va="center")
    ax.set_axis_off()
    _scale_bar(ax)
    _north_arrow(ax)
    handles = [
        Patch(facecolor=PALETTE[offset + i], edgecolor="#555", label=lab)
        for i, lab in enumerate(legend_labels(breaks))
    ]
    handles.append(
        Patch(facecolor="none", edgecolor="#1f3a93", linestyle="--", label="Områdesatsing")
    )
    ax.legend(
        handles=handles, loc="lower right", fontsize=7, title="Levekårsindeks", title_fontsize=8
    )
    ax.set_title(f"Levekårsindeks {inp.year} etter lokalsamfunn", fontsize=11)
    fig.text(
        0.5,
        0.02,
        f"{inp.label}. Kilde: levekar.",
        ha="center",
        fontsize=8,
        color="#b30000" if inp.synthetic else "#333",
    )
    return fig


def _context(inp: ReportInputs, figure_png: bytes) -> dict:
    cat = inp.catalogue
    sel = inp.selection
    rates = inp.rates_year
    profiles = []
    for _, area in sel[sel["in_initiative"] | sel["selected"]].iterrows():
        rows = []
        for _, r in rates[rates["code"] == area["code"]].iterrows():
            ind = cat[r["indicator"]]
            rows.append(
                {
                    "label": ind.short_label,
                    "domain": DOMAINS[ind.domain],
                    "value": (
                        format_value(r["value_published"], ind.kind)
                        + (f" ({ESTIMATED})" if is_estimated(r) else "")
                    )
                    if r["published"]
                    else "ikke publisert",
                    "interval": (
                        f"{format_value(r['ci_low'], ind.kind)}–"
                        f"{format_value(r['ci_high'], ind.kind)}"
                        if r["published"] and np.isfinite(r["ci_low"])
                        else ""
                    ),
                    "kommune": format_value(r["kommune_value"], ind.kind),
                    "norway": format_value(r["norway_value"], ind.kind),
                    "worse": bool(r["significantly_worse"] and r["published"]),
                    "descriptive": ind.direction == "descriptive",
                }
            )
        profiles.append(
            {
                "name": area["name"],
                "rows": rows,
                "selected": bool(area["selected"]),
                "in_initiative": bool(area["in_initiative"]),
            }
        )
    t = inp.targets
    year_cols = [c for c in t.columns if c.startswith("target_") and c[7:].isdigit()]
    targets = []
    for _, r in t[t["published"]].iterrows():  # a baseline on too few people is not shown
        ind = cat[r["indicator"]]
        targets.append(
            {
                "focus": DOMAINS[r["focus_area"]],
                "area": r["name"],
                "label": ind.short_label,
                "baseline": format_value(r["baseline"], ind.kind),
                "reference": format_value(r["reference_value"], ind.kind),
                "baseline_year": r["baseline_years"],
                "years": [format_value(r[c], ind.kind) for c in year_cols],
                "measurable": bool(r["measurable"]),
                "note": measurable_note(r),
                "status": STATUS_LABELS.get(r.get("status", ""), ""),
                "latest": (
                    format_value(r["latest_value"], ind.kind)
                    if np.isfinite(r.get("latest_value", np.nan))
                    else ""
                ),
                "latest_year": (
                    int(r["latest_year"]) if np.isfinite(r.get("latest_value", np.nan)) else ""
                ),
            }
        )
    chosen = sel[sel["selected"]]["name"].tolist()
    initiative = sel[sel["in_initiative"]]["name"].tolist()
    # The notes on unmeasurable targets repeat: each distinct one once, under the table.
    notes = list(dict.fromkeys(t["note"] for t in targets if t["note"]))
    for t in targets:
        t["note_mark"] = notes.index(t["note"]) + 1 if t["note"] else ""
    base_years = {t["baseline_year"] for t in targets}
    latest_years = {t["latest_year"] for t in targets if t["latest"]}
    return {
        "title": inp.title,
        "label": inp.label,
        "synthetic": inp.synthetic,
        "kommune": inp.kommune_name,
        "year": inp.year,
        "k": inp.k,
        "rule": inp.rule,
        "min_population": inp.min_population,
        "excluded": list(inp.excluded),
        "initiative_name": inp.initiative_name,
        "initiative": initiative,
        "chosen": chosen,
        "agree": sorted(chosen) == sorted(initiative),
        "selection": sel.to_dict("records"),
        "has_uncertainty": "p_top_k" in sel.columns,
        "draws": inp.draws,
        "profiles": profiles,
        "targets": targets,
        "target_notes": notes,
        "target_groups": [
            (focus, [t for t in targets if t["focus"] == focus])
            for focus in dict.fromkeys(t["focus"] for t in targets)
        ],
        "target_years": [c[7:] for c in year_cols],
        # One year for every row: said once in the header; otherwise beside each number.
        "baseline_year": base_years.pop() if len(base_years) == 1 else "",
        "latest_year": latest_years.pop() if len(latest_years) == 1 else "",
        "figure": base64.b64encode(figure_png).decode("ascii"),
        "n_indicators": inp.n_indicators,
        "accounting": inp.accounting,
        "agreement": _agreement_rows(inp),
        "shrinkage": inp.shrinkage,
        "counterfactuals": [
            counterfactual_text(r, inp.names, cat, inp.k)
            for r in inp.counterfactuals.to_dict("records")
        ],
        "reselection": _summary_rows(inp),
        "spatial": _spatial_context(inp),
        "source_labels": SOURCE_LABELS,
        "heavily_smoothed": _heavily_smoothed(inp),
        "findings": _finding_rows(inp),
        "why": _why(inp),
        "sobol": _sobol_rows(inp),
        "source_names": [SOURCE_LABELS.get(x, x) for x in inp.sources],
    }


def _sobol_rows(inp: ReportInputs) -> list[dict]:
    """Per area near the boundary: each source's first-order and total Sobol index (per cent)."""
    if inp.sobol.empty:
        return []
    label = {
        "sampling": "små tall",
        "weights": "vektene",
        "method": "metodevalget",
        "indicator_set": "enkeltindikatorer",
    }
    rows = []
    for code, g in inp.sobol.groupby("code", sort=False):
        rows.append(
            {
                "name": inp.names.get(code, code),
                "sources": [
                    {
                        "label": label.get(r["group"], r["group"]),
                        "s1": format_percent(max(r["s1"], 0.0), decimals=0)
                        if np.isfinite(r["s1"])
                        else "–",
                        "st": format_percent(min(max(r["st"], 0.0), 1.0), decimals=0)
                        if np.isfinite(r["st"])
                        else "–",
                    }
                    for r in g.to_dict("records")
                ],
            }
        )
    return rows


def _why(inp: ReportInputs) -> dict | None:
    """Build the "Begrunnelse for valget" section: the choice tested as a claim, in bokmål."""
    if inp.evidence.empty:
        return None
    areas = [
        {
            "name": inp.names.get(r["code"], r["code"]),
            "in_initiative": bool(r["in_initiative"]),
            "verdict": r["verdict"],
            "sentences": evidence_text(r, inp.names, inp.catalogue, k=inp.k, year=inp.year),
        }
        for r in inp.evidence.to_dict("records")
    ]
    fam = inp.rule_family
    yes = fam[fam["reproduces"]] if len(fam) else fam
    no = fam[~fam["reproduces"]] if len(fam) else fam
    return {
        "areas": areas,
        "p_exact": format_probability(inp.choice.get("p_exact_set", float("nan"))),
        "reproducing": [
            {"label": rule_label(r, inp.k), "p": format_probability(r["p_set"])}
            for r in yes.to_dict("records")
        ],
        "not_reproducing": [
            {"label": rule_label(r, inp.k), "picks": names_of(r["selected"], inp.names)}
            for r in no.to_dict("records")
        ],
        "n_rules": len(fam),
    }


def _finding_rows(inp: ReportInputs) -> list[dict]:
    """Group the run's findings by kind, in bokmål: how many, how many people and rows."""
    rows: dict[str, dict] = {}
    for f in inp.findings:
        r = rows.setdefault(
            f["kind"],
            {
                "label": FINDING_LABELS.get(f["kind"], f["kind"]),
                "n": 0,
                "people": 0.0,
                "rows": 0,
                "errors": 0,
            },
        )
        r["n"] += 1
        r["people"] += f["people"] or 0.0
        r["rows"] += f["rows"] or 0
        r["errors"] += f["severity"] == "error"
    return list(rows.values())


def _summary_rows(inp: ReportInputs) -> list[dict]:
    """Return the reselection summary with names instead of codes."""
    rows = []
    for r in inp.reselection_summary.to_dict("records"):
        rows.append(
            {k: (names_of(v, inp.names) if isinstance(v, str) else v) for k, v in r.items()}
        )
    return rows


def _spatial_context(inp: ReportInputs) -> dict | None:
    sp = inp.spatial
    if sp is None:
        return None
    clusters = sp.local[sp.local["cluster"] != "not_significant"]
    return {
        "moran_i": format_number(sp.moran_i, decimals=2),
        "p": format_number(sp.p_value, decimals=3),
        "islands": [inp.names.get(c, c) for c in sp.islands_joined],
        "clusters": [
            f"{inp.names.get(r.code, r.code)} ({CLUSTER_LABELS[r.cluster]})"
            for r in clusters.itertuples()
        ],
    }


def _heavily_smoothed(inp: ReportInputs) -> list[str]:
    """Bokmål lines for areas whose values moved more than halfway to the kommune's by smoothing."""
    r = inp.rates_year[inp.rates_year["shrinkage"] > 0.5]
    cat = inp.catalogue
    return [
        f"{row['name']}: {cat[row['indicator']].short_label} "
        f"({format_percent(row['shrinkage'], decimals=0)} "
        "mot kommunens nivå)"
        for _, row in r.sort_values(["name", "indicator"]).iterrows()
    ]


def _agreement_rows(inp: ReportInputs) -> list[dict]:
    rows = []
    for _, r in inp.agreement.iterrows():
        rows.append(
            {
                "method": PRESET_LABELS.get(r["preset"], r["preset"]),
                "spearman": format_number(r["spearman_with_study_index"], decimals=2),
                "overlap": int(r["overlap_top_k"]),
                "top": names_of(r["top_k"], inp.names),
            }
        )
    return rows


def render_report(
    inp: ReportInputs,
    figure_png: bytes | None = None,
    charts: dict[str, bytes] | None = None,
    caterpillar: bytes | None = None,
) -> str:
    """Render the selection report as one self-contained HTML page in bokmål.

    Figures not given are drawn here (the index map always; the rank chart when the
    index map is given, so that ``render_report(inp, b"")`` renders text only).

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.
    figure_png : bytes, optional
        The index map (:func:`index_figure`).
    charts : dict of str to bytes, optional
        Target charts by focus area (:func:`~levekar.render.handlingsplan.focus_area_charts`).
    caterpillar : bytes, optional
        The rank chart (:func:`rank_caterpillar_figure`).

    Returns
    -------
    str
        The HTML page, figures embedded as base64.
    """
    png = figure_png if figure_png is not None else index_figure(inp)
    ctx = _context(inp, png)
    if caterpillar is None and figure_png and "p_top_k" in inp.selection.columns:
        caterpillar = rank_caterpillar_figure(inp)
    ctx["caterpillar"] = base64.b64encode(caterpillar).decode("ascii") if caterpillar else ""
    ctx["fact_sheets"] = _fact_sheet_links(inp)
    ctx["charts"] = [
        {"focus": DOMAINS[f], "png": base64.b64encode(b).decode("ascii")}
        for f, b in (charts or {}).items()
    ]
    return _env().get_template("report.html.j2").render(**ctx)


def report_figures(inp: ReportInputs) -> dict[str, bytes]:
    """Draw every matplotlib figure of the reports, as PNG and SVG bytes by name.

    The slow part: run it in parallel.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.

    Returns
    -------
    dict of str to bytes
        ``indeks_kart``, ``rang_over_tid``, ``rangering`` (after a Monte Carlo) and
        ``mal_<focus>`` per focus area as PNG; the same names with ``.svg`` as SVG.
    """
    from .handlingsplan import _focus_area_figs

    figs = {"indeks_kart": _index_fig(inp), "rang_over_tid": _rank_band_fig(inp)}
    if "p_top_k" in inp.selection.columns:
        figs["rangering"] = _caterpillar_fig(inp)
    charts = _focus_area_figs(
        inp.targets, inp.rates, inp.catalogue, label=inp.label, colours=area_colours(inp.names)
    )
    figs.update({f"mal_{focus}": fig for focus, fig in charts.items()})
    out = {}
    for name, fig in figs.items():
        out[name], out[f"{name}.svg"] = _both(fig)
    return out


def report_files(
    inp: ReportInputs, figures: dict[str, bytes] | Callable[[], dict[str, bytes]] | None = None
) -> dict[str, bytes]:
    """Build the report, figures, reselection page, fact sheets and handlingsplan (XLSX, CSV).

    ``figures`` are the PNGs from :func:`report_figures`, or a function that returns
    them (called only after the parts that need no figures are done, so they can be
    drawn meanwhile elsewhere).

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.
    figures : dict of str to bytes or callable, optional
        The figures (PNG, and SVG under ``<name>.svg``), or a function returning them;
        drawn here when None.

    Returns
    -------
    dict of str to bytes
        Files by path relative to the output folder (``reports/…``).
    """
    from .handlingsplan import handlingsplan_table, handlingsplan_xlsx

    table = handlingsplan_table(inp.targets, inp.catalogue, label=inp.label)
    files: dict[str, bytes] = {
        "reports/handlingsplan.xlsx": handlingsplan_xlsx(
            inp.targets,
            inp.catalogue,
            title=f"{inp.initiative_name}: handlingsplan {inp.plan_start}–{inp.end_year}",
            label=inp.label,
        ),
        "reports/handlingsplan.csv": table.to_csv(index=False, sep=";", lineterminator="\n").encode(
            "utf-8-sig"
        ),
    }
    files.update(fact_sheets(inp))
    if figures is None:
        figs = report_figures(inp)
    else:
        figs = figures() if callable(figures) else figures
    charts = {
        name[4:]: png
        for name, png in figs.items()
        if name.startswith("mal_") and not name.endswith(".svg")
    }
    files["reports/levekar_rapport.html"] = render_report(
        inp, figs["indeks_kart"], charts, figs.get("rangering")
    ).encode("utf-8")
    files["reports/utvelgelse_over_tid.html"] = render_reselection(
        inp, figs["rang_over_tid"]
    ).encode("utf-8")
    for name in ("indeks_kart", *[n for n in figs if n.startswith("mal_")]):
        if name.endswith(".svg"):
            continue
        files[f"reports/figurer/{name}.png"] = figs[name]
        if f"{name}.svg" in figs:
            files[f"reports/figurer/{name}.svg"] = figs[f"{name}.svg"]
    return files


def rank_band_figure(inp: ReportInputs, fmt: str = "png") -> bytes:
    """Draw rank over the years (1 = most deprived) with the 90 % band.

    For the initiative's and the selected areas.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs (the reselection table).
    fmt : {"png", "svg"}
        The format.

    Returns
    -------
    bytes
        The PNG (or SVG).
    """
    return _save(_rank_band_fig(inp), fmt)


def _rank_band_fig(inp: ReportInputs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = inp.reselection
    keep = set(t.loc[t["selected"] | t["in_initiative"], "code"])
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    fig.subplots_adjust(left=0.08, right=0.78, top=0.92, bottom=0.14)
    colours = area_colours(inp.names)
    for code, g in t[t["code"].isin(keep)].groupby("code", sort=True):
        g = g.sort_values("year")
        colour = colours.get(code, "#555555")
        if "rank_p05" in g:
            ax.fill_between(g["year"], g["rank_p05"], g["rank_p95"], color=colour, alpha=0.15)
        style = "-" if bool(g["in_initiative"].iloc[0]) else "--"
        ax.plot(
            g["year"],
            g["rank"],
            style,
            marker="o",
            ms=3,
            color=colour,
            label=inp.names.get(code, code),
        )
    k = inp.k
    ax.axhline(k + 0.5, color="grey", lw=0.8)
    ax.invert_yaxis()
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel("Rang (1 = svakest)")
    ax.set_title(f"Heltrukket: i satsingen. Grå linje: grensen for de {k} svakeste.", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    return fig


def render_reselection(inp: ReportInputs, figure: bytes | None = None) -> str:
    """Render the reselection across years as a self-contained bokmål HTML page.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs (the reselection tables).
    figure : bytes, optional
        The rank chart (:func:`rank_band_figure`); drawn here when None.

    Returns
    -------
    str
        The HTML page.
    """
    t = inp.reselection
    changes = [
        {
            "year": r["year"],
            "name": inp.names.get(r["code"], r["code"]),
            "change": CHANGE_LABELS[r["change"]],
            "clear_change": bool(r["clear_change"]),
            "drivers": ", ".join(
                inp.catalogue[i].short_label if i in inp.catalogue else i
                for i in filter(None, r["drivers"].split(", "))
            ),
        }
        for r in t[t["change"] != ""].to_dict("records")
    ]
    initiative = inp.selection.loc[inp.selection["in_initiative"], "name"].tolist()
    return (
        _env()
        .get_template("reselection.html.j2")
        .render(
            title=inp.title,
            label=inp.label,
            synthetic=inp.synthetic,
            k=inp.k,
            min_population=inp.min_population,
            excluded=list(inp.excluded),
            initiative_name=inp.initiative_name,
            initiative=initiative,
            summary=_summary_rows(inp),
            changes=changes,
            figure=base64.b64encode(figure if figure is not None else rank_band_figure(inp)).decode(
                "ascii"
            ),
            spatial=_spatial_context(inp),
            year=inp.year,
        )
    )


def rank_caterpillar_figure(inp: ReportInputs, fmt: str = "png") -> bytes:
    """Draw the median rank with the 5–95 % band for every area in the selection year.

    Selected areas are marked.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs (a selection with the Monte Carlo's columns).
    fmt : {"png", "svg"}
        The format.

    Returns
    -------
    bytes
        The PNG (or SVG).
    """
    return _save(_caterpillar_fig(inp), fmt)


def _caterpillar_fig(inp: ReportInputs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sel = inp.selection.dropna(subset=["rank_median"]).sort_values("rank_median")
    n = len(sel)
    fig, ax = plt.subplots(figsize=(7, 0.28 * n + 1.0), dpi=100)
    fig.subplots_adjust(left=0.22, right=0.97, top=0.93, bottom=0.08)
    y = np.arange(n)
    colours = np.where(sel["selected"], "#b30000", "#555555")
    ax.hlines(y, sel["rank_p05"], sel["rank_p95"], color=colours, lw=3, alpha=0.5)
    ax.scatter(sel["rank_median"], y, color=colours, zorder=3, s=18)
    labels = [
        f"{nm}{' *' if init else ''}"
        for nm, init in zip(sel["name"], sel["in_initiative"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(inp.k + 0.5, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("Rang (1 = svakest): median og 90 % intervall", fontsize=8)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title(f"Rødt: valgt av regelen. *: i satsingen. {inp.label}", fontsize=8)
    return fig


def profile_figure(inp: ReportInputs, code: str, fmt: str = "png") -> bytes:
    """Draw an area's indicators against the kommune and Norway.

    Deviation from the kommune in per cent.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.
    code : str
        The area.
    fmt : {"png", "svg"}
        The format.

    Returns
    -------
    bytes
        The PNG (or SVG).
    """
    return _save(_profile_fig(inp, code), fmt)


def _profile_fig(inp: ReportInputs, code: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cat = inp.catalogue
    r = inp.rates_year[(inp.rates_year["code"] == code) & inp.rates_year["published"]]
    r = r[r["indicator"].map(lambda i: cat[i].direction != "descriptive")]
    dev = 100 * (r["value_published"] / r["kommune_value"] - 1)
    nor = 100 * (r["norway_value"] / r["kommune_value"] - 1)
    worse = np.where(
        r["indicator"].map(lambda i: cat[i].direction == "higher_is_worse"), dev > 0, dev < 0
    )
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(r) + 1.0), dpi=100)
    fig.subplots_adjust(left=0.32, right=0.97, top=0.92, bottom=0.1)
    y = np.arange(len(r))
    ax.barh(y, dev, color=np.where(worse, "#d7301f", "#4a90c2"))
    ax.scatter(nor, y, marker="|", color="black", s=80, label="Norge")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [cat[i].short_label for i in r["indicator"]], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("Avvik fra kommunen, prosent", fontsize=8)
    ax.xaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:g}".replace(".", ","))
    )
    ax.set_title(
        f"{inp.names.get(code, code)} {inp.year}: rødt = svakere enn kommunen. {inp.label}",
        fontsize=8,
    )
    ax.legend(fontsize=7, frameon=False)
    return fig


def _fact_sheet_slugs(inp: ReportInputs) -> dict[str, str]:
    from .slug import unique_slugs

    sel = inp.selection.sort_values("name")
    return dict(
        zip(sel["code"], unique_slugs(sel["name"].tolist(), sel["code"].tolist()), strict=True)
    )


def _fact_sheet_links(inp: ReportInputs) -> list[dict]:
    slugs = _fact_sheet_slugs(inp)
    sel = inp.selection.sort_values("name")
    return [
        {"name": n, "href": f"faktaark/{slugs[c]}.html"}
        for c, n in zip(sel["code"], sel["name"], strict=True)
    ]


def fact_sheet_names(inp: ReportInputs) -> dict[str, str]:
    """Return the fact sheets' paths (relative to the output folder) and their areas' names.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.

    Returns
    -------
    dict of str to str
        ``reports/faktaark/<slug>.html`` → area name, sorted by name.
    """
    return {f"reports/{f['href']}": f["name"] for f in _fact_sheet_links(inp)}


def _sheet_contexts(inp: ReportInputs) -> list[tuple[str, dict]]:
    """Return each area's fact-sheet content (code, context), in name order."""
    cat = inp.catalogue
    sel = inp.selection.set_index("code")
    rates = inp.rates_year
    n_areas = int(sel["rank"].max())
    out = []
    for code, s in sel.sort_values("name").iterrows():
        rows = []
        for _, r in rates[rates["code"] == code].iterrows():
            ind = cat[r["indicator"]]
            bar = None
            if r["published"] and ind.direction != "descriptive" and r["kommune_value"]:
                dev = float(
                    np.clip(100 * (r["value_published"] / r["kommune_value"] - 1), -100, 100)
                )
                worse = dev > 0 if ind.direction == "higher_is_worse" else dev < 0
                bar = dev
                left, width = (50.0, dev / 2) if dev >= 0 else (50.0 + dev / 2, -dev / 2)
            rows.append(
                {
                    "label": ind.short_label,
                    "value": format_value(r["value_published"], ind.kind)
                    if r["published"]
                    else "ikke publisert",
                    "estimated": bool(r["published"]) and is_estimated(r),
                    "kommune": format_value(r["kommune_value"], ind.kind),
                    "norway": format_value(r["norway_value"], ind.kind),
                    "bar": bar,
                    "bar_left": f"{left:.1f}" if bar is not None else "",
                    "bar_width": f"{width:.1f}" if bar is not None else "",
                    "bar_class": ("worse" if worse else "better") if bar is not None else "",
                    "bar_title": f"{format_number(bar, decimals=0)} % mot kommunen"
                    if bar is not None
                    else "",
                }
            )
        t = inp.targets[(inp.targets["code"] == code) & inp.targets["published"]]
        targets = []
        for _, x in t.iterrows():
            kind = cat[x["indicator"]].kind
            has_latest = np.isfinite(x.get("latest_value", np.nan))
            targets.append(
                {
                    "label": cat[x["indicator"]].short_label,
                    "baseline": format_value(x["baseline"], kind),
                    "baseline_year": x["baseline_years"],
                    "target": format_value(x["target_value"], kind),
                    "latest": (
                        f"{format_value(x['latest_value'], kind)} ({int(x['latest_year'])})"
                        if has_latest
                        else ""
                    ),
                    "status": STATUS_LABELS.get(x.get("status", ""), ""),
                }
            )
        has_band = "rank_p05" in s and np.isfinite(s["rank_p05"])
        ev = inp.evidence[inp.evidence["code"] == code] if len(inp.evidence) else inp.evidence
        why = (
            evidence_text(ev.iloc[0], inp.names, inp.catalogue, k=inp.k, year=inp.year)
            if len(ev)
            else []
        )
        out.append(
            (
                code,
                {
                    "name": s["name"],
                    "population": s["population"],
                    "rank": int(s["rank"]),
                    "n_areas": n_areas,
                    "band": f"{int(s['rank_p05'])}–{int(s['rank_p95'])}" if has_band else "",
                    "p_top": format_probability(s["p_top_k"]) if "p_top_k" in s else "",
                    "selected": bool(s["selected"]),
                    "in_initiative": bool(s["in_initiative"]),
                    "rows": rows,
                    "targets": targets,
                    "why": why,
                },
            )
        )
    return out


def _sheet_page(inp: ReportInputs, sheets: list[dict], *, links: bool) -> str:
    return (
        _env()
        .get_template("faktaark.html.j2")
        .render(
            sheets=sheets,
            year=inp.year,
            kommune=inp.kommune_name,
            label=inp.label,
            synthetic=inp.synthetic,
            k=inp.k,
            initiative_name=inp.initiative_name,
            end_year=inp.end_year,
            links=links,
        )
    )


def fact_sheets(inp: ReportInputs) -> dict[str, bytes]:
    """Render one bokmål HTML fact sheet per area, named by a safe slug of its name.

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.

    Returns
    -------
    dict of str to bytes
        HTML pages by path relative to the output folder.
    """
    slugs = _fact_sheet_slugs(inp)
    return {
        f"reports/faktaark/{slugs[code]}.html": _sheet_page(inp, [ctx], links=True).encode("utf-8")
        for code, ctx in _sheet_contexts(inp)
    }


def fact_sheets_combined(inp: ReportInputs) -> str:
    """Render every fact sheet in one HTML page, each starting a new printed page (for a PDF).

    Parameters
    ----------
    inp : ReportInputs
        The report's inputs.

    Returns
    -------
    str
        The HTML page.
    """
    return _sheet_page(inp, [ctx for _, ctx in _sheet_contexts(inp)], links=False)
