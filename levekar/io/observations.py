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
    """The area key is ``code``; tables written as ``area, year, ...`` (levekar ≤ 0.1) are accepted."""
    if "code" not in table.columns and "area" in table.columns:
        return table.rename(columns={"area": "code"})
    return table


def read_observations(
    path: Path, *, columns: Mapping[str, str] | None = None, source: str | None = None
) -> pd.DataFrame:
    """Read a tidy observation table (CSV or XLSX): ``code, year, indicator, numerator, denominator[, status]``.

    Parameters
    ----------
    path
        The file.
    columns
        levekar's column names → the file's, e.g. ``{"code": "grunnkrets", "numerator":
        "antall"}`` (``area`` is accepted for ``code``).
    source
        The name used in error messages (default: the path).

    Returns
    -------
    pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status, line`` (``line`` is the
        row's line in the file, for error messages): counts parsed by the
        one number parser (decimal commas, space or thin-space thousands); an SSB symbol
        in a count column (``..``, ``:``, ``.``, ``-``) becomes the row's status when no
        status is given.
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
    if "status" not in out.columns:
        raw = out["numerator"].astype(str).str.strip()
        out["status"] = raw.where(raw.isin(["..", ":", ".", "-"]), "")
    out["status"] = out["status"].fillna("").astype(str).str.strip()
    for col in ("numerator", "denominator"):
        # Cells that are not numbers are kept as text: validation reports all of them at once.
        out[col], _ = parse_numbers(out[col], source=src, column=col, strict=False)
    out["line"] = np.arange(len(out)) + info.get("first_line", 2)
    return out[need + ["status", "line"]]


def read_reference(path: Path, *, source: str | None = None) -> pd.DataFrame:
    """Read reference values (Norway, a fylke): ``code, year, indicator, value``.

    Returns the table with ``code`` as text (``0`` is Norway), ``year`` as integers and ``value`` parsed
    by the one number parser (decimal commas, SSB's symbols as missing).
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
    """
    table, _ = read_table(path, source=source or str(path))
    return table
