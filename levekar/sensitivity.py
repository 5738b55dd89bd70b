"""Variance-based (Sobol') sensitivity of the index ranks: first-order and total indices.

The estimator is the pick-freeze ("radial") scheme of Saltelli et al. (2010). Two
independent sets of ``N`` realisations of the uncertain factors, ``A`` and ``B``, are
drawn; for each factor (or group of factors) ``i`` a third set ``AB_i`` takes factor
``i`` from ``B`` and every other factor from ``A``. With model outputs ``y_A``, ``y_B``
and ``y_ABi`` (centred on their overall mean) and ``V`` the variance of ``y_A`` and
``y_B`` together,

* first order (Saltelli 2010):  ``S1_i = mean(y_B * (y_ABi - y_A)) / V``
* total (Jansen 1999):          ``ST_i = mean((y_A - y_ABi) ** 2) / (2 V)``

``S1_i`` is the share of the output variance that factor ``i`` explains alone; ``ST_i``
the share it explains with all its interactions, so ``ST_i - S1_i`` is the part that
only shows in combination with other factors. The cost is ``N * (g + 2)`` model
evaluations for ``g`` factors (groups). Confidence intervals are percentile intervals
from a bootstrap over the ``N`` rows (``A``, ``B`` and every ``AB_i`` row resampled
together). The estimates match SALib's ``sobol.analyze`` on the same samples.

For levekar the factors are *groups*: ``sampling`` (every area's re-drawn counts),
``weights`` (one Dirichlet draw of all indicator weights), ``method`` (one
normalisation/aggregation pair) and ``indicator_set`` (which indicator is left out).
A group needs no distribution in closed form: a *sampler* draws ``2N`` realisations
(count arrays, weight vectors, integer choices or random seeds), the first ``N`` make
``A`` and the last ``N`` make ``B``, and each run picks its realisations by index.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .catalogue import Catalogue
    from .index import IndexSpec
    from .indicators import YearData
    from .uncertainty import UncertaintyOptions

__all__ = [
    "GROUPS",
    "SobolResult",
    "group_sobol",
    "index_scorer",
    "index_sobol",
    "rank_sobol",
    "saltelli_matrices",
    "sobol_indices",
    "sobol_of_function",
]

#: The levekar factor groups, in the order results are reported.
GROUPS = ("sampling", "weights", "method", "indicator_set")

#: The scorer argument each group's realisations are passed as.
_SCORER_ARGS = {
    "sampling": "values",
    "weights": "weights",
    "method": "method_index",
    "indicator_set": "drop_index",
}

Sampler = Callable[[int, np.random.Generator], np.ndarray]


@dataclass(frozen=True)
class SobolResult:
    """First-order and total Sobol indices per factor (group) and output.

    ``s1`` and ``st`` (and their interval bounds) have shape ``(groups, *outputs)``;
    ``variance`` and ``mean`` have the output shape. An output that is constant over
    the ``2N`` base runs (``A`` and ``B``) has ``variance`` 0 and NaN indices: there is
    no variance to apportion.

    Attributes
    ----------
    groups : tuple of str
        Names of the factors (groups), in the order of the first axis.
    s1, st : numpy.ndarray
        First-order (Saltelli 2010) and total (Jansen) indices, shape ``(groups, *outputs)``.
    s1_low, s1_high, st_low, st_high : numpy.ndarray
        Percentile bootstrap bounds of ``s1`` and ``st``; NaN without resamples.
    mean : numpy.ndarray
        Mean output over the ``2N`` base runs, shape ``outputs``.
    variance : numpy.ndarray
        Output variance over the base runs (after centring), shape ``outputs``.
    n : int
        Rows ``N`` of each base set.
    evaluations : int
        Model evaluations, ``N * (g + 2)``.
    confidence : float
        Coverage of the intervals.
    """

    groups: tuple[str, ...]
    s1: np.ndarray
    st: np.ndarray
    s1_low: np.ndarray
    s1_high: np.ndarray
    st_low: np.ndarray
    st_high: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    n: int
    evaluations: int
    confidence: float

    def to_frame(self, outputs: Sequence | None = None, *, name: str = "output") -> pd.DataFrame:
        """Return a tidy table: one row per output and group (e.g. one per area and group).

        Parameters
        ----------
        outputs : sequence, optional
            Labels of the outputs (flattened), e.g. area codes; default 0, 1, ….
        name : str, default "output"
            Name of the label column.

        Returns
        -------
        pandas.DataFrame
            Columns ``<name>, group, s1, s1_low, s1_high, st, st_low, st_high,
            interaction, mean, variance`` where ``interaction = st - s1``; rows grouped
            by group, outputs in order within each.

        Raises
        ------
        ValueError
            If the number of labels differs from the number of outputs.
        """
        s1 = self.s1.reshape(len(self.groups), -1)
        m = s1.shape[1]
        outputs = np.arange(m) if outputs is None else np.asarray(outputs)
        if len(outputs) != m:
            raise ValueError(f"{len(outputs)} output labels for {m} outputs.")
        cols = {name: np.tile(outputs, len(self.groups)), "group": np.repeat(self.groups, m)}
        for field in ("s1", "s1_low", "s1_high", "st", "st_low", "st_high"):
            cols[field] = getattr(self, field).reshape(-1)
        cols["interaction"] = cols["st"] - cols["s1"]
        cols["mean"] = np.tile(self.mean.reshape(-1), len(self.groups))
        cols["variance"] = np.tile(self.variance.reshape(-1), len(self.groups))
        return pd.DataFrame(cols)


def _estimate(
    y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Estimate S1 and ST from centred outputs.

    ``axis`` is the row axis of ``y_a`` (``y_ab`` has the group axis in front). An
    output with no variance over ``A`` and ``B`` gets NaN.
    """
    both = np.concatenate([y_a, y_b], axis=axis)
    var = both.var(axis=axis)
    ok = np.ptp(both, axis=axis) > 0  # exact: a constant output has no variance to share
    den = np.where(ok, var, 1.0)
    s1 = np.mean(y_b[None] * (y_ab - y_a[None]), axis=axis + 1) / den
    st = 0.5 * np.mean((y_a[None] - y_ab) ** 2, axis=axis + 1) / den
    return np.where(ok, s1, np.nan), np.where(ok, st, np.nan)


