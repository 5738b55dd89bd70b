"""Area layers: validation, CRS normalisation, repair, and lokalsamfunn from catchments.

An area layer is a GeoDataFrame with columns ``code``, ``name``, ``level`` and a
geometry in EPSG:25833 (UTM 33N, SSB's national standard). Functions here are
pure: they take and return (Geo)DataFrames and report what they changed instead
of printing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import CRSError, DataError, GeometryError

__all__ = [
    "ACCEPTED_EPSG",
    "CRS",
    "LayerReport",
    "coverage_gaps",
    "layer_topology",
    "lokalsamfunn_from_catchments",
    "standardise_layer",
]

CRS = 25833
ACCEPTED_EPSG = (25832, 25833, 25835, 4258, 4326)
# Mainland Norway with a generous margin, in EPSG:25833 (metres).
_NORWAY_BOUNDS_25833 = (-150_000.0, 6_350_000.0, 1_200_000.0, 8_000_000.0)


@dataclass
class LayerReport:
    """What :func:`standardise_layer` found and did to a layer.

    Attributes
    ----------
    source : str
        Name of the layer (file or configuration key).
    n_features : int
        Number of features read, before any dissolving.
    crs_in : str
        The layer's CRS as read, e.g. ``"EPSG:4326"``.
    repaired : list of str
        ``"<code>: <reason>"`` for every geometry repaired with ``make_valid``.
    notes : list of str
        Other changes, e.g. codes whose features were dissolved.
    """

    source: str
    n_features: int
    crs_in: str
    repaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the report as a JSON-ready dict (lists copied).

        Returns
        -------
        dict
            Keys ``source``, ``n_features``, ``crs_in``, ``repaired``, ``notes``.
        """
        return {
            "source": self.source,
            "n_features": self.n_features,
            "crs_in": self.crs_in,
            "repaired": list(self.repaired),
            "notes": list(self.notes),
        }


def _check_crs(gdf: gpd.GeoDataFrame, source: str) -> str:
    if gdf.crs is None:
        raise CRSError(
            f"{source}: the layer has no CRS. Set the one it was made in, e.g. "
            "gdf.set_crs(25833) in Python, or add a .prj / CRS to the file "
            f"(accepted: {', '.join(f'EPSG:{e}' for e in ACCEPTED_EPSG)})."
        )
    epsg = gdf.crs.to_epsg()
    if epsg not in ACCEPTED_EPSG:
        raise CRSError(
            f"{source}: CRS {gdf.crs.name!r} (EPSG:{epsg}) is not supported. Reproject to "
            "EPSG:25833 first, e.g. gdf.to_crs(25833) or ogr2ogr -t_srs EPSG:25833."
        )
    return f"EPSG:{epsg}"


def _check_inside_norway(gdf: gpd.GeoDataFrame, source: str) -> None:
    if gdf.empty:
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    bx0, by0, bx1, by1 = _NORWAY_BOUNDS_25833
    if minx < bx0 or maxx > bx1 or miny < by0 or maxy > by1:
        raise CRSError(
            f"{source}: coordinates ({minx:.0f}, {miny:.0f}) – ({maxx:.0f}, {maxy:.0f}) "
            "in EPSG:25833 "
            "lie outside Norway. The declared CRS is probably wrong (for example lon/lat "
            "declared as UTM, or x and y swapped): declare the CRS the data were made in."
        )


