"""Reading and writing tables for ``levekar index``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError

__all__ = ["read_index_input", "write_index_output"]


def read_index_input(path: Path) -> pd.DataFrame:
    """Read CSV, Parquet or GeoPackage (geometry dropped) into a DataFrame."""
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
    from .tables import read_table

    table, _ = read_table(p, numeric=True)
    return table


def write_index_output(result: pd.DataFrame, path: Path) -> None:
    """Write the index table atomically."""
    from .atomic import write_atomic

    p = Path(path)
    data = result.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")
    write_atomic({p.name: data}, p.parent if str(p.parent) else Path("."))
