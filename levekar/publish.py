"""What a run publishes: every output file, built from the run's results.

This is the seam between the pipeline and the edges: it turns
:class:`~levekar.pipeline.Results` into the explicit inputs the renderers take (a
layer, frames, options) and into the processed tables, whose area key is ``code``.
Values that may not be published are blanked here, by the flags the core set with
its one disclosure rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import Results
    from .render.maps import DistanceGrid, MapOptions
    from .render.report import ReportInputs

__all__ = [
    "access_grid_table",
    "distance_grid",
    "map_files",
    "map_groups",
    "map_options",
    "output_files",
    "points_by_area",
    "previous_outputs",
    "processed_files",
    "published_indicators",
    "report_inputs",
    "reselection_files",
    "results_map",
]


def _csv(df: pd.DataFrame, label: str) -> bytes:
    out = df.copy()
    out.insert(0, "data_label", label)
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def published_indicators(results: Results) -> pd.DataFrame:
    """Return indicator values by area and year as they may be published (small cells hidden).

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    pandas.DataFrame
        Sorted by indicator, year and code: ``code, name, year, indicator, value`` (the
        published value), ``ci_low, ci_high, interval_method, numerator, denominator,
        publish_status, status, n_suppressed, approximate, kommune_value,
        norway_value, significantly_worse, value_shrunk, shrinkage``. On rows that
        may not be published the interval, counts and ``value_shrunk`` are blank and
        ``significantly_worse`` is False; ``shrinkage`` is kept.
    """
    r = results.rates
    cols = [
        "code",
        "name",
        "year",
        "indicator",
        "value_published",
        "ci_low",
        "ci_high",
        "interval_method",
        "numerator",
        "denominator",
        "publish_status",
        "status",
        "n_suppressed",
        "approximate",
        "kommune_value",
        "norway_value",
        "significantly_worse",
        "value_shrunk",
        "shrinkage",
    ]
    out = r[cols].rename(columns={"value_published": "value"}).copy()
    hidden = ~r["published"]
    # Shrinkage B = v / (v + τ²) rests on the denominator: hidden with it.
    out.loc[
        hidden, ["ci_low", "ci_high", "numerator", "denominator", "value_shrunk", "shrinkage"]
    ] = np.nan
    out.loc[hidden, "significantly_worse"] = False
    return out.sort_values(["indicator", "year", "code"]).reset_index(drop=True)


def _published_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """Return the targets table with every number blanked on rows that may not be published."""
    out = targets.copy()
    numeric = [
        c
        for c in out.columns
        if c
        not in (
            "focus_area",
            "code",
            "name",
            "indicator",
            "baseline_years",
            "status",
            "published",
            "measurable",
            "end_year",
        )
    ]
    flags = [c for c in numeric if pd.api.types.is_bool_dtype(out[c])]
    for c in flags:  # yes/no facts about a hidden denominator are hidden too
        out[c] = out[c].astype("boolean").mask(~out["published"])
    numeric = [c for c in numeric if c not in flags]
    out.loc[~out["published"], numeric] = np.nan
    return out


def _published_unmatched(results: Results) -> pd.DataFrame:
    """Return the rows that reached no area, counts blanked where too small to publish."""
    from .indicators import disclosure_threshold

    out = results.unmatched.copy()
    if out.empty:
        return out
    threshold = disclosure_threshold(
        out["indicator"],
        results.study.catalogue,
        min_denominator=results.study.config.study.min_denominator,
    )
    small = ~(out["denominator"].astype(float) >= threshold)
    out.loc[small, [c for c in ("numerator", "denominator") if c in out]] = np.nan
    return out


def points_by_area(results: Results) -> pd.DataFrame:
    """Count the study's points (schools, meeting places, ...) in each lokalsamfunn.

    Parameters
    ----------
    results : Results
        A run's results; the points are :attr:`Study.points`.

    Returns
    -------
    pandas.DataFrame
        ``code, name`` and one column per point layer (its title), the number of points
        inside the lokalsamfunn (0 where none), every lokalsamfunn listed; a last row
        ``code = ""``, ``name = "utenfor"`` counts the points in no lokalsamfunn.
    """
    import geopandas as gpd

    layer = results.study.lokalsamfunn[["code", "name", "geometry"]]
    out = layer[["code", "name"]].copy().reset_index(drop=True)
    outside = {"code": "", "name": "utenfor"}
    for title, pts in results.study.points.items():
        hit = gpd.sjoin(pts[["geometry"]].to_crs(layer.crs), layer, how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        counts = hit["code"].value_counts()
        out[title] = out["code"].map(counts).fillna(0).astype(int)
        outside[title] = int(hit["code"].isna().sum())
    return pd.concat([out, pd.DataFrame([outside])], ignore_index=True)


def _selection_table(results: Results) -> pd.DataFrame:
    from .render.presentation import AGREEMENT_LABELS, reasons_text

    sel = results.selection.copy()
    rates_year = results.rates[results.rates["year"] == results.year].set_index(
        ["code", "indicator"]
    )
    sel["reasons"] = [
        reasons_text(c, w, rates_year, results.study.catalogue)
        for c, w in zip(sel["code"], sel["worse_indicators"], strict=True)
    ]
    sel["agreement_label"] = sel["agreement"].map(AGREEMENT_LABELS)
    if results.without_data:
        layer = results.study.lokalsamfunn.set_index("code")
        init = set(results.study.config.initiative.areas)
        codes = results.without_data
        empty = pd.DataFrame(
            {
                "code": codes,
                "name": [layer.at[c, "name"] for c in codes],
                "has_data": False,
                "eligible": False,
                "selected": False,
                "approximate": False,
                "in_initiative": [c in init or layer.at[c, "name"] in init for c in codes],
                "worse_indicators": "",
                "reasons": "ingen data",
                "agreement": "",
            }
        )
        sel = pd.concat([sel, empty], ignore_index=True)
    return sel


def _counterfactual_table(results: Results) -> pd.DataFrame:
    from .render.presentation import counterfactual_text

    cf = results.counterfactuals.copy()
    cf.insert(1, "name", cf["code"].map(results.names))
    cf["text"] = [
        counterfactual_text(r, results.names, results.study.catalogue, results.rule.k)
        for r in results.counterfactuals.to_dict("records")
    ]
    return cf


def _reselection_tables(results: Results) -> dict[str, pd.DataFrame]:
    from .render.presentation import names_of

    table = results.reselection.table.copy()
    table.insert(1, "name", table["code"].map(results.names))
    summary = results.reselection.summary.copy()
    for col in (
        "selected",
        "in_initiative_and_selected",
        "selected_not_in_initiative",
        "initiative_not_selected",
        "entered",
        "left",
    ):
        summary[f"{col}_names"] = summary[col].map(lambda v: names_of(v, results.names))
    return {
        "data/processed/reselection.csv": table,
        "data/processed/reselection_summary.csv": summary,
    }


def access_grid_table(results: Results) -> pd.DataFrame:
    """Return the accessibility grid as a table: each cell's distances, for a later map layer.

    Parameters
    ----------
    results : Results
        A run's results with ``[accessibility]`` (:attr:`Results.access_grid`).

    Returns
    -------
    pandas.DataFrame
        One row per cell (or point) of the population layer: ``code`` (its grunnkrets,
        empty outside all), ``<stem>_distance_m`` (metres, 0.1 m) and ``<stem>_status``
        per destination, and ``wkt`` (the geometry in EPSG:25833, to 0.01 m). People per
        cell are left out: with address points they would show people per address.
    """
    import shapely

    grid = results.access_grid
    cols = [c for c in grid.columns if c not in ("people", grid.geometry.name)]
    out = pd.DataFrame(grid[cols]).reset_index(drop=True)
    for c in cols:
        if c.endswith("_distance_m"):
            out[c] = out[c].astype(float).round(1)
    out["wkt"] = shapely.to_wkt(
        np.asarray(grid.geometry, dtype=object), rounding_precision=2, trim=True
    )
    return out


def processed_files(results: Results) -> dict[str, bytes]:
    """Build the processed data files, by path relative to the output folder.

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    dict of str to bytes
        CSV files under ``data/processed/`` (each with a ``data_label`` column first;
        ``access_grid.csv`` with ``[accessibility]``) and ``data/processed/run_report.json``.
    """
    label = results.label
    cw = results.crosswalk
    tables = {
        "data/processed/crosswalk_grunnkrets_lokalsamfunn.csv": cw.table,
        "data/processed/crosswalk_unassigned.csv": cw.unassigned,
        "data/processed/indicators_lokalsamfunn.csv": published_indicators(results),
        "data/processed/index_lokalsamfunn.csv": results.index,
        "data/processed/selection.csv": _selection_table(results),
        "data/processed/targets.csv": _published_targets(results.targets),
        "data/processed/index_comparison.csv": results.comparison,
        "data/processed/index_agreement.csv": results.agreement,
        "data/processed/counterfactuals.csv": _counterfactual_table(results),
        **_reselection_tables(results),
        "data/processed/unmatched_observations.csv": _published_unmatched(results),
        "data/processed/rule_family.csv": results.rule_family,
        "data/processed/sobol_boundary_areas.csv": results.sobol,
        "data/processed/choice_evidence.csv": results.evidence,
    }
    if results.access_grid is not None:
        tables["data/processed/access_grid.csv"] = access_grid_table(results)
    if results.study.points:
        tables["data/processed/points_by_area.csv"] = points_by_area(results)
    files = {path: _csv(df, label) for path, df in tables.items()}
    meta = {
        "data_label": label,
        "synthetic": results.synthetic,
        "study": results.study.config.study.name,
        "selection_year": results.year,
        "rule": {
            "kind": results.rule.kind,
            "k": results.rule.k,
            "min_population": results.rule.min_population,
            "exclude": sorted(results.rule.exclude),
            "min_indicators_worse": results.rule.min_indicators_worse,
        },
        "uncertainty_sources": list(results.scores[results.year].options.sources),
        "crosswalk_quality": cw.quality.as_dict(),
        "accounting": results.accounting.as_dict(),
        "layer_reports": [r.as_dict() for r in results.study.reports],
        "findings": results.findings.records(),
        "choice": results.choice,
        "findings_summary": results.findings.summary(),
    }
    if results.spatial is not None:
        files["data/processed/spatial_clusters.csv"] = _csv(results.spatial.local, label)
        meta["spatial"] = results.spatial.as_dict()
    files["data/processed/run_report.json"] = (
        json.dumps(meta, ensure_ascii=False, indent=2, default=_json_default) + "\n"
    ).encode("utf-8")
    return files


def _json_default(o):
    if isinstance(o, np.integer | np.floating | np.bool_):
        return o.item()
    raise TypeError(type(o))


def map_options(results: Results) -> MapOptions:
    """Return the map's titles and drawing options from the study.

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    MapOptions
        Titles, label, years, k and ``[output]`` choices; tiles ``"auto"`` means none
        for synthetic data, OpenStreetMap otherwise.
    """
    from .render.maps import MapOptions

    cfg = results.study.config
    out = cfg.output
    tiles = {"auto": None if results.synthetic else "OpenStreetMap", "none": None}.get(
        out.tiles, out.tiles
    )
    return MapOptions(
        title=cfg.study.name,
        label=results.label,
        synthetic=results.synthetic,
        year=results.year,
        years=tuple(results.study_years),
        k=results.rule.k,
        index_name=(cfg.index or {}).get("name", "Levekårsindeks"),
        initiative_name=cfg.initiative.name,
        tiles=tiles,
        scheme=out.classification,
        classes=out.classes,
    )


def distance_grid(results: Results) -> DistanceGrid | None:
    """Return the accessibility grid as the map draws it: inhabited cells, no person counts.

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    DistanceGrid or None
        The cells of :attr:`Results.access_grid` where people live and that lie in a
        grunnkrets, with each destination's distance and status (the people column
        left out), the destinations' bokmål names and which are measured along the
        network; None without ``[accessibility]`` or with ``[output] access_grid = false``.
    """
    from .render.maps import DistanceGrid
    from .render.presentation import destination_name

    cfg = results.study.config
    grid = results.access_grid
    if grid is None or cfg.accessibility is None or not cfg.output.access_grid:
        return None
    acc = cfg.accessibility
    stems = [s for s in acc.destinations if f"{s}_distance_m" in grid]
    keep = (grid["people"].astype(float) > 0) & (grid["code"].astype(str) != "")
    cols = [c for s in stems for c in (f"{s}_distance_m", f"{s}_status")]
    return DistanceGrid(
        cells=grid.loc[keep, [*cols, grid.geometry.name]].reset_index(drop=True),
        destinations={s: destination_name(s, results.study.catalogue) for s in stems},
        network=frozenset(s for s in stems if (acc.destinations[s].kind or acc.kind) == "network"),
    )


def results_map(results: Results, **options):
    """Draw the run's interactive map of every area (with the accessibility grid, if any).

    Parameters
    ----------
    results : Results
        A run's results.
    **options
        Fields of :class:`~levekar.render.maps.MapOptions` overriding
        :func:`map_options`.

    Returns
    -------
    folium.Map
        The map of the selection year.
    """
    from dataclasses import replace

    from .render.maps import index_map

    rates_year = results.rates[results.rates["year"] == results.year]
    return index_map(
        results.study.lokalsamfunn,
        results.selection,
        rates_year,
        results.study.catalogue,
        options=replace(map_options(results), **options),
        points=results.study.points,
        grid=distance_grid(results),
    )


MAP = "maps/levekar_kart.html"
_MAP_FOLDERS = {"kommune": "maps/kommuner", "fylke": "maps/fylker"}


def _kommune_of_areas(results: Results) -> pd.Series:
    """Return each lokalsamfunn's kommune number, by code.

    The kommune holding most of the lokalsamfunn's people in the crosswalk (a grunnkrets
    code's first four digits; the area breaks ties); the study's own kommune where the
    crosswalk has no grunnkrets code for an area.
    """
    t = results.crosswalk.table
    src = t["source_code"].astype(str)
    frame = pd.DataFrame(
        {
            "code": t["target_code"].astype(str),
            "kommune": src.str[:4],
            "weight": t["population"].astype(float).fillna(0.0)
            + 1e-9 * t["area_m2"].astype(float).fillna(0.0),
        }
    )[src.str.fullmatch(r"\d{8}").to_numpy()]
    best = (
        frame.groupby(["code", "kommune"], sort=True)["weight"]
        .sum()
        .reset_index()
        .sort_values(["code", "weight"], ascending=[True, False], kind="stable")
        .drop_duplicates("code")
        .set_index("code")["kommune"]
    )
    codes = results.study.lokalsamfunn["code"].astype(str)
    return pd.Series(
        codes.map(best).fillna(results.study.config.study.kommune).to_numpy(), index=codes
    )


def map_groups(results: Results) -> pd.DataFrame | None:
    """Say which map each lokalsamfunn is drawn in, when a study covers several kommuner.

    With ``[output] map_per = "kommune"`` (the default) and areas in more than one
    kommune, each kommune gets a map of its own; with ``"fylke"``, each fylke (the
    kommune number's first two digits) when there is more than one; ``"none"`` keeps
    one map. A lokalsamfunn's kommune is the one holding most of its people in the
    crosswalk (its grunnkretser's codes).

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    pandas.DataFrame or None
        One row per lokalsamfunn: ``code``, ``group`` (kommune or fylke number),
        ``group_name`` and ``path`` (its map, ``maps/kommuner/<slug>.html`` or
        ``maps/fylker/<slug>.html``, slugs of the names); None for one map.
    """
    from .codes import kommune_names
    from .render.presentation import FYLKE_NAMES
    from .render.slug import unique_slugs

    cfg = results.study.config
    per = cfg.output.map_per
    if per == "none":
        return None
    kommune = _kommune_of_areas(results)
    group = kommune if per == "kommune" else kommune.str[:2]
    if group.nunique() < 2:
        return None
    if per == "kommune":
        known = {**kommune_names(), cfg.study.kommune: cfg.study.kommune_name}
        names = {g: known.get(g, f"Kommune {g}") for g in group.unique()}
    else:
        names = {g: FYLKE_NAMES.get(g, f"Fylke {g}") for g in group.unique()}
    keys = sorted(names)
    slugs = dict(zip(keys, unique_slugs([names[g] for g in keys], keys), strict=True))
    return pd.DataFrame(
        {
            "code": group.index,
            "group": group.to_numpy(),
            "group_name": group.map(names).to_numpy(),
            "path": [f"{_MAP_FOLDERS[per]}/{slugs[g]}.html" for g in group],
        }
    )


def _overview_areas(results: Results, groups: pd.DataFrame):
    """Return one polygon per map's group with its counts and its map's link (from the overview)."""
    from pathlib import PurePosixPath

    layer = results.study.lokalsamfunn[["code", "geometry"]].merge(groups, on="code")
    sel = results.selection.set_index("code")
    layer["selected"] = layer["code"].map(sel["selected"]).fillna(False).astype(bool)
    layer["initiative"] = layer["code"].map(sel["in_initiative"]).fillna(False).astype(bool)
    shapes = layer.dissolve(by="group", sort=True)
    counts = layer.groupby("group", sort=True).agg(
        name=("group_name", "first"),
        path=("path", "first"),
        n_areas=("code", "size"),
        n_selected=("selected", "sum"),
        n_initiative=("initiative", "sum"),
    )
    out = shapes[["geometry"]].join(counts).reset_index(names="code")
    out["href"] = [str(PurePosixPath(p).relative_to("maps")) for p in out["path"]]
    return out


def map_files(results: Results, say: Callable[[str], None] = lambda _: None) -> dict[str, bytes]:
    """Draw the run's maps: one, or one per kommune (or fylke) and an overview.

    Parameters
    ----------
    results : Results
        A run's results.
    say : callable, optional
        Called with a short bokmål message per step.

    Returns
    -------
    dict of str to bytes
        ``maps/levekar_kart.html`` (the map, or the overview of the kommuner when
        :func:`map_groups` splits the study) and, when split, one page per group.
    """
    from dataclasses import replace

    from .render.maps import index_maps, is_regular_grid, overview_map

    grid = distance_grid(results)
    if grid is not None and not is_regular_grid(grid.cells.geometry):
        say(
            "Avstand per rute vises ikke i kartet: befolkningslaget er ikke et rutenett av "
            "like store ruter (se data/processed/access_grid.csv)"
        )
        grid = None
    groups = map_groups(results)
    if groups is None:
        say("Kart")
        cap = map_options(results).grid_max_cells
        if grid is not None and len(grid.cells) > cap:
            say(
                f"Avstand per rute vises ikke i kartet: {len(grid.cells):,} ruter er flere enn "
                f"{cap:,} (ett kart for hele studien; [output] map_per)"
            )
        return {MAP: results_map(results).get_root().render().encode("utf-8")}
    per = results.study.config.output.map_per
    maps = groups.drop_duplicates("group").set_index("group")
    say(f"Kart: {len(maps)} {'kommuner' if per == 'kommune' else 'fylker'} og en oversikt")
    options = map_options(results)
    files = {}
    pages = index_maps(
        results.study.lokalsamfunn,
        results.selection,
        results.rates[results.rates["year"] == results.year],
        results.study.catalogue,
        options=replace(
            options,
            overview_href="../levekar_kart.html",
            overview_text="Alle kommuner" if per == "kommune" else "Alle fylker",
        ),
        groups={
            g: (maps.at[g, "group_name"], list(codes))
            for g, codes in groups.groupby("group", sort=True)["code"]
        },
        points=results.study.points,
        grid=grid,
    )
    for g, page in pages:
        files[maps.at[g, "path"]] = page.get_root().render().encode("utf-8")
    files[MAP] = (
        overview_map(_overview_areas(results, groups), options=options, unit=per)
        .get_root()
        .render()
        .encode("utf-8")
    )
    return files


def report_inputs(results: Results) -> ReportInputs:
    """Collect the reports' explicit inputs from the run's results.

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    ReportInputs
        What the report renderers take.
    """
    from .render.report import ReportInputs

    cfg = results.study.config
    return ReportInputs(
        title=cfg.study.name,
        label=results.label,
        synthetic=results.synthetic,
        kommune_name=cfg.study.kommune_name,
        year=results.year,
        k=results.rule.k,
        rule=results.rule.kind,
        min_population=results.rule.min_population,
        excluded=tuple(results.names.get(c, c) for c in sorted(results.rule.exclude)),
        draws=results.scores[results.year].options.draws,
        initiative_name=cfg.initiative.name,
        plan_start=cfg.initiative.start,
        end_year=cfg.initiative.end_year,
        catalogue=results.study.catalogue,
        layer=results.study.lokalsamfunn,
        selection=results.selection,
        rates=results.rates,
        targets=results.targets,
        names=results.names,
        n_indicators=len(results.spec.indicators),
        counterfactuals=results.counterfactuals,
        agreement=results.agreement,
        reselection=results.reselection.table,
        reselection_summary=results.reselection.summary,
        spatial=results.spatial,
        accounting=results.accounting.as_dict(),
        shrinkage=bool(cfg.indicators is not None and cfg.indicators.shrinkage),
        sources=results.scores[results.year].options.sources,
        findings=results.findings.records(),
        evidence=results.evidence,
        rule_family=results.rule_family,
        choice=results.choice,
        sobol=results.sobol,
    )


def reselection_files(results: Results) -> dict[str, bytes]:
    """Build the reselection tables and their bokmål page, for ``levekar reselect``.

    Parameters
    ----------
    results : Results
        A run's results.

    Returns
    -------
    dict of str to bytes
        The reselection CSV files, ``reports/utvelgelse_over_tid.html`` and, when
        computed, the spatial clusters.
    """
    from .render.report import render_reselection

    files = {path: _csv(df, results.label) for path, df in _reselection_tables(results).items()}
    files["reports/utvelgelse_over_tid.html"] = render_reselection(report_inputs(results)).encode(
        "utf-8"
    )
    if results.spatial is not None:
        files["data/processed/spatial_clusters.csv"] = _csv(results.spatial.local, results.label)
    return files


def _render(results: Results, say: Callable[[str], None]) -> dict[str, bytes]:
    """Render the map (folium), the report's figures (matplotlib) and pages (jinja2, openpyxl).

    Where the machine has more than one core and can fork, the figures are drawn in a helper
    process (given their inputs explicitly) while this one builds the map, the fact sheets and
    the handlingsplan; otherwise everything runs here, one after the other.
    """
    import multiprocessing
    import os

    out = results.study.config.output
    files: dict[str, bytes] = {}
    inp = report_inputs(results) if out.report else None
    pool = job = None
    if (
        inp is not None
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        from .render.report import report_figures

        pool = multiprocessing.get_context("fork").Pool(1)
        job = pool.apply_async(report_figures, (inp,))
    try:
        if out.map:
            files.update(map_files(results, say))
        if inp is not None:
            say("Rapport")
            from .render.report import report_files

            files.update(report_files(inp, figures=job.get if job is not None else None))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    if inp is not None and out.pdf:
        files.update(_pdf_files(inp, files, say))
    return files


def _pdf_files(inp: ReportInputs, files: dict[str, bytes], say) -> dict[str, bytes]:
    """Print the report and all fact sheets (one PDF) with headless Chromium, both at once.

    Without Chromium the run goes on without PDFs and says why.
    """
    import tempfile
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from .render.pdf import NO_CHROMIUM, find_chromium, html_to_pdf
    from .render.report import fact_sheets_combined

    chromium = find_chromium()
    if chromium is None:
        say(f"Ingen PDF: {NO_CHROMIUM}")
        return {}
    say("PDF (Chromium)")
    pages = {
        "reports/levekar_rapport.pdf": files["reports/levekar_rapport.html"],
        "reports/faktaark.pdf": fact_sheets_combined(inp).encode("utf-8"),
    }
    with tempfile.TemporaryDirectory(prefix="levekar-pdf-") as tmp:
        jobs = {}
        with ThreadPoolExecutor(len(pages)) as ex:
            for path, page in pages.items():
                src = Path(tmp) / (Path(path).stem + ".html")
                src.write_bytes(page)
                jobs[path] = ex.submit(html_to_pdf, src, src.with_suffix(".pdf"), chromium=chromium)
        return {path: job.result().read_bytes() for path, job in jobs.items()}


RUN_REPORT = "data/processed/run_report.json"


def _landing(results: Results, files: dict[str, bytes]) -> bytes:
    """Render ``index.html``, the page linking every output."""
    from .render.landing import landing_page

    names = {}
    if results.study.config.output.report:
        from .render.report import fact_sheet_names

        names = fact_sheet_names(report_inputs(results))
    groups = map_groups(results) if results.study.config.output.map else None
    if groups is not None:
        unit = "kommunene" if results.study.config.output.map_per == "kommune" else "fylkene"
        names[MAP] = f"Oversiktskart over {unit}: klikk for kartet over hver"
        names.update(zip(groups["path"], groups["group_name"], strict=True))
    return landing_page(
        [*files, "index.html"],
        title=results.study.config.study.name,
        label=results.label,
        synthetic=results.synthetic,
        names=names,
    ).encode("utf-8")


def output_files(results: Results, say: Callable[[str], None]) -> dict[str, bytes]:
    """Build every file a run writes, by path relative to the output folder.

    ``run_report.json`` lists them all (``outputs``), so that the next run can remove
    what it no longer writes.

    Parameters
    ----------
    results : Results
        A run's results.
    say : callable
        Called with a short bokmål message per step.

    Returns
    -------
    dict of str to bytes
        The processed files, the map and reports as ``[output]`` asks (with PDFs
        when ``pdf = true`` and Chromium is installed), and ``index.html`` linking
        them all.
    """
    files = dict(processed_files(results))
    files.update(_render(results, say))
    files["index.html"] = _landing(results, files)
    meta = json.loads(files[RUN_REPORT])
    groups = map_groups(results) if results.study.config.output.map else None
    if groups is not None:
        meta["maps"] = {
            "per": results.study.config.output.map_per,
            "overview": MAP,
            "maps": [
                {
                    "path": path,
                    "code": g["group"].iloc[0],
                    "name": g["group_name"].iloc[0],
                    "areas": len(g),
                    "bytes": len(files[path]),
                }
                for path, g in groups.groupby("path", sort=True)
            ],
        }
    meta["outputs"] = sorted(files)
    files[RUN_REPORT] = (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files


def previous_outputs(out_dir) -> list[str]:
    """List the files the last run into ``out_dir`` wrote (from its run_report.json)."""
    from pathlib import Path

    report = Path(out_dir) / RUN_REPORT
    try:
        listed = json.loads(report.read_text(encoding="utf-8")).get("outputs", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [p for p in listed if isinstance(p, str)]
