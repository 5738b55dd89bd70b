"""Tidy indicator tables, reference values and code-change tables from CSV or XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .tables import parse_numbers, read_table

__all__ = ["read_code_changes", "read_observations", "read_reference"]


def _code_column(table: pd.DataFrame) -> pd.DataFrame:
    """Rename an ``area`` column to ``code`` (levekar ≤ 0.1 wrote ``area, year, ...``)."""
    if "code" not in table.columns and "area" in table.columns:
        return table.rename(columns={"area": "code"})
    return table


def read_observations(
    path: Path, *, columns: Mapping[str, str] | None = None, source: str | None = None
) -> pd.DataFrame:
    """Read a tidy observation table (CSV or XLSX).

    Columns ``code, year, indicator, numerator, denominator[, status]``.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    columns : mapping of str to str, optional
        levekar's column names → the file's, e.g. ``{"code": "grunnkrets", "numerator":
        "antall"}`` (``area`` is accepted for ``code``).
    source : str, optional
        The name used in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status, line[, approximate]``
        (``line`` is the row's line in the file, for error messages; ``approximate``
        when the file has that column: true for values rebuilt from published rates):
        counts parsed by the one number parser (decimal commas, space or thin-space
        thousands); an SSB symbol in the numerator (``..``, ``:``, ``.``, ``-``) becomes
        the row's status when no status is given. Other columns are dropped; codes and
        years are not yet validated (see :func:`levekar.indicators.validate_observations`).

    Raises
    ------
    DataError
        If the file does not read, a named column is absent, a needed column is
        missing, or a count is neither a number nor a symbol.
    """
    src = source or str(path)
    table, info = read_table(path, source=src)
    if table.empty:
        raise DataError(f"{src}: has a header but no data rows.")
    if columns:
        absent = [theirs for theirs in columns.values() if theirs not in table.columns]
        if absent:
            raise DataError(
                f"{src}: column(s) {absent} named in the configuration are not in the file; "
                f"the file has {list(table.columns)}."
            )
        table = table.rename(
            columns={
                theirs: ("code" if ours == "area" else ours) for ours, theirs in columns.items()
            }
        )
    table = _code_column(table)
    need = ["code", "year", "indicator", "numerator", "denominator"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise DataError(
            f"{src}: missing column(s) {missing}; the file has {list(table.columns)}. "
            "Expected a tidy table: code, year, indicator, numerator, denominator, status."
        )
    out = table.copy()
    given_status = "status" in out.columns
    statuses = {}
    for col in ("numerator", "denominator"):
        # Cells that are not numbers are kept as text: validation reports all of them at once.
        out[col], statuses[col] = parse_numbers(out[col], source=src, column=col, strict=False)
    if not given_status:
        # A symbol in the numerator (SSB's .. : . -, Udir's *) is the row's status; an empty
        # numerator cell is "not available" (..), as the parser reads it.
        out["status"] = statuses["numerator"]
    out["status"] = out["status"].fillna("").astype(str).str.strip()
    out["line"] = np.arange(len(out)) + info.get("first_line", 2)
    keep = need + ["status", "line"]
    if "approximate" in out.columns:
        # The flag of values rebuilt from rates survives a trip through a file.
        flag = out["approximate"].astype(str).str.strip().str.lower()
        bad = ~flag.isin(["true", "false", "1", "0", "", "yes", "no", "ja", "nei"])
        if bad.any():
            k = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{src}: line {int(out['line'].iloc[k])}, column 'approximate': "
                f"{out['approximate'].iloc[k]!r} is not true or false."
            )
        out["approximate"] = flag.isin(["true", "1", "yes", "ja"])
        keep.append("approximate")
    return out[keep]


def read_reference(path: Path, *, source: str | None = None) -> pd.DataFrame:
    """Read reference values (Norway, a fylke): ``code, year, indicator, value``.

    Parameters
    ----------
    path : pathlib.Path
        The file (CSV or XLSX); an ``area`` column is taken as ``code``.
    source : str, optional
        Name used in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        The table with ``code`` as text (``0`` is Norway), ``year`` as nullable integers
        (``Int64``) and ``value`` parsed by the one number parser (decimal commas,
        SSB's symbols as missing); other columns kept.

    Raises
    ------
    DataError
        If the file does not read, a column is missing, or a value or year is not a number.
    """
    src = source or str(path)
    ref, _ = read_table(path, source=src)
    ref = _code_column(ref)
    missing = [c for c in ("code", "year", "indicator", "value") if c not in ref.columns]
    if missing:
        raise DataError(
            f"{src}: missing column(s) {missing}; the file has {list(ref.columns)}. "
            "Expected: code, year, indicator, value."
        )
    ref["value"], _ = parse_numbers(ref["value"], source=src, column="value")
    years, _ = parse_numbers(ref["year"], source=src, column="year")
    ref["year"] = years.astype("Int64")
    ref["code"] = ref["code"].astype(str).str.strip()
    ref["indicator"] = ref["indicator"].astype(str).str.strip()
    return ref


def read_code_changes(path: Path, *, source: str | None = None) -> pd.DataFrame:
    """Read a code-change table in SSB KLASS style: ``old_code, new_code, date[, share]``.

    Validation (dates, shares, chains) happens in :func:`levekar.codes.apply_code_changes`.

    Parameters
    ----------
    path : pathlib.Path
        The file (CSV or XLSX).
    source : str, optional
        Name used in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        The table as read, all columns as text.

    Raises
    ------
    DataError
        If the file does not read.
    """
    table, _ = read_table(path, source=source or str(path))
    return table
