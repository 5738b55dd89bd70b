r"""Udir Skoleporten exports of the national tests (nasjonale prøver), per school.

The files come as Skoleporten writes them: UTF-16LE without a BOM, a ``sep=\\t``
first line, tab separated, decimal comma, a space as thousands separator
(``56 833``), ``*`` for suppressed cells, trailing spaces in school names, and
column names like ``2024-25.Lesing.5. årstrinn.Alle eierformer.Alle kjønn.Skalapoeng``.
The kommune number follows the kommune reform (Fredrikstad ``3004`` in 2022-23
and 2023-24, ``3107`` after), so kommune codes are carried forward to today's.

Results join to schools (by organisation number), schools to catchments and so to
lokalsamfunn: :func:`observations_from_udir` gives tidy observations of kind
``mean`` (scale points × pupils over pupils) for an area layer.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..codes import current_kommune, kommune_split
from ..errors import DataError
from .tables import parse_numbers, read_table

__all__ = ["observations_from_udir", "read_udir_national_tests"]

_COLUMN = re.compile(
    r"^(?P<year>\d{4})-(?P<y2>\d{2})\.(?P<subject>[^.]+)\.(?P<grade>\d+)\. årstrinn\..*\."
    r"(?P<measure>Skalapoeng|Usikkerhet|Antall elever deltatt)$"
)
_MEASURE = {
    "Skalapoeng": "scale_points",
    "Usikkerhet": "uncertainty",
    "Antall elever deltatt": "pupils",
}
_LEVEL = {"1": "national", "2": "fylke", "3": "kommune", "4": "school"}


def read_udir_national_tests(path: str | Path) -> pd.DataFrame:
    """Read one Skoleporten national-test export into a long table.

    Columns: ``level`` (national/fylke/kommune/school), ``kommune`` (today's code;
    missing for a kommune that was split since, see :func:`levekar.codes.kommune_split`),
    ``kommune_as_published``, ``org_number``, ``school`` (stripped), ``school_year``
    (``"2023-24"``), ``year`` (the autumn the test was taken, 2023), ``subject``,
    ``grade``, ``scale_points``, ``uncertainty``, ``pupils`` and ``status`` (``:``
    suppressed, ``..`` empty, ``""`` a value). Suppressed cells stay missing.

    Parameters
    ----------
    path : str or pathlib.Path
        The export (any encoding and separator :func:`~levekar.io.tables.read_table` reads).

    Returns
    -------
    pandas.DataFrame
        The long table above, one row per unit, school year, subject and grade.

    Raises
    ------
    DataError
        If the file does not read, is not a Skoleporten export, or a number does not parse.
    """
    src = str(path)
    table, info = read_table(Path(path), source=src)
    need = ["EnhetNivaa", "Kommunekode", "Organisasjonsnummer", "EnhetNavn"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise DataError(
            f"{src}: not a Skoleporten export: missing column(s) {missing} (read as {info})."
        )
    groups: dict[tuple, dict[str, str]] = {}
    for col in table.columns:
        m = _COLUMN.match(col)
        if m:
            key = (f"{m['year']}-{m['y2']}", int(m["year"]), m["subject"], int(m["grade"]))
            groups.setdefault(key, {})[_MEASURE[m["measure"]]] = col
    if not groups:
        raise DataError(
            f"{src}: no result columns like '2024-25.Lesing.5. årstrinn....Skalapoeng'."
        )
    base = pd.DataFrame(
        {
            "level": table["EnhetNivaa"].str.strip().map(_LEVEL).fillna(table["EnhetNivaa"]),
            "kommune_as_published": table["Kommunekode"].str.strip(),
            "org_number": table["Organisasjonsnummer"].str.strip(),
            "school": table["EnhetNavn"].str.strip(),
        }
    )
    published = base["kommune_as_published"]
    today = {c: None if kommune_split(c) else current_kommune(c) for c in published.unique()}
    base["kommune"] = published.map(today)  # a split kommune stays missing, never a guess
    frames = []
    for (school_year, year, subject, grade), cols in sorted(groups.items()):
        part = base.copy()
        part["school_year"], part["year"], part["subject"], part["grade"] = (
            school_year,
            year,
            subject,
            grade,
        )
        status = pd.Series("", index=table.index)
        for measure in ("scale_points", "uncertainty", "pupils"):
            if measure in cols:
                # Data start on line 3: a "sep=" line, then the header.
                part[measure], st = parse_numbers(
                    table[cols[measure]], source=src, column=cols[measure], first_line=3
                )
                status = status.where(status != "", st.where(st != "", ""))
        # A school with 0 pupils and empty results took no test that year: not available.
        part["status"] = status.where(
            ~((part.get("pupils", 1) == 0) & part["scale_points"].isna()), ".."
        )
        frames.append(part)
    return pd.concat(frames, ignore_index=True)


def observations_from_udir(
    results: pd.DataFrame,
    schools: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    org_column: str = "organisasjonsnummer",
    source: str = "Udir",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Build tidy observations per area from school results, schools placed by their points.

    Indicator ids are ``np{grade}_{subject}`` (e.g. ``np5_lesing``); ``numerator`` is
    scale points × pupils and ``denominator`` pupils, so that ``numerator /
    denominator`` is the pupil-weighted mean. A suppressed school makes its area's value
    missing for that year (status ``:``). Returns ``(observations, unplaced)``:
    schools with results but no point, or a point in no area, are listed, never dropped.

    Parameters
    ----------
    results : pandas.DataFrame
        :func:`read_udir_national_tests` output; only ``level == "school"`` rows are used.
    schools : geopandas.GeoDataFrame
        School points with the organisation number.
    areas : geopandas.GeoDataFrame
        Area layer with ``code``; schools are placed by ``within``.
    org_column : str, default "organisasjonsnummer"
        The column of ``schools`` holding the organisation number.
    source : str, default "Udir"
        Not used by the code.

    Returns
    -------
    observations : pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status`` per area: the numerator is
        the pupil-weighted mean scale points, the denominator the pupils.
    unplaced : pandas.DataFrame
        ``org_number, school, school_year`` of schools not placed in an area.

    Notes
    -----
    As for every ``mean`` indicator in levekar, the numerator is the value itself (the
    pupil-weighted mean scale points of the area's schools) and the denominator the
    pupils; :mod:`levekar.indicators` multiplies them back when it aggregates further.
    """
    res = results[results["level"] == "school"].copy()
    pts = schools[[org_column, "geometry"]].copy()
    pts[org_column] = pts[org_column].astype(str).str.strip()
    located = gpd.sjoin(
        pts.to_crs(areas.crs), areas[["code", "geometry"]], how="left", predicate="within"
    )
    located = located.drop_duplicates(org_column)
    res = res.merge(
        located[[org_column, "code"]], left_on="org_number", right_on=org_column, how="left"
    )
    unplaced = res[res["code"].isna()][["org_number", "school", "school_year"]].drop_duplicates()
    res = res[
        res["code"].notna() & (res["pupils"].fillna(1) > 0)
    ]  # 0 pupils: no test there that year
    res["indicator"] = "np" + res["grade"].astype(str) + "_" + res["subject"].str.lower()
    res["numerator"] = res["scale_points"] * res["pupils"]
    res["denominator"] = res["pupils"]
    grouped = res.groupby(["code", "year", "indicator"])
    out = grouped.agg(
        numerator=("numerator", lambda s: s.sum(min_count=len(s))),
        denominator=("denominator", lambda s: s.sum(min_count=len(s))),
        status=(
            "status",
            lambda s: ":" if (s == ":").any() else (".." if (s == "..").all() else ""),
        ),
    )
    out = out.reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["numerator"] = out["numerator"] / out["denominator"]  # the pupil-weighted mean
    out.loc[out["status"] != "", "numerator"] = np.nan
    return out, unplaced.reset_index(drop=True)
