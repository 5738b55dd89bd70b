"""Monte Carlo uncertainty of the composite index: rank bands and P(among the k worst).

Each draw re-samples every area's counts around what was observed (binomial for
shares, Poisson for rates; a suppressed part is first drawn uniformly within its
bounds), optionally varies the indicator weights (Dirichlet around the specified
weights), recomputes the whole index with the same specification, and ranks the
areas. Means and medians (income) carry no sampling model and are held fixed.
All draws are vectorised with numpy and seeded, so the same seed gives the same
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .index import IndexSpec, scores_from_array

__all__ = ["RankUncertainty", "rank_uncertainty"]


@dataclass
class RankUncertainty:
    """Per-area summary of the Monte Carlo ranks, and the draws themselves."""

    summary: pd.DataFrame
    ranks: np.ndarray
    draws: int
    seed: int


def _draw_values(counts: pd.DataFrame, spec: IndexSpec, catalogue: Catalogue, areas: list[str],
                 draws: int, rng: np.random.Generator) -> np.ndarray:
    """Array (draws, areas, indicators) of indicator values re-sampled around the observed counts."""
    out = np.empty((draws, len(areas), len(spec.indicators)))
    for k, ind in enumerate(spec.indicators):
        c = counts[counts["indicator"] == ind.column].set_index("area").reindex(areas)
        den = c["denominator"].to_numpy(dtype=float)
        lo = c["numerator_low"].to_numpy(dtype=float)
        hi = c["numerator_high"].to_numpy(dtype=float)
        kind = catalogue[ind.column].kind
        if kind in ("mean", "median"):
            out[:, :, k] = (c["numerator"].to_numpy(dtype=float) / den)[None, :]
            continue
        centre = lo + (hi - lo) * rng.random((draws, len(areas)))
        ok = ~np.isnan(centre) & (den > 0)
        n_int = np.where(ok[0], np.round(den), 0).astype(np.int64)
        val = np.full((draws, len(areas)), np.nan)
        if kind == "share":
            p = np.clip(np.where(ok, centre / np.where(den > 0, den, 1), 0.0), 0, 1)
            x = rng.binomial(np.broadcast_to(n_int, p.shape), p)
            val = np.where(ok, x / np.maximum(n_int, 1), np.nan)
        else:  # rate per 1,000
            x = rng.poisson(np.where(ok, centre, 0.0))
            val = np.where(ok, 1000.0 * x / np.where(den > 0, den, 1), np.nan)
        out[:, :, k] = val
    return out


def rank_uncertainty(
    counts: pd.DataFrame,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    areas: list[str],
    k: int = 3,
    draws: int = 2000,
    seed: int = 0,
    sampling: bool = True,
    weight_concentration: float | None = None,
) -> RankUncertainty:
    """Monte Carlo rank bands and P(top-k) for each area.

    Parameters
    ----------
    counts
        Aggregated counts for one year (``area, indicator, numerator,
        numerator_low, numerator_high, denominator``).
    spec
        The index specification; its indicator columns are indicator ids.
    areas
        The areas to rank (e.g. those eligible for selection).
    sampling
        Re-sample counts (binomial/Poisson). With ``False`` the observed values are used.
    weight_concentration
        If given, draw indicator weights from a Dirichlet with mean equal to the
        specified (normalised) weights and this concentration (larger = closer).
    """
    rng = np.random.default_rng(seed)
    if sampling:
        values = _draw_values(counts, spec, catalogue, areas, draws, rng)
    else:
        point = counts.assign(numerator_low=counts["numerator"], numerator_high=counts["numerator"])
        values = np.repeat(_observed(point, spec, catalogue, areas)[None], draws, axis=0)
    w = np.array([i.weight for i in spec.indicators], dtype=float)
    weights = None
    if weight_concentration is not None:
        weights = rng.dirichlet(weight_concentration * w / w.sum(), size=(draws,))[:, None, :]
    _, total = scores_from_array(values, spec, weights=weights)
    ranks = _ranks_random_ties(total, rng)
    top = ranks <= k
    summary = pd.DataFrame({
        "area": areas,
        "rank_median": np.median(ranks, axis=0),
        "rank_p05": np.percentile(ranks, 5, axis=0, method="lower"),
        "rank_p95": np.percentile(ranks, 95, axis=0, method="higher"),
        "p_top_k": top.mean(axis=0),
    })
    return RankUncertainty(summary=summary, ranks=ranks, draws=draws, seed=seed)


def _ranks_random_ties(total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranks per draw (1 = highest score), ties broken at random so every draw has exactly k in the top k."""
    score = np.where(np.isnan(total), -np.inf, total)
    tie_break = rng.random(score.shape)
    order = np.lexsort((tie_break, -score), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, score.shape[-1] + 1)[None, :].repeat(score.shape[0], 0), axis=-1)
    return ranks


def _observed(counts: pd.DataFrame, spec: IndexSpec, catalogue: Catalogue, areas: list[str]) -> np.ndarray:
    cols = []
    for ind in spec.indicators:
        c = counts[counts["indicator"] == ind.column].set_index("area").reindex(areas)
        scale = catalogue[ind.column].scale
        cols.append(scale * c["numerator"].to_numpy(dtype=float) / c["denominator"].to_numpy(dtype=float))
    return np.column_stack(cols)