def sobol_indices(
    y_a: np.ndarray,
    y_b: np.ndarray,
    y_ab: np.ndarray,
    *,
    groups: Sequence[str] | None = None,
    resamples: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
) -> SobolResult:
    """Estimate first-order and total Sobol indices from pick-freeze model outputs.

    Parameters
    ----------
    y_a, y_b : array_like
        Outputs on the base sets ``A`` and ``B``, shape ``(N, *outputs)``.
    y_ab : array_like
        Outputs on ``AB_i`` (factor ``i`` from ``B``, the rest from ``A``), shape
        ``(g, N, *outputs)``.
    groups : sequence of str, optional
        Names of the ``g`` factors (default ``x0, x1, ...``).
    resamples : int, default 200
        Bootstrap resamples of the ``N`` rows for the intervals (0: no intervals, NaN).
    confidence : float, default 0.95
        Coverage of the percentile intervals, in (0, 1).
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    SobolResult
        ``s1`` (Saltelli 2010) and ``st`` (Jansen) with percentile bootstrap intervals.

    Raises
    ------
    ValueError
        If the shapes do not fit, ``confidence`` is outside (0, 1), or the number of
        names differs from ``g``.

    Examples
    --------
    An additive model ``y = x0 + 2 x1`` with independent uniform factors has
    ``S1 = ST = (0.2, 0.8)``:

    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.random((4096, 2)), rng.random((4096, 2))
    >>> f = lambda x: x[:, 0] + 2 * x[:, 1]
    >>> ab = np.stack([np.where(np.arange(2) == i, b, a) for i in range(2)])
    >>> res = sobol_indices(f(a), f(b), np.stack([f(m) for m in ab]), resamples=0)
    >>> np.round(res.s1, 1), np.round(res.st, 1)
    (array([0.2, 0.8]), array([0.2, 0.8]))
    """
    y_a, y_b, y_ab = (np.asarray(y, dtype=float) for y in (y_a, y_b, y_ab))
    if y_a.shape != y_b.shape or y_ab.shape[1:] != y_a.shape or y_ab.ndim != y_a.ndim + 1:
        raise ValueError(
            f"y_a {y_a.shape}, y_b {y_b.shape} and y_ab {y_ab.shape} must be "
            "(N, ...), (N, ...) and (g, N, ...)."
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}.")
    g, n = y_ab.shape[:2]
    names = tuple(groups) if groups is not None else tuple(f"x{i}" for i in range(g))
    if len(names) != g:
        raise ValueError(f"{len(names)} group names for {g} groups.")
    # Centre on the mean of every evaluation (as SALib does): the first-order estimator is
    # not shift-invariant, and centring lowers its variance.
    mu = (y_a.sum(0) + y_b.sum(0) + y_ab.sum((0, 1))) / (n * (g + 2))
    y_a, y_b, y_ab = y_a - mu, y_b - mu, y_ab - mu
    s1, st = _estimate(y_a, y_b, y_ab)
    bounds = _bootstrap(y_a, y_b, y_ab, resamples, confidence, seed)
    both = np.concatenate([y_a, y_b])
    constant = np.ptp(both, axis=0) == 0
    return SobolResult(
        groups=names,
        s1=s1,
        st=st,
        s1_low=bounds[0],
        s1_high=bounds[1],
        st_low=bounds[2],
        st_high=bounds[3],
        mean=both.mean(0) + mu,
        variance=np.where(constant, 0.0, both.var(0)),
        n=n,
        evaluations=n * (g + 2),
        confidence=confidence,
    )


