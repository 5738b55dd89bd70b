"""Accessibility: how far people live from the places they go (bo- og nærmiljø).

Distances run from *origins* (population points, or the cells of SSB's 250 m grid,
represented by one point each) to the nearest *destination* (points such as schools
and bus stops, or polygons such as green areas), either in a straight line or along
a path network. Everything is in metres in EPSG:25833; the area key is ``code``.

Straight line
    Point destinations: a k-d tree (:class:`scipy.spatial.cKDTree`). Polygon and line
    destinations: shapely's STR-tree ``query_nearest``, exact, 0 inside a polygon.

Network
    :func:`network_from_lines` turns a line layer into a graph: a node at every line
    vertex (vertices closer than ``tolerance`` merged), an edge per segment weighted
    by its length. Origins and destinations are snapped to the **nearest point on an
    edge** (not the nearest node); the snapping distance is **added** to the path and
    reported. One multi-source Dijkstra (:func:`scipy.sparse.csgraph.dijkstra`) runs
    from all destinations at once. A polygon destination enters the network from
    points along its boundary (every ``spacing`` metres) and from every network node
    inside it. Origins farther than ``max_snap`` from the network, or on a part of the
    network that reaches no destination, are *unreachable*: counted and reported with
    their people, never dropped.

An origin inside a polygon destination is at distance 0 in both kinds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from .errors import CRSError, DataError

__all__ = [
    "DEFAULT_MAX_SNAP",
    "AccessAccounting",
    "Accessibility",
    "Network",
    "accessibility_by_area",
    "nearest_distance",
    "network_from_lines",
    "origin_points",
]

CRS_EPSG = 25833
DEFAULT_MAX_SNAP = 1000.0
DEFAULT_SPACING = 10.0
Kind = Literal["euclidean", "network"]

# Status of one origin (codes; the presentation layer turns them into bokmål).
OK = "ok"
NO_GEOMETRY = "no_geometry"
NO_DESTINATION = "no_destination"
OFF_NETWORK = "off_network"
DISCONNECTED = "disconnected"
UNREACHABLE = (NO_GEOMETRY, NO_DESTINATION, OFF_NETWORK, DISCONNECTED)


# --------------------------------------------------------------------------- validation


def _geoms(layer, what: str) -> np.ndarray:
    """Return the geometry array of a GeoDataFrame/GeoSeries in EPSG:25833, or a clear error."""
    if not isinstance(layer, gpd.GeoDataFrame | gpd.GeoSeries):
        raise DataError(
            f"access: {what} must be a GeoDataFrame or GeoSeries, not {type(layer).__name__}."
        )
    if layer.crs is None:
        raise CRSError(
            f"access: {what} has no CRS; it must be EPSG:{CRS_EPSG}. Use gdf.set_crs(...)."
        )
    if layer.crs.to_epsg() != CRS_EPSG:
        raise CRSError(
            f"access: {what} must have crs = EPSG:{CRS_EPSG}, not {layer.crs.to_string()}. "
            f"Use gdf.to_crs({CRS_EPSG})."
        )
    return np.asarray(
        layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer, dtype=object
    )


def _missing(geoms: np.ndarray) -> np.ndarray:
    return shapely.is_missing(geoms) | shapely.is_empty(geoms)


# --------------------------------------------------------------------------- origins


def origin_points(origins, *, land=None) -> gpd.GeoSeries:
    """One point per origin: points as they are, polygons (grid cells) by their centroid.

    With ``land`` (a polygon or a polygon layer), a cell whose centroid falls in the
    sea or a river is represented by a point inside its land part
    (:func:`shapely.point_on_surface` of cell ∩ land): the people of a coastal cell
    live on land, and a centroid in the fjord would be snapped to the wrong shore.

    Parameters
    ----------
    origins : GeoDataFrame or GeoSeries
        Points or polygons in EPSG:25833.
    land : shapely geometry, GeoDataFrame or GeoSeries, optional
        Land (polygonal), in EPSG:25833 when a layer.

    Returns
    -------
    GeoSeries
        Points on ``origins``' index, in EPSG:25833; missing or empty geometries stay
        empty.

    Raises
    ------
    DataError
        If ``origins`` is not a GeoDataFrame or GeoSeries, or has line geometries.
    CRSError
        If ``origins`` (or a ``land`` layer) is not in EPSG:25833.

    Examples
    --------
    >>> import shapely, geopandas as gpd
    >>> cells = gpd.GeoSeries([shapely.box(0, 0, 250, 250)], crs=25833)
    >>> origin_points(cells).iloc[0].wkt
    'POINT (125 125)'
    >>> origin_points(cells, land=shapely.box(0, 0, 100, 250)).iloc[0].wkt
    'POINT (50 125)'
    """
    geoms = _geoms(origins, "origins")
    out = np.full(len(geoms), shapely.Point(), dtype=object)
    ok = ~_missing(geoms)
    kinds = shapely.get_type_id(geoms)
    lines = ok & np.isin(kinds, [1, 2, 5])
    if lines.any():
        raise DataError(
            f"access: origins must be points or polygons; {int(lines.sum())} are lines."
        )
    out[ok & (kinds == 0)] = geoms[ok & (kinds == 0)]
    poly = ok & (kinds != 0)
    if poly.any():
        out[poly] = _centres(geoms[poly])
    if land is not None:
        poly = ok & np.isin(kinds, [3, 6])
        land_geom = (
            land if isinstance(land, shapely.Geometry) else shapely.union_all(_geoms(land, "land"))
        )
        shapely.prepare(land_geom)
        wet = poly & ~shapely.intersects(land_geom, out)
        if wet.any():
            part = shapely.intersection(geoms[wet], land_geom)
            inside = ~shapely.is_empty(part)
            fixed = out[wet]
            fixed[inside] = shapely.point_on_surface(part[inside])
            out[wet] = fixed
    index = origins.index
    return gpd.GeoSeries(out, index=index, crs=CRS_EPSG)


def _centres(geoms: np.ndarray) -> np.ndarray:
    """Return centroids; for axis-aligned rectangles (grid cells) the midpoint of the bounds.

    That is the same point and ten times faster to get.
    """
    b = shapely.bounds(geoms)
    box_area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    rect = (
        (shapely.get_type_id(geoms) == 3)
        & (shapely.get_num_coordinates(geoms) == 5)
        & np.isclose(shapely.area(geoms), box_area, rtol=1e-12, atol=0.0)
    )
    out = np.empty(len(geoms), dtype=object)
    out[rect] = shapely.points((b[rect, 0] + b[rect, 2]) / 2, (b[rect, 1] + b[rect, 3]) / 2)
    out[~rect] = shapely.centroid(geoms[~rect])
    return out


# --------------------------------------------------------------------------- network


@dataclass(frozen=True, eq=False)
class Network:
    """A path network as an undirected graph, ready for snapping and shortest paths.

    Build it with :func:`network_from_lines`. ``nodes`` are coordinates (n × 2);
    segment ``k`` joins ``nodes[u[k]]`` and ``nodes[v[k]]`` (``u < v``) and is
    ``length[k]`` metres long; ``component`` labels the connected part each node
    belongs to (for a map of cut-off pieces); ``report`` counts what the build merged
    and dropped. ``segments`` (LineStrings) and ``tree`` (their STR-tree, for snapping)
    are derived on construction.

    Attributes
    ----------
    nodes : numpy.ndarray
        Node coordinates, shape (n, 2), in EPSG:25833 metres.
    u, v : numpy.ndarray of int
        End nodes of each segment, ``u < v``.
    length : numpy.ndarray
        Length of each segment in metres.
    component : numpy.ndarray of int
        Connected-component label of each node.
    report : dict
        What the build counted: lines, vertices, nodes, edges, merged vertices,
        collapsed and duplicate segments, components, total length, tolerance.
    segments : numpy.ndarray of shapely.LineString
        One line per segment (derived).
    tree : shapely.STRtree
        STR-tree of ``segments`` (derived).
    """

    nodes: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    component: np.ndarray
    report: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Derive ``segments`` and their STR-tree ``tree``."""
        segs = shapely.linestrings(np.stack([self.nodes[self.u], self.nodes[self.v]], axis=1))
        object.__setattr__(self, "segments", segs)
        object.__setattr__(self, "tree", shapely.STRtree(segs))
        # The same origins are snapped for every destination layer: once (see _snap).
        object.__setattr__(self, "_snapped", {})

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)


