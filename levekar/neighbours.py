"""Neighbours across water: fuzzy contiguity with a reach in metres.

Shared-border (queen) contiguity stops at every river, fjord and sound: in Fredrikstad
the Glomma cuts the town in two and the islands have no neighbour at all. Here two
areas are neighbours when their geometries come within ``reach`` metres of each other
(the shortest distance between the polygons, not between their centres), so a reach of
a few hundred metres joins the banks of a river and the shores of a narrow sound. With
``reach = 0`` the relation is shared-border contiguity (within ``tolerance``, 1 m, as
:func:`levekar.selection.neighbours_of`). Areas still without a neighbour — islands
further out than the reach — are attached to their nearest area(s); optionally every
disconnected group of areas is joined to its nearest area outside it. The relation is
symmetric.

libpysal and esda (a few seconds to import) are imported only by the functions that
need them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import CRSError, DataError

__all__ = ["moran_by_reach", "neighbours_within", "weights_within"]

Attach = Literal["islands", "components", "none"]


def _check_layer(layer: gpd.GeoDataFrame, reach: float) -> None:
    if "code" not in layer.columns:
        raise DataError(f"the area layer needs a 'code' column; it has {list(layer.columns)}.")
    if layer["code"].duplicated().any():
        dup = sorted(layer.loc[layer["code"].duplicated(), "code"].astype(str).unique())
        raise DataError(f"the area layer has duplicate codes {dup[:5]}; dissolve them first.")
    if layer.crs is None:
        raise CRSError(
            "the area layer has no CRS; distances need metres. Use layer.set_crs(25833)."
        )
    if not layer.crs.is_projected:
        raise CRSError(
            f"the area layer is in {layer.crs.name!r} (degrees); distances need metres. "
            "Use layer.to_crs(25833)."
        )
    if not np.isfinite(reach) or reach < 0:
        raise ValueError(f"reach must be a distance in metres >= 0, got {reach}.")


def _pairs_within(geoms: np.ndarray, distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Return index pairs (i, j), i != j, of geometries within ``distance`` of each other."""
    import shapely

    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=distance)
    keep = i != j
    return i[keep], j[keep]


def _nearest(
    geoms: np.ndarray, members: np.ndarray, others: np.ndarray, k: int
) -> list[tuple[int, int]]:
    """Return the ``k`` closest (member, other) pairs by polygon distance, one per other area."""
    import shapely

    d = shapely.distance(geoms[members][:, None], geoms[others][None, :])
    best = d.min(axis=0)  # each outside area's distance to the group
    order = np.argsort(best, kind="stable")[:k]
    return [(int(members[np.argmin(d[:, o])]), int(others[o])) for o in order]


def _components(n: int, adj: list[set[int]]) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows = [a for a in range(n) for _ in adj[a]]
    cols = [b for a in range(n) for b in adj[a]]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _attach(
    geoms: np.ndarray, adj: list[set[int]], attach: Attach, k: int
) -> list[tuple[int, int]]:
    """Return edges joining islands (or cut-off groups) to their nearest areas; update ``adj``."""
    n = len(geoms)
    added: list[tuple[int, int]] = []
    if attach == "none" or n < 2:
        return added
    everyone = np.arange(n)
    if attach == "islands":
        for a in [a for a in range(n) if not adj[a]]:
            for i, j in _nearest(geoms, np.array([a]), everyone[everyone != a], min(k, n - 1)):
                added.append((i, j))
                adj[i].add(j)
                adj[j].add(i)
        return added
    while True:  # components: join the smallest group to its nearest area outside, until one
        labels = _components(n, adj)
        sizes = np.bincount(labels)
        if len(sizes) == 1:
            return added
        small = int(np.argmin(sizes))
        members, others = everyone[labels == small], everyone[labels != small]
        for i, j in _nearest(geoms, members, others, min(k, len(others))):
            added.append((i, j))
            adj[i].add(j)
            adj[j].add(i)


def _relation(
    layer: gpd.GeoDataFrame, reach: float, attach: Attach, k: int, tolerance: float
) -> tuple[list[str], list[set[int]], list[tuple[int, int]], int]:
    """Build the relation: codes, adjacency sets, edges added by ``attach``, isolated count.

    The last item is the number of areas that had no neighbour within the reach.
    """
    _check_layer(layer, reach)
    if attach not in ("islands", "components", "none"):
        raise ValueError(f"attach must be 'islands', 'components' or 'none', got {attach!r}.")
    if k < 1:
        raise ValueError(f"k (nearest areas to attach an island to) must be >= 1, got {k}.")
    geoms = layer.geometry.to_numpy()
    codes = [str(c) for c in layer["code"]]
    adj: list[set[int]] = [set() for _ in codes]
    for a, b in zip(*_pairs_within(geoms, max(reach, tolerance)), strict=True):
        adj[a].add(int(b))
        adj[b].add(int(a))
    isolated = sum(not a for a in adj)
    added = _attach(geoms, adj, attach, k)
    return codes, adj, added, isolated