def standardise_layer(
    gdf: gpd.GeoDataFrame,
    *,
    level: str,
    code_column: str = "code",
    name_column: str | None = "name",
    code_width: int | None = None,
    on_duplicate: str = "error",
    source: str = "layer",
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Validate an area layer and return it as ``code, name, level, geometry`` in EPSG:25833.

    Invalid geometries are repaired with :func:`shapely.make_valid` (keeping only
    polygonal parts) and listed in the report; empty geometries and missing codes
    are errors that name the codes. Duplicate codes are an error, or with
    ``on_duplicate="dissolve"`` the features of one code are merged into one
    (multi-part) area and the report says which.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer as read, in one of :data:`ACCEPTED_EPSG`.
    level : str
        The level every area gets in ``level`` (e.g. ``"grunnkrets"``).
    code_column : str, default "code"
        The column holding the area codes.
    name_column : str or None, default "name"
        The column holding the area names; None uses the codes as names.
    code_width : int, optional
        When given, codes are normalised to this many digits
        (:func:`~levekar.codes.normalise_codes`); otherwise they are stripped strings.
    on_duplicate : str, default "error"
        ``"dissolve"`` merges the features of one code; any other value makes a
        duplicate code an error.
    source : str, default "layer"
        Name of the layer, used in the report and in error messages.

    Returns
    -------
    layer : geopandas.GeoDataFrame
        Columns ``code, name, level, geometry`` in EPSG:25833, index reset (sorted by
        code when dissolved).
    report : LayerReport
        What was found and changed.

    Raises
    ------
    DataError
        If the code or name column is missing, a code is empty or malformed (with
        ``code_width``), or a code repeats without ``on_duplicate="dissolve"``.
    CRSError
        If the layer has no CRS, one not in :data:`ACCEPTED_EPSG`, or coordinates
        outside Norway in EPSG:25833.
    GeometryError
        If an area has no geometry, ``make_valid`` leaves it empty, or its area is 0.
    """
    if code_column not in gdf.columns:
        raise DataError(
            f"{source}: no column {code_column!r} with area codes; "
            f"columns are {list(gdf.columns)}. "
            "Name the code column in the study configuration (code_column = ...)."
        )
    if name_column is not None and name_column not in gdf.columns:
        raise DataError(
            f"{source}: no column {name_column!r} with area names; columns are {list(gdf.columns)}."
        )
    crs_in = _check_crs(gdf, source)
    report = LayerReport(source=source, n_features=len(gdf), crs_in=crs_in)
    codes = gdf[code_column]
    if codes.isna().any():
        raise DataError(
            f"{source}: column {code_column!r} has {int(codes.isna().sum())} empty code(s)."
        )
    if code_width is not None:
        from .codes import normalise_codes

        codes = normalise_codes(codes, width=code_width, source=source, column=code_column)
    else:
        codes = codes.astype(str).str.strip()
    dup = codes[codes.duplicated(keep=False)]
    if len(dup) and on_duplicate != "dissolve":
        raise DataError(
            f"{source}: duplicate code(s) in column {code_column!r}: {sorted(set(dup))[:5]}. "
            "Each area must appear once; dissolve multi-part areas first "
            "(on_duplicate='dissolve')."
        )
    names = gdf[name_column].astype(str).str.strip() if name_column else codes
    out = gpd.GeoDataFrame(
        {"code": codes.to_numpy(), "name": names.to_numpy(), "level": level},
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    empty = out.geometry.isna() | out.geometry.is_empty
    if empty.any():
        raise GeometryError(
            f"{source}: {int(empty.sum())} area(s) have no geometry: "
            f"{out.loc[empty, 'code'].tolist()[:5]}."
        )
    if out.crs.to_epsg() != CRS:
        out = out.to_crs(CRS)
    _check_inside_norway(out, source)
    invalid = ~out.geometry.is_valid
    if invalid.any():
        reasons = shapely.is_valid_reason(out.geometry[invalid].to_numpy())
        fixed = shapely.make_valid(out.geometry[invalid].to_numpy())
        fixed = np.array([_polygonal_part(g) for g in fixed], dtype=object)
        for code, why in zip(out.loc[invalid, "code"], reasons, strict=True):
            report.repaired.append(f"{code}: {why}")
        out.loc[invalid, "geometry"] = fixed
        if (out.geometry.is_empty | out.geometry.isna()).any():
            raise GeometryError(
                f"{source}: make_valid left an empty geometry; check the input polygons."
            )
    if len(dup):
        merged = sorted(set(dup))
        out = out.dissolve(
            by="code", aggfunc={"name": "first", "level": "first"}, sort=True
        ).reset_index()
        out = out[["code", "name", "level", "geometry"]]
        report.notes.append(
            f"{len(merged)} code(s) had several features and were dissolved: {merged[:10]}"
        )
    area = out.geometry.area
    if (area <= 0).any():
        raise GeometryError(
            f"{source}: area(s) with zero area: {out.loc[area <= 0, 'code'].tolist()[:5]}."
        )
    return out.reset_index(drop=True), report


def _close_slits(geom, width: float = 0.1):
    """Close slits narrower than ``width`` metres left between dissolved parts.

    A morphological closing with mitred corners; the holes under 1 m² that such slits
    leave are dropped.
    """
    closed = shapely.make_valid(
        geom.buffer(width / 2, join_style="mitre").buffer(-width / 2, join_style="mitre")
    )
    parts = []
    for p in shapely.get_parts(_polygonal_part(closed)):
        holes = [r for r in p.interiors if shapely.Polygon(r).area >= 1.0]
        parts.append(shapely.Polygon(p.exterior, holes))
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _polygonal_part(geom):
    """Keep the polygonal part of a (possibly mixed) geometry from make_valid."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def lokalsamfunn_from_catchments(
    catchments: gpd.GeoDataFrame,
    mapping: pd.DataFrame,
    *,
    source: str = "catchment table",
) -> gpd.GeoDataFrame:
    """Dissolve school catchments into lokalsamfunn.

    ``mapping`` has columns ``catchment`` (catchment code), ``lokalsamfunn`` (code)
    and optionally ``lokalsamfunn_name``. A catchment in no lokalsamfunn, in two,
    or a mapped catchment missing from the layer is an error.

    Parameters
    ----------
    catchments : geopandas.GeoDataFrame
        The catchment layer, standardised (``code``, ``geometry``).
    mapping : pandas.DataFrame
        Catchment → lokalsamfunn table (see above).
    source : str, default "catchment table"
        Name of the table, used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per lokalsamfunn, sorted by code: ``code``, ``name`` (the first
        ``lokalsamfunn_name`` of its catchments, or the code), ``level`` =
        ``"lokalsamfunn"`` and the dissolved geometry with slits under 0.1 m closed, in
        the catchments' CRS.

    Raises
    ------
    DataError
        If a column is missing, a catchment is mapped twice or not at all, or a mapped
        catchment is not in the layer.
    """
    for col in ("catchment", "lokalsamfunn"):
        if col not in mapping.columns:
            raise DataError(
                f"{source}: missing column {col!r}; columns are {list(mapping.columns)}."
            )
    m = mapping.astype({"catchment": str, "lokalsamfunn": str})
    m["catchment"] = m["catchment"].str.strip()  # "SK01 " from a spreadsheet is SK01
    m["lokalsamfunn"] = m["lokalsamfunn"].str.strip()
    if "lokalsamfunn_name" in m.columns:
        m["lokalsamfunn_name"] = m["lokalsamfunn_name"].astype(str).str.strip()
    twice = m[m["catchment"].duplicated(keep=False)]
    if len(twice):
        c = twice["catchment"].iloc[0]
        ls = sorted(twice.loc[twice["catchment"] == c, "lokalsamfunn"])
        raise DataError(f"{source}: catchment {c!r} is mapped to more than one lokalsamfunn: {ls}.")
    unmapped = sorted(set(catchments["code"]) - set(m["catchment"]))
    if unmapped:
        raise DataError(
            f"{source}: catchment(s) {unmapped[:5]} belong to no lokalsamfunn; "
            "add them to the table."
        )
    unknown = sorted(set(m["catchment"]) - set(catchments["code"]))
    if unknown:
        raise DataError(
            f"{source}: catchment code(s) {unknown[:5]} are not in the catchment layer."
        )
    joined = catchments[["code", "geometry"]].merge(m, left_on="code", right_on="catchment")
    if "lokalsamfunn_name" not in joined.columns:
        joined["lokalsamfunn_name"] = joined["lokalsamfunn"]
    dissolved = joined.dissolve(
        by="lokalsamfunn", aggfunc={"lokalsamfunn_name": "first"}, sort=True
    )
    out = gpd.GeoDataFrame(
        {
            "code": dissolved.index.astype(str),
            "name": dissolved["lokalsamfunn_name"].astype(str).to_numpy(),
            "level": "lokalsamfunn",
        },
        geometry=[_close_slits(g) for g in dissolved.geometry.to_numpy()],
        crs=catchments.crs,
    )
    return out.reset_index(drop=True)