def network_from_lines(lines, *, tolerance: float = 0.5) -> Network:
    """Build a :class:`Network` from a line layer (roads, paths).

    A node is placed at every vertex of every line; vertices closer than
    ``tolerance`` metres (within one line or across lines) become one node, so lines
    that meet at a shared or nearly shared vertex are connected. Lines that cross
    without a shared vertex (a bridge over a road) are *not* connected. Each segment
    between consecutive vertices is an edge weighted by its length between the merged
    nodes (a merged node sits at one of its vertices, so a length changes by at most
    twice the distance its end vertices moved: ``2 * tolerance`` unless vertices chain
    within ``tolerance`` of each other); segments that collapse
    to one node are dropped and parallel duplicates kept once, all counted in
    ``Network.report``.

    Parameters
    ----------
    lines : GeoDataFrame or GeoSeries
        LineStrings / MultiLineStrings in EPSG:25833; other geometry types are an error.
    tolerance : float, default 0.5
        Merge distance for vertices, in metres. Keep it well below segment lengths.

    Returns
    -------
    Network
        The graph; one component label per node, and the build counts in ``report``.

    Raises
    ------
    DataError
        If ``tolerance`` is negative, ``lines`` is not a GeoDataFrame or GeoSeries, a
        geometry is not a line, or no line has two vertices.
    CRSError
        If ``lines`` is not in EPSG:25833.

    Examples
    --------
    >>> import shapely, geopandas as gpd
    >>> roads = gpd.GeoSeries([shapely.LineString([(0, 0), (100, 0)]),
    ...                        shapely.LineString([(100.2, 0), (100, 50)])], crs=25833)
    >>> net = network_from_lines(roads)
    >>> net.n_nodes, net.report["n_components"]
    (3, 1)
    """
    if tolerance < 0:
        raise DataError(f"access: tolerance must be >= 0 metres, got {tolerance}.")
    geoms = _geoms(lines, "network")
    geoms = geoms[~_missing(geoms)]
    kinds = shapely.get_type_id(geoms)
    if not np.isin(kinds, [1, 5]).all():
        bad = sorted({shapely.get_type_id(g) for g in geoms[~np.isin(kinds, [1, 5])]})
        raise DataError(
            f"access: the network must be lines (LineString/MultiLineString); "
            f"found geometry type id(s) {bad}."
        )
    parts = shapely.get_parts(geoms)
    coords, which = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 2:
        raise DataError("access: the network has no line with two vertices.")
    labels = _merge_close(coords, tolerance)
    _, first = np.unique(labels, return_index=True)
    nodes = coords[first]
    same_line = which[1:] == which[:-1]
    u, v = labels[:-1][same_line], labels[1:][same_line]
    loops = u == v
    u, v = np.minimum(u[~loops], v[~loops]), np.maximum(u[~loops], v[~loops])
    length = np.hypot(*(nodes[u] - nodes[v]).T)
    order = np.lexsort((length, v, u))
    u, v, length = u[order], v[order], length[order]
    keep = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    graph = sparse.coo_matrix((np.ones(keep.sum()), (u[keep], v[keep])), shape=(len(nodes),) * 2)
    n_comp, comp = connected_components(graph, directed=False)
    report = {
        "n_lines": int(len(geoms)),
        "n_vertices": int(len(coords)),
        "n_nodes": int(len(nodes)),
        "n_edges": int(keep.sum()),
        "merged_vertices": int(len(coords) - len(nodes)),
        "collapsed_segments": int(loops.sum()),
        "duplicate_segments": int((~keep).sum()),
        "n_components": int(n_comp),
        "length_m": float(length[keep].sum()),
        "tolerance_m": float(tolerance),
    }
    return Network(
        nodes=nodes, u=u[keep], v=v[keep], length=length[keep], component=comp, report=report
    )


