"""Spatial clustering of the index as supporting evidence: global Moran's I and local LISA clusters.

Neighbours are areas that share a border or a corner (queen contiguity). Areas with
no neighbour — islands, which Fredrikstad has — are joined to their nearest area
(``libpysal.weights.attach_islands``) so that every area takes part, and the result
says which were joined. libpysal and esda are imported only here (about 3 s).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["CLUSTER_LABELS", "spatial_clusters"]

CLUSTER_LABELS = {1: "høy-høy", 2: "lav-høy", 3: "lav-lav", 4: "høy-lav", 0: "ikke signifikant"}


def spatial_clusters(
    layer: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[dict, pd.DataFrame]:
    """Global Moran's I and local clusters of ``values`` (indexed by area code) over ``layer``.

    Returns ``(global, local)``: ``global`` has ``moran_i``, ``p_value`` (pseudo, by
    permutation), ``n`` and ``islands_joined``; ``local`` has ``code, local_i,
    p_value, quadrant, cluster`` where ``cluster`` is the bokmål label (høy-høy =
    a high value among high neighbours) for areas with p below ``alpha``.
    """
    import esda
    from libpysal import weights

    data = layer[["code", "geometry"]].merge(values.rename("value"), left_on="code", right_index=True)
    data = data[np.isfinite(data["value"])].reset_index(drop=True)
    if len(data) < 4:
        raise DataError(f"spatial clusters need at least 4 areas with values, got {len(data)}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; they are handled below
        w = weights.Queen.from_dataframe(data, use_index=False)
        islands = list(w.islands)
        if islands:
            knn = weights.KNN.from_dataframe(data.set_geometry(data.geometry.representative_point()), k=1)
            w = weights.attach_islands(w, knn)
    w.transform = "r"
    y = data["value"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.random.seed(seed)  # noqa: NPY002 - esda.Moran draws from numpy's global generator
        moran = esda.Moran(y, w, permutations=permutations)
        local = esda.Moran_Local(y, w, permutations=permutations, seed=seed)
    sig = local.p_sim < alpha
    out = pd.DataFrame({"code": data["code"], "local_i": local.Is, "p_value": local.p_sim, "quadrant": local.q})
    out["cluster"] = [CLUSTER_LABELS[q if s else 0] for q, s in zip(local.q, sig, strict=True)]
    glob = {"moran_i": float(moran.I), "p_value": float(moran.p_sim), "n": len(data),
            "islands_joined": [str(data["code"].iloc[i]) for i in islands]}
    return glob, out
