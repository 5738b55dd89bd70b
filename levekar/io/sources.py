"""Indicator sources by kind: every format a study's ``[indicators]`` may name, read to tidy rows.

``tidy`` (levekar's own table), ``ssb-csv`` (a statbank download, or ``levekar fetch
ssb`` output), ``jsonstat2`` (a PxWebApi v2 answer), ``udir`` (Skoleporten's
national-test exports, placed by the study's school points) and ``rates`` (a published
rate table: CSV, XLSX or a JSON array of records). Each reader validates as the data
come in and names the file, column, line and value; :func:`read_indicator_sources`
dispatches on ``format`` and stacks the sources into one tidy table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..catalogue import Catalogue
from ..codes import kommune_split
from ..errors import DataError
from ..indicators import observations_from_rates
from .observations import read_observations
from .ssb import LONG_COLUMNS, observations_from_long, read_jsonstat2, read_statbank_csv
from .tables import parse_numbers, read_table
from .udir import observations_from_udir, read_udir_national_tests

__all__ = ["FORMATS", "read_indicator_source", "read_indicator_sources", "read_rates"]

FORMATS = ("tidy", "ssb-csv", "jsonstat2", "udir", "rates")
_TIDY = ["code", "year", "indicator", "numerator", "denominator", "status"]


def _files(path: Path, src: str) -> list[Path]:
    """Return the file, or every file in a folder (sorted)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        if not files:
            raise DataError(f"{src}: the folder holds no files.")
        return files
    if not p.exists():
        raise DataError(f"{src}: file not found.")
    return [p]


def _ssb_long(path: Path, fmt: str) -> pd.DataFrame:
    """Read an SSB long table: a JSON-stat2 answer, a statbank CSV or ``levekar fetch ssb`` CSV."""
    if fmt == "jsonstat2":
        return read_jsonstat2(path)
    table, info = read_table(path)
    if set(LONG_COLUMNS) <= set(table.columns):
        out = table[list(LONG_COLUMNS)].copy()
        out["value"], parsed = parse_numbers(
            out["value"], source=str(path), column="value", first_line=info.get("first_line", 2)
        )
        out["status"] = out["status"].str.strip().where(out["status"].str.strip() != "", parsed)
        years, _ = parse_numbers(out["year"], source=str(path), column="year")
        out["year"] = years.astype(int)
        return out
    return read_statbank_csv(path)