def _merge_close(coords: np.ndarray, tolerance: float) -> np.ndarray:
    """Label each vertex's node: vertices within ``tolerance`` (transitively) share a label."""
    pairs = cKDTree(coords).query_pairs(max(tolerance, 1e-9), output_type="ndarray")
    n = len(coords)
    adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    return labels


def _snap(net: Network, points: np.ndarray, max_snap: float):
    """Snap each point within ``max_snap`` to the nearest point on a network segment.

    Returns ``(which, seg, t, dist)``: positions of the snapped points, their segment,
    the position along it (0 at ``u``, 1 at ``v``) and the snapping distance.
    """
    xy, at = shapely.get_coordinates(points, return_index=True)
    key = (xy.tobytes(), at.tobytes(), len(points), float(max_snap))
    if key not in net._snapped:
        idx, dist = net.tree.query_nearest(
            points, max_distance=max_snap, return_distance=True, all_matches=False
        )
        which, seg = idx
        t = shapely.line_locate_point(net.segments[seg], points[which], normalized=True)
        net._snapped[key] = (which, seg, np.nan_to_num(t), dist)
    return tuple(a.copy() for a in net._snapped[key])


def _outlines(geoms: np.ndarray, spacing: float) -> np.ndarray:
    """Return points as they are, polygons by their boundary, densified to ``spacing`` metres."""
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    return shapely.segmentize(np.where(polygonal, shapely.boundary(geoms), geoms), spacing)


