"""Area and population layers from any vector format GDAL reads, validated as they come in.

GeoPackage, GeoJSON, Shapefile, GML, FileGDB: errors name the file, column and value.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..areas import ACCEPTED_EPSG, CRS, LayerReport, standardise_layer
from ..errors import DataError

__all__ = [
    "CODE_COLUMNS",
    "NAME_COLUMNS",
    "POPULATION_COLUMNS",
    "read_area_layer",
    "read_features",
    "read_layer",
    "read_point_layer",
    "read_population",
]


def read_layer(
    path: Path, *, layer: str | None = None, source: str | None = None
) -> gpd.GeoDataFrame:
    """Read a vector layer (GeoPackage, GeoJSON, Shapefile, GML, FileGDB) with pyogrio.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    layer : str, optional
        The layer within a multi-layer file (default: the first).
    source : str, optional
        Name used in error messages (default: the path).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer as read, in its own CRS.

    Raises
    ------
    DataError
        If the file does not exist or does not read as a vector layer.
    """
    src = source or str(path)
    if not Path(path).exists():
        raise DataError(f"{src}: file not found.")
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise DataError(
            f"{src}: could not read as a vector layer ({type(exc).__name__}: {exc})."
        ) from None


# Column names as the national data sets spell them (Kartverket, SSB, kommuner).
# Shapefiles cut names to 10 characters: grunnkretsnummer → "grunnkrets",
# grunnkretsnavn → "grunnkre_1".
CODE_COLUMNS = (
    "code",
    "grunnkretsnummer",
    "grunnkrets",
    "delomradenummer",
    "kommunenummer",
    "skolekrets",
    "skolekretsnummer",
    "sone_nr",
    "kode",
    "id",
)
NAME_COLUMNS = (
    "name",
    "grunnkretsnavn",
    "grunnkre_1",
    "delomradenavn",
    "kommunenavn",
    "skolekretsnavn",
    "skolenavn",
    "sone_navn",
    "navn",
)
POPULATION_COLUMNS = (
    "popTot",
    "pop_tot",
    "poptot",
    "population",
    "befolkning",
    "antall",
    "personer",
)


def _pick(columns, candidates, path, what: str, required: bool = True) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    if required:
        raise DataError(
            f"{path}: no {what} column found among {list(columns)}; "
            "name it in the configuration "
            f'(e.g. code_column = "..."). Looked for {list(candidates)}.'
        )
    return None


def read_area_layer(
    path: Path,
    *,
    level: str,
    layer: str | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    code_width: int | None = None,
    on_duplicate: str = "error",
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read and standardise an area layer from any vector format GDAL reads.

    Code and name columns are found by name when not given: the Kartverket
    grunnkrets schema (``grunnkretsnummer``, ``grunnkretsnavn``), ``code``/``name``,
    ``kommunenummer``, ``sone_nr`` and others. Grunnkrets codes are padded to 8 digits.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    level : str
        The level every area gets (e.g. ``"grunnkrets"``).
    layer : str, optional
        The layer within a multi-layer file.
    code_column, name_column : str, optional
        The code and name columns; found among :data:`CODE_COLUMNS` and
        :data:`NAME_COLUMNS` (case-insensitive) when not given. Without a name column
        the codes serve as names.
    code_width : int, optional
        Digits of a code; 8 for a ``grunnkretsnummer``/``grunnkrets`` column and 4 for
        ``kommunenummer`` when not given.
    on_duplicate : str, default "error"
        ``"dissolve"`` merges the features of one code (see
        :func:`~levekar.areas.standardise_layer`).

    Returns
    -------
    layer : geopandas.GeoDataFrame
        ``code, name, level, geometry`` in EPSG:25833.
    report : LayerReport
        What was found and changed.

    Raises
    ------
    DataError, CRSError, GeometryError
        If the file does not read, no code column is found, or as
        :func:`~levekar.areas.standardise_layer`.
    """
    raw = read_layer(path, layer=layer)
    code = code_column or _pick(raw.columns, CODE_COLUMNS, path, "code")
    name = name_column or _pick(raw.columns, NAME_COLUMNS, path, "name", required=False)
    if code_width is None and code.lower() in ("grunnkretsnummer", "grunnkrets"):
        code_width = 8
    if code_width is None and code.lower() == "kommunenummer":
        code_width = 4
    return standardise_layer(
        raw,
        level=level,
        code_column=code,
        name_column=name,
        code_width=code_width,
        on_duplicate=on_duplicate,
        source=str(path),
    )


