"""Choosing areas: selection rules, and for every area why it is (not) selected.

Rules:

* ``top_k``: the k areas with the highest index score among the eligible ones
  (population at least ``min_population``).
* ``multiple_deprivation``: eligible areas significantly worse than the kommune
  on at least ``m`` indicators (the EU URBAN programme required 3 of 9 criteria).
* with ``contiguous``: top-k as one connected region (the highest-scoring area, then
  the highest-scoring neighbour of the chosen set, and so on).

Each area gets the indicators that put it where it is: those where it is
significantly worse than the kommune, with its value, the kommune's and Norway's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .fmt import format_value

__all__ = ["neighbours_of", "select_areas", "worse_than_reference"]


def worse_than_reference(rates: pd.DataFrame, catalogue: Catalogue) -> pd.Series:
    """Whether each rate's interval lies wholly on the worse side of the kommune's value."""
    hiw = rates["indicator"].map({k: v.direction == "higher_is_worse" for k, v in catalogue.items()})
    hib = rates["indicator"].map({k: v.direction == "higher_is_better" for k, v in catalogue.items()})
    kom = rates["kommune_value"]
    worse = (hiw & (rates["ci_low"] > kom)) | (hib & (rates["ci_high"] < kom))
    return worse.fillna(False).astype(bool)


def _reasons(rates: pd.DataFrame, catalogue: Catalogue) -> pd.Series:
    """A bokmål sentence per area listing the indicators where it is significantly worse."""
    worse = rates[rates["significantly_worse"]].copy()
    if worse.empty:
        return pd.Series(dtype="object")
    worse["gap"] = (worse["value"] - worse["kommune_value"]).abs() / worse["kommune_value"].abs()
    worse = worse.sort_values(["area", "gap"], ascending=[True, False])

    def text(g: pd.DataFrame) -> str:
        parts = []
        for _, r in g.iterrows():
            ind = catalogue[r["indicator"]]
            parts.append(f"{ind.short_label} {format_value(r['value'], ind.kind)} "
                         f"(kommunen {format_value(r['kommune_value'], ind.kind)})")
        return "; ".join(parts)

    return worse.groupby("area").apply(text, include_groups=False)


def neighbours_of(layer, *, tolerance: float = 1.0) -> dict[str, set[str]]:
    """Areas that share a border (within ``tolerance`` metres), by code."""
    import shapely

    geoms = layer.geometry.to_numpy()
    codes = layer["code"].to_numpy()
    i, j = shapely.STRtree(geoms).query(shapely.buffer(geoms, tolerance), predicate="intersects")
    out: dict[str, set[str]] = {c: set() for c in codes}
    for a, b in zip(i, j, strict=True):
        if a != b:
            out[codes[a]].add(codes[b])
    return out


def _contiguous_top_k(table: pd.DataFrame, k: int, neighbours: dict[str, set[str]]) -> set[str]:
    """One connected set of k areas: start from the highest score, then add the highest-scoring
    eligible neighbour of the set until there are k (fewer if the region runs out of neighbours)."""
    elig = table[table["eligible"]].set_index("code")["score"].dropna()
    if elig.empty:
        return set()
    chosen = {elig.sort_values(ascending=False).index[0]}
    while len(chosen) < k:
        frontier = {n for c in chosen for n in neighbours.get(c, set())} - chosen
        candidates = elig[elig.index.isin(frontier)]
        if candidates.empty:
            break
        chosen.add(candidates.sort_values(ascending=False).index[0])
    return chosen


def select_areas(
    index: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    rule: str = "top_k",
    k: int = 3,
    min_indicators_worse: int = 5,
    min_population: int = 0,
    initiative: list[str] | tuple[str, ...] = (),
    uncertainty: pd.DataFrame | None = None,
    neighbours: dict[str, set[str]] | None = None,
) -> pd.DataFrame:
    """Apply a selection rule and explain it for every area.

    ``index`` has ``code, name, population, score, rank``; ``rates`` has one row per
    area and indicator for the selection year with ``significantly_worse``,
    ``value``, ``kommune_value``. Returns one row per area with ``eligible``,
    ``n_worse``, ``selected``, ``in_initiative``, ``reasons`` and, when given, the
    uncertainty columns.
    """
    out = index[["code", "name", "population", "score", "rank"]].copy()
    scored = rates[rates["indicator"].map(lambda i: catalogue[i].direction != "descriptive")]
    n_worse = scored.groupby("area")["significantly_worse"].sum()
    n_scored = scored.groupby("area")["indicator"].nunique()
    out["n_worse"] = out["code"].map(n_worse).fillna(0).astype(int)
    out["n_indicators"] = out["code"].map(n_scored).fillna(0).astype(int)
    out["eligible"] = out["population"] >= min_population
    if rule == "top_k" and neighbours is not None:
        out["selected"] = out["code"].isin(_contiguous_top_k(out, k, neighbours))
    elif rule == "top_k":
        order = out[out["eligible"]].sort_values(["score", "code"], ascending=[False, True])
        chosen = set(order["code"].iloc[:k])
        out["selected"] = out["code"].isin(chosen)
    elif rule == "multiple_deprivation":
        out["selected"] = out["eligible"] & (out["n_worse"] >= min_indicators_worse)
    else:
        raise ValueError(f"unknown selection rule {rule!r}")
    init = set(initiative)
    out["in_initiative"] = out["code"].isin(init) | out["name"].isin(init)
    out["reasons"] = out["code"].map(_reasons(scored, catalogue)).astype("object").fillna("")
    if uncertainty is not None:
        out = out.merge(uncertainty.rename(columns={"area": "code"}), on="code", how="left")
    out["agreement"] = np.select(
        [out["selected"] & out["in_initiative"], out["selected"] & ~out["in_initiative"],
         ~out["selected"] & out["in_initiative"]],
        ["valgt og i satsingen", "valgt, ikke i satsingen", "i satsingen, ikke valgt"],
        default="",
    )
    return out.sort_values(["rank", "code"]).reset_index(drop=True)
