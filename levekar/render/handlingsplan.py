"""The yearly action plan (handlingsplan) table: CSV and XLSX in bokmål, and charts per focus area.

Columns follow the plan's hierarchy: innsatsområde (focus area) → mål (goal) →
indikator → utgangspunkt (baseline) → årlige mål (yearly targets) → siste verdi
(latest value, with its interval) → status.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from ..catalogue import DOMAINS, Catalogue
from .presentation import STATUS_LABELS, area_colours, format_number, format_value

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


# Excel number formats (Excel shows them in the reader's locale: "12,3 %", "375 000").
_FORMATS = {"share": "0.0 %", "rate_per_1000": '0.0 "‰"', "mean": "#,##0", "median": "#,##0"}
_YEAR = "0"


def _xlsx_rows(targets: pd.DataFrame, catalogue: Catalogue) -> tuple[list[str], list[list]]:
    """Return the header and rows of (value, number format) cells: numbers stay numbers."""
    year_cols = [c for c in targets.columns if c.startswith("target_") and c[7:].isdigit()]
    header = [
        "Innsatsområde",
        "Mål",
        "Lokalsamfunn",
        "Indikator",
        "Utgangspunkt fra år",
        "Utgangspunkt til år",
        "Utgangsverdi",
        "Kommunen (samme år)",
        *[f"Mål {c[7:]}" for c in year_cols],
        "Siste verdi (år)",
        "Siste verdi",
        "95 % intervall, nedre",
        "95 % intervall, øvre",
        "Status",
        "Minste påvisbare endring",
        "Merknad",
    ]
    rows = []

    def num(x, fmt):
        return (float(x), fmt) if pd.notna(x) else (None, None)

    for _, r in targets.iterrows():
        ind = catalogue[r["indicator"]]
        fmt = _FORMATS.get(ind.kind, "0.0")
        cells = dict.fromkeys(header, (None, None))
        cells["Innsatsområde"] = (DOMAINS[r["focus_area"]], None)
        cells["Lokalsamfunn"] = (r["name"], None)
        cells["Indikator"] = (ind.label, None)
        if not r["published"]:
            cells["Mål"] = ("ikke publisert (for få personer)", None)
            cells["Status"] = ("ikke publisert", None)
            rows.append([cells[h] for h in header])
            continue
        cells["Mål"] = (_goal(r, ind, int(r["end_year"])), None)
        # "2022" or "2020–2022" (pooled years): the first and the last year, as numbers.
        years = re.findall(r"\d{4}", str(r["baseline_years"]))
        if years:
            cells["Utgangspunkt fra år"] = (int(years[0]), _YEAR)
            cells["Utgangspunkt til år"] = (int(years[-1]), _YEAR)
        cells["Utgangsverdi"] = num(r["baseline"], fmt)
        cells["Kommunen (samme år)"] = num(r["reference_value"], fmt)
        for c in year_cols:
            cells[f"Mål {c[7:]}"] = num(r[c], fmt)
        if pd.notna(r.get("latest_value")):
            cells["Siste verdi (år)"] = (int(r["latest_year"]), _YEAR)
            cells["Siste verdi"] = num(r["latest_value"], fmt)
            cells["95 % intervall, nedre"] = num(r["latest_ci_low"], fmt)
            cells["95 % intervall, øvre"] = num(r["latest_ci_high"], fmt)
        cells["Status"] = (STATUS_LABELS[r["status"]], None)
        cells["Minste påvisbare endring"] = (
            num(100 * r["detectable_change"], '0.0 "prosentpoeng"')
            if ind.kind == "share"
            else num(r["detectable_change"], fmt)
        )
        cells["Merknad"] = (
            "" if r["measurable"] else "målet er mindre enn det tallene kan vise",
            None,
        )
        rows.append([cells[h] for h in header])
    return header, rows


def _sheet_title(text: str, used: set[str]) -> str:
    r"""Make an Excel sheet name: at most 31 characters, none of []:*?/\\, unique."""
    name = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31].strip() or "Ark"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def handlingsplan_xlsx(
    targets: pd.DataFrame, catalogue: Catalogue, *, title: str, label: str
) -> bytes:
    """Write the action plan as a real spreadsheet (openpyxl): numbers and years as numbers.

    The first sheet, "Handlingsplan", is the whole plan (the overview); then one sheet
    per focus area. Every sheet has the title in A1, the data label in A2 (red when it
    says "Syntetiske"), the header on row 4 with a filter on it, the panes frozen
    below it, and numeric cells with display formats (shares stored as fractions
    shown as ``0.0 %``, rates per 1,000 with ``‰``, amounts with thousands
    separators, years without).

    Parameters
    ----------
    targets : pandas.DataFrame
        The targets table (``focus_area, code, name, indicator, baseline_years,
        baseline, reference_value, target_value``, ``target_<year>``, progress and
        ``published``); numbers on unpublished rows are not written.
    catalogue : Catalogue
        Indicator definitions (labels and kinds).
    title : str
        Title in cell A1.
    label : str
        The data label, in A2.

    Returns
    -------
    bytes
        The workbook.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header, rows = _xlsx_rows(targets, catalogue)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    sheets = [("Handlingsplan", title, rows)]
    focus_col = header.index("Innsatsområde")
    for focus in dict.fromkeys(r[focus_col][0] for r in rows):
        sheets.append((focus, f"{title}: {focus}", [r for r in rows if r[focus_col][0] == focus]))
    for name, sheet_title, sheet_rows in sheets:
        ws = wb.create_sheet(_sheet_title(name, used))
        ws["A1"] = sheet_title
        ws["A1"].font = Font(bold=True, size=14)
        ws["A2"] = f"Datagrunnlag: {label}"
        ws["A2"].font = Font(bold=True, color="B30000" if "Syntetiske" in label else "000000")
        header_row = 4
        for j, col in enumerate(header, start=1):
            cell = ws.cell(row=header_row, column=j, value=col)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        for i, rec in enumerate(sheet_rows, start=header_row + 1):
            for j, (value, fmt) in enumerate(rec, start=1):
                cell = ws.cell(row=i, column=j, value=value)
                if fmt:
                    cell.number_format = fmt
        for j, col in enumerate(header, start=1):
            texts = [str(r[j - 1][0]) for r in sheet_rows if isinstance(r[j - 1][0], str)]
            width = max([min(len(col), 14), 10] + [len(t) for t in texts]) + 2
            ws.column_dimensions[get_column_letter(j)].width = min(width, 60)
        last = header_row + max(len(sheet_rows), 1)
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(header))}{last}"
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    wb.properties.creator = "levekar"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def focus_area_charts(
    targets: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    label: str,
    colours: dict[str, str] | None = None,
    fmt: str = "png",
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
    colours : dict of str to str, optional
        A colour per area code (:func:`~levekar.render.presentation.area_colours`), the
        same in every chart; default: from the codes in ``targets``.
    fmt : {"png", "svg"}
        The format.

    Returns
    -------
    dict of str to bytes
        PNG (or SVG) bytes by focus area.
    """
    from .figures import save_figure

    figs = _focus_area_figs(targets, rates, catalogue, label=label, colours=colours)
    return {focus: save_figure(fig, fmt) for focus, fig in figs.items()}


def _focus_area_figs(
    targets: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    label: str,
    colours: dict[str, str] | None = None,
) -> dict:
    """Draw the focus areas' charts as matplotlib figures, by focus area."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cat = catalogue
    colours = colours or area_colours(targets["code"])
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
            for _, r in group[group["indicator"] == ind_id].iterrows():
                colour = colours.get(r["code"], "#555555")
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
        out[focus] = fig
    return out