def layer_topology(
    layer: gpd.GeoDataFrame,
    *,
    population: gpd.GeoDataFrame | None = None,
    population_column: str = "popTot",
    min_area: float = 1.0,
    union: shapely.Geometry | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Find overlaps and gaps between the areas of one layer, with their area and population.

    Returns ``(overlaps, gaps)``. ``overlaps`` has ``code_a, code_b, area_m2,
    population`` for pairs that share more than ``min_area`` m² (two catchments
    claiming the same houses). ``gaps`` has ``gap, area_m2, population`` for holes
    inside the layer's outline that no area covers. Population comes from points or
    polygons (spread by area) when ``population`` is given, else it is missing.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        A standardised layer (``code``, ``geometry``) in EPSG:25833.
    population : geopandas.GeoDataFrame, optional
        Points or polygons with people; reprojected to EPSG:25833 when needed. A point
        in two overlapping areas counts in both.
    population_column : str, default "popTot"
        The column of ``population`` holding people (missing values count 0). Note the
        default differs from :func:`~levekar.crosswalk.crosswalk_from_overlay`'s
        ``"population"``.
    min_area : float, default 1.0
        Overlaps and gaps of at most this many m² are ignored.
    union : shapely.Geometry, optional
        ``shapely.union_all`` of the layer's geometries, when the caller has it already
        (the same union :func:`coverage_gaps` takes; computed here otherwise).

    Returns
    -------
    overlaps : pandas.DataFrame
        ``code_a, code_b, area_m2, population``, one row per overlapping pair.
    gaps : pandas.DataFrame
        ``gap`` (1, 2, …), ``area_m2``, ``population``, one row per hole.
    """
    geom = layer.geometry.to_numpy()
    codes = layer["code"].to_numpy()
    i, j = shapely.STRtree(geom).query(geom, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    inter = shapely.intersection(geom[i], geom[j])
    area = shapely.area(inter)
    big = area > min_area
    overlaps = pd.DataFrame(
        {"code_a": codes[i[big]], "code_b": codes[j[big]], "area_m2": area[big]}
    )
    overlaps["population"] = _people_in(inter[big], population, population_column)
    outline = shapely.union_all(geom) if union is None else union
    holes = []
    for poly in shapely.get_parts(outline):
        holes.extend(shapely.Polygon(ring) for ring in poly.interiors)
    holes = np.array([h for h in holes if h.area > min_area], dtype=object)
    gaps = pd.DataFrame(
        {"gap": np.arange(1, len(holes) + 1), "area_m2": shapely.area(holes) if len(holes) else []}
    )
    gaps["population"] = _people_in(holes, population, population_column)
    return overlaps, gaps


def _people_in(areas: np.ndarray, population: gpd.GeoDataFrame | None, column: str) -> np.ndarray:
    """Count people inside each polygon: points where they lie, polygons spread by area."""
    if population is None or len(areas) == 0:
        return np.full(len(areas), np.nan)
    pop = (
        population.to_crs(CRS)
        if population.crs is not None and population.crs.to_epsg() != CRS
        else population
    )
    g = pop.geometry.to_numpy()
    counts = pd.to_numeric(pop[column], errors="coerce").fillna(0).to_numpy(dtype=float)
    if (shapely.get_type_id(g) == 0).all():
        a_idx, p_idx = shapely.STRtree(g).query(areas, predicate="intersects")
        share = np.ones(len(a_idx))
    else:
        from .crosswalk import _pair_areas

        a_idx, p_idx, inter = _pair_areas(areas, g)
        share = inter / shapely.area(g[p_idx])
    return np.bincount(a_idx, weights=share * counts[p_idx], minlength=len(areas))


def coverage_gaps(
    layer: gpd.GeoDataFrame,
    outline: gpd.GeoDataFrame,
    *,
    population: gpd.GeoDataFrame | None = None,
    population_column: str = "popTot",
    min_area: float = 1.0,
    unions: tuple[shapely.Geometry, shapely.Geometry] | None = None,
) -> pd.DataFrame:
    """Find the parts of ``outline`` (the grunnkretser: the kommune) no area of ``layer`` covers.

    Unlike the holes of :func:`layer_topology`, this finds gaps at the edge too: a catchment
    missing along the kommune border leaves land no area covers.

    Parameters
    ----------
    layer
        The areas that should cover the outline (catchments, lokalsamfunn).
    outline
        The layer whose union is the whole (the grunnkretser).
    population
        People as points or polygons, to count the people in each gap.
    population_column
        The count column of ``population``.
    min_area
        Pieces smaller than this (m²) are digitising noise and left out.
    unions
        ``shapely.union_all`` of ``outline``'s and of ``layer``'s geometries, when the
        caller has them already (a study checks three layers against one outline).

    Returns
    -------
    pandas.DataFrame
        ``gap, area_m2, population`` (population missing without a population layer).
    """
    if unions is None:
        unions = (
            shapely.union_all(outline.geometry.to_numpy()),
            shapely.union_all(layer.geometry.to_numpy()),
        )
    whole, covered = unions
    rest = shapely.difference(whole, covered)
    pieces = np.array(
        [g for g in shapely.get_parts(rest) if g.area > min_area and g.geom_type == "Polygon"],
        dtype=object,
    )
    out = pd.DataFrame(
        {
            "gap": np.arange(1, len(pieces) + 1),
            "area_m2": shapely.area(pieces) if len(pieces) else np.array([], dtype=float),
        }
    )
    out["population"] = _people_in(pieces, population, population_column)
    return out