def _bootstrap(y_a, y_b, y_ab, resamples: int, confidence: float, seed: int) -> list[np.ndarray]:
    """Percentile bounds of S1 and ST over row resamples, in chunks to bound memory."""
    g, n = y_ab.shape[:2]
    shape = (g, *y_a.shape[1:])
    if resamples <= 0:
        return [np.full(shape, np.nan) for _ in range(4)]
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, size=(resamples, n))
    chunk = max(1, 2_000_000 // max(1, n * int(np.prod(shape))))
    s1s, sts = [], []
    for start in range(0, resamples, chunk):
        r = rows[start : start + chunk]
        s1, st = _estimate(y_a[r], y_b[r], y_ab[:, r], axis=1)  # (g, chunk, *outputs)
        s1s.append(s1)
        sts.append(st)
    s1b, stb = np.concatenate(s1s, axis=1), np.concatenate(sts, axis=1)
    q = [50 * (1 - confidence), 50 * (1 + confidence)]
    with warnings.catch_warnings():
        # constant outputs: NaN
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        return [np.nanpercentile(b, qq, axis=1) for b in (s1b, stb) for qq in q]


def saltelli_matrices(
    n: int, dims: int, *, seed: int = 0, qmc: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Draw two independent ``(n, dims)`` sets of uniform points on ``[0, 1)``: ``A`` and ``B``.

    With ``qmc`` the rows of a scrambled Sobol' sequence in ``2 dims`` dimensions are
    split into ``A`` (first ``dims`` columns) and ``B`` (the rest), as in Saltelli's
    design; ``n`` should then be a power of 2. Otherwise plain pseudo-random numbers.

    Parameters
    ----------
    n : int
        Rows of each set.
    dims : int
        Number of factors (columns).
    seed : int, default 0
        Seed of the scrambling or of the pseudo-random generator.
    qmc : bool, default True
        Use a scrambled Sobol' sequence (scipy warns when ``n`` is not a power of 2).

    Returns
    -------
    A, B : numpy.ndarray
        Two arrays of shape ``(n, dims)``.
    """
    if qmc:
        from scipy.stats import qmc as _qmc

        points = _qmc.Sobol(2 * dims, scramble=True, seed=seed).random(n)
    else:
        points = np.random.default_rng(seed).random((n, 2 * dims))
    return points[:, :dims], points[:, dims:]


def sobol_of_function(
    func: Callable[[np.ndarray], np.ndarray],
    dims: int,
    *,
    n: int = 1024,
    groups: Mapping[str, Sequence[int]] | None = None,
    seed: int = 0,
    qmc: bool = True,
    resamples: int = 200,
    confidence: float = 0.95,
) -> SobolResult:
    """Compute Sobol indices of ``func`` over ``dims`` independent uniform ``[0, 1)`` factors.

    Parameters
    ----------
    func : callable
        Maps an ``(m, dims)`` array of points to outputs ``(m, *outputs)``; transform
        the uniforms to the factors' distributions inside it.
    dims : int
        Number of factors.
    n : int, default 1024
        Rows of ``A`` and ``B`` (a power of 2 with ``qmc``); cost ``n * (g + 2)``.
    groups : mapping of str to sequence of int, optional
        Factor groups by name, as lists of column indices (default: one per column).
    seed : int, default 0
        Seed of the points and of the bootstrap.
    qmc : bool, default True
        See :func:`saltelli_matrices`.
    resamples : int, default 200
        See :func:`sobol_indices`.
    confidence : float, default 0.95
        See :func:`sobol_indices`.

    Returns
    -------
    SobolResult
        One index per group, in the order of ``groups``.

    Examples
    --------
    >>> res = sobol_of_function(lambda x: x[:, 0] + 2 * x[:, 1], 2, n=1024, resamples=0)
    >>> np.round(res.s1, 2), res.evaluations
    (array([0.2, 0.8]), 4096)
    """
    groups = groups or {f"x{i}": [i] for i in range(dims)}
    a, b = saltelli_matrices(n, dims, seed=seed, qmc=qmc)
    ab = []
    for cols in groups.values():
        m = a.copy()
        m[:, list(cols)] = b[:, list(cols)]
        ab.append(func(m))
    return sobol_indices(
        func(a),
        func(b),
        np.stack(ab),
        groups=list(groups),
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )


def _group_rng(seed: int, name: str) -> np.random.Generator:
    """Return a generator per group, stable when other groups are added or removed."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def group_sobol(
    samplers: Mapping[str, Sampler],
    model: Callable[[dict[str, np.ndarray]], np.ndarray],
    *,
    n: int = 1024,
    seed: int = 0,
    resamples: int = 200,
    confidence: float = 0.95,
) -> SobolResult:
    """Compute Sobol indices of groups of factors, each drawn by its own sampler.

    Parameters
    ----------
    samplers : mapping of str to callable
        ``{group: sampler}``; ``sampler(m, rng)`` returns ``m`` independent realisations
        of the group with a leading axis ``m`` (arrays of counts, weight vectors, integer
        choices, or seeds that the model expands). Each is called once with ``m = 2n``
        and its own generator; rows ``0..n-1`` make ``A`` and rows ``n..2n-1`` make ``B``.
    model : callable
        Maps ``{group: realisations}`` (each with the same leading axis ``m``) to outputs
        ``(m, *outputs)``. It is called ``g + 2`` times with ``m = n``.
    n : int, default 1024
        Base sample size; the model is evaluated on ``n * (g + 2)`` realisations.
    seed : int, default 0
        Seeds the samplers (one generator per group, from ``seed`` and its name) and
        the bootstrap.
    resamples, confidence
        See :func:`sobol_indices`.

    Returns
    -------
    SobolResult
        One index per group, in the order of ``samplers``.

    Raises
    ------
    ValueError
        If there is no sampler, or a sampler returns the wrong leading axis.

    Examples
    --------
    Two groups: a seed that drives a normal draw, and an index into three choices.

    >>> samplers = {"noise": lambda m, rng: rng.integers(0, 2**31, m),
    ...             "choice": lambda m, rng: rng.integers(0, 3, m)}
    >>> def model(r):
    ...     noise = np.array([np.random.default_rng(s).normal() for s in r["noise"]])
    ...     return noise + np.array([0.0, 1.0, 2.0])[r["choice"]]
    >>> res = group_sobol(samplers, model, n=2048, resamples=0)
    >>> res.groups, res.evaluations, np.round(res.st, 1)
    (('noise', 'choice'), 8192, array([0.6, 0.4]))
    """
    if not samplers:
        raise ValueError("group_sobol needs at least one group sampler.")
    names = list(samplers)
    drawn = {g: np.asarray(samplers[g](2 * n, _group_rng(seed, g))) for g in names}
    for g, r in drawn.items():
        if r.shape[:1] != (2 * n,):
            raise ValueError(
                f"sampler {g!r} returned leading axis {r.shape[:1]}, expected ({2 * n},)."
            )
    rows_a, rows_b = np.arange(n), n + np.arange(n)

    def run(from_b: str | None, *, all_b: bool = False) -> np.ndarray:
        picks = {g: drawn[g][rows_b if all_b or g == from_b else rows_a] for g in names}
        return np.asarray(model(picks), dtype=float)

    y_a, y_b = run(None), run(None, all_b=True)
    y_ab = np.stack([run(g) for g in names])
    return sobol_indices(
        y_a, y_b, y_ab, groups=names, resamples=resamples, confidence=confidence, seed=seed
    )


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = highest score; ties share their average rank, NaN last."""
    # pandas' rank (as the index ranks), not scipy.stats.rankdata: importing scipy.stats
    # costs about a second, and the average ranks are the same numbers.
    from .index import _rank_last_axis

    ranks = _rank_last_axis(-np.where(np.isnan(scores), -np.inf, scores), method="average")
    return np.ascontiguousarray(ranks)  # as scipy's: the means over draws sum in its order


def rank_sobol(
    scorer: Callable[..., np.ndarray],
    samplers: Mapping[str, Sampler],
    *,
    areas: Sequence[str],
    output: str = "rank",
    k: int = 3,
    n: int = 1024,
    seed: int = 0,
    resamples: int = 200,
    confidence: float = 0.90,
) -> pd.DataFrame:
    """Compute per-area Sobol indices of the rank (or of being in the top ``k``) by group.

    Parameters
    ----------
    scorer : callable
        ``scorer(values, weights, method_index, drop_index) -> scores (m, areas)``; each
        argument receives the realisations of its group (``sampling`` → ``values``,
        ``weights`` → ``weights``, ``method`` → ``method_index``, ``indicator_set`` →
        ``drop_index``) or ``None`` for a group that is held at its point value.
        Higher score = more deprived = rank 1.
    samplers : mapping of str to callable
        ``{group: sampler}`` for the groups that vary, a subset of :data:`GROUPS`;
        see :func:`group_sobol`. Results follow the order of :data:`GROUPS`.
    areas : sequence of str
        Area codes, in the scorer's area order.
    output : {"rank", "top_k"}, default "rank"
        ``"rank"`` (1 = most deprived; ties share their average rank) or ``"top_k"``
        (1 if the rank is at most ``k``, else 0: the indices then apportion the variance
        of P(among the k worst)).
    k : int, default 3
        Size of the top for ``output="top_k"``.
    n : int, default 1024
        Base sample size.
    seed : int, default 0
        Seed of the samplers and the bootstrap.
    resamples : int, default 200
        Bootstrap resamples.
    confidence : float, default 0.90
        Coverage of the intervals. See :func:`group_sobol`; the scorer is called
        ``g + 2`` times on ``n`` draws.

    Returns
    -------
    pandas.DataFrame
        One row per area and group: ``code, group, s1, s1_low, s1_high, st, st_low,
        st_high, interaction, mean, variance`` (``mean`` is the mean rank or P(top k)
        over the base runs). An area whose output never varies (always ranked first,
        say) has ``variance`` 0 and NaN indices. ``attrs`` holds ``n``,
        ``evaluations``, ``output`` and ``k``.

    Raises
    ------
    ValueError
        If a group is not in :data:`GROUPS`, ``output`` is unknown, or the scorer
        returns the wrong number of areas.
    """
    unknown = sorted(set(samplers) - set(GROUPS))
    if unknown:
        raise ValueError(f"unknown factor group(s) {unknown}; expected some of {list(GROUPS)}.")
    if output not in ("rank", "top_k"):
        raise ValueError(f"output must be 'rank' or 'top_k', got {output!r}.")
    ordered = {g: samplers[g] for g in GROUPS if g in samplers}

    def model(real: dict[str, np.ndarray]) -> np.ndarray:
        scores = np.asarray(scorer(**{_SCORER_ARGS[g]: real.get(g) for g in GROUPS}), dtype=float)
        if scores.shape[-1] != len(areas):
            raise ValueError(f"scorer returned {scores.shape[-1]} areas, expected {len(areas)}.")
        ranks = _ranks(scores)
        return ranks if output == "rank" else (ranks <= k).astype(float)

    res = group_sobol(ordered, model, n=n, seed=seed, resamples=resamples, confidence=confidence)
    table = res.to_frame(list(areas), name="code")
    table.attrs.update(n=res.n, evaluations=res.evaluations, output=output, k=k)
    return table


def index_scorer(
    spec: IndexSpec, *, observed: np.ndarray, methods: Sequence[str] | None = None
) -> Callable[..., np.ndarray]:
    """Build a scorer for :func:`rank_sobol` that recomputes the levekar index.

    Parameters
    ----------
    spec : IndexSpec
        The :class:`levekar.index.IndexSpec`.
    observed : numpy.ndarray
        Point values ``(areas, indicators)`` in the spec's order, used when the
        ``sampling`` group is held fixed.
    methods : sequence of str, optional
        Normalisation/aggregation pairs (``"rank/weighted_mean"``) that ``method_index``
        points into; ``None``: the spec's own method.

    Returns
    -------
    callable
        ``scorer(values, weights, method_index, drop_index)``: missing ``weights`` are
        the spec's (normalised); a ``drop_index`` sets that indicator's weight to 0, as
        :mod:`levekar.uncertainty` does for leave-one-out.
    """
    from .index import scores_from_array
    from .uncertainty import _method_specs

    variants = _method_specs(spec, list(methods)) if methods else [spec]
    base = np.array([i.weight for i in spec.indicators], dtype=float)
    base = base / base.sum()
    observed = np.asarray(observed, dtype=float)

    def scorer(values=None, weights=None, method_index=None, drop_index=None) -> np.ndarray:
        m = next(len(x) for x in (values, weights, method_index, drop_index) if x is not None)
        vals = np.broadcast_to(observed, (m, *observed.shape)) if values is None else values
        w = np.repeat(base[None], m, 0) if weights is None else np.array(weights, dtype=float)
        if drop_index is not None:
            w[np.arange(m), np.asarray(drop_index)] = 0.0
        pick = np.zeros(m, dtype=int) if method_index is None else np.asarray(method_index)
        out = np.full((m, observed.shape[0]), np.nan)
        for j, variant in enumerate(variants):
            sel = pick == j
            if sel.any():
                out[sel] = scores_from_array(vals[sel], variant, weights=w[sel][:, None, :])[1]
        return out

    return scorer


def index_sobol(
    data: YearData,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    areas: list[str],
    options: UncertaintyOptions,
    output: str = "rank",
    k: int = 3,
    n: int = 1024,
    seed: int | None = None,
    resamples: int = 200,
    confidence: float = 0.90,
) -> pd.DataFrame:
    """Compute Sobol indices of each area's rank over the sources of the run's Monte Carlo.

    The sources are those of :func:`levekar.uncertainty.score_year`.

    The groups and their draws are those of the run's Monte Carlo with the same
    options: ``sampling`` re-samples the counts (binomial/Poisson, suppressed parts
    within their bounds), ``weights`` is a Dirichlet draw with concentration
    ``options.weight_concentration``, ``method`` a uniform choice among
    ``options.methods``, and ``indicator_set`` a uniform choice of one indicator to
    leave out (:func:`levekar.uncertainty.droppable_indicators`). A source that is
    switched off is held at its point value and is not a group. The index is
    recomputed ``n * (g + 2)`` times.

    Parameters
    ----------
    data : YearData
        One year's data (:func:`levekar.indicators.year_data`).
    spec : IndexSpec
        The index specification.
    catalogue : Catalogue
        The indicator catalogue (the kind decides the sampling model).
    areas : list of str
        The areas to rank (codes of ``data``).
    options : UncertaintyOptions
        Which groups vary (:class:`levekar.uncertainty.UncertaintyOptions`); ``draws``
        is not used.
    output, k, n, resamples, confidence
        See :func:`rank_sobol` (``output`` default "rank", ``k`` 3, ``n`` 1024,
        ``resamples`` 200, ``confidence`` 0.90).
    seed : int, optional
        Default: ``options.seed``.

    Returns
    -------
    pandas.DataFrame
        As :func:`rank_sobol`.

    Raises
    ------
    ValueError
        If no source of uncertainty is switched on (or leave-one-out has nothing to
        drop and nothing else varies), and as :func:`rank_sobol`.
    """
    from .uncertainty import _draw_values, _draw_weights, droppable_indicators

    codes = list(data.codes)
    rows = np.array([codes.index(a) for a in areas], dtype=np.int64)
    methods = list(options.methods)
    samplers: dict[str, Sampler] = {}
    if options.sampling:
        samplers["sampling"] = lambda m, rng: _draw_values(data, rows, spec, catalogue, m, rng)
    if options.weight_concentration is not None:
        samplers["weights"] = lambda m, rng: _draw_weights(
            spec, m, rng, options.weight_concentration, False
        )[:, 0, :]
    if methods:
        samplers["method"] = lambda m, rng: rng.integers(0, len(methods), size=m)
    if options.leave_one_out:
        can = droppable_indicators(spec)
        if can.size:
            samplers["indicator_set"] = lambda m, rng: rng.choice(can, size=m)
    if not samplers:
        raise ValueError("index_sobol needs at least one source of uncertainty switched on.")
    scorer = index_scorer(spec, observed=data.value[rows], methods=methods)
    return rank_sobol(
        scorer,
        samplers,
        areas=areas,
        output=output,
        k=k,
        n=n,
        seed=options.seed if seed is None else seed,
        resamples=resamples,
        confidence=confidence,
    )
