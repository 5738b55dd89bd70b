"""The yearly action plan (handlingsplan) table: CSV and XLSX in bokmål, and charts per focus area.

Columns follow the plan's hierarchy: innsatsområde (focus area) → mål (goal) →
indikator → utgangspunkt (baseline) → årlige mål (yearly targets) → siste verdi
(latest value, with its interval) → status.
"""

from __future__ import annotations

import io

import pandas as pd

from ..catalogue import DOMAINS, Catalogue
from .presentation import STATUS_LABELS, format_number, format_value

__all__ = ["focus_area_charts", "handlingsplan_table", "handlingsplan_xlsx"]


def _goal(row: pd.Series, ind, end: int) -> str:
    base = format_value(row["baseline"], ind.kind)
    target = format_value(row["target_value"], ind.kind)
    if abs(row["target_value"] - row["baseline"]) < 1e-12:
        return (
            f"Holde {ind.short_label.lower()} i {row['name']} på {base} eller bedre fram til {end}"
        )
    verb = "Øke" if row["target_value"] > row["baseline"] else "Redusere"
    return f"{verb} {ind.short_label.lower()} i {row['name']} fra {base} til {target} innen {end}"


def handlingsplan_table(targets: pd.DataFrame, catalogue: Catalogue, *, label: str) -> pd.DataFrame:
    """One row per initiative area and indicator, with bokmål column names and formatted values.

    Parameters
    ----------
    targets
        The targets table (``focus_area, code, name, indicator, baseline, target_value``,
        ``target_<year>``, progress and ``published``).
    catalogue
        Indicator definitions.
    label
        The data label, the table's first column.

    Returns
    -------
    pandas.DataFrame
    """
    cat = catalogue
    t = targets
    year_cols = [c for c in t.columns if c.startswith("target_") and c[7:].isdigit()]
    rows = []
    for _, r in t.iterrows():
        ind = cat[r["indicator"]]
        if not r["published"]:
            # The baseline rests on too few people to publish: the row says so and shows no numbers.
            rows.append(
                {
                    "Innsatsområde": DOMAINS[r["focus_area"]],
                    "Mål": "ikke publisert (for få personer)",
                    "Lokalsamfunn": r["name"],
                    "Indikator": ind.label,
                    "Status": "ikke publisert",
                }
            )
            continue
        row = {
            "Innsatsområde": DOMAINS[r["focus_area"]],
            "Mål": _goal(r, ind, int(r["end_year"])),
            "Lokalsamfunn": r["name"],
            "Indikator": ind.label,
            "Utgangspunkt (år)": r["baseline_years"],
            "Utgangsverdi": format_value(r["baseline"], ind.kind),
            "Kommunen": format_value(r["reference_value"], ind.kind),
        }
        for c in year_cols:
            row[f"Mål {c[7:]}"] = format_value(r[c], ind.kind)
        has_latest = pd.notna(r.get("latest_value"))
        row["Siste verdi (år)"] = str(int(r["latest_year"])) if has_latest else ""
        row["Siste verdi"] = format_value(r["latest_value"], ind.kind) if has_latest else ""
        row["95 % intervall"] = (
            f"{format_value(r['latest_ci_low'], ind.kind)}–"
            f"{format_value(r['latest_ci_high'], ind.kind)}"
            if has_latest and pd.notna(r["latest_ci_low"])
            else ""
        )
        row["Status"] = STATUS_LABELS[r["status"]]
        row["Minste påvisbare endring"] = (
            f"{format_number(100 * r['detectable_change'], decimals=1)} prosentpoeng"
            if ind.kind == "share"
            else format_value(r["detectable_change"], ind.kind)
        )
        row["Merknad"] = "" if r["measurable"] else "målet er mindre enn det tallene kan vise"
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(0, "Datagrunnlag", label)
    return out


