"""Tables as Norwegian users meet them, and the one parser for their numbers.

``read_table`` reads the CSV dialects (UTF-8 with or without BOM, UTF-16, latin-1;
comma, semicolon or tab; a ``sep=`` line) and XLSX; ``parse_numbers`` is the only
place where ``"1 234,5"``, SSB's symbols and Udir's ``*`` become numbers and status.
No geopandas import here.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["SYMBOLS", "decode_bytes", "parse_numbers", "read_table"]


def decode_bytes(raw: bytes, src: str) -> tuple[str, str]:
    """Decode a text file: UTF-16, UTF-8, else Windows-1252/latin-1.

    UTF-16 with a BOM, or without one as Udir writes it; UTF-8 with or without BOM;
    else Windows-1252/latin-1 (what Norwegian Excel and SSB's older downloads use).

    Parameters
    ----------
    raw : bytes
        The file's bytes.
    src : str
        Name of the file, used in error messages.

    Returns
    -------
    text : str
        The decoded text.
    encoding : str
        ``"utf-16"``, ``"utf-16-le"``, ``"utf-16-be"``, ``"utf-8"``, ``"cp1252"`` or
        ``"latin-1"``.

    Raises
    ------
    DataError
        If the bytes look like UTF-16 but do not decode, or hold NUL bytes (binary).
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    head = raw[:4000]
    odd_nul = head[1::2].count(0) / max(1, len(head[1::2]))
    even_nul = head[0::2].count(0) / max(1, len(head[0::2]))
    if len(head) >= 4 and max(odd_nul, even_nul) > 0.6 and min(odd_nul, even_nul) < 0.1:
        # NUL in (nearly) every other byte: UTF-16 without a BOM (little-endian if the NULs
        # come second).
        enc = "utf-16-le" if odd_nul > even_nul else "utf-16-be"
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            raise DataError(
                f"{src}: looks like UTF-16 but does not decode; save it as UTF-8."
            ) from None
    if b"\x00" in head:
        raise DataError(
            f"{src}: a binary file, not text (NUL bytes); is it an Excel file saved as .csv?"
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def read_table(
    path: Path, *, source: str | None = None, numeric: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Read a CSV (comma, semicolon or tab; UTF-8, UTF-8 with BOM, UTF-16 or latin-1) or XLSX.

    By default all columns are read as text and callers convert and validate. With
    ``numeric=True`` pandas parses numbers itself, with a decimal comma when the
    separator is a semicolon or a tab (as Norwegian spreadsheets write them).
    Returns the table and a dict saying how it was read (encoding, separator).

    Parameters
    ----------
    path : pathlib.Path
        The file; ``.xlsx``/``.xlsm`` are read as Excel (first sheet, as text), ``.json``
        as an array of records (row ``k`` is "line" ``k + 1``), anything else as delimited
        text (a first line ``sep=;`` names the separator, otherwise
        it is sniffed).
    source : str, optional
        Name used in error messages (default: the path).
    numeric : bool, default False
        Let pandas parse numbers (CSV only; Excel is always read as text).

    Returns
    -------
    table : pandas.DataFrame
        The table, column names stripped. Empty CSV cells are ``""`` when read as text.
    how : dict
        ``{"encoding": ..., "separator": ...}``, or ``{"format": "xlsx"}``.

    Raises
    ------
    DataError
        If the file does not exist, does not decode, or does not parse as CSV.
    """
    src = source or str(path)
    p = Path(path)
    if not p.exists():
        raise DataError(f"{src}: file not found.")
    if p.is_dir():
        raise DataError(f"{src}: is a folder, not a table.")
    raw = p.read_bytes()
    if not raw.strip():
        raise DataError(f"{src}: the file is empty; expected a header line and data rows.")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(p, raw, src)
    if p.suffix.lower() == ".json":
        return _read_json_records(raw, src)
    text, encoding = decode_bytes(raw, src)
    first, _, rest = text.partition("\n")
    first_line = 2
    if first.lower().startswith("sep="):
        sep = first[4:].rstrip("\r") or ","
        text = rest
        first_line = 3
    else:
        try:
            sep = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    try:
        if numeric:
            table = pd.read_csv(_io.StringIO(text), sep=sep, decimal="," if sep in ";\t" else ".")
        else:
            table = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{src}: no header line; expected a header line and data rows.") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{src}: could not parse as CSV with separator {sep!r}: {exc}.") from None
    table.columns = [str(c).strip() for c in table.columns]
    return table, {"encoding": encoding, "separator": sep, "first_line": first_line}


def _read_json_records(raw: bytes, src: str) -> tuple[pd.DataFrame, dict]:
    """Read a JSON array of flat records (as kommuner publish open data) as text columns."""
    import json

    text, encoding = decode_bytes(raw, src)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{src}: not valid JSON ({exc}).") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else data
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError(
            f"{src}: expected a JSON array of records ([{{...}}, ...]), one per row; "
            f"got {type(data).__name__}."
        )
    table = pd.DataFrame.from_records(data)
    table = table.astype(object).where(table.notna(), "").astype(str)
    table.columns = [str(c).strip() for c in table.columns]
    return table, {"format": "json", "encoding": encoding, "first_line": 1}


def _read_xlsx(p: Path, raw: bytes, src: str) -> tuple[pd.DataFrame, dict]:
    """Read the first sheet as text (empty cells stay empty, as in a CSV)."""
    if not raw.startswith(b"PK"):
        hint = (
            " It looks like text: is it a CSV saved with an .xlsx name?"
            if b"\x00" not in raw[:2000]
            else ""
        )
        raise DataError(
            f"{src}: not an Excel workbook (.xlsx).{hint} Save it as .xlsx from Excel, "
            "or rename it to .csv."
        )
    try:
        table = pd.read_excel(p, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl raises several kinds for damaged workbooks
        raise DataError(
            f"{src}: could not read the workbook ({type(exc).__name__}: {exc})."
        ) from None
    table.columns = [str(c).strip() for c in table.columns]
    return table, {"format": "xlsx", "first_line": 2}


SYMBOLS = ("..", ":", ".", "-")
# Cells that mean "no value" and the status they get: empty, SSB's symbols, Udir's "*"
# (suppressed).
_NO_VALUE = {"": "..", "nan": "..", "NaN": "..", "..": "..", ":": ":", ".": ".", "*": ":"}


def parse_numbers(
    col: pd.Series, *, source: str, column: str, first_line: int = 2, strict: bool = True
) -> tuple[pd.Series, pd.Series]:
    """Parse numbers as Norwegian files write them, with SSB's and Udir's symbols kept apart.

    Accepts ``1 234,5`` (space, no-break or thin space as thousands separator, decimal
    comma; with a comma, dots are thousands separators) and ``1234.5``. Returns
    ``(values, status)``: ``-`` is 0 with status ``-``; ``..``, ``:`` and ``.`` are
    missing with that status; ``*`` (Udir) is ``:``; an empty cell is ``..``. Anything
    else is an error naming ``source``, the line (data row 0 is ``first_line``), the
    column and the value; with ``strict=False`` such cells keep their text (the values
    are then of object dtype) so that a validator can report every one of them at once.

    Parameters
    ----------
    col : pandas.Series
        The cells as read.
    source : str
        Name of the file, used in error messages.
    column : str
        Name of the column, used in error messages.
    first_line : int, default 2
        The file line of data row 0 (2 after one header line), for error messages.

    Returns
    -------
    values : pandas.Series
        Floats, same index as ``col``; NaN where a symbol means no value.
    status : pandas.Series
        ``""`` for a number, else ``-``, ``..``, ``:`` or ``.``.

    Raises
    ------
    DataError
        If a cell is neither a number nor a known symbol.

    Examples
    --------
    >>> v, s = parse_numbers(pd.Series(["1 234,5", "-", ":", "7"]), source="t.csv", column="n")
    >>> v.tolist()[:2], s.tolist()
    ([1234.5, 0.0], ['', '-', ':', ''])
    """
    text = col.astype(str).str.strip()
    for space in (" ", "\u00a0", "\u2009"):
        text = text.str.replace(space, "", regex=False)
    status = text.map(_NO_VALUE).fillna("")
    status = status.where(text != "-", "-")
    comma = text.str.contains(",", regex=False)
    text = text.where(
        ~comma, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    values = pd.to_numeric(text.where(status == ""), errors="coerce")
    bad = values.isna() & (status == "")
    if bad.any() and not strict:
        values = values.where(status != "-", 0.0).astype(object)
        values[bad] = col[bad]
        return values, status
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{source}: line {row + first_line}, column {column!r}: {col.iloc[row]!r} is neither a "
            "number nor an SSB symbol (.. : . -)."
        )
    values = values.where(status != "-", 0.0)
    return values.astype(float), status
