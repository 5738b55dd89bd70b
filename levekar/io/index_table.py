"""Reading and writing tables for ``levekar index``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError

__all__ = ["read_index_input", "write_index_output"]


def read_index_input(path: Path) -> pd.DataFrame:
    """Read CSV, Parquet or GeoPackage (geometry dropped) into a DataFrame.

    Parameters
    ----------
    path : pathlib.Path
        The table; ``.parquet``, ``.gpkg``/``.geojson``/``.shp`` (attributes only), or
        a delimited text file read by :func:`~levekar.io.tables.read_table` with
        numbers parsed.

    Returns
    -------
    pandas.DataFrame
        The table.

    Raises
    ------
    DataError
        If the file does not exist, Parquet needs pyarrow, or the text table does not read.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found.")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        try:
            return pd.read_parquet(p)
        except ImportError:
            raise DataError(f"{p}: reading Parquet needs pyarrow (pip install pyarrow).") from None
    if suffix in (".gpkg", ".geojson", ".shp"):
        import pyogrio

        return pyogrio.read_dataframe(p, read_geometry=False)
    table = _read_utf8_csv(p)
    if table is not None:
        return table
    from .tables import read_table

    table, _ = read_table(p, numeric=True)
    return table


def _read_utf8_csv(p: Path) -> pd.DataFrame | None:
    """Read a UTF-8 delimited file with pandas' own reader straight from the file.

    The separator is found as :func:`~levekar.io.tables.read_table` finds it (a first
    line ``sep=;``, else sniffed from the start) and the numbers are parsed the same way,
    without decoding the whole file into one string first. Returns None for anything
    else (UTF-16, Windows-1252, XLSX, an empty or malformed file), which
    :func:`~levekar.io.tables.read_table` then reads and explains.
    """
    import csv

    with p.open("rb") as f:
        head = f.read(65_536)
    if not head.strip() or head.startswith((b"\xff\xfe", b"\xfe\xff", b"PK")) or b"\0" in head:
        return None
    text = head.decode("utf-8-sig", errors="ignore")
    first, _, rest = text.partition("\n")
    skip = 0
    if first.lower().startswith("sep="):
        sep = first[4:].rstrip("\r") or ","
        text, skip = rest, 1
    else:
        try:
            sep = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
    try:
        table = pd.read_csv(
            p,
            sep=sep,
            decimal="," if sep in ";\t" else ".",
            encoding="utf-8-sig",
            skiprows=skip,
        )
    except (UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError):
        return None
    table.columns = [str(c).strip() for c in table.columns]
    return table


def write_index_output(result: pd.DataFrame, path: Path) -> None:
    """Write the index table atomically as CSV.

    Parameters
    ----------
    result : pandas.DataFrame
        The index table (:func:`~levekar.index.index_from_spec`).
    path : pathlib.Path
        The CSV file to write (UTF-8, LF line ends, up to 10 significant digits).
    """
    from .atomic import write_atomic

    p = Path(path)
    data = result.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")
    write_atomic({p.name: data}, p.parent if str(p.parent) else Path("."))