def read_rates(
    path: Path,
    *,
    catalogue: Catalogue,
    columns: Mapping[str, str],
    indicator: str | None = None,
    per: float = 100.0,
    denominator: str | float | None = None,
    population: Path | None = None,
    source: str | None = None,
) -> pd.DataFrame:
    """Read a published rate table (per cent, per 1,000, or means and medians) as observations.

    Parameters
    ----------
    path : pathlib.Path
        CSV, XLSX or a JSON array of records.
    catalogue : Catalogue
        Indicator definitions: the indicator's kind decides how counts are rebuilt.
    columns : mapping of str to str
        levekar's names → the file's: ``code``, ``year``, ``rate`` and, without
        ``indicator``, ``indicator``.
    indicator : str, optional
        The indicator id of every row.
    per : float, default 100.0
        What the rate is per (ignored for means and medians).
    denominator : str or float, optional
        A column with the published denominator, or a number assumed for every area.
    population : pathlib.Path, optional
        A table ``code[, year], population`` (or ``denominator``) with the denominator.
    source : str, optional
        Name used in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status, approximate, line``:
        ``approximate`` is True when the denominator is a number assumed for every area
        (no published denominator), False otherwise. A symbol in the rate cell
        (``:``, ``..``, ``*``) is the row's status.

    Raises
    ------
    DataError
        Naming the file, column, line and value: a missing column, a rate or
        denominator that is not a number, an area without a denominator.
    """
    src = source or str(path)
    table, info = read_table(path, source=src)
    first = info.get("first_line", 2)
    need = {"code": columns.get("code"), "year": columns.get("year"), "rate": columns.get("rate")}
    if indicator is None:
        need["indicator"] = columns.get("indicator")
    absent = [f"{k} ({v!r})" for k, v in need.items() if v is None or v not in table.columns]
    if absent:
        raise DataError(
            f"{src}: column(s) for {', '.join(absent)} not in the file; the file has "
            f"{list(table.columns)}. Name them under columns = {{ code = ..., year = ..., "
            "rate = ... }}."
        )
    rate, status = parse_numbers(
        table[need["rate"]], source=src, column=need["rate"], first_line=first
    )
    years, _ = parse_numbers(table[need["year"]], source=src, column=need["year"], first_line=first)
    codes = table[need["code"]].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    ids = (
        pd.Series(indicator, index=table.index)
        if indicator is not None
        else table[need["indicator"]].astype(str).str.strip()
    )
    approximate = False
    if isinstance(denominator, int | float) and not isinstance(denominator, bool):
        den = pd.Series(float(denominator), index=table.index)
        approximate = True
    elif isinstance(denominator, str):
        if denominator not in table.columns:
            raise DataError(
                f"{src}: no column {denominator!r} (denominator); the file has "
                f"{list(table.columns)}."
            )
        den, _ = parse_numbers(table[denominator], source=src, column=denominator, first_line=first)
    else:
        den = _population(population, codes, years, src)
    missing = den.isna().to_numpy()
    if missing.any():
        lines = [f"line {k + first} (area {codes.iloc[k]!r})" for k in np.flatnonzero(missing)]
        raise DataError(
            f"{src}: no denominator for {len(lines)} row(s): {', '.join(lines[:10])}; give "
            "one for every area (or a number assumed for all: denominator = 1000)."
        )
    frames = []
    for ind in ids.unique():
        rows = (ids == ind).to_numpy()
        kind = catalogue[ind].kind if ind in catalogue else "share"
        part = pd.DataFrame(
            {
                "code": codes[rows],
                "year": years[rows],
                "rate": rate[rows],
                "denominator": den[rows],
            }
        )
        obs = observations_from_rates(
            part,
            indicator=ind,
            code="code",
            year="year",
            rate="rate",
            population="denominator",
            per=per,
            source=src,
            approximate=approximate,
            mean=kind in ("mean", "median"),
        )
        st = status[rows].to_numpy()
        obs["status"] = np.where(st != "", st, obs["status"])
        obs["line"] = np.flatnonzero(rows) + first
        frames.append(obs)
    out = pd.concat(frames).sort_values("line", kind="stable").reset_index(drop=True)
    out["year"] = out["year"].astype(int)
    return out[[*_TIDY, "approximate", "line"]]


def _population(path: Path | None, codes: pd.Series, years: pd.Series, src: str) -> pd.Series:
    """Denominators from a population table ``code[, year], population``, row by row."""
    if path is None:
        raise DataError(f"{src}: a rate table needs 'denominator' or 'population'.")
    pop, info = read_table(path)
    col = next((c for c in ("population", "denominator", "befolkning") if c in pop.columns), None)
    if "code" not in pop.columns or col is None:
        raise DataError(
            f"{path}: expected columns code[, year], population; the file has {list(pop.columns)}."
        )
    pop["value"], _ = parse_numbers(
        pop[col], source=str(path), column=col, first_line=info.get("first_line", 2)
    )
    pop["code"] = pop["code"].astype(str).str.strip()
    if "year" in pop.columns:
        pop["year"] = parse_numbers(pop["year"], source=str(path), column="year")[0]
        key = pd.MultiIndex.from_arrays([codes, years.astype(float)])
        table = pop.set_index(["code", "year"])["value"]
        return pd.Series(table.reindex(key).to_numpy(), index=codes.index)
    return codes.map(pop.groupby("code")["value"].first())