def _access_points(geoms: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Return points where a destination is entered.

    That is the point itself, or its outline every ``spacing`` m.
    """
    xy, owner = shapely.get_coordinates(_outlines(geoms, spacing), return_index=True)
    return shapely.points(xy), owner


def _network_nearest(
    net: Network, opts: np.ndarray, dgeoms: np.ndarray, max_snap: float, spacing: float
):
    """Compute the network distance from each origin point to the nearest destination.

    See the module docstring.
    """
    n_o = len(opts)
    dist = np.full(n_o, np.nan)
    dest = np.full(n_o, -1)
    o_snap = np.full(n_o, np.nan)
    d_snap = np.full(n_o, np.nan)
    status = np.full(n_o, OFF_NETWORK, dtype=object)
    apts, owner = _access_points(dgeoms, spacing)
    a_which, a_seg, a_t, a_dist = _snap(net, apts, max_snap)
    a_owner = owner[a_which]
    # Virtual source node per snapped access point, joined to both ends of its segment.
    n = net.n_nodes
    virt = n + np.arange(len(a_which))
    L = net.length[a_seg]
    w_u = a_dist + a_t * L
    w_v = a_dist + (1 - a_t) * L
    # Network nodes inside a polygon destination are sources too (snap 0).
    polygonal = np.flatnonzero(np.isin(shapely.get_type_id(dgeoms), [3, 6]))
    inside_node, inside_owner = np.empty(0, int), np.empty(0, int)
    if len(polygonal):
        q_node, q_poly = shapely.STRtree(dgeoms[polygonal]).query(
            shapely.points(net.nodes), predicate="intersects"
        )
        inside_node, inside_owner = q_node, polygonal[q_poly]
    virt_in = n + len(virt) + np.arange(len(inside_node))
    rows = np.r_[net.u, virt, virt, virt_in]
    cols = np.r_[net.v, net.u[a_seg], net.v[a_seg], inside_node]
    wts = np.maximum(np.r_[net.length, w_u, w_v, np.zeros(len(inside_node))], 1e-9)
    size = n + len(virt) + len(virt_in)
    graph = sparse.csr_matrix((wts, (rows, cols)), shape=(size, size))
    src_owner = np.r_[a_owner, inside_owner]
    src_snap = np.r_[a_dist, np.zeros(len(inside_node))]
    sources = np.r_[virt, virt_in]
    usable = np.zeros(len(dgeoms), dtype=bool)
    usable[src_owner] = True
    o_which, o_seg, o_t, o_dist = _snap(net, opts, max_snap)
    o_snap[o_which] = o_dist
    status[o_which] = DISCONNECTED
    if len(sources) == 0:
        return dist, dest, o_snap, d_snap, status, usable
    node_dist, _, node_src = dijkstra(
        graph, directed=False, indices=sources, min_only=True, return_predecessors=True
    )
    # Origins leave their segment through u or v, or meet a destination on the same segment.
    Lo = net.length[o_seg]
    via_u = node_dist[net.u[o_seg]] + o_t * Lo
    via_v = node_dist[net.v[o_seg]] + (1 - o_t) * Lo
    best = np.minimum(via_u, via_v)
    src_node = np.where(via_u <= via_v, net.u[o_seg], net.v[o_seg])
    src = node_src[src_node]
    same = pd.DataFrame({"o": np.arange(len(o_which)), "seg": o_seg, "t": o_t}).merge(
        pd.DataFrame({"seg": a_seg, "ta": a_t, "a": np.arange(len(a_seg))}), on="seg"
    )
    if len(same):
        same["d"] = np.abs(same["t"] - same["ta"]) * net.length[same["seg"]] + a_dist[same["a"]]
        same = same.sort_values(["o", "d", "a"]).drop_duplicates("o")
        o, d, a = same["o"].to_numpy(), same["d"].to_numpy(), same["a"].to_numpy()
        closer = d < best[o]
        best[o[closer]] = d[closer]
        src[o[closer]] = virt[a[closer]]
    reached = np.isfinite(best)
    idx = src - n
    dist[o_which] = np.where(reached, o_dist + best, np.nan)
    dest[o_which] = np.where(reached, src_owner[np.where(reached, idx, 0)], -1)
    d_snap[o_which] = np.where(reached, src_snap[np.where(reached, idx, 0)], np.nan)
    status[o_which] = np.where(reached, OK, DISCONNECTED)
    return dist, dest, o_snap, d_snap, status, usable


# --------------------------------------------------------------------------- straight line


def _euclidean_nearest(opts: np.ndarray, dgeoms: np.ndarray, polygon_method: str, spacing: float):
    xy = shapely.get_coordinates(opts)
    dist = np.full(len(opts), np.inf)
    dest = np.full(len(opts), -1)
    is_point = shapely.get_type_id(dgeoms) == 0
    pts = np.flatnonzero(is_point)
    if len(pts):
        d, i = cKDTree(shapely.get_coordinates(dgeoms[pts])).query(xy)
        dist, dest = d, pts[i]
    other = np.flatnonzero(~is_point)
    if len(other):
        if polygon_method == "densify":
            d, i = _densified_nearest(opts, xy, dgeoms[other], spacing)
        else:
            (o, j), dd = shapely.STRtree(dgeoms[other]).query_nearest(
                opts, return_distance=True, all_matches=False
            )
            d, i = np.full(len(opts), np.inf), np.full(len(opts), -1)
            d[o], i[o] = dd, j
        closer = d < dist
        dist[closer], dest[closer] = d[closer], other[i[closer]]
    return dist, dest


def _densified_nearest(opts, xy, geoms, spacing):
    """Find the polygon (or line) by its nearest outline vertex, then the exact distance to it.

    Outlines are densified to ``spacing``; the distance is 0 inside a polygon.

    Never shorter than the true distance, and at most ``spacing / 2`` longer (only when another
    polygon's outline passes within ``spacing / 2`` of the nearest one's distance).
    """
    apts_xy, owner = shapely.get_coordinates(_outlines(geoms, spacing), return_index=True)
    _, k = cKDTree(apts_xy).query(xy)
    i = owner[k]
    d = shapely.distance(opts, geoms[i])
    polygonal = np.flatnonzero(np.isin(shapely.get_type_id(geoms), [3, 6]))
    if len(polygonal):
        o, p = _points_in(opts, xy, geoms[polygonal])
        d[o], i[o] = 0.0, polygonal[p]
    return d, i


def _points_in(
    opts: np.ndarray, xy: np.ndarray, polys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return pairs (point, polygon) with the point in or on the polygon.

    Bounding boxes first, then the exact test.
    """
    o, p = shapely.STRtree(polys).query(opts)
    hit = shapely.intersects_xy(polys[p], xy[o, 0], xy[o, 1])
    return o[hit], p[hit]


def nearest_distance(
    origins,
    destinations,
    *,
    kind: Kind = "euclidean",
    network: Network | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    max_snap: float = DEFAULT_MAX_SNAP,
    spacing: float = DEFAULT_SPACING,
    polygon_method: Literal["exact", "densify"] = "exact",
    land=None,
) -> pd.DataFrame:
    """Compute the distance in metres from each origin to its nearest destination, and which one.

    Parameters
    ----------
    origins : GeoDataFrame or GeoSeries
        Points, or polygons (grid cells) represented by :func:`origin_points`.
    destinations : GeoDataFrame or GeoSeries
        Points, polygons (distance to the nearest point of the polygon, 0 inside) or lines.
    kind : {"euclidean", "network"}, default "euclidean"
        Straight line, or along ``network``.
    network : Network, GeoDataFrame or GeoSeries, optional
        Required for ``kind="network"``; a line layer is passed to :func:`network_from_lines`.
    max_snap : float, default 1000
        Network only: origins and destination access points farther than this from the
        network are not snapped (origins get status ``"off_network"``).
    spacing : float, default 10
        Spacing in metres of the points along a polygon outline where the network
        enters it (and of the outline vertices for ``polygon_method="densify"``).
    polygon_method : {"exact", "densify"}, default "exact"
        Straight line to polygon or line destinations: ``"exact"`` (shapely's STR-tree
        ``query_nearest``), or ``"densify"``: the polygon whose outline, densified to
        ``spacing``, has the nearest vertex (k-d tree), then the exact distance to it.
        Never too short, at most ``spacing / 2`` too long (only when two polygons are
        almost equally near); faster at national size with a coarse ``spacing``
        (see ``docs/accessibility.md``).
    land : optional
        Passed to :func:`origin_points`.

    Returns
    -------
    DataFrame
        On ``origins``' index: ``distance_m`` (NaN when unreachable), ``destination``
        (0-based row of ``destinations``; -1 when unreachable), ``origin_snap_m`` and
        ``destination_snap_m`` (metres added for snapping, included in ``distance_m``;
        0 for straight lines), and ``status``: ``"ok"``, ``"no_geometry"``,
        ``"no_destination"``, ``"off_network"`` or ``"disconnected"``.

    Raises
    ------
    DataError
        If ``kind`` or ``polygon_method`` is unknown, ``spacing`` ≤ 0 or ``max_snap`` < 0,
        a layer is not a GeoDataFrame or GeoSeries, or ``kind="network"`` has no
        network (or a line layer that :func:`network_from_lines` rejects).
    CRSError
        If a layer is not in EPSG:25833.

    Examples
    --------
    >>> import shapely, geopandas as gpd
    >>> homes = gpd.GeoSeries(shapely.points([(0, 0), (300, 400)]), crs=25833)
    >>> schools = gpd.GeoSeries(shapely.points([(0, 100), (300, 0)]), crs=25833)
    >>> nearest_distance(homes, schools)[["distance_m", "destination"]].to_numpy().tolist()
    [[100.0, 0.0], [400.0, 1.0]]
    """
    if kind not in ("euclidean", "network"):
        raise DataError(f"access: kind must be 'euclidean' or 'network', got {kind!r}.")
    if polygon_method not in ("exact", "densify"):
        raise DataError(
            f"access: polygon_method must be 'exact' or 'densify', got {polygon_method!r}."
        )
    if spacing <= 0 or max_snap < 0:
        raise DataError(
            f"access: spacing must be > 0 and max_snap >= 0 (got {spacing}, {max_snap})."
        )
    opts_all = np.asarray(origin_points(origins, land=land), dtype=object)
    dgeoms_all = _geoms(destinations, "destinations")
    o_ok = np.flatnonzero(~_missing(opts_all))
    d_ok = np.flatnonzero(~_missing(dgeoms_all))
    n = len(opts_all)
    out = {
        "distance_m": np.full(n, np.nan),
        "destination": np.full(n, -1),
        "origin_snap_m": np.full(n, np.nan),
        "destination_snap_m": np.full(n, np.nan),
        "status": np.full(n, NO_GEOMETRY, dtype=object),
    }
    if len(o_ok) and not len(d_ok):
        out["status"][o_ok] = NO_DESTINATION
    elif len(o_ok) and kind == "euclidean":
        d, i = _euclidean_nearest(opts_all[o_ok], dgeoms_all[d_ok], polygon_method, spacing)
        out["distance_m"][o_ok], out["destination"][o_ok] = d, d_ok[i]
        out["origin_snap_m"][o_ok] = out["destination_snap_m"][o_ok] = 0.0
        out["status"][o_ok] = OK
    elif len(o_ok):
        net = _as_network(network)
        d, i, osn, dsn, st, usable = _network_nearest(
            net, opts_all[o_ok], dgeoms_all[d_ok], max_snap, spacing
        )
        i = np.where(i >= 0, d_ok[np.maximum(i, 0)], -1)
        if not usable.any():  # no destination reaches the network: nothing to be disconnected from
            st = np.where(st == DISCONNECTED, NO_DESTINATION, st)
        for key, val in zip(
            ("distance_m", "destination", "origin_snap_m", "destination_snap_m", "status"),
            (d, i, osn, dsn, st),
            strict=True,
        ):
            out[key][o_ok] = val
    if len(o_ok) and len(d_ok) and kind == "network":
        _zero_inside(out, opts_all, o_ok, dgeoms_all, d_ok)
    return pd.DataFrame(out, index=origins.index)


def _zero_inside(
    out: dict, opts: np.ndarray, o_ok: np.ndarray, dgeoms: np.ndarray, d_ok: np.ndarray
) -> None:
    """Give origins inside a polygon destination distance 0 to it, whatever the network says."""
    poly = d_ok[np.isin(shapely.get_type_id(dgeoms[d_ok]), [3, 6])]
    if not len(poly):
        return
    o, p = _points_in(opts[o_ok], shapely.get_coordinates(opts[o_ok]), dgeoms[poly])
    order = np.lexsort((p, o))
    o, p = o[order], p[order]
    first = np.unique(o, return_index=True)[1]
    o, p = o_ok[o[first]], poly[p[first]]
    out["distance_m"][o] = 0.0
    out["destination"][o] = p
    out["origin_snap_m"][o] = out["destination_snap_m"][o] = 0.0
    out["status"][o] = OK


def _as_network(network) -> Network:
    if network is None:
        raise DataError("access: kind='network' needs a network (a line layer or a Network).")
    return network if isinstance(network, Network) else network_from_lines(network)


# --------------------------------------------------------------------------- by area


@dataclass
class AccessAccounting:
    """Where every person went: the conservation ledger of :func:`accessibility_by_area`.

    ``people_total = people_in_areas + people_outside_areas``, and within areas
    ``people_in_areas = people_reachable + people_unreachable``.

    Attributes
    ----------
    name : str
        Stem of the indicator ids.
    kind : str
        ``"euclidean"`` or ``"network"``.
    thresholds : tuple of float
        The distance thresholds in metres.
    n_origins : int
        Population points or cells.
    n_destinations : int
        Destinations given.
    n_destinations_unusable : int
        Destinations without geometry, or (network) with no access point within
        ``max_snap`` of the network.
    people_total, people_in_areas, people_outside_areas : float
        People in the population layer, inside some area, outside every area.
    people_reachable, people_unreachable : float
        People inside areas who can / cannot reach a destination.
    people_unreachable_by_reason : dict of str to float
        People inside areas per unreachable status (``no_geometry``,
        ``no_destination``, ``off_network``, ``disconnected``).
    n_origins_outside_areas : int
        Origins in no area.
    n_origins_on_area_borders : int
        Origins in or on more than one area (counted in the first).
    max_origin_snap, max_destination_snap : float
        Largest snapping distances in metres (0 for straight lines).
    network : dict or None
        The network's build report (network distances only).
    """

    name: str
    kind: str
    thresholds: tuple[float, ...]
    n_origins: int
    n_destinations: int
    n_destinations_unusable: int
    people_total: float
    people_in_areas: float
    people_outside_areas: float
    people_reachable: float
    people_unreachable: float
    people_unreachable_by_reason: dict[str, float]
    n_origins_outside_areas: int
    n_origins_on_area_borders: int
    max_origin_snap: float
    max_destination_snap: float
    network: dict | None = None

    def as_dict(self) -> dict:
        """Return the ledger as a JSON-ready dict (``thresholds`` as a list).

        Returns
        -------
        dict
            One key per attribute.
        """
        out = dict(self.__dict__)
        out["thresholds"] = list(self.thresholds)
        return out


@dataclass
class Accessibility:
    """Result of :func:`accessibility_by_area`.

    Attributes
    ----------
    table : DataFrame
        ``code, year, indicator, measure, value, people, people_unreachable``: one row
        per area and indicator (``measure`` is ``mean``, ``median`` or ``share``;
        distances in metres, shares 0–1; ``people`` is the number of people the value
        is taken over).
    observations : DataFrame
        ``code, year, indicator, numerator, denominator, status``: levekar's tidy
        observations (``code`` stands for ``area``). Shares are exact counts of people;
        means and medians carry the value in metres as ``numerator`` and the people
        averaged over as ``denominator``, as levekar carries means.
    classes : DataFrame
        ``code, year, distance_class, people``: people per distance class per area;
        the classes of an area add up to its population.
    grid : GeoDataFrame
        The population layer (original geometries) with ``code`` (missing outside every
        area), ``people``, ``distance_m``, ``destination``, ``origin_snap_m``,
        ``destination_snap_m``, ``status``, ``distance_class``: a map layer.
    accounting : AccessAccounting
        Where every person went.
    """

    table: pd.DataFrame
    observations: pd.DataFrame
    classes: pd.DataFrame
    grid: gpd.GeoDataFrame
    accounting: AccessAccounting


def _fmt_m(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t).replace(".", "_")


def _class_labels(thresholds: Sequence[float]) -> list[str]:
    edges = [0.0, *thresholds]
    labels = [f"{_fmt_m(a)}-{_fmt_m(b)}m" for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return [*labels, f"over_{_fmt_m(thresholds[-1])}m", "unreachable"]


def _assign_areas(points: np.ndarray, areas: np.ndarray) -> tuple[np.ndarray, int]:
    """Return the row of the area each point lies in (-1 outside all); ties go to the first."""
    which = np.full(len(points), -1)
    ok = np.flatnonzero(~_missing(points))
    o, a = _points_in(points[ok], shapely.get_coordinates(points[ok]), areas)
    order = np.lexsort((a, o))
    o, a = o[order], a[order]
    first = np.r_[True, o[1:] != o[:-1]] if len(o) else np.empty(0, bool)
    which[ok[o[first]]] = a[first]
    n_multi = int((np.bincount(o, minlength=len(ok)) > 1).sum()) if len(o) else 0
    return which, n_multi


def _weighted_median(
    area: np.ndarray, dist: np.ndarray, people: np.ndarray, n_areas: int
) -> np.ndarray:
    """Return per area the smallest distance with at least half its people at or below it.

    NaN for an area with no people.
    """
    keep = people > 0
    area, dist, people = area[keep], dist[keep], people[keep]
    order = np.lexsort((dist, area))
    area, dist, people = area[order], dist[order], people[order]
    total = np.bincount(area, weights=people, minlength=n_areas)
    cum = np.cumsum(people)
    start = np.r_[0.0, np.cumsum(total)][area]  # people in earlier areas
    reached = (cum - start) >= total[area] / 2
    out = np.full(n_areas, np.nan)
    first = np.flatnonzero(reached)
    first = first[np.r_[True, area[first][1:] != area[first][:-1]]] if len(first) else first
    out[area[first]] = dist[first]
    return out


def accessibility_by_area(
    population,
    destinations,
    areas,
    *,
    name: str = "destinasjon",
    thresholds: Sequence[float] = (500, 1000),
    kind: Kind = "euclidean",
    network: Network | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    population_column: str = "popTot",
    year: int | None = None,
    max_snap: float = DEFAULT_MAX_SNAP,
    spacing: float = DEFAULT_SPACING,
    land=None,
) -> Accessibility:
    """Compute population-weighted accessibility of ``destinations`` per area.

    Each origin (a population point, or a grid cell by :func:`origin_points`) gets
    the distance to its nearest destination (:func:`nearest_distance`) and belongs to
    the area its point lies in (whole cells, not split by area). Per area: the
    population-weighted mean and median distance over the people who can reach a
    destination, and the share of *all* its people within each threshold (distance
    ≤ threshold); unreachable people count as not within, and are reported.

    These are exact counts of the people in the population layer, not a sample:
    an area's share has no sampling error (see ``docs/accessibility.md``).

    Parameters
    ----------
    population : GeoDataFrame
        Points or 250 m grid cells in EPSG:25833 with a count column.
    destinations : GeoDataFrame or GeoSeries
        Points or polygons in EPSG:25833.
    areas : GeoDataFrame
        Area layer with ``code`` (e.g. lokalsamfunn or grunnkretser) in EPSG:25833.
    name : str, default "destinasjon"
        Stem of the indicator ids: ``{name}_avstand_snitt``, ``{name}_avstand_median``,
        ``{name}_innen_{t}m``; lower-case letters, digits and ``_``.
    thresholds : sequence of float, default (500, 1000)
        Distances in metres, positive.
    kind, network, max_snap, spacing, land
        As in :func:`nearest_distance`.
    population_column : str, default "popTot"
        The column of ``population`` holding people (non-negative numbers).
    year : int, optional
        Year of the population layer; when not given, the single value of a ``year``
        or ``statistikkÅr`` column is used if there is one.

    Returns
    -------
    Accessibility
        ``table``, ``observations``, ``classes``, ``grid`` and ``accounting``.

    Raises
    ------
    DataError
        If ``thresholds`` are not positive and increasing, ``name`` is not lower-case
        letters, digits and ``_``, the population column is missing or holds a value
        that is not a count, the area layer has no ``code``, or as
        :func:`nearest_distance`.
    CRSError
        If a layer is not in EPSG:25833.

    Examples
    --------
    >>> import shapely, geopandas as gpd
    >>> pop = gpd.GeoDataFrame({"popTot": [10, 30]}, geometry=shapely.points([(0, 0), (0, 800)]),
    ...                        crs=25833)
    >>> school = gpd.GeoSeries([shapely.Point(0, 100)], crs=25833)
    >>> area = gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(-1000, -1000, 1000, 1000)],
    ...                         crs=25833)
    >>> res = accessibility_by_area(pop, school, area, name="skole", thresholds=(500,), year=2024)
    >>> res.observations[["indicator", "numerator", "denominator"]].to_numpy().tolist()
    [['skole_avstand_snitt', 550.0, 40.0], ['skole_avstand_median', 700.0, 40.0], \
['skole_innen_500m', 10.0, 40.0]]
    """
    thr = _check_thresholds(thresholds)
    if (
        not isinstance(name, str)
        or not name
        or not all(c.isalnum() or c == "_" for c in name)
        or name != name.lower()
    ):
        raise DataError(f"access: name must be lower-case letters, digits and '_', got {name!r}.")
    if not isinstance(population, gpd.GeoDataFrame) or population_column not in population.columns:
        cols = list(population.columns) if hasattr(population, "columns") else []
        raise DataError(
            f"access: the population layer needs a column {population_column!r}; "
            f"columns are {cols}."
        )
    people = pd.to_numeric(population[population_column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(people) | (people < 0))
    if len(bad):
        raise DataError(
            f"access: population column {population_column!r}, row {int(bad[0])}: "
            f"{population[population_column].iloc[bad[0]]!r} is not a count of people."
        )
    area_geoms = _geoms(areas, "areas")
    if "code" not in areas.columns:
        raise DataError(
            f"access: the area layer needs a column 'code'; columns are {list(areas.columns)}."
        )
    codes = areas["code"].astype(str).to_numpy()
    year = _year(population, year)
    pts = origin_points(population, land=land)
    net = _as_network(network) if kind == "network" else None
    nd = nearest_distance(
        pts, destinations, kind=kind, network=net, max_snap=max_snap, spacing=spacing
    )
    which, n_multi = _assign_areas(np.asarray(pts, dtype=object), area_geoms)
    code_of = np.where(which >= 0, codes[np.maximum(which, 0)], None)
    dist = nd["distance_m"].to_numpy()
    reach = nd["status"].to_numpy() == OK
    labels = _class_labels(thr)
    cls = np.where(
        reach, np.searchsorted(thr, np.nan_to_num(dist, nan=np.inf), side="left"), len(labels) - 1
    )
    grid = gpd.GeoDataFrame(
        {
            "code": code_of,
            "people": people,
            **{k: nd[k].to_numpy() for k in nd.columns},
            "distance_class": np.asarray(labels, dtype=object)[cls],
        },
        geometry=np.asarray(population.geometry, dtype=object),
        crs=CRS_EPSG,
        index=population.index,
    )
    inside = which >= 0
    classes = _classes(codes, which[inside], cls[inside], people[inside], labels, year)
    table = _table(
        codes, which[inside], dist[inside], reach[inside], people[inside], thr, name, year
    )
    dgeoms = _geoms(destinations, "destinations")
    acc = AccessAccounting(
        name=name,
        kind=kind,
        thresholds=tuple(thr.tolist()),
        n_origins=len(pts),
        n_destinations=len(dgeoms),
        n_destinations_unusable=_n_unusable(dgeoms, net, max_snap, spacing),
        people_total=float(people.sum()),
        people_in_areas=float(people[inside].sum()),
        people_outside_areas=float(people[~inside].sum()),
        people_reachable=float(people[inside & reach].sum()),
        people_unreachable=float(people[inside & ~reach].sum()),
        people_unreachable_by_reason={
            s: float(people[inside & (nd["status"].to_numpy() == s)].sum()) for s in UNREACHABLE
        },
        n_origins_outside_areas=int((~inside).sum()),
        n_origins_on_area_borders=n_multi,
        max_origin_snap=_max(nd["origin_snap_m"]),
        max_destination_snap=_max(nd["destination_snap_m"]),
        network=dict(net.report) if net is not None else None,
    )
    return Accessibility(
        table=table.drop(columns="numerator"),
        observations=_observations(table),
        classes=classes,
        grid=grid,
        accounting=acc,
    )


def _max(values: pd.Series) -> float:
    v = values.to_numpy(dtype=float)
    return float(v[~np.isnan(v)].max(initial=0.0))


def _check_thresholds(thresholds) -> np.ndarray:
    thr = np.asarray(list(thresholds), dtype=float)
    if thr.ndim != 1 or not len(thr) or not np.isfinite(thr).all() or (thr <= 0).any():
        raise DataError(
            f"access: thresholds must be positive distances in metres, got {list(thresholds)}."
        )
    if (np.diff(thr) <= 0).any():
        raise DataError(
            f"access: thresholds must be increasing and distinct, got {list(thresholds)}."
        )
    return thr


def _year(population: pd.DataFrame, year: int | None) -> int | None:
    if year is not None:
        return int(year)
    for col in ("year", "statistikkÅr"):
        if col in population.columns:
            vals = pd.unique(population[col].dropna())
            if len(vals) == 1:
                return int(vals[0])
    return None


def _n_unusable(dgeoms: np.ndarray, net: Network | None, max_snap: float, spacing: float) -> int:
    ok = ~_missing(dgeoms)
    if net is None or not ok.any():
        return int((~ok).sum())
    apts, owner = _access_points(dgeoms[ok], spacing)
    snapped = np.zeros(int(ok.sum()), dtype=bool)
    snapped[owner[_snap(net, apts, max_snap)[0]]] = True
    return int((~ok).sum() + (~snapped).sum())


def _classes(codes, area, cls, people, labels, year) -> pd.DataFrame:
    n = len(codes) * len(labels)
    counts = (
        np.bincount(area * len(labels) + cls, weights=people, minlength=n)
        if len(area)
        else np.zeros(n)
    )
    return pd.DataFrame(
        {
            "code": np.repeat(codes, len(labels)),
            "year": year,
            "distance_class": np.tile(np.asarray(labels, dtype=object), len(codes)),
            "people": counts.astype(float),
        }
    )


def _table(codes, area, dist, reach, people, thr, name, year) -> pd.DataFrame:
    n = len(codes)
    rp = np.where(reach, people, 0.0)
    d = np.where(reach, dist, 0.0)
    total = np.bincount(area, weights=people, minlength=n)
    reached = np.bincount(area, weights=rp, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(
            reached > 0, np.bincount(area, weights=d * rp, minlength=n) / reached, np.nan
        )
    median = _weighted_median(area[reach], dist[reach], people[reach], n)
    parts = [
        (f"{name}_avstand_snitt", "mean", mean, reached, mean),
        (f"{name}_avstand_median", "median", median, reached, median),
    ]
    for t in thr:
        within = np.bincount(area, weights=np.where(d <= t, rp, 0.0), minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, within / total, np.nan)
        parts.append((f"{name}_innen_{_fmt_m(t)}m", "share", share, total, within))
    return pd.DataFrame(
        {
            "code": np.tile(codes, len(parts)),
            "year": year,
            "indicator": np.repeat([p[0] for p in parts], n),
            "measure": np.repeat([p[1] for p in parts], n),
            "value": np.concatenate([p[2] for p in parts]),
            "people": np.concatenate([p[3] for p in parts]),
            "people_unreachable": np.tile(total - reached, len(parts)),
            "numerator": np.concatenate([p[4] for p in parts]),
        }
    )


def _observations(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table as levekar's tidy observations (``code`` for ``area``)."""
    num = table["numerator"].where(table["people"] > 0)
    status = np.select(
        [num.isna(), (table["measure"] == "share") & (num == 0)], ["..", "-"], default=""
    )
    return pd.DataFrame(
        {
            "code": table["code"],
            "year": table["year"],
            "indicator": table["indicator"],
            "numerator": num.astype(float),
            "denominator": table["people"].astype(float),
            "status": status,
        }
    )