def read_population(
    path: Path, *, layer: str | None = None, column: str | None = None
) -> gpd.GeoDataFrame:
    """Read a population layer: SSB's grid (``BefolkningPåRuter250m``/``1km``) or points.

    SSB's grid may come as GML or GeoPackage. Returns the layer in EPSG:25833 with
    the count in column ``popTot``.

    Parameters
    ----------
    path : pathlib.Path
        The file. For a GML file without ``layer``, the first
        ``BefolkningPåRuter…`` layer (not ``…Grense``) is read.
    layer : str, optional
        The layer within a multi-layer file.
    column : str, optional
        The column with people; found among :data:`POPULATION_COLUMNS` when not given.

    Returns
    -------
    geopandas.GeoDataFrame
        One column ``popTot`` (float) and the geometry, in EPSG:25833.

    Raises
    ------
    DataError
        If the file does not read, has no population column or no CRS, or a count is
        missing or negative.
    """
    if layer is None and Path(path).suffix.lower() == ".gml":
        import pyogrio

        names = [n for n, _ in pyogrio.list_layers(path)]
        grids = [n for n in names if n.startswith("BefolkningPåRuter") and not n.endswith("Grense")]
        layer = grids[0] if grids else None
    raw = read_layer(path, layer=layer)
    col = column or _pick(raw.columns, POPULATION_COLUMNS, path, "population")
    if col not in raw.columns:
        raise DataError(f"{path}: no column {col!r}; columns are {list(raw.columns)}.")
    if raw.crs is None:
        raise DataError(
            f"{path}: the population layer has no CRS; set it (SSB's grid is EPSG:25833)."
        )
    counts = pd.to_numeric(raw[col], errors="coerce")
    if counts.isna().any() or (counts < 0).any():
        row = int((counts.isna() | (counts < 0)).to_numpy().nonzero()[0][0])
        value = raw[col].iloc[row]
        shown = repr(value) if isinstance(value, str) else str(value)
        raise DataError(f"{path}: column {col!r}, feature {row}: {shown} is not a count of people.")
    out = gpd.GeoDataFrame(
        {"popTot": counts.to_numpy(dtype=float)}, geometry=raw.geometry.to_numpy(), crs=raw.crs
    )
    return out.to_crs(25833) if out.crs.to_epsg() != 25833 else out


POINT_NAME_COLUMNS = (*NAME_COLUMNS, "navn_udir", "navn_geokodet", "tittel", "title")


def read_point_layer(
    path: Path,
    *,
    layer: str | None = None,
    name_column: str | None = None,
    symbol: str = "circle",
    kind: str = "points",
) -> gpd.GeoDataFrame:
    """Read a point layer (schools, meeting places, contacts) for the map and the counts.

    Parameters
    ----------
    path : pathlib.Path
        A vector file of points in one of the CRSs the area layers accept.
    layer : str, optional
        The layer within a multi-layer file.
    name_column : str, optional
        The column with the points' names; found by name when left out (``name``,
        ``navn``, ``skolenavn``, ...); without one the points are numbered.
    symbol : str, default "circle"
        The map symbol, carried in column ``symbol``.
    kind : str, default "points"
        What the points are (the study's ``[points.<kind>]`` key), in column ``kind``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name, kind, symbol`` and the attributes as read, points in EPSG:25833 (a
        multipoint becomes its points).

    Raises
    ------
    DataError
        If the file does not read, has no or an unsupported CRS, a named column is
        missing, or a feature is empty or not a point (all such features named).
    """
    src = str(path)
    raw = read_layer(path, layer=layer)
    if raw.crs is None or raw.crs.to_epsg() not in ACCEPTED_EPSG:
        got = "no CRS" if raw.crs is None else f"EPSG:{raw.crs.to_epsg()}"
        raise DataError(
            f"{src}: the point layer has {got}; expected one of "
            f"{', '.join(f'EPSG:{e}' for e in ACCEPTED_EPSG)}."
        )
    raw = raw.explode(index_parts=False).reset_index(drop=True)
    bad = raw.geometry.isna() | raw.geometry.is_empty | (raw.geom_type != "Point")
    if bad.any():
        rows = [int(k) for k in bad.to_numpy().nonzero()[0]]
        raise DataError(
            f"{src}: {len(rows)} feature(s) are not points (features {rows[:10]}); a point "
            "layer holds points (use centroids for buildings)."
        )
    if name_column is not None and name_column not in raw.columns:
        raise DataError(
            f"{src}: no column {name_column!r} (name_column); columns are "
            f"{[c for c in raw.columns if c != 'geometry']}."
        )
    col = name_column or _pick(raw.columns, POINT_NAME_COLUMNS, path, "name", required=False)
    out = raw.copy()
    out["name"] = (
        raw[col].astype(str).str.strip() if col else [f"{kind} {k + 1}" for k in range(len(raw))]
    )
    out["kind"] = kind
    out["symbol"] = symbol
    out = out.to_crs(CRS) if out.crs.to_epsg() != CRS else out
    first = ["name", "kind", "symbol"]
    return out[first + [c for c in out.columns if c not in first]]


def read_features(
    path: Path, *, layer: str | None = None, where: dict | None = None
) -> gpd.GeoDataFrame:
    """Read a layer of places or lines (schools, bus stops, green areas, a path network).

    For the ``[accessibility]`` destinations and network: any vector format GDAL reads,
    in any CRS it declares; returned in EPSG:25833 with every column kept.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    layer : str, optional
        The layer within a multi-layer file.
    where : dict, optional
        Keep the features whose columns equal these values (e.g. ``{"kind": "barneskole"}``).

    Returns
    -------
    geopandas.GeoDataFrame
        The features kept, in EPSG:25833, index reset.

    Raises
    ------
    DataError
        If the file does not read, has no CRS, ``where`` names a column it does not
        have, or no feature is left.
    """
    raw = read_layer(path, layer=layer)
    if raw.crs is None:
        raise DataError(f"{path}: the layer has no CRS; set it (e.g. EPSG:25833).")
    for col, value in (where or {}).items():
        if col not in raw.columns:
            raise DataError(
                f"{path}: where: no column {col!r}; columns are "
                f"{[c for c in raw.columns if c != raw.geometry.name]}."
            )
        raw = raw[raw[col] == value]
    if raw.empty:
        raise DataError(
            f"{path}: no feature"
            + (f" where {dict(where)}" if where else "")
            + "; the layer must hold at least one place."
        )
    raw = raw.reset_index(drop=True)
    return raw.to_crs(25833) if raw.crs.to_epsg() != 25833 else raw
