"""Scores for a year and their uncertainty: the index, rank bands, P(among the k worst), P(chosen).

:func:`score_year` is the stage every output that shows a score, a rank band or a
probability reads from: it computes the index on one year's data, applies the
:class:`~levekar.selection.SelectionRule`, and runs the Monte Carlo once with every
configured source of uncertainty:

* **sampling**: every area's counts re-drawn around what was observed (binomial for
  shares, Poisson for rates; a suppressed part first drawn uniformly within its
  bounds). Means and medians (income) carry no sampling model and are held fixed, and
  so are exact counts (``sampling = "exact"`` in the catalogue: accessibility).
* **weights**: indicator weights drawn from a Dirichlet around the specified ones.
* **methods**: each draw uses one normalisation/aggregation pair, chosen uniformly.
* **leave-one-out**: each draw leaves out one indicator (from domains that keep another).

Each draw recomputes the whole index, ranks the eligible areas (ties at random, so
every draw has exactly k in the top k) and applies the rule, so ``p_selected`` is
the probability that *the rule* picks the area. All draws are vectorised and seeded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import _html
from .catalogue import Catalogue
from .index import IndexSpec, index_from_year, rank_worst_first, scores_from_array
from .indicators import YearData, pool_years, worse_in_batches
from .selection import SelectionRule

__all__ = [
    "SOURCES",
    "RankUncertainty",
    "UncertaintyOptions",
    "YearScores",
    "combine_scores",
    "droppable_indicators",
    "rank_uncertainty_window",
    "rank_uncertainty",
    "score_year",
    "uncertainty_sources",
]

SOURCES = ("sampling", "weights", "methods", "leave_one_out")


@dataclass(frozen=True)
class UncertaintyOptions:
    """Which sources the Monte Carlo varies, and how many draws.

    Attributes
    ----------
    draws : int, default 2000
        Number of draws (0: no Monte Carlo).
    seed : int, default 0
        Seed of the random generator.
    sampling : bool, default True
        Re-draw counts around what was observed.
    weight_concentration : float, optional
        Dirichlet concentration for the weights (larger = closer to the given
        weights); None keeps the weights fixed.
    methods : tuple of str, default ()
        Normalisation/aggregation pairs such as ``"rank/weighted_mean"``; each draw
        uses one, chosen uniformly (a pair without ``/agg`` keeps the spec's
        aggregation). Empty: the spec's own method only.
    leave_one_out : bool, default False
        Leave out one indicator per draw (see :func:`droppable_indicators`).
    """

    draws: int = 2000
    seed: int = 0
    sampling: bool = True
    weight_concentration: float | None = None
    methods: tuple[str, ...] = ()
    leave_one_out: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        """Return the sources this Monte Carlo varies, in :data:`SOURCES` order."""
        on = {
            "sampling": self.sampling,
            "weights": self.weight_concentration is not None,
            "methods": bool(self.methods),
            "leave_one_out": self.leave_one_out,
        }
        return tuple(s for s in SOURCES if on[s])

    def only(self, source: str) -> UncertaintyOptions:
        """Return the same options with every source but ``source`` held at its point value.

        Parameters
        ----------
        source : str
            One of :data:`SOURCES`.

        Returns
        -------
        UncertaintyOptions
            A copy varying ``source`` only (if these options vary it at all); draws and
            seed unchanged.
        """
        return replace(
            self,
            sampling=source == "sampling",
            weight_concentration=self.weight_concentration if source == "weights" else None,
            methods=self.methods if source == "methods" else (),
            leave_one_out=self.leave_one_out and source == "leave_one_out",
        )


@dataclass
class RankUncertainty:
    """Per-area summary of the Monte Carlo, and the draws themselves.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per ranked area: ``code``, ``rank_median``, ``rank_p05``, ``rank_p95``
        (5th and 95th percentiles of the rank among all ranked areas, 1 = most deprived),
        ``p_top_k`` (share of draws where the area is among the k worst of the areas the
        rule may choose; 0 for the others) and ``p_selected`` (share of draws where the
        rule chose the area).
    ranks : numpy.ndarray of int
        Rank per draw and area, shape ``(draws, areas)``; ties broken at random.
    selected : numpy.ndarray of bool
        The rule's choice per draw and area, shape ``(draws, areas)``.
    draws : int
        Number of draws.
    seed : int
        Seed of the random generator.
    """

    summary: pd.DataFrame
    ranks: np.ndarray
    selected: np.ndarray
    draws: int
    seed: int

    def ranks_among(self, codes: list[str] | set[str]) -> tuple[list[str], np.ndarray]:
        """Return the draws' ranks within a subset of the areas (e.g. the eligible ones).

        Parameters
        ----------
        codes : list or set of str
            The areas to keep; codes not ranked are ignored.

        Returns
        -------
        kept : list of str
            The kept codes, in the order of :attr:`summary`.
        ranks : numpy.ndarray of int
            Shape ``(draws, len(kept))``: 1 = the most deprived of the subset in that draw
            (the draw's order, ties already broken, restricted to the subset).
        """
        wanted = set(codes)
        ranked = self.summary["code"].tolist()
        cols = [j for j, c in enumerate(ranked) if c in wanted]
        sub = self.ranks[:, cols]
        return [ranked[j] for j in cols], sub.argsort(axis=1).argsort(axis=1) + 1

    def __repr__(self) -> str:
        """Say how many draws over how many areas (the arrays are in the attributes)."""
        return (
            f"RankUncertainty({self.draws:,} draws × {len(self.summary)} areas, seed {self.seed})"
        )


@dataclass
class YearScores:
    """One year's scores under the rule.

    What the selection, the reselection, the map and the report all show.

    Attributes
    ----------
    year : int
        The year.
    table : pandas.DataFrame
        One row per area with data: ``code, year, population, eligible, domain_*,
        score, rank, decile, n_worse, n_indicators, selected`` and, when the Monte
        Carlo ran, ``rank_median, rank_p05, rank_p95, p_top_k, p_selected`` (the last
        two 0 for areas left out of it).
    options : UncertaintyOptions
        The options the year was scored with.
    uncertainty : RankUncertainty or None
        The Monte Carlo, or None when it did not run.
    """

    year: int
    table: pd.DataFrame
    options: UncertaintyOptions
    uncertainty: RankUncertainty | None = field(default=None, repr=False)

    def bands(self) -> pd.DataFrame:
        """Return the areas by rank with their rank bands and probabilities.

        Returns
        -------
        pandas.DataFrame
            ``code`` (and ``name`` when the table has one), ``score``, ``rank``, ``band``
            (the 90 % rank band, e.g. ``"2–4"``, empty without a Monte Carlo), ``p_top_k``,
            ``p_selected`` and ``selected``, sorted by rank (areas without a score last).
        """
        t = self.table.sort_values(["rank", "code"], na_position="last")
        out = t[[c for c in ("code", "name", "score", "rank") if c in t]].copy()
        if {"rank_p05", "rank_p95"} <= set(t.columns):
            out["band"] = [
                f"{lo:.0f}–{hi:.0f}" if pd.notna(lo) and pd.notna(hi) else ""
                for lo, hi in zip(t["rank_p05"], t["rank_p95"], strict=True)
            ]
        else:
            out["band"] = ""
        for col in ("p_top_k", "p_selected", "selected"):
            if col in t:
                out[col] = t[col].to_numpy()
        return out.reset_index(drop=True)

    def _monte_carlo(self) -> str:
        """Say what the Monte Carlo varied, in words."""
        if self.uncertainty is None:
            return "no Monte Carlo"
        varied = ", ".join(self.options.sources) or "nothing"
        return f"{self.uncertainty.draws:,} draws varying {varied}"

    def __repr__(self) -> str:
        """Say the year, the areas, the choice and the Monte Carlo in one line."""
        bands = self.bands()
        chosen = bands.loc[bands["selected"].astype(bool), "code"].tolist()
        return (
            f"YearScores({self.year}: {len(self.table)} areas, selected "
            f"{_html.codes(chosen)}; {self._monte_carlo()})"
        )

    def _repr_html_(self) -> str:
        """Show the areas by rank with their bands in Jupyter."""
        note = (
            f"<p>{_html.esc(self._monte_carlo())}; band = the rank's 5th–95th percentile "
            "over the draws (1 = most deprived).</p>"
        )
        return _html.block(
            f"Scores {self.year}",
            note,
            _html.table(self.bands(), max_rows=25, percent=("p_top_k", "p_selected")),
        )


@dataclass(frozen=True)
class _Model:
    """One indicator's sampling model over the ranked areas, worked out once per run.

    ``kind`` is ``"fixed"`` (means, medians and exact counts: ``fixed`` is used as it
    is), ``"share"`` (binomial) or ``"rate_per_1000"`` (Poisson). A centre is drawn as
    ``low + spread × U(0, 1)`` (``spread`` is 0 unless a suppressed part has bounds);
    areas where ``ok`` is False (no numerator or no denominator) get NaN.
    """

    kind: str
    fixed: np.ndarray
    low: np.ndarray
    spread: np.ndarray
    ok: np.ndarray
    den: np.ndarray
    n: np.ndarray
    n_div: np.ndarray


def _models(
    data: YearData, rows: np.ndarray, spec: IndexSpec, catalogue: Catalogue
) -> list[_Model]:
    """Work out every indicator's sampling model once (see :class:`_Model`)."""
    out = []
    for k, ind in enumerate(spec.indicators):
        entry = catalogue[ind.column]
        den = data.denominator[rows, k]
        low, high = data.numerator_low[rows, k], data.numerator_high[rows, k]
        ok = ~np.isnan(low) & ~np.isnan(high) & (den > 0)
        n = np.where(ok, np.round(np.nan_to_num(den)), 0).astype(np.int64)
        fixed = entry.kind in ("mean", "median") or entry.exact
        out.append(
            _Model(
                kind="fixed" if fixed else entry.kind,
                fixed=data.value[rows, k],
                low=low,
                spread=high - low,
                ok=ok,
                den=np.where(den > 0, den, 1),
                n=n,
                n_div=np.maximum(n, 1),
            )
        )
    return out


def _draw_values(
    data: YearData,
    rows: np.ndarray,
    spec: IndexSpec,
    catalogue: Catalogue,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Re-sample values around the observed counts: an array (draws, areas, indicators).

    One stream for everything: each indicator in turn, its centres for every draw, then
    its counts. These are the numbers of one block (see :func:`_value_blocks`).
    """
    models = _models(data, rows, spec, catalogue)
    out = np.empty((draws, len(rows), len(models)))
    for k, m in enumerate(models):
        if m.kind == "fixed":
            out[:, :, k] = m.fixed[None, :]
        else:
            out[:, :, k] = _counts(m, rng, rng, draws)
    return out


#: Draws per block: the Monte Carlo holds the values of at most this many draws at once.
#: Up to one block, the draws come from :func:`_draw_values`; above, from a stream per
#: indicator and block (:func:`_block_values`), so the numbers depend on this size.
BLOCK_DRAWS = 10_000


def _value_blocks(
    data: YearData,
    rows: np.ndarray,
    spec: IndexSpec,
    catalogue: Catalogue,
    draws: int,
    rng: np.random.Generator,
    sampling: bool,
    block: int | None = None,
):
    """Return an iterator of ``(start, stop, values)`` over blocks of draws.

    Up to one block, the values are those :func:`_draw_values` gives, from ``rng``
    itself, and ``rng`` is left where :func:`_draw_values` leaves it (the numbers every
    run with the default 2,000 draws has always had). With more draws, ``rng`` spawns
    one :class:`numpy.random.SeedSequence` (it is not advanced) and each block of each
    indicator is drawn from its own child of it (:func:`_block_values`): any block can
    be drawn alone, in any order, and the sampling's random numbers are drawn once.
    """
    block = block or BLOCK_DRAWS
    if not sampling:
        fixed = data.value[rows][None]
        return (
            (a, min(a + block, draws), np.repeat(fixed, min(a + block, draws) - a, axis=0))
            for a in range(0, draws, block)
        )
    if draws <= block:
        return iter([(0, draws, _draw_values(data, rows, spec, catalogue, draws, rng))])
    models = _models(data, rows, spec, catalogue)
    root = rng.bit_generator.seed_seq.spawn(1)[0]
    stops = [min(a + block, draws) for a in range(0, draws, block)]
    return (
        (a, b, _block_values(models, root, a // block, b - a))
        for a, b in zip(range(0, draws, block), stops, strict=True)
    )


def _block_values(
    models: list[_Model], root: np.random.SeedSequence, index: int, draws: int
) -> np.ndarray:
    """Draw block ``index`` of ``draws`` draws: an array (draws, areas, indicators).

    Indicator ``k`` draws from the child ``(k, index)`` of ``root`` (what
    ``root.spawn(k + 1)[k].spawn(index + 1)[index]`` gives), area by area.
    """
    n_areas = models[0].fixed.size if models else 0
    out = np.empty((draws, n_areas, len(models)))
    for k, m in enumerate(models):
        if m.kind == "fixed":
            out[:, :, k] = m.fixed[None, :]
            continue
        child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k, index))
        _counts_by_area(m, np.random.Generator(np.random.PCG64(child)), out[:, :, k])
    return out


def _counts(
    m: _Model, centres: np.random.Generator, counts: np.random.Generator, draws: int
) -> np.ndarray:
    """Draw one indicator's values (draws, areas): centres from one stream, counts from another."""
    centre = m.low + m.spread * centres.random((draws, m.ok.size))
    if m.kind == "share":
        p = np.clip(np.where(m.ok, centre / m.den, 0.0), 0, 1)
        x = counts.binomial(np.broadcast_to(m.n, p.shape), p)
        return np.where(m.ok, x / m.n_div, np.nan)
    x = counts.poisson(np.where(m.ok, centre, 0.0))
    return np.where(m.ok, 1000.0 * x / m.den, np.nan)


def _counts_by_area(m: _Model, rng: np.random.Generator, out: np.ndarray) -> None:
    """Draw one indicator's values area by area into ``out`` (draws, areas).

    The model of :func:`_counts`, with each area's centres (only where a suppressed part
    has bounds) and then its counts drawn in turn: an area whose centre is fixed draws
    with one ``n`` and ``p``, which numpy's binomial sets up once.
    """
    draws = out.shape[0]
    for j in range(m.ok.size):
        if not m.ok[j]:
            out[:, j] = np.nan
            continue
        centre = m.low[j] + m.spread[j] * rng.random(draws) if m.spread[j] > 0 else m.low[j]
        if m.kind == "share":
            x = rng.binomial(m.n[j], np.clip(centre / m.den[j], 0, 1), size=draws)
            np.divide(x, m.n_div[j], out=out[:, j])
        else:
            np.divide(1000.0 * rng.poisson(centre, size=draws), m.den[j], out=out[:, j])


def _method_specs(spec: IndexSpec, methods: tuple[str, ...] | list[str]) -> list[IndexSpec]:
    """Build spec variants for "normalisation/aggregation" strings like "rank/weighted_mean"."""
    out = []
    for m in methods:
        norm, _, agg = m.partition("/")
        out.append(
            IndexSpec.model_validate(
                {**spec.model_dump(), "normalisation": norm, "aggregation": agg or spec.aggregation}
            )
        )
    return out


def droppable_indicators(spec: IndexSpec) -> np.ndarray:
    """Return the positions of the indicators leave-one-out may drop.

    Those are the indicators whose domain keeps another (or that have no domain).

    Parameters
    ----------
    spec : IndexSpec
        The index specification.

    Returns
    -------
    numpy.ndarray of int
        Positions in ``spec.indicators``.
    """
    domains = [i.domain for i in spec.indicators]
    return np.flatnonzero([d is None or domains.count(d) > 1 for d in domains])


def _draw_weights(
    spec: IndexSpec,
    draws: int,
    rng: np.random.Generator,
    concentration: float | None,
    leave_one_out: bool,
) -> np.ndarray | None:
    w = np.array([i.weight for i in spec.indicators], dtype=float)
    if concentration is None and not leave_one_out:
        return None
    out = np.repeat((w / w.sum())[None, :], draws, axis=0)
    if concentration is not None:
        out = rng.dirichlet(concentration * w / w.sum(), size=draws)
    if leave_one_out:
        can = droppable_indicators(spec)
        if can.size:
            drop = rng.choice(can, size=draws)
            out[np.arange(draws), drop] = 0.0
    return out[:, None, :]


#: Values scored at once (draws × areas × indicators): the index's temporaries stay this small.
SCORE_CELLS = 2_000_000


def _scores(
    values: np.ndarray,
    spec: IndexSpec,
    weights: np.ndarray | None,
    variants: list[IndexSpec],
    pick: np.ndarray | None,
) -> np.ndarray:
    """Score a block of draws; ``pick`` gives each draw's method (one of ``variants``)."""
    if not variants:
        return _scores_in_parts(values, spec, weights)
    total = np.empty(values.shape[:2])
    for m, variant in enumerate(variants):
        sel = pick == m
        if sel.any():
            total[sel] = _scores_in_parts(
                values[sel], variant, None if weights is None else weights[sel]
            )
    return total


def _scores_in_parts(values: np.ndarray, spec: IndexSpec, weights: np.ndarray | None):
    """Score draws a part at a time (:data:`SCORE_CELLS` values), so memory stays bounded.

    Each draw's score is computed on its own row, so the parts give the numbers of one
    call; no part has a single draw (one draw is laid out in memory unlike several).
    """
    n = len(values)
    step = max(2, SCORE_CELLS // max(1, values[0].size))
    if n < 2 * step:
        return scores_from_array(values, spec, weights=weights)[1]
    starts = list(range(0, n, step))
    if n - starts[-1] < 2:
        starts.pop()
    total = np.empty(values.shape[:2])
    for a, b in zip(starts, [*starts[1:], n], strict=True):
        w = None if weights is None else weights[a:b]
        total[a:b] = scores_from_array(values[a:b], spec, weights=w)[1]
    return total


def _ranks_random_ties(total: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """Rank per draw (1 = highest score), ties broken by ``tie_break`` (larger first)."""
    score = np.where(np.isnan(total), -np.inf, total)
    order = np.lexsort((-tie_break, -score), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(
        ranks, order, np.arange(1, score.shape[-1] + 1)[None, :].repeat(score.shape[0], 0), axis=-1
    )
    return ranks


def rank_uncertainty(
    data: YearData,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    rule: SelectionRule,
    areas: list[str] | None = None,
    options: UncertaintyOptions | None = None,
    eligible: np.ndarray | None = None,
) -> RankUncertainty:
    """Compute Monte Carlo rank bands, P(among the k worst) and P(chosen) for each area.

    Parameters
    ----------
    data : YearData
        One year's data (:func:`levekar.indicators.year_data`), its indicators in the
        spec's order.
    spec : IndexSpec
        The index specification.
    catalogue : Catalogue
        Indicator definitions (the kind decides the sampling model).
    rule : SelectionRule
        The selection rule applied in every draw.
    areas : list of str, optional
        The areas to rank (those with a score); default every area in ``data``.
    options : UncertaintyOptions, optional
        The sources to vary and the number of draws; default
        ``UncertaintyOptions()`` (2000 draws, sampling only).
    eligible : numpy.ndarray of bool, optional
        Which of ``areas`` the rule may choose (default all). Ranks are among all
        ``areas``, as the point rank is; P(among the k worst) is among the eligible ones,
        the k the rule picks from, and 0 for the others.

    Returns
    -------
    RankUncertainty
        Summary and draws for ``areas``, in their order.

    Notes
    -----
    With sampling on, shares and rates are re-drawn from the counts
    (``numerator_low``/``numerator_high`` and ``denominator``), not from ``data.value``:
    when ``data`` carries smoothed values (``value_shrunk``), the draws centre on the
    unsmoothed ones.
    """
    opts = options or UncertaintyOptions()
    codes = list(data.codes)
    areas = codes if areas is None else list(areas)
    rows = np.array([codes.index(a) for a in areas], dtype=np.int64)
    md = rule.kind == "multiple_deprivation"
    total, n_worse, tie_break = _year_draws(data, rows, spec, catalogue, opts, worse=md)
    return _under_rule(total, n_worse, tie_break, rule, areas, opts, eligible)


def _year_draws(
    data: YearData,
    rows: np.ndarray,
    spec: IndexSpec,
    catalogue: Catalogue,
    opts: UncertaintyOptions,
    *,
    worse: bool,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Draw one year's Monte Carlo: the index per draw, and (if ``worse``) "worse" counts.

    Returns ``(total, n_worse, tie_break)``, each ``(draws, areas)``; what the rule is
    applied to. The numbers do not depend on ``worse`` (it draws no random numbers).
    """
    rng = np.random.default_rng(opts.seed)
    draws = opts.draws
    blocks = _value_blocks(data, rows, spec, catalogue, draws, rng, opts.sampling)
    weights = _draw_weights(spec, draws, rng, opts.weight_concentration, opts.leave_one_out)
    variants = _method_specs(spec, opts.methods)
    pick = rng.integers(0, len(variants), size=draws) if variants else None
    total = np.empty((draws, len(rows)))
    n_worse = np.empty((draws, len(rows)), dtype=np.int64) if worse else None
    for a, b, values in blocks:
        w = None if weights is None else weights[a:b]
        total[a:b] = _scores(values, spec, w, variants, None if pick is None else pick[a:b])
        if worse:
            flags = worse_in_batches(values, data, catalogue, rows=rows)
            if w is not None:
                flags &= np.broadcast_to(w > 0, flags.shape)
            n_worse[a:b] = flags.sum(axis=-1)
    tie_break = rng.random(total.shape)
    return total, n_worse, tie_break


def _under_rule(
    total: np.ndarray,
    n_worse: np.ndarray | None,
    tie_break: np.ndarray,
    rule: SelectionRule,
    areas: list[str],
    opts: UncertaintyOptions,
    eligible: np.ndarray | None = None,
) -> RankUncertainty:
    """Rank the draws and apply the rule to them: the Monte Carlo's summary and draws."""
    elig = np.ones(len(areas), dtype=bool) if eligible is None else np.asarray(eligible, bool)
    ranks = _ranks_random_ties(total, tie_break)
    selected = rule.choose(total, eligible=elig, n_worse=n_worse, codes=areas, tie_break=tie_break)
    summary = _rank_summary(areas, ranks, selected, rule.k, elig)
    return RankUncertainty(
        summary=summary, ranks=ranks, selected=selected, draws=opts.draws, seed=opts.seed
    )


def _rank_summary(areas, ranks, selected, k, eligible) -> pd.DataFrame:
    """Rank bands among all areas; P(among the k worst) among the eligible; P(chosen)."""
    if eligible.all():
        top_k = (ranks <= k).mean(axis=0)
    else:  # the draw's order within the eligible areas (ties already broken)
        top_k = np.zeros(len(areas))
        among = ranks[:, eligible].argsort(axis=1).argsort(axis=1) + 1
        top_k[eligible] = (among <= k).mean(axis=0)
    return pd.DataFrame(
        {
            "code": areas,
            "rank_median": np.median(ranks, axis=0),
            "rank_p05": np.percentile(ranks, 5, axis=0, method="lower"),
            "rank_p95": np.percentile(ranks, 95, axis=0, method="higher"),
            "p_top_k": top_k,
            "p_selected": selected.mean(axis=0),
        }
    )


def score_year(
    data: YearData | list[YearData],
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    rule: SelectionRule,
    population: pd.Series,
    options: UncertaintyOptions | None = None,
    reuse: dict | None = None,
) -> YearScores:
    """Score one year: the index, the rule's choice and (if ``options.draws > 0``) the Monte Carlo.

    Parameters
    ----------
    data : YearData or list of YearData
        The year's data, indicators in the spec's order; for a rule over several mappings,
        the window of years ending with it (oldest first). The rule's ``mappings`` latest
        of them are used.
    spec : IndexSpec
        The index specification.
    catalogue : Catalogue
        Indicator definitions.
    rule : SelectionRule
        The selection rule (with how it combines the years).
    population : pandas.Series
        People per area code (for eligibility; rounded into ``population``).
    options : UncertaintyOptions, optional
        The Monte Carlo's sources and draws; default no Monte Carlo. It runs over the
        eligible areas with a score.
    reuse : dict, optional
        Kept by the caller across calls on the same ``YearData`` objects (as
        :func:`~levekar.choice.rules_giving` does for its rules): each year's index per
        spec, pooled years, and the Monte Carlo's draws per window, spec, areas and
        options are computed once and reused; the rule is applied anew on each call. The
        numbers are those of a call without it.

    Returns
    -------
    YearScores
        The year's table (see :class:`YearScores`), the options and the Monte Carlo. Its
        ``score`` is the combined score over the window when the rule spans several
        mappings (``score_<year>`` columns give each year's own).

    Raises
    ------
    DataError, SpecError
        As :func:`~levekar.index.index_from_spec`.
    """
    opts = options or UncertaintyOptions(draws=0)
    window = (data if isinstance(data, list) else [data])[-rule.mappings :]
    memo = _Memo(reuse)
    spec_key = spec.model_dump_json() if reuse is not None else ""
    if rule.pools:
        window = [memo("pooled", window, lambda: pool_years(window, catalogue))]
    last = window[-1]
    indexes = [
        memo(
            ("index", spec_key),
            [d],
            lambda d=d: index_from_year(d, spec, source=f"index {d.year}"),
        )
        for d in window
    ]
    table = indexes[-1].copy()
    if len(window) > 1:
        totals = np.stack([ix["score"].to_numpy(dtype=float) for ix in indexes])
        for d, ix in zip(window, indexes, strict=True):
            table[f"score_{d.year}"] = ix["score"].to_numpy()
        for col in [c for c in table.columns if c.startswith("domain_")]:
            table[col] = np.nanmean(
                np.stack([ix[col].to_numpy(dtype=float) for ix in indexes]), axis=0
            )
        table["score"] = combine_scores(totals, rule)
        rank = rank_worst_first(table["score"].to_numpy(dtype=float)).astype(float)
        rank[np.isnan(table["score"].to_numpy(dtype=float))] = np.nan
        n = int(np.isfinite(rank).sum())
        table["rank"] = pd.array(rank, dtype="Int64")
        table["decile"] = pd.array(np.ceil(10 * rank / max(n, 1)), dtype="Int64")
    table.insert(1, "year", last.year)
    pop = table["code"].map(population).astype(float)
    table.insert(2, "population", pop.round().astype("Int64"))
    table.insert(3, "eligible", rule.eligible(pop.to_numpy(), table["code"].to_numpy()))
    table["n_worse"] = last.worse.sum(axis=1)
    table["n_indicators"] = (~np.isnan(last.value)).sum(axis=1)
    table["selected"] = rule.choose(
        table["score"].to_numpy(dtype=float),
        eligible=table["eligible"].to_numpy(),
        n_worse=table["n_worse"].to_numpy(),
        codes=list(last.codes),
    )
    unc = None
    scored = table[table["score"].notna()]
    areas, elig = scored["code"].tolist(), scored["eligible"].to_numpy(dtype=bool)
    if opts.draws > 0 and elig.any():
        codes = list(last.codes)
        rows = np.array([codes.index(a) for a in areas], dtype=np.int64)
        # The draws depend on the areas scored, the spec and the options, not on the rule.
        key = ("draws", spec_key, tuple(areas), opts)
        if len(window) > 1:
            totals, tie_break = memo(
                key, window, lambda: _window_draws(window, rows, spec, catalogue, opts)
            )
            unc = _under_rule(
                combine_scores(totals, rule), None, tie_break, rule, areas, opts, elig
            )
        else:
            md = rule.kind == "multiple_deprivation"
            drawn = memo(
                key, window, lambda: _year_draws(last, rows, spec, catalogue, opts, worse=md)
            )
            if md and drawn[1] is None:  # drawn for a rule that did not count "worse"
                drawn = memo.put(
                    key, window, _year_draws(last, rows, spec, catalogue, opts, worse=True)
                )
            unc = _under_rule(*drawn, rule, areas, opts, elig)
        table = table.merge(unc.summary, on="code", how="left")
        table["p_selected"] = table["p_selected"].fillna(0.0)
        table["p_top_k"] = table["p_top_k"].fillna(0.0)
    return YearScores(year=last.year, table=table, options=opts, uncertainty=unc)


class _Memo:
    """What :func:`score_year` reuses across calls: keyed by the ``YearData`` objects' ids.

    The dict holds the objects themselves beside each value, so an id is never that of
    an object gone and replaced. Without a dict nothing is kept.
    """

    def __init__(self, store: dict | None) -> None:
        self.store = store

    def __call__(self, what, datas: list[YearData], compute):
        if self.store is None:
            return compute()
        key = (what, tuple(id(d) for d in datas))
        if key not in self.store:
            self.store[key] = (list(datas), compute())
        return self.store[key][1]

    def put(self, what, datas: list[YearData], value):
        if self.store is not None:
            self.store[(what, tuple(id(d) for d in datas))] = (list(datas), value)
        return value


def combine_scores(totals: np.ndarray, rule: SelectionRule) -> np.ndarray:
    """Combine the years' index scores into the rule's score (the one place this is done).

    Parameters
    ----------
    totals : numpy.ndarray
        Shape ``(years, ..., areas)``: each year's index score (higher = worse), oldest
        first; leading axes after the first (Monte Carlo draws) are carried through.
    rule : SelectionRule
        ``combine`` (mean of scores, or minus the mean of ranks, so that higher is still
        worse) and ``trend_weight`` (× the fitted change over the window).

    Returns
    -------
    numpy.ndarray
        Shape ``totals.shape[1:]``; NaN for an area with no score in any year.
    """
    t = np.asarray(totals, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an area with no score at all
        if rule.combine == "mean_rank":
            ranks = np.stack([rank_worst_first(x) for x in t]).astype(float)
            ranks[np.isnan(t)] = np.nan
            out = -np.nanmean(ranks, axis=0)
        else:
            out = np.nanmean(t, axis=0)
        if rule.trend_weight and len(t) > 1:
            x = np.arange(len(t), dtype=float)
            x = (x - x.mean())[(slice(None),) + (None,) * (t.ndim - 1)]
            centred = t - np.nanmean(t, axis=0)
            slope = np.nansum(x * centred, axis=0) / np.nansum(
                np.where(np.isnan(t), 0, x**2), axis=0
            )
            out = out + rule.trend_weight * slope * (len(t) - 1)
    return out


def rank_uncertainty_window(
    window: list[YearData],
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    rule: SelectionRule,
    areas: list[str],
    options: UncertaintyOptions,
    eligible: np.ndarray | None = None,
) -> RankUncertainty:
    """Run the Monte Carlo of a rule over several mappings (years).

    Each draw re-samples every year's counts (the years' sampling errors are
    independent) and draws the weights, the method and the indicator left out once,
    shared by the years of the draw; the years' index scores are combined by
    :func:`combine_scores` and the rule applied to the result.

    Parameters
    ----------
    window : list of YearData
        The years, oldest first, with the same areas and indicators.
    spec : IndexSpec
        The index specification.
    catalogue : Catalogue
        Indicator definitions.
    rule : SelectionRule
        The rule (an index rule: multiple deprivation pools the years instead).
    areas : list of str
        The areas to rank (those with a score).
    options : UncertaintyOptions
        The sources and the number of draws.
    eligible : numpy.ndarray of bool, optional
        Which of ``areas`` the rule may choose (default all); as in
        :func:`rank_uncertainty`.

    Returns
    -------
    RankUncertainty
        As :func:`rank_uncertainty`, for the combined score.
    """
    codes = list(window[-1].codes)
    rows = np.array([codes.index(a) for a in areas], dtype=np.int64)
    totals, tie_break = _window_draws(window, rows, spec, catalogue, options)
    combined = combine_scores(totals, rule)
    return _under_rule(combined, None, tie_break, rule, areas, options, eligible)


def _window_draws(
    window: list[YearData],
    rows: np.ndarray,
    spec: IndexSpec,
    catalogue: Catalogue,
    options: UncertaintyOptions,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the Monte Carlo of several years: each year's index per draw, and the tie-break.

    Returns ``(totals (years, draws, areas), tie_break (draws, areas))``; the rule
    combines the years (:func:`combine_scores`) and chooses.
    """
    rng = np.random.default_rng(options.seed)
    draws = options.draws
    weights = _draw_weights(spec, draws, rng, options.weight_concentration, options.leave_one_out)
    variants = _method_specs(spec, options.methods)
    pick = rng.integers(0, len(variants), size=draws) if variants else None
    totals = []
    for d in window:
        total = np.empty((draws, len(rows)))
        for a, b, values in _value_blocks(d, rows, spec, catalogue, draws, rng, options.sampling):
            w = None if weights is None else weights[a:b]
            total[a:b] = _scores(values, spec, w, variants, None if pick is None else pick[a:b])
        totals.append(total)
    tie_break = rng.random(totals[0].shape if totals else (draws, len(rows)))
    return np.stack(totals), tie_break


def uncertainty_sources(
    data: YearData,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    rule: SelectionRule,
    areas: list[str],
    options: UncertaintyOptions,
) -> pd.DataFrame:
    """Find which source of uncertainty moves the ranks most (one source at a time).

    Each source the options vary is run alone (the others held at their point
    values) and the variance of each area's rank is taken; ``share_<source>`` is
    that variance over the sum across sources (a first-order screening rather than
    full Sobol indices). ``main_source`` names the largest.

    Parameters
    ----------
    data : YearData
        The year's data, indicators in the spec's order.
    spec : IndexSpec
        The index specification.
    catalogue : Catalogue
        Indicator definitions.
    rule : SelectionRule
        The selection rule.
    areas : list of str
        The areas to rank (those with a score).
    options : UncertaintyOptions
        The sources to screen (each run alone, with ``options.draws`` draws and its own
        seed derived from ``options.seed``). It must vary at least one source: with none,
        pandas raises a ValueError.

    Returns
    -------
    pandas.DataFrame
        One row per area: ``code``, ``var_<source>`` (variance of the rank),
        ``share_<source>`` (NaN when no source moves the rank) and ``main_source`` (""
        then).
    """
    out = pd.DataFrame({"code": areas})
    for k, src in enumerate(SOURCES):
        if src not in options.sources:
            continue
        one = replace(options.only(src), seed=options.seed + 101 * (k + 1))
        u = rank_uncertainty(data, spec, catalogue, rule=rule, areas=areas, options=one)
        out[f"var_{src}"] = u.ranks.var(axis=0)
    var_cols = [c for c in out.columns if c.startswith("var_")]
    total = out[var_cols].sum(axis=1)
    for c in var_cols:
        out["share_" + c[4:]] = np.where(total > 0, out[c] / total.where(total > 0, 1), np.nan)
    out["main_source"] = np.where(total > 0, out[var_cols].idxmax(axis=1).str[4:], "")
    return out