def handlingsplan_xlsx(table: pd.DataFrame, *, title: str, label: str) -> bytes:
    """Write the table as an XLSX workbook (openpyxl) with a title and the data label above it.

    Parameters
    ----------
    table : pandas.DataFrame
        The handlingsplan table (:func:`handlingsplan_table`).
    title : str
        Title in cell A1.
    label : str
        The data label, in A2 (red when it says "Syntetiske").

    Returns
    -------
    bytes
        The workbook: one sheet "Handlingsplan", header on row 4, panes frozen below it.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Handlingsplan"
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Datagrunnlag: {label}"
    ws["A2"].font = Font(bold=True, color="B30000" if "Syntetiske" in label else "000000")
    header_row = 4
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=col)
        cell.font = Font(bold=True)
    for i, rec in enumerate(table.itertuples(index=False), start=header_row + 1):
        for j, value in enumerate(rec, start=1):
            ws.cell(row=i, column=j, value=value)
    for j, col in enumerate(table.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in table[col]]) + 2
        ws.column_dimensions[get_column_letter(j)].width = min(width, 70)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    wb.properties.creator = "levekar"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def focus_area_charts(
    targets: pd.DataFrame, rates: pd.DataFrame, catalogue: Catalogue, *, label: str
) -> dict[str, bytes]:
    """Draw one PNG per focus area: each indicator's trajectory per area, with actual values.

    Only published targets and values are drawn.

    Parameters
    ----------
    targets : pandas.DataFrame
        Targets with ``published``, ``focus_area``, ``code``, ``name``, ``indicator``
        and ``target_<year>`` columns.
    rates : pandas.DataFrame
        Rates with ``published``, ``code``, ``indicator``, ``year``, ``value`` and
        ``kommune_value``.
    catalogue : Catalogue
        Indicator definitions (labels and kinds).
    label : str
        The data label, in every title.

    Returns
    -------
    dict of str to bytes
        PNG bytes by focus area.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cat = catalogue
    t = targets[targets["published"]]
    rates = rates[rates["published"]]
    year_cols = [c for c in t.columns if c.startswith("target_") and c[7:].isdigit()]
    years = [int(c[7:]) for c in year_cols]
    out = {}
    for focus, group in t.groupby("focus_area", sort=False):
        inds = list(dict.fromkeys(group["indicator"]))
        fig, axes = plt.subplots(
            1, len(inds), figsize=(4.2 * len(inds), 3.4), dpi=90, squeeze=False
        )
        fig.subplots_adjust(left=0.07, right=0.98, top=0.82, bottom=0.12, wspace=0.3)
        for ax, ind_id in zip(axes[0], inds, strict=True):
            ind = cat[ind_id]
            scale = 100.0 if ind.kind == "share" else 1.0
            for k, (_, r) in enumerate(group[group["indicator"] == ind_id].iterrows()):
                colour = f"C{k}"
                ax.plot(years, [scale * r[c] for c in year_cols], "--", color=colour, lw=1.5)
                hist = rates[
                    (rates["code"] == r["code"]) & (rates["indicator"] == ind_id)
                ].sort_values("year")
                ax.plot(
                    hist["year"], scale * hist["value"], "-o", color=colour, ms=3, label=r["name"]
                )
            kom = rates[(rates["indicator"] == ind_id)].drop_duplicates("year").sort_values("year")
            ax.plot(kom["year"], scale * kom["kommune_value"], color="grey", lw=1, label="Kommunen")
            ax.set_title(ind.short_label, fontsize=9)
            ax.set_ylabel(
                "%" if ind.kind == "share" else ("per 1 000" if ind.kind == "rate_per_1000" else "")
            )
            ax.tick_params(labelsize=7)
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _p: f"{v:g}".replace(".", ","))
            )
        axes[0][0].legend(fontsize=7, frameon=False)
        fig.suptitle(
            f"{DOMAINS[focus]}: faktiske verdier (heltrukket) og mål (stiplet). {label}", fontsize=9
        )
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None})
        plt.close(fig)
        out[focus] = buf.getvalue()
    return out
