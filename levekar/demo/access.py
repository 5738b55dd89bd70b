"""Synthetic accessibility layers for the demo study: a path network, green areas, bus stops.

Nothing here is real. The layers are generated deterministically (for a seed) from
the demo's own layers (:func:`levekar.demo.make_demo_study`): its land is the union
of the grunnkretser, its people the 250 m population grid. They exist so that the
demo's map and report can show accessibility indicators; every output made from
them is "Syntetiske demodata".

* **Path network**: a jittered 250 m grid of roads and paths on land (about a fifth
  of the links left out, so blocks are irregular), three ring roads around the town
  centre, and a few bridges where two land pieces (the banks of the Glomma) come
  within 600 m of each other. Pieces of network with fewer than 10 links are left
  out. Islands without a bridge keep their own network, cut off from the rest.
* **Green areas**: small parks where people live (placed at populated cells, drawn
  at random by population) and larger woods where few do, clipped to land.
* **Bus stops**: network nodes with many people within 400 m, at least 350 m apart.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = [
    "AccessLayers",
    "demo_access_layers",
    "demo_bus_stops",
    "demo_green_areas",
    "demo_path_network",
    "make_access_layers",
]

CRS = 25833
_SPACING = 250.0


@dataclass
class AccessLayers:
    """The demo's synthetic accessibility layers (all EPSG:25833)."""

    network: gpd.GeoDataFrame
    green_areas: gpd.GeoDataFrame
    bus_stops: gpd.GeoDataFrame


def make_access_layers(
    grunnkretser: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    schools: gpd.GeoDataFrame,
    *,
    seed: int = 2023,
) -> AccessLayers:
    """All three layers from the demo's grunnkretser, population grid and schools.

    The town centre (for the ring roads) is the population-weighted centre of the
    cells within 3 km of the schools' centre.

    Examples
    --------
    >>> from levekar.demo import make_demo_study
    >>> d = make_demo_study()
    >>> layers = make_access_layers(d.grunnkretser, d.population, d.schools)
    >>> len(layers.network) > 10_000, len(layers.green_areas), len(layers.bus_stops) > 50
    (True, 40, True)
    """
    land = shapely.union_all(np.asarray(grunnkretser.geometry, dtype=object), grid_size=0.01)
    cxy = shapely.get_coordinates(np.asarray(population.geometry.centroid, dtype=object))
    w = population["popTot"].to_numpy(dtype=float)
    sxy = shapely.get_coordinates(np.asarray(schools.geometry, dtype=object)).mean(axis=0)
    near = np.hypot(*(cxy - sxy).T) < 3000
    centre = tuple(np.average(cxy[near], axis=0, weights=w[near]))
    network = demo_path_network(land, centre, seed=seed)
    return AccessLayers(
        network=network,
        green_areas=demo_green_areas(land, population, seed=seed),
        bus_stops=demo_bus_stops(network, population),
    )


def demo_access_layers(seed: int = 2023) -> AccessLayers:
    """Return the layers of the demo study for ``seed`` (generated once per process, copied).

    Parameters
    ----------
    seed : int, default 2023
        The demo's seed (:func:`levekar.demo.make_demo_study`).

    Returns
    -------
    AccessLayers
        A deep copy: callers may change what they get.
    """
    return copy.deepcopy(_layers(seed))


@functools.lru_cache(maxsize=2)
def _layers(seed: int) -> AccessLayers:
    from .generator import make_demo_study

    demo = make_demo_study(seed)
    return make_access_layers(demo.grunnkretser, demo.population, demo.schools, seed=seed)


def demo_path_network(land, centre: tuple[float, float], *, seed: int = 2023) -> gpd.GeoDataFrame:
    """Jittered grid + ring roads + bridges, on ``land``; columns ``kind`` and geometry."""
    rng = np.random.default_rng(seed + 101)
    shapely.prepare(land)
    minx, miny, maxx, maxy = land.bounds
    xs = np.arange(minx, maxx + _SPACING, _SPACING)
    ys = np.arange(miny, maxy + _SPACING, _SPACING)
    gx, gy = np.meshgrid(xs, ys)
    nodes = np.c_[gx.ravel(), gy.ravel()] + rng.uniform(-60, 60, (gx.size, 2))
    ids = np.arange(gx.size).reshape(gx.shape)
    pairs = np.r_[
        np.c_[ids[:, :-1].ravel(), ids[:, 1:].ravel()], np.c_[ids[:-1].ravel(), ids[1:].ravel()]
    ]
    pairs = pairs[rng.random(len(pairs)) > 0.2]
    segs = shapely.linestrings(np.stack([nodes[pairs[:, 0]], nodes[pairs[:, 1]]], axis=1))
    on_land = shapely.covered_by(segs, land)
    segs, pairs = segs[on_land], pairs[on_land]
    segs = segs[_big_components(pairs, len(nodes), min_links=10)]
    rings = []
    for r in (1500.0, 3000.0, 5000.0):
        angles = np.linspace(0, 2 * np.pi, 97)
        rad = r * (1 + 0.05 * np.sin(3 * angles + rng.uniform(0, 2 * np.pi)))
        ring = shapely.LineString(
            np.c_[centre[0] + rad * np.cos(angles), centre[1] + rad * np.sin(angles)]
        )
        rings.extend(
            g
            for g in shapely.get_parts(shapely.intersection(ring, land))
            if g.geom_type == "LineString" and g.length > 200
        )
    bridges = _bridges(land, segs)
    # Rings and bridges end at their own vertices; node them with the grid links they cross.
    extra = np.array(rings + bridges, dtype=object)
    crossed = np.unique(shapely.STRtree(segs).query(extra, predicate="intersects")[1])
    rest = np.delete(segs, crossed)
    noded = shapely.get_parts(shapely.node(shapely.union_all(np.r_[segs[crossed], extra])))
    on_bridge = shapely.STRtree(shapely.buffer(np.array(bridges, dtype=object), 0.01)).query(
        noded, predicate="covered_by"
    )[0]
    on_ring = shapely.STRtree(shapely.buffer(np.array(rings, dtype=object), 0.01)).query(
        noded, predicate="covered_by"
    )[0]
    kinds = np.full(len(noded), "vei_sti", dtype=object)
    kinds[on_ring] = "ringvei"
    kinds[on_bridge] = "bru"
    out = gpd.GeoDataFrame(
        {"kind": np.r_[np.full(len(rest), "vei_sti", dtype=object), kinds]},
        geometry=np.r_[rest, noded],
        crs=CRS,
    )
    return out.sort_values(["kind"], kind="stable").reset_index(drop=True)