def read_indicator_source(
    spec: Mapping,
    *,
    catalogue: Catalogue,
    areas: gpd.GeoDataFrame | None = None,
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """Read one indicator source (a ``[[indicators.sources]]`` entry) into tidy observations.

    Parameters
    ----------
    spec : mapping
        The source's fields (:class:`levekar.study.IndicatorSource` as a dict).
    catalogue : Catalogue
        Indicator definitions.
    areas : geopandas.GeoDataFrame, optional
        The source areas (grunnkretser) that ``udir`` schools are placed in.
    points : mapping of str to geopandas.GeoDataFrame, optional
        The study's point layers by ``[points.<name>]`` key (``udir`` takes its schools).

    Returns
    -------
    observations : pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status[, approximate][, line]``.
    notes : list of (str, str, str)
        What was left out on the way, as ``(kind, message, fix)`` for the findings:
        schools placed in no area (``schools_unplaced``), kommune numbers of a kommune
        split since (``kommune_split``).

    Raises
    ------
    DataError
        If the file does not read or validate (file, column, line and value named).
    """
    fmt = spec.get("format", "tidy")
    path = Path(spec["path"])
    src = str(path)
    if fmt == "tidy":
        return read_observations(path, columns=spec.get("columns") or None), []
    if fmt in ("ssb-csv", "jsonstat2"):
        long = pd.concat([_ssb_long(f, fmt) for f in _files(path, src)], ignore_index=True)
        return observations_from_long(long, dict(spec["mapping"]), source=src), []
    if fmt == "rates":
        frames = [
            read_rates(
                f,
                catalogue=catalogue,
                columns=spec.get("columns") or {},
                indicator=spec.get("indicator"),
                per=spec.get("per", 100.0),
                denominator=spec.get("denominator"),
                population=spec.get("population"),
            )
            for f in _files(path, src)
        ]
        return pd.concat(frames, ignore_index=True), []
    if fmt == "udir":
        name = spec.get("schools")
        if not points or name not in points:
            raise DataError(
                f"{src}: format 'udir' places schools by the [points.{name}] layer, which the "
                f"study does not have (it has {sorted(points or {})})."
            )
        schools = points[name]
        org = spec.get("org_column") or "organisasjonsnummer"
        if org not in schools.columns:
            raise DataError(
                f"{src}: the school layer [points.{name}] has no column {org!r} (org_column); "
                f"it has {[c for c in schools.columns if c != 'geometry']}."
            )
        results = pd.concat(
            [read_udir_national_tests(f) for f in _files(path, src)], ignore_index=True
        )
        obs, unplaced = observations_from_udir(results, schools, areas, org_column=org)
        notes = []
        for code in sorted(set(results.loc[results["kommune"].isna(), "kommune_as_published"])):
            split = kommune_split(code)
            if split is not None:
                notes.append(
                    (
                        "kommune_split",
                        f"{src}: the kommune number is left missing: {split.message}",
                        "none needed for the areas (schools are placed by their points); "
                        "for kommune totals, give the kommune by hand",
                    )
                )
        if len(unplaced):
            names = sorted(set(unplaced["school"]))
            notes.append(
                (
                    "schools_unplaced",
                    f"{src}: {len(names)} school(s) with results have no point in an area and "
                    f"are left out: {', '.join(names[:8])}",
                    "give the schools a point inside the areas (levekar fetch skoler)",
                )
            )
        return obs, notes
    raise DataError(f"{src}: unknown format {fmt!r}; expected one of {FORMATS}.")


def read_indicator_sources(
    specs: list[Mapping],
    *,
    catalogue: Catalogue,
    areas: gpd.GeoDataFrame | None = None,
    points: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """Read every indicator source and stack them into one tidy table.

    Parameters
    ----------
    specs : list of mapping
        The sources (:meth:`levekar.study.IndicatorInputs.all_sources`, as dicts).
    catalogue : Catalogue
        Indicator definitions.
    areas : geopandas.GeoDataFrame, optional
        The source areas (for ``udir``).
    points : mapping of str to geopandas.GeoDataFrame, optional
        The study's point layers by key (for ``udir``).

    Returns
    -------
    observations : pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status, approximate, line,
        source`` (``approximate`` False where a source has no such flag).
    notes : list of (str, str, str)
        What the readers left out, as ``(kind, message, fix)`` for the findings.

    Raises
    ------
    DataError
        Every source's problems, one source at a time.
    """
    frames, notes = [], []
    for spec in specs:
        obs, more = read_indicator_source(spec, catalogue=catalogue, areas=areas, points=points)
        obs = obs.copy()
        if "approximate" not in obs.columns:
            obs["approximate"] = False
        if "line" not in obs.columns:
            obs["line"] = np.arange(len(obs)) + 2
        obs["source"] = str(spec["path"])
        frames.append(obs)
        notes += more
    out = pd.concat(frames, ignore_index=True)
    out["approximate"] = out["approximate"].fillna(False).astype(bool)
    return out, notes
