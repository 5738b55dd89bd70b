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

__all__ = ["SOURCES", "RankUncertainty", "rank_uncertainty", "uncertainty_sources"]


@dataclass
class RankUncertainty:
    """Per-area summary of the Monte Carlo ranks, and the draws themselves."""

    summary: pd.DataFrame
    ranks: np.ndarray
    draws: int
    seed: int


def _wide_counts(counts: pd.DataFrame, spec: IndexSpec, areas: list[str]) -> dict[str, np.ndarray]:
    """Counts as (areas, indicators) arrays in the spec's order."""
    cols = [i.column for i in spec.indicators]
    out = {}
    for field in ("numerator", "numerator_low", "numerator_high", "denominator"):
        wide = counts.pivot_table(index="area", columns="indicator", values=field, aggfunc="first", dropna=False)
        out[field] = wide.reindex(index=areas, columns=cols).to_numpy(dtype=float)
    return out


def _draw_values(counts: pd.DataFrame, spec: IndexSpec, catalogue: Catalogue, areas: list[str],
                 draws: int, rng: np.random.Generator) -> np.ndarray:
    """Array (draws, areas, indicators) of indicator values re-sampled around the observed counts."""
    w = _wide_counts(counts, spec, areas)
    out = np.empty((draws, len(areas), len(spec.indicators)))
    for k, ind in enumerate(spec.indicators):
        den, lo, hi = w["denominator"][:, k], w["numerator_low"][:, k], w["numerator_high"][:, k]
        kind = catalogue[ind.column].kind
        if kind in ("mean", "median"):
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, :, k] = (w["numerator"][:, k] / den)[None, :]
            continue
        centre = lo + (hi - lo) * rng.random((draws, len(areas)))
        ok = ~np.isnan(centre) & (den > 0)
        n_int = np.where(ok[0], np.round(np.nan_to_num(den)), 0).astype(np.int64)
        if kind == "share":
            p = np.clip(np.where(ok, centre / np.where(den > 0, den, 1), 0.0), 0, 1)
            x = rng.binomial(np.broadcast_to(n_int, p.shape), p)
            val = np.where(ok, x / np.maximum(n_int, 1), np.nan)
        else:  # rate per 1,000
            x = rng.poisson(np.where(ok, centre, 0.0))
            val = np.where(ok, 1000.0 * x / np.where(den > 0, den, 1), np.nan)
        out[:, :, k] = val
    return out


def _method_specs(spec: IndexSpec, methods: list[str]) -> list[IndexSpec]:
    """Spec variants for "normalisation/aggregation" strings such as "rank/weighted_mean"."""
    out = []
    for m in methods:
        norm, _, agg = m.partition("/")
        out.append(IndexSpec.model_validate({**spec.model_dump(), "normalisation": norm,
                                             "aggregation": agg or spec.aggregation}))
    return out


def _draw_weights(spec: IndexSpec, draws: int, rng: np.random.Generator, concentration: float | None,
                  leave_one_out: bool) -> np.ndarray | None:
    w = np.array([i.weight for i in spec.indicators], dtype=float)
    if concentration is None and not leave_one_out:
        return None
    out = np.repeat((w / w.sum())[None, :], draws, axis=0)
    if concentration is not None:
        out = rng.dirichlet(concentration * w / w.sum(), size=draws)
    if leave_one_out:
        domains = [i.domain for i in spec.indicators]
        # Only indicators whose domain keeps at least one other indicator can be left out.
        can = np.array([domains.count(d) > 1 or d is None for d in domains])
        if can.any():
            drop = rng.choice(np.flatnonzero(can), size=draws)
            out[np.arange(draws), drop] = 0.0
    return out[:, None, :]