def _big_components(pairs: np.ndarray, n: int, *, min_links: int) -> np.ndarray:
    """Mask of links in connected pieces with at least ``min_links`` links."""
    adj = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, lab = connected_components(adj, directed=False)
    links = np.bincount(lab[pairs[:, 0]], minlength=lab.max() + 1)
    return links[lab[pairs[:, 0]]] >= min_links


def _bridges(land, segs: np.ndarray, *, reach: float = 600.0, apart: float = 1500.0) -> list:
    """Short links between network nodes on different land pieces, at least ``apart`` m apart."""
    pieces = [p for p in shapely.get_parts(land) if p.area > 200_000]
    xy = np.unique(shapely.get_coordinates(segs), axis=0)
    piece_of = np.full(len(xy), -1)
    for k, p in enumerate(pieces):
        piece_of[shapely.contains_xy(p, xy[:, 0], xy[:, 1])] = k
    tree = cKDTree(xy)
    pairs = tree.query_pairs(reach, output_type="ndarray")
    pairs = pairs[
        (piece_of[pairs[:, 0]] >= 0)
        & (piece_of[pairs[:, 1]] >= 0)
        & (piece_of[pairs[:, 0]] != piece_of[pairs[:, 1]])
    ]
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    chosen: list = []
    mids: list = []
    for k in np.lexsort((pairs[:, 1], pairs[:, 0], length)):
        a, b = xy[pairs[k, 0]], xy[pairs[k, 1]]
        mid = (a + b) / 2
        if all(np.hypot(*(mid - m)) >= apart for m in mids):
            chosen.append(shapely.LineString([a, b]))
            mids.append(mid)
    return chosen


def demo_green_areas(
    land, population: gpd.GeoDataFrame, *, seed: int = 2023, n_parks: int = 28, n_woods: int = 12
) -> gpd.GeoDataFrame:
    """Parks (80–220 m radius) where people live and woods (500–1,100 m) where few do."""
    rng = np.random.default_rng(seed + 202)
    cxy = shapely.get_coordinates(np.asarray(population.geometry.centroid, dtype=object))
    w = population["popTot"].to_numpy(dtype=float)
    parks = cxy[rng.choice(len(cxy), size=n_parks, replace=False, p=w / w.sum())]
    sparse = cxy[w <= np.quantile(w, 0.3)]
    woods = sparse[rng.choice(len(sparse), size=n_woods, replace=False)]
    geoms, kinds = [], []
    for (x, y), (lo, hi), kind in [(p, (80, 220), "park") for p in parks] + [
        (p, (500, 1100), "skog") for p in woods
    ]:
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        rad = rng.uniform(lo, hi) * (1 + 0.3 * rng.uniform(-1, 1, len(angles)))
        blob = shapely.intersection(
            shapely.Polygon(np.c_[x + rad * np.cos(angles), y + rad * np.sin(angles)]), land
        )
        polys = [g for g in shapely.get_parts(blob) if g.geom_type == "Polygon" and g.area > 1000]
        if polys:
            geoms.append(shapely.union_all(np.array(polys, dtype=object)))
            kinds.append(kind)
    names = [f"{'Park' if k == 'park' else 'Skog'} {i + 1}" for i, k in enumerate(kinds)]
    return gpd.GeoDataFrame({"name": names, "kind": kinds}, geometry=geoms, crs=CRS)


def demo_bus_stops(
    network: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    *,
    min_people: float = 60.0,
    catchment: float = 400.0,
    apart: float = 350.0,
) -> gpd.GeoDataFrame:
    """Place bus stops at network vertices with at least ``min_people`` within ``catchment`` m.

    Chosen greedily from the busiest, at least ``apart`` metres from each other.
    """
    xy = np.unique(shapely.get_coordinates(np.asarray(network.geometry, dtype=object)), axis=0)
    cxy = shapely.get_coordinates(np.asarray(population.geometry.centroid, dtype=object))
    w = population["popTot"].to_numpy(dtype=float)
    vtree = cKDTree(xy)
    pairs = vtree.sparse_distance_matrix(cKDTree(cxy), catchment, output_type="ndarray")
    served = np.bincount(pairs["i"], weights=w[pairs["j"]], minlength=len(xy))
    blocked = np.zeros(len(xy), dtype=bool)
    chosen: list[int] = []
    for k in np.lexsort((xy[:, 1], xy[:, 0], -served)):
        if served[k] < min_people:
            break
        if blocked[k]:
            continue
        chosen.append(k)
        blocked[vtree.query_ball_point(xy[k], apart)] = True
    pts = shapely.points(xy[chosen])
    return gpd.GeoDataFrame(
        {"name": [f"Holdeplass {i + 1}" for i in range(len(chosen))], "kind": "bussholdeplass"},
        geometry=pts,
        crs=CRS,
    )