def neighbours_within(
    layer: gpd.GeoDataFrame,
    *,
    reach: float = 0.0,
    attach: Attach = "islands",
    k: int = 1,
    tolerance: float = 1.0,
) -> dict[str, set[str]]:
    """Find areas within ``reach`` metres of each other, by code; islands attached to the nearest.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Area layer with a ``code`` column (unique) in a projected CRS (metres; levekar
        uses EPSG:25833).
    reach : float, default 0.0
        Largest gap in metres between two areas' geometries for them to be neighbours
        (across a river, a fjord or a sound). ``0``: shared border (within ``tolerance``).
    attach : {"islands", "components", "none"}, default "islands"
        ``"islands"``: an area with no neighbour within the reach is joined to its ``k``
        nearest areas; ``"components"``: also every group of areas cut off from the rest
        is joined (smallest group first) to its nearest area outside it, until all are
        connected; ``"none"``: no joining (islands keep an empty set).
    k : int, default 1
        Number of nearest areas an island (or cut-off group) is joined to (≥ 1).
    tolerance : float, default 1.0
        Gap in metres still counted as a shared border (digitising slivers).

    Returns
    -------
    dict[str, set[str]]
        Each area's neighbours; symmetric (``b in out[a]`` iff ``a in out[b]``).

    Raises
    ------
    DataError
        If the layer has no ``code`` column or a duplicate code.
    CRSError
        If the layer has no CRS or one in degrees.
    ValueError
        If ``reach`` is negative or not finite, ``attach`` is unknown, or ``k`` < 1.

    Examples
    --------
    Two 1 km squares with a 50 m strip of water between them:

    >>> import shapely
    >>> layer = gpd.GeoDataFrame({"code": ["a", "b"]}, crs=25833,
    ...     geometry=[shapely.box(0, 0, 1000, 1000), shapely.box(1050, 0, 2050, 1000)])
    >>> neighbours_within(layer, reach=100)
    {'a': {'b'}, 'b': {'a'}}
    >>> neighbours_within(layer, reach=10, attach="none")
    {'a': set(), 'b': set()}
    """
    codes, adj, _, _ = _relation(layer, reach, attach, k, tolerance)
    return {c: {codes[j] for j in adj[i]} for i, c in enumerate(codes)}


def weights_within(
    layer: gpd.GeoDataFrame,
    *,
    reach: float = 0.0,
    attach: Attach = "islands",
    k: int = 1,
    tolerance: float = 1.0,
    transform: str = "r",
):
    """Return the :func:`neighbours_within` relation as a libpysal ``W`` (ids = area codes).

    Parameters
    ----------
    layer, reach, attach, k, tolerance
        See :func:`neighbours_within`.
    transform : str, default "r"
        libpysal weight transform: ``"r"`` row-standardised, ``"b"`` binary, ...

    Returns
    -------
    libpysal.weights.W
        In the layer's row order; islands (with ``attach="none"``) have no neighbours.

    Raises
    ------
    DataError, CRSError, ValueError
        As :func:`neighbours_within`.
    """
    codes, adj, _, _ = _relation(layer, reach, attach, k, tolerance)
    return _weights(codes, adj, transform)


def _weights(codes: list[str], adj: list[set[int]], transform: str):
    from libpysal.weights import W

    neighbors = {c: [codes[j] for j in sorted(adj[i])] for i, c in enumerate(codes)}
    with warnings.catch_warnings():
        # libpysal warns about islands / components
        warnings.simplefilter("ignore", UserWarning)
        w = W(neighbors, id_order=codes, silence_warnings=True)
        w.transform = transform
    return w


def moran_by_reach(
    layer: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    reaches: Sequence[float] = (0, 100, 300, 1000),
    attach: Attach = "islands",
    k: int = 1,
    tolerance: float = 1.0,
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Compute global Moran's I of ``values`` for neighbours within each reach.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Area layer (``code``, projected CRS).
    values : pandas.Series
        Values by area code (e.g. the index score); areas without a finite value are
        left out before the neighbours are found.
    reaches : sequence of float, default (0, 100, 300, 1000)
        Reaches in metres; see :func:`neighbours_within`.
    attach, k, tolerance
        See :func:`neighbours_within`.
    permutations : int, default 999
        Random permutations for the pseudo p-value (esda); the same seed at every reach.
    seed : int, default 0
        Seed of the permutations (numpy's global generator, which esda uses, is restored
        afterwards).

    Returns
    -------
    pandas.DataFrame
        One row per reach: ``reach_m, moran_i, expected_i, p_value`` (esda's pseudo
        p-value ``p_sim`` from the permutations: one-tailed, on the side of the
        observed I), ``z`` (of I under randomisation), ``n``, ``mean_neighbours``,
        ``attached`` (edges added to join islands or groups) and ``islands`` (areas
        with no neighbour within the reach). Weights are row-standardised.

    Raises
    ------
    DataError
        If fewer than 4 areas have a value, and as :func:`neighbours_within`.
    CRSError, ValueError
        As :func:`neighbours_within`.
    """
    import esda

    data = layer[["code", "geometry"]].merge(
        values.rename("value"), left_on="code", right_index=True
    )
    data = data[np.isfinite(data["value"].to_numpy(dtype=float))].reset_index(drop=True)
    if len(data) < 4:
        raise DataError(f"Moran's I needs at least 4 areas with values, got {len(data)}.")
    y = data["value"].to_numpy(dtype=float)
    rows = []
    state = np.random.get_state()  # noqa: NPY002 - esda.Moran draws from numpy's global generator
    try:
        for reach in reaches:
            codes, adj, added, isolated = _relation(data, float(reach), attach, k, tolerance)
            w = _weights(codes, adj, "r")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                np.random.seed(seed)  # noqa: NPY002
                mi = esda.Moran(y, w, permutations=permutations)
            rows.append(
                {
                    "reach_m": float(reach),
                    "moran_i": float(mi.I),
                    "expected_i": float(mi.EI),
                    "p_value": float(mi.p_sim),
                    "z": float(mi.z_rand),
                    "n": len(y),
                    "mean_neighbours": float(np.mean([len(a) for a in adj])),
                    "attached": len(added),
                    "islands": isolated,
                }
            )
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return pd.DataFrame(rows)