def _scores(values: np.ndarray, spec: IndexSpec, weights: np.ndarray | None, variants: list[IndexSpec],
            rng: np.random.Generator) -> np.ndarray:
    if not variants:
        return scores_from_array(values, spec, weights=weights)[1]
    pick = rng.integers(0, len(variants), size=values.shape[0])
    total = np.empty(values.shape[:2])
    for m, variant in enumerate(variants):
        sel = pick == m
        if sel.any():
            total[sel] = scores_from_array(values[sel], variant, weights=None if weights is None else weights[sel])[1]
    return total


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
    methods: list[str] | None = None,
    leave_one_out: bool = False,
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
        (a) Re-sample counts (binomial/Poisson). With ``False`` the observed values are used.
    weight_concentration
        (b) If given, draw indicator weights from a Dirichlet with mean equal to the
        specified (normalised) weights and this concentration (larger = closer).
    methods
        (c) Normalisation/aggregation pairs such as ``"rank/weighted_mean"``; each draw
        uses one of them, chosen uniformly.
    leave_one_out
        (d) Each draw leaves out one indicator at random (from domains that keep another).
    """
    rng = np.random.default_rng(seed)
    if sampling:
        values = _draw_values(counts, spec, catalogue, areas, draws, rng)
    else:
        point = counts.assign(numerator_low=counts["numerator"], numerator_high=counts["numerator"])
        values = np.repeat(_observed(point, spec, catalogue, areas)[None], draws, axis=0)
    weights = _draw_weights(spec, draws, rng, weight_concentration, leave_one_out)
    total = _scores(values, spec, weights, _method_specs(spec, methods or []), rng)
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


SOURCES = ("sampling", "weights", "methods", "leave_one_out")


def uncertainty_sources(
    counts: pd.DataFrame,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    areas: list[str],
    draws: int = 1000,
    seed: int = 0,
    weight_concentration: float | None = None,
    methods: list[str] | None = None,
    leave_one_out: bool = False,
) -> pd.DataFrame:
    """Which source of uncertainty moves the ranks most.

    Each enabled source is run alone (the others held at their point values) and the
    variance of each area's rank is taken; ``share_<source>`` is that variance over
    the sum across sources (one-source-at-a-time variance shares, a first-order
    screening rather than full Sobol indices). ``main_source`` names the largest.
    """
    enabled = {"sampling": True, "weights": weight_concentration is not None, "methods": bool(methods),
               "leave_one_out": leave_one_out}
    out = pd.DataFrame({"area": areas})
    for k, src in enumerate(SOURCES):
        if not enabled[src]:
            continue
        u = rank_uncertainty(counts, spec, catalogue, areas=areas, draws=draws, seed=seed + 101 * (k + 1),
                             sampling=src == "sampling",
                             weight_concentration=weight_concentration if src == "weights" else None,
                             methods=methods if src == "methods" else None,
                             leave_one_out=src == "leave_one_out")
        out[f"var_{src}"] = u.ranks.var(axis=0)
    var_cols = [c for c in out.columns if c.startswith("var_")]
    total = out[var_cols].sum(axis=1)
    for c in var_cols:
        out["share_" + c[4:]] = np.where(total > 0, out[c] / total.where(total > 0, 1), np.nan)
    out["main_source"] = np.where(total > 0, out[var_cols].idxmax(axis=1).str[4:], "")
    return out


def _ranks_random_ties(total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ranks per draw (1 = highest score), ties broken at random so every draw has exactly k in the top k."""
    score = np.where(np.isnan(total), -np.inf, total)
    tie_break = rng.random(score.shape)
    order = np.lexsort((tie_break, -score), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, score.shape[-1] + 1)[None, :].repeat(score.shape[0], 0), axis=-1)
    return ranks


def _observed(counts: pd.DataFrame, spec: IndexSpec, catalogue: Catalogue, areas: list[str]) -> np.ndarray:
    w = _wide_counts(counts, spec, areas)
    scale = np.array([catalogue[i.column].scale for i in spec.indicators])
    with np.errstate(invalid="ignore", divide="ignore"):
        return scale * w["numerator"] / w["denominator"]
