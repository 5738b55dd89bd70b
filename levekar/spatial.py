"""Spatial clustering of the index as supporting evidence: global Moran's I and LISA clusters.

Neighbours are areas that share a border or a corner (queen contiguity). Areas with
no neighbour — islands, which Fredrikstad has — are joined to their nearest area
(``libpysal.weights.attach_islands``) so that every area takes part, and the result
says which were joined. libpysal and esda are imported only here (about 3 s).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import DataError

__all__ = ["CLUSTER_CODES", "SpatialClusters", "spatial_clusters"]

# LISA quadrants as codes (levekar.render.presentation has the bokmål words).
CLUSTER_CODES = {1: "high_high", 2: "low_high", 3: "low_low", 4: "high_low", 0: "not_significant"}


@dataclass
class SpatialClusters:
    """Global Moran's I and local clusters of a score over an area layer.

    Attributes
    ----------
    moran_i, p_value : float
        Moran's I and its pseudo p-value (by permutation; esda's ``p_sim``).
    n : int
        Areas with a value.
    islands_joined : list of str
        Codes of areas with no neighbour, joined to their nearest area.
    local : pandas.DataFrame
        ``code, local_i, p_value, quadrant, cluster`` (a code from :data:`CLUSTER_CODES`).
    """

    moran_i: float
    p_value: float
    n: int
    islands_joined: list[str] = field(default_factory=list)
    local: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    reach: float | None = None
    by_reach: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def as_dict(self) -> dict:
        """Return the global figures, for run_report.json.

        Returns
        -------
        dict
            Keys ``moran_i``, ``p_value``, ``n``, ``islands_joined``.
        """
        return {
            "moran_i": self.moran_i,
            "p_value": self.p_value,
            "n": self.n,
            "islands_joined": list(self.islands_joined),
            "reach_m": self.reach,
            "moran_by_reach": self.by_reach.to_dict("records"),
        }


def spatial_clusters(
    layer: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 0,
    reach: float | None = None,
) -> SpatialClusters:
    """Compute global Moran's I and local clusters of ``values`` over ``layer``.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Areas with ``code`` and geometry.
    values : pandas.Series
        The score per area code (its index); areas without a finite value are left out.
    permutations : int, default 999
        Permutations for the pseudo p-values.
    alpha : float, default 0.05
        Local clusters with p below this are reported.
    seed : int, default 0
        Seed of the permutations. numpy's global generator (which ``esda.Moran`` draws
        from) is seeded for the call and put back afterwards.
    reach : float, optional
        Neighbours are areas within this many metres of each other
        (:func:`levekar.neighbours.weights_within`: across rivers and fjords); islands
        beyond it are joined to their nearest area. Default: shared borders (queen
        contiguity), islands joined to their nearest area.

    Returns
    -------
    SpatialClusters
        ``cluster`` is ``high_high`` (a high value among high neighbours), ``low_high``,
        ``low_low``, ``high_low`` or ``not_significant``; queen contiguity, islands
        attached to their nearest area, weights row-standardised.

    Raises
    ------
    DataError
        If fewer than 4 areas have a value.
    """
    import esda
    from libpysal import weights

    data = layer[["code", "geometry"]].merge(
        values.rename("value"), left_on="code", right_index=True
    )
    data = data[np.isfinite(data["value"])].reset_index(drop=True)
    if len(data) < 4:
        raise DataError(f"spatial clusters need at least 4 areas with values, got {len(data)}.")
    if reach is not None:
        from .neighbours import neighbours_within, weights_within

        alone = neighbours_within(data, reach=reach, attach="none")
        islands = [i for i, c in enumerate(data["code"]) if not alone.get(c)]
        w = weights_within(data, reach=reach, attach="islands")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # libpysal warns about islands; handled below
            w = weights.Queen.from_dataframe(data, use_index=False)
            islands = list(w.islands)
            if islands:
                knn = weights.KNN.from_dataframe(
                    data.set_geometry(data.geometry.representative_point()), k=1
                )
                w = weights.attach_islands(w, knn)
    w.transform = "r"
    y = data["value"].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        state = np.random.get_state()  # noqa: NPY002 - esda.Moran draws from numpy's global
        np.random.seed(seed)  # noqa: NPY002
        try:
            moran = esda.Moran(y, w, permutations=permutations)
            local = esda.Moran_Local(y, w, permutations=permutations, seed=seed)
        finally:
            np.random.set_state(state)  # noqa: NPY002
    sig = local.p_sim < alpha
    out = pd.DataFrame(
        {"code": data["code"], "local_i": local.Is, "p_value": local.p_sim, "quadrant": local.q}
    )
    out["cluster"] = [CLUSTER_CODES[q if s else 0] for q, s in zip(local.q, sig, strict=True)]
    return SpatialClusters(
        moran_i=float(moran.I),
        p_value=float(moran.p_sim),
        n=len(data),
        islands_joined=[str(data["code"].iloc[i]) for i in islands],
        local=out,
        reach=reach,
    )
