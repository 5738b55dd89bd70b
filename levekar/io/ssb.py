"""Readers for SSB's formats: statbank CSV downloads and PxWebApi v2 JSON-stat2.

Both give a *long* table ``code, name, year, variable, value, status`` where
``status`` keeps SSB's symbols (``..`` not available, ``:`` suppressed for
confidentiality, ``.`` cannot occur, ``-`` nil) and ``value`` is missing for all but
``-`` (which is 0). :func:`observations_from_long` turns a long table into levekar's
tidy observations by naming which variable is the numerator and which the
denominator of each indicator.
"""

from __future__ import annotations

import io
import json
import re
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .tables import SYMBOLS, decode_bytes, parse_numbers

__all__ = [
    "LONG_COLUMNS",
    "long_from_jsonstat2",
    "observations_from_long",
    "read_jsonstat2",
    "read_statbank_csv",
]

LONG_COLUMNS = ("code", "name", "year", "variable", "value", "status")
_REGION = re.compile(r"^\s*(?P<code>\d{1,8}|K-\d{4}|EAK)\s+(?P<name>.*)$")
_YEAR_IN_HEADER = re.compile(r"(?P<label>.*?)\s*(?P<year>(?:19|20)\d{2})\s*$")


def _split_region(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    m = values.astype(str).str.extract(_REGION)
    has = m["code"].notna()
    code = m["code"].where(has, values.astype(str).str.strip())
    name = m["name"].where(has, "")
    return code, name


def read_statbank_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV as downloaded from SSB's statbank (Statistikkbanken).

    Accepts semicolon or comma separators, latin-1 / UTF-8 (with or without BOM) /
    UTF-16, a title line above the header, regions written ``"3107 Fredrikstad"``
    or ``"31071203 Haugsten"``, decimal commas, and both layouts: *long* (a year
    column and a value column) and *wide* (one column per year, headed e.g.
    ``"Personer 2022"`` or ``"2022"``).

    Parameters
    ----------
    path : str or pathlib.Path
        The downloaded CSV.

    Returns
    -------
    pandas.DataFrame
        The long table ``code, name, year, variable, value, status``
        (:data:`LONG_COLUMNS`): codes split from the region, values parsed, SSB's
        symbols in ``status``.

    Raises
    ------
    DataError
        If the file is missing, does not decode, or its layout or numbers do not read.
    """
    p = Path(path)
    src = str(p)
    if not p.exists():
        raise DataError(f"{src}: file not found.")
    text, _ = decode_bytes(p.read_bytes(), src)
    lines = text.splitlines()
    sep = (
        ";"
        if sum(ln.count(";") for ln in lines[:5]) >= sum(ln.count(",") for ln in lines[:5])
        else ","
    )
    start = next((k for k, ln in enumerate(lines) if ln.count(sep) >= 1), None)
    if start is None:
        raise DataError(
            f"{src}: no header line with separator {sep!r}; is this an SSB CSV download?"
        )
    try:
        body = pd.read_csv(
            io.StringIO("\n".join(lines[start:])), sep=sep, dtype=str, keep_default_na=False
        )
    except pd.errors.ParserError as exc:
        raise DataError(f"{src}: could not parse as CSV ({exc}).") from None
    body.columns = [c.strip() for c in body.columns]
    header = list(body.columns)
    lower = [h.lower() for h in header]
    region_col = next((h for h, lo in zip(header, lower, strict=True) if "region" in lo), header[0])
    year_col = next(
        (h for h, lo in zip(header, lower, strict=True) if lo in ("år", "year", "tid", "aar")), None
    )
    var_col = next(
        (
            h
            for h, lo in zip(header, lower, strict=True)
            if "statistikkvariabel" in lo or lo == "contents"
        ),
        None,
    )
    key_cols = [c for c in (region_col, year_col, var_col) if c is not None]
    dims = [h for h in header if h not in key_cols]
    frames = []
    for col in dims:
        if year_col is not None:
            # Long layout: the remaining columns are values (usually one, named after the measure).
            years = pd.to_numeric(body[year_col], errors="coerce")
            variable = body[var_col] if var_col else col
        else:
            m = _YEAR_IN_HEADER.match(col)
            if not m:
                raise DataError(
                    f"{src}: column {col!r} has no year; expected a year column (år) or columns "
                    "headed by year, e.g. 'Personer 2022'."
                )
            years = int(m.group("year"))
            variable = body[var_col] if var_col else (m.group("label").strip() or "value")
        values, status = parse_numbers(body[col], source=src, column=col, first_line=start + 2)
        frames.append(
            pd.DataFrame(
                {
                    "region": body[region_col],
                    "year": years,
                    "variable": variable,
                    "value": values,
                    "status": status,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    if out["year"].isna().any():
        row = int(np.flatnonzero(out["year"].isna().to_numpy())[0]) % len(body)
        raise DataError(
            f"{src}: line {row + start + 2}, column {year_col!r}: {body[year_col].iloc[row]!r} "
            "is not a year."
        )
    out["year"] = out["year"].astype(int)
    out["code"], out["name"] = _split_region(out["region"])
    return out[list(LONG_COLUMNS)]


def read_jsonstat2(path: str | Path) -> pd.DataFrame:
    """Read a PxWebApi v2 response in JSON-stat2 (a file; fetching is a separate step).

    Values are in row-major order over ``id``/``size``; ``status`` (an object keyed
    by position, or a list) carries SSB's symbols. The region dimension is the one
    whose id contains "Region" (or the first), the year dimension ``Tid``, and the
    remaining dimensions form ``variable`` (labels joined by " | ").

    Parameters
    ----------
    path : str or pathlib.Path
        The JSON-stat2 file.

    Returns
    -------
    pandas.DataFrame
        ``code, name, year, variable, value, status`` (:data:`LONG_COLUMNS`).

    Raises
    ------
    DataError
        If the file is missing, not valid JSON, or not one JSON-stat2 dataset.
    """
    p = Path(path)
    src = str(p)
    try:
        data = json.loads(decode_bytes(p.read_bytes(), src)[0])
    except FileNotFoundError:
        raise DataError(f"{src}: file not found.") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{src}: not valid JSON ({exc}).") from None
    return long_from_jsonstat2(data, source=src)


def long_from_jsonstat2(data: dict, *, source: str = "JSON-stat2") -> pd.DataFrame:
    """Build the long table from a JSON-stat2 dataset already in memory.

    For example one fetched from PxWebApi v2.

    Parameters
    ----------
    data : dict
        One JSON-stat2 dataset (``id``, ``size``, ``dimension``, ``value``[, ``status``]).
    source : str, default "JSON-stat2"
        Where it came from, for error messages.

    Returns
    -------
    pandas.DataFrame
        ``code, name, year, variable, value, status`` (see :func:`read_jsonstat2`).

    Raises
    ------
    DataError
        If ``data`` is not one dataset, lacks a key, or has an unknown status symbol.
    """
    src = source
    if not isinstance(data, dict):
        raise DataError(f"{src}: not a JSON-stat2 dataset (a JSON object).")
    if data.get("class") == "collection" or "dataset" in data:
        raise DataError(
            f"{src}: a JSON-stat collection; save one dataset (PxWebApi v2 returns one)."
        )
    for key in ("id", "size", "dimension", "value"):
        if key not in data:
            raise DataError(f"{src}: not JSON-stat2: no {key!r}.")
    ids, sizes, dims = data["id"], data["size"], data["dimension"]
    cats = []
    for d in ids:
        idx = dims[d]["category"].get("index")
        labels = dims[d]["category"].get("label", {})
        if isinstance(idx, dict):
            codes = sorted(idx, key=idx.get)
        elif isinstance(idx, list):
            codes = idx
        else:
            codes = list(labels)
        cats.append([(c, labels.get(c, c)) for c in codes])
    n = int(np.prod(sizes))
    values = data["value"]
    if isinstance(values, dict):
        values = [values.get(str(k)) for k in range(n)]
    if len(values) != n:
        raise DataError(f"{src}: {len(values)} values for dimensions of size {sizes} ({n} cells).")
    status = data.get("status") or {}
    if isinstance(status, list):
        status = {str(k): s for k, s in enumerate(status) if s}
    region_dim = next((k for k, d in enumerate(ids) if "region" in d.lower()), 0)
    year_dim = next((k for k, d in enumerate(ids) if d.lower() in ("tid", "time", "år")), None)
    if year_dim is None:
        raise DataError(f"{src}: no time dimension (Tid) among {ids}.")
    rest = [k for k in range(len(ids)) if k not in (region_dim, year_dim)]
    records = []
    for pos, combo in enumerate(product(*cats)):
        sym = str(status.get(str(pos), "") or "").strip()
        v = values[pos]
        if sym == "-" or (v == 0 and sym == ""):
            value, sym = (0.0, "-") if sym == "-" else (0.0, "")
        elif v is None:
            value, sym = np.nan, sym or ".."
        else:
            value = float(v)
        code, name = combo[region_dim]
        year = int(str(combo[year_dim][0])[:4])
        var = " | ".join(combo[k][1] for k in rest) or "value"
        records.append(
            (code, name, year, var, value, sym if sym in SYMBOLS else ("" if not sym else sym))
        )
    out = pd.DataFrame(records, columns=list(LONG_COLUMNS))
    bad = ~out["status"].isin(["", *SYMBOLS])
    if bad.any():
        raise DataError(f"{src}: unknown status symbol {out.loc[bad, 'status'].iloc[0]!r}.")
    return out


def observations_from_long(
    long: pd.DataFrame, mapping: dict[str, dict[str, str]], *, source: str = "SSB table"
) -> pd.DataFrame:
    """Build tidy observations from a long SSB table.

    ``mapping`` gives, per indicator id, the ``variable`` holding its numerator and
    the one holding its denominator, e.g. ``{"leie": {"numerator": "Leier",
    "denominator": "Husholdninger i alt"}}``. The numerator's status becomes the
    observation's status.

    Parameters
    ----------
    long : pandas.DataFrame
        A long table (:data:`LONG_COLUMNS`), e.g. from :func:`read_statbank_csv`.
    mapping : dict of str to dict of str to str
        Per indicator id, ``{"numerator": variable, "denominator": variable}``.
    source : str, default "SSB table"
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``code, year, indicator, numerator, denominator, status``; a code and year with
        no numerator row gets status ``..``.

    Raises
    ------
    DataError
        If a mapped variable is not in the table.
    """
    frames = []
    for ind, parts in mapping.items():
        missing = [v for v in parts.values() if v not in set(long["variable"])]
        if missing:
            raise DataError(
                f"{source}: indicator {ind!r}: variable(s) {missing} not in the table; "
                "variables are "
                f"{sorted(set(long['variable']))[:10]}."
            )
        num = long[long["variable"] == parts["numerator"]].set_index(["code", "year"])
        den = long[long["variable"] == parts["denominator"]].set_index(["code", "year"])
        both = num[["value", "status"]].join(
            den[["value"]].rename(columns={"value": "denominator"}), how="outer"
        )
        both = both.rename(columns={"value": "numerator"}).reset_index()
        both["indicator"] = ind
        both["status"] = both["status"].fillna("..")
        frames.append(both[["code", "year", "indicator", "numerator", "denominator", "status"]])
    return pd.concat(frames, ignore_index=True)
