"""Light file helpers shared by readers and writers (no geopandas import).

``read_table`` reads the CSV dialects Norwegian users meet; ``write_atomic``
writes a set of files so that a failure leaves earlier outputs untouched.
"""

from __future__ import annotations

import csv
import io as _io
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from .errors import DataError

__all__ = ["decode_bytes", "read_table", "write_atomic"]


def decode_bytes(raw: bytes, src: str) -> tuple[str, str]:
    """Decode a text file: UTF-16 (with a BOM, or without one as Udir writes it), UTF-8 (with or
    without BOM), else Windows-1252/latin-1 (what Norwegian Excel and SSB's older downloads use)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    head = raw[:4000]
    odd_nul = head[1::2].count(0) / max(1, len(head[1::2]))
    even_nul = head[0::2].count(0) / max(1, len(head[0::2]))
    if len(head) >= 4 and max(odd_nul, even_nul) > 0.6 and min(odd_nul, even_nul) < 0.1:
        # NUL in (nearly) every other byte: UTF-16 without a BOM (little-endian if the NULs come second).
        enc = "utf-16-le" if odd_nul > even_nul else "utf-16-be"
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            raise DataError(f"{src}: looks like UTF-16 but does not decode; save it as UTF-8.") from None
    if b"\x00" in head:
        raise DataError(f"{src}: a binary file, not text (NUL bytes); is it an Excel file saved as .csv?")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def read_table(path: Path, *, source: str | None = None, numeric: bool = False) -> tuple[pd.DataFrame, dict]:
    """Read a CSV (comma, semicolon or tab separated; UTF-8, UTF-8 with BOM, UTF-16 or latin-1).

    By default all columns are read as text and callers convert and validate. With
    ``numeric=True`` pandas parses numbers itself, with a decimal comma when the
    separator is a semicolon or a tab (as Norwegian spreadsheets write them).
    Returns the table and a dict saying how it was read (encoding, separator).
    """
    src = source or str(path)
    p = Path(path)
    if not p.exists():
        raise DataError(f"{src}: file not found.")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(p, dtype=str), {"format": "xlsx"}
    text, encoding = decode_bytes(p.read_bytes(), src)
    first, _, rest = text.partition("\n")
    if first.lower().startswith("sep="):
        sep = first[4:].rstrip("\r") or ","
        text = rest
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
    except pd.errors.ParserError as exc:
        raise DataError(f"{src}: could not parse as CSV with separator {sep!r}: {exc}.") from None
    table.columns = [c.strip() for c in table.columns]
    return table, {"encoding": encoding, "separator": sep}


def write_atomic(files: Mapping[str, Callable[[Path], None] | bytes | str], out_dir: Path) -> list[Path]:
    """Write ``files`` (relative path → bytes, text, or a function that writes to a path) atomically.

    Everything is first written into a staging folder inside ``out_dir``; only
    when every file succeeded are they moved into place with :func:`os.replace`
    (atomic per file on one file system). If anything fails, the staging folder
    is removed and the existing outputs are untouched.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".levekar-staging-", dir=out_dir))
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            elif isinstance(content, str):
                target.write_text(content, encoding="utf-8", newline="\n")
            else:
                content(target)
        written = []
        for rel in files:
            final = out_dir / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
