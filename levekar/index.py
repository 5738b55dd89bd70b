"""Composite index: normalise → weight → aggregate (indicators → domains → total).

The specification is a documented TOML contract (see ``docs/index-spec.md``)::

    [index]
    id = "code"
    normalisation = "exponential"
    aggregation = "weighted_sum"

    [[index.indicators]]
    column = "income_rank"
    higher_is_worse = false
    weight = 0.225

Every normalisation turns an indicator into a score where **higher means more
deprived**; ranks are 1 = most deprived. Ties in rank-based normalisations get
the average of the ranks they span (``method="average"``), so equal inputs give
equal scores and row order never matters.
"""

from __future__ import annotations

import math
import tomllib
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import DataError, SpecError

__all__ = [
    "AGGREGATIONS",
    "NORMALISATIONS",
    "IndexSpec",
    "IndicatorSpec",
    "aggregate_array",
    "exponential_transform",
    "index_from_spec",
    "index_from_year",
    "index_spec_for",
    "load_index_spec",
    "normalise",
    "normalise_array",
    "rank_worst_first",
    "scores_from_array",
]

Normalisation = Literal[
    "z",
    "minmax",
    "rank",
    "percentile",
    "decile",
    "score10",
    "distance_to_reference",
    "exponential",
    "none",
]
Aggregation = Literal["weighted_sum", "weighted_mean", "geometric", "rank_sum"]
NORMALISATIONS = Normalisation.__args__
AGGREGATIONS = Aggregation.__args__


class IndicatorSpec(BaseModel):
    """One indicator of an index (an ``[[index.indicators]]`` table).

    Attributes
    ----------
    column : str
        The column of the input table holding the indicator's values.
    higher_is_worse : bool, default True
        Whether a higher value means more deprived; when False the values are turned
        round before normalisation.
    weight : float, default 1.0
        The indicator's weight (≥ 0); within a domain, weights are rescaled to sum to 1.
    domain : str, optional
        The domain the indicator belongs to; needed for every indicator when the spec
        has ``domains``.
    reference : float, optional
        The reference value for ``distance_to_reference`` with ``reference = "given"``.
    label : str, optional
        A label for display.
    """

    model_config = ConfigDict(extra="forbid")

    column: str
    higher_is_worse: bool = True
    weight: float = Field(default=1.0, ge=0)
    domain: str | None = None
    reference: float | None = None
    label: str | None = None


class DomainStep(BaseModel):
    """How domain scores are combined into the total (e.g. the English IoD's exponential step).

    Attributes
    ----------
    normalisation : str, default "none"
        Normalisation of each domain score over the areas (one of :data:`NORMALISATIONS`).
    aggregation : str, default "weighted_mean"
        How the normalised domain scores are combined (one of :data:`AGGREGATIONS`).
    weights : dict of str to float, default {}
        Weight per domain. Empty means every domain weighs 1; a domain left out of a
        non-empty table weighs 0. With ``weighted_sum``, weights not summing to 1 are
        rescaled when the table is empty or the spec has ``rescale_weights``.
    """

    model_config = ConfigDict(extra="forbid")

    normalisation: Normalisation = "none"
    aggregation: Aggregation = "weighted_mean"
    weights: dict[str, float] = Field(default_factory=dict)


class IndexSpec(BaseModel):
    """A composite index specification (the ``[index]`` table, validated).

    Attributes
    ----------
    id : str, default "code"
        The column of the input table identifying the areas.
    name : str, optional
        A name for display.
    normalisation : str, default "z"
        How each indicator is normalised over the areas (one of :data:`NORMALISATIONS`).
    aggregation : str, default "weighted_mean"
        How normalised indicators are combined (one of :data:`AGGREGATIONS`); within
        each domain when ``domains`` is given.
    missing : {"error", "reweight"}, default "error"
        What a missing value does: raise a :class:`~levekar.errors.DataError`, or let
        each area use the indicators it has, weights rescaled.
    rescale_weights : bool, default False
        Rescale weights that do not sum to 1 under ``weighted_sum`` instead of warning.
    reference : {"mean", "median", "given"}, default "mean"
        The reference of ``distance_to_reference``: the areas' mean or median, or each
        indicator's own ``reference``.
    indicators : list of IndicatorSpec
        The indicators, at least one; columns must be unique and weights not all 0.
    domains : DomainStep, optional
        The step from domain scores to the total; None for a single level.
    """

    model_config = ConfigDict(extra="forbid")

    id: str = "code"
    name: str | None = None
    normalisation: Normalisation = "z"
    aggregation: Aggregation = "weighted_mean"
    missing: Literal["error", "reweight"] = "error"
    rescale_weights: bool = False
    reference: Literal["mean", "median", "given"] = "mean"
    indicators: list[IndicatorSpec] = Field(min_length=1)
    domains: DomainStep | None = None

    @model_validator(mode="after")
    def _check(self) -> IndexSpec:
        cols = [i.column for i in self.indicators]
        dup = sorted({c for c in cols if cols.count(c) > 1})
        if dup:
            raise ValueError(f"indicator column(s) listed twice: {dup}")
        if sum(i.weight for i in self.indicators) <= 0:
            raise ValueError("all indicator weights are 0")
        has_domain = [i.domain is not None for i in self.indicators]
        if self.domains is not None and not all(has_domain):
            missing = [i.column for i in self.indicators if i.domain is None]
            raise ValueError(
                "[index.domains] is given, so every indicator needs a domain; "
                f"missing for {missing}"
            )
        if self.domains is not None:
            unknown = sorted(set(self.domains.weights) - {i.domain for i in self.indicators})
            if unknown:
                raise ValueError(f"domain weight(s) for domain(s) with no indicator: {unknown}")
        if self.reference == "given":
            nogiven = [i.column for i in self.indicators if i.reference is None]
            if nogiven and self.normalisation == "distance_to_reference":
                raise ValueError(f"reference = 'given' needs a reference value for {nogiven}")
        return self


def _format_validation(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    where = f"index.{loc}" if loc else "index"
    got = err.get("input")
    got_text = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{source}: {where}: {err['msg']}{got_text}"


def load_index_spec(spec: str | Path | dict, *, source: str | None = None) -> IndexSpec:
    """Read an index specification from a TOML file or a dict (the ``[index]`` table).

    Parameters
    ----------
    spec : str, pathlib.Path or dict
        A path to a TOML file with an ``[index]`` table, or the table's contents as a
        dict. A string is always taken as a path, never as TOML text.
    source : str, optional
        Name used in error messages; defaults to the path, or "index specification".

    Returns
    -------
    IndexSpec
        The validated specification.

    Raises
    ------
    SpecError
        If the file is missing, is not valid TOML or has no ``[index]`` table, or the
        specification does not validate.
    """
    if isinstance(spec, dict):
        data, src = spec, source or "index specification"
    else:
        path = Path(spec)
        src = source or str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SpecError(f"{src}: file not found.") from None
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{src}: not valid TOML: {exc}.") from None
        if "index" not in data:
            raise SpecError(f"{src}: no [index] table.")
        data = data["index"]
    try:
        return IndexSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_format_validation(exc, src)) from None


def _rank_last_axis(
    x: np.ndarray, *, method: str = "average", ascending: bool = True
) -> np.ndarray:
    """Rank along the last axis (1 = lowest unless ``ascending=False``).

    Missing values stay missing.
    """
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1, x.shape[-1]) if x.ndim > 1 else x[None, :]
    ranked = pd.DataFrame(flat).rank(axis=1, method=method, ascending=ascending, na_option="keep")
    return ranked.to_numpy().reshape(x.shape)


def _deprivation_rank(o: np.ndarray) -> np.ndarray:
    """Rank along the last axis where the most deprived (highest value) gets rank N.

    Ties get the average rank; missing values stay missing.
    """
    return _rank_last_axis(o)


def exponential_transform(rank: np.ndarray | pd.Series, n) -> np.ndarray:
    """Apply the English Indices of Deprivation's exponential transformation.

    With R = rank / N (most deprived has rank N), X = −23 ln(1 − R (1 − e^(−100/23))),
    so the least deprived is near 0 and the most deprived is exactly 100.

    Parameters
    ----------
    rank : numpy.ndarray or pandas.Series
        Ranks, most deprived = N (fractional ranks of ties allowed).
    n : int or numpy.ndarray
        N, the number of ranked areas (broadcast against ``rank``).

    Returns
    -------
    numpy.ndarray
        The transformed scores, between 0 and 100.

    Examples
    --------
    >>> round(float(exponential_transform(np.array([10]), 10)[0]), 10)
    100.0
    """
    r = np.asarray(rank, dtype=float) / n
    return -23.0 * np.log(1.0 - r * (1.0 - math.exp(-100.0 / 23.0)))


def normalise_array(
    x: np.ndarray,
    method: str,
    *,
    higher_is_worse: bool = True,
    reference: float | np.ndarray | None = None,
) -> np.ndarray:
    """Normalise along the last axis (areas) so that higher means more deprived.

    ``x`` may carry leading axes (e.g. Monte Carlo draws); each slice along the last
    axis is normalised on its own. Missing values stay missing and are left out of
    every statistic.

    Parameters
    ----------
    x : numpy.ndarray
        Raw values, areas on the last axis.
    method : str
        One of :data:`NORMALISATIONS`: ``z`` (z-score, sample standard deviation; 0 when
        all equal), ``minmax`` (0–1), ``rank`` (most deprived = N, ties averaged),
        ``percentile`` (100·rank/N), ``decile`` (1–10, 10 = most deprived tenth),
        ``score10`` (1–10 in ten equal-width intervals between lowest and highest),
        ``distance_to_reference`` (x / reference − 1), ``exponential`` (see
        :func:`exponential_transform`) or ``none`` (the oriented values).
    higher_is_worse : bool, default True
        When False, values are turned round (negated) first.
    reference : float or numpy.ndarray, optional
        The reference of ``distance_to_reference``; the mean over areas when None.
        Ignored by the other methods.

    Returns
    -------
    numpy.ndarray
        Scores of the shape of ``x``, higher = more deprived.

    Raises
    ------
    SpecError
        If ``method`` is unknown, or ``distance_to_reference`` has a reference of 0.
    """
    if method not in NORMALISATIONS:
        raise SpecError(
            f"unknown normalisation {method!r}; use one of {', '.join(NORMALISATIONS)}."
        )
    x = np.asarray(x, dtype=float)
    o = x if higher_is_worse else -x
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "none":
            return o
        if method == "z":
            return _z_scores(o)
        if method in ("minmax", "score10"):
            lo = np.nanmin(o, axis=-1, keepdims=True)
            span = np.nanmax(o, axis=-1, keepdims=True) - lo
            mm = np.where(span > 0, (o - lo) / span, 0.0 * o)
            return mm if method == "minmax" else np.minimum(np.floor(1 + 9 * mm + 1e-9), 10)
        if method == "distance_to_reference":
            ref = (
                np.nanmean(x, axis=-1, keepdims=True)
                if reference is None
                else np.asarray(reference, dtype=float)
            )
            if np.any(ref == 0):
                raise SpecError("distance_to_reference needs a non-zero reference value.")
            return (x / ref - 1.0) * (1.0 if higher_is_worse else -1.0)
    n = np.sum(~np.isnan(o), axis=-1, keepdims=True)
    rank = _deprivation_rank(o)
    if method == "rank":
        return rank
    if method == "percentile":
        return 100.0 * rank / n
    if method == "decile":
        return 11 - np.ceil(10 * (n + 1 - rank) / n)
    return exponential_transform(rank, n)


def _z_scores(o: np.ndarray) -> np.ndarray:
    """z-scores along the last axis (sample standard deviation), NaN left out; 0 when all equal.

    Without a NaN, plain mean and standard deviation: the same sums in the same order as
    the nan-aware ones, without their copies and masks (the same numbers to the last bit).
    """
    if np.isnan(o).any():
        sd = np.nanstd(o, axis=-1, ddof=1, keepdims=True)
        mean = np.nanmean(o, axis=-1, keepdims=True)
    else:
        sd = np.std(o, axis=-1, ddof=1, keepdims=True)
        mean = np.mean(o, axis=-1, keepdims=True)
    z = (o - mean) / sd
    return z if (sd > 0).all() else np.where(sd > 0, z, 0.0 * o)


def normalise(
    x: pd.Series, method: str, *, higher_is_worse: bool = True, reference: float | None = None
) -> pd.Series:
    """Normalise one indicator (a Series over areas) so that higher means more deprived.

    Parameters
    ----------
    x : pandas.Series
        The indicator's values over areas; must be numeric or convertible to numbers.
    method : str
        One of :data:`NORMALISATIONS` (see :func:`normalise_array`).
    higher_is_worse : bool, default True
        When False, values are turned round first.
    reference : float, optional
        The reference of ``distance_to_reference`` (the mean when None).

    Returns
    -------
    pandas.Series
        The scores, with the index of ``x``.

    Raises
    ------
    SpecError
        If ``method`` is unknown or a reference is 0 (see :func:`normalise_array`).
    """
    values = pd.to_numeric(x, errors="raise").to_numpy(dtype=float)
    return pd.Series(
        normalise_array(values, method, higher_is_worse=higher_is_worse, reference=reference),
        index=x.index,
    )


def aggregate_array(
    scores: np.ndarray,
    weights: np.ndarray,
    method: str,
    *,
    missing: str = "error",
    names: list[str] | None = None,
) -> np.ndarray:
    """Combine scores along the last axis (indicators) with ``weights``; leading axes are kept.

    ``weights`` has the shape of the last axis, or of ``scores`` (per-draw weights).
    With missing = "reweight", each area uses the indicators it has, weights rescaled.

    Parameters
    ----------
    scores : numpy.ndarray
        Normalised scores, shape ``(..., areas, indicators)``.
    weights : numpy.ndarray
        Weights, broadcastable to ``scores``.
    method : str
        One of :data:`AGGREGATIONS`: ``weighted_mean``, ``weighted_sum`` (rescaled by
        total weight / available weight, so a missing indicator does not lower the sum),
        ``geometric`` (weighted geometric mean; scores must be positive) or ``rank_sum``
        (each indicator ranked over the areas, most deprived = N, then summed as
        ``weighted_sum``).
    missing : {"error", "reweight"}, default "error"
        What a missing score does (see above).
    names : list of str, optional
        Indicator names along the last axis, for the error message.

    Returns
    -------
    numpy.ndarray
        Aggregated scores, shape ``(..., areas)``; NaN where an area has no weighted
        indicator.

    Raises
    ------
    SpecError
        If ``method`` is unknown.
    DataError
        If a score is missing and ``missing="error"``, or ``geometric`` meets a score ≤ 0.
    """
    if method not in AGGREGATIONS:
        raise SpecError(f"unknown aggregation {method!r}; use one of {', '.join(AGGREGATIONS)}.")
    s = np.asarray(scores, dtype=float)
    w = np.broadcast_to(np.asarray(weights, dtype=float), s.shape)
    if method == "rank_sum":
        s = np.moveaxis(_rank_last_axis(np.moveaxis(s, -1, -2)), -1, -2)
    avail = ~np.isnan(s)
    complete = bool(avail.all())
    if missing == "error" and not complete:
        col = int(np.flatnonzero((~avail).reshape(-1, s.shape[-1]).any(axis=0))[0])
        name = names[col] if names else col
        raise DataError(
            f"index: indicator {name!r} has missing values; set missing = 'reweight' to use the "
            "indicators that are available for each area."
        )
    wmat = np.where(avail, w, 0.0)
    wsum = wmat.sum(axis=-1)
    values = s if complete else np.where(avail, s, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "geometric":
            if np.any(values[avail] <= 0):
                raise DataError(
                    "index: geometric aggregation needs positive scores; use minmax, percentile "
                    "or rank normalisation, or an arithmetic aggregation."
                )
            out = np.exp((wmat * np.log(np.where(avail, values, 1.0))).sum(axis=-1) / wsum)
        elif method == "weighted_mean":
            out = (wmat * values).sum(axis=-1) / wsum
        else:  # weighted_sum, rank_sum: rescaled so that a missing indicator does not lower the sum
            out = (wmat * values).sum(axis=-1) * (w.sum(axis=-1) / wsum)
    return np.where(wsum > 0, out, np.nan)


def _check_input(data: pd.DataFrame, spec: IndexSpec, source: str) -> None:
    """Refuse a table the index cannot be computed from, listing every problem at once."""
    from .findings import problems_text

    if spec.id not in data.columns:
        raise DataError(
            f"{source}: id column {spec.id!r} not found; columns are {list(data.columns)}."
        )
    missing = [i.column for i in spec.indicators if i.column not in data.columns]
    if missing:
        raise DataError(
            f"{source}: indicator column(s) {missing} not found; columns are {list(data.columns)}."
        )
    if data.empty:
        raise DataError(f"{source}: the table has a header but no rows; nothing to index.")
    problems = []
    dup = data[spec.id][data[spec.id].duplicated()]
    for value in dup.unique()[:20]:
        problems.append(f"duplicate id {value!r} in column {spec.id!r}")
    ids = data[spec.id].to_numpy()
    for ind in spec.indicators:
        col = data[ind.column]
        num = pd.to_numeric(col, errors="coerce") if not pd.api.types.is_numeric_dtype(col) else col
        bad = (num.isna() & col.notna()).to_numpy()
        inf = np.isinf(num.to_numpy(dtype=float))
        for row in np.flatnonzero(bad | inf):
            what = "is infinite" if inf[row] else "is not a number"
            v = col.iloc[row]
            shown = repr(v) if isinstance(v, str) else str(v)
            problems.append(f"column {ind.column!r}, row {row} (id {ids[row]!r}): {shown} {what}.")
    if problems:
        raise DataError(problems_text(problems, source=source))


def _weights(spec: IndexSpec, source: str, stacklevel: int = 3) -> pd.Series:
    w = pd.Series({i.column: i.weight for i in spec.indicators}, dtype=float)
    # Published weights are often rounded (the English IoD's sum to 0.999): allow 0.005.
    if (
        spec.aggregation == "weighted_sum"
        and spec.domains is None
        and not math.isclose(w.sum(), 1.0, abs_tol=5e-3)
    ):
        if spec.rescale_weights:
            return w / w.sum()
        warnings.warn(
            f"{source}: indicator weights sum to {w.sum():.6g}, not 1; scores are on that scale. "
            "Set rescale_weights = true to rescale them.",
            UserWarning,
            stacklevel=stacklevel,
        )
    return w


def _references(
    data: pd.DataFrame | None, spec: IndexSpec, values: np.ndarray
) -> list[float | None]:
    refs = []
    for k, ind in enumerate(spec.indicators):
        if spec.reference == "given":
            refs.append(ind.reference)
        elif spec.reference == "median":
            refs.append(float(np.nanmedian(values[..., k])))
        else:
            refs.append(None)
    return refs


def scores_from_array(
    values: np.ndarray,
    spec: IndexSpec,
    *,
    weights: np.ndarray | None = None,
    references: list[float | None] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Compute domain scores and the total score from raw indicator values.

    ``values`` has shape ``(..., areas, indicators)`` in the spec's indicator order;
    leading axes (Monte Carlo draws) are carried through. ``weights`` overrides the
    spec's indicator weights (same shape as the last axis, or per draw). Returns
    ``({domain: (..., areas)}, total (..., areas))``.

    Parameters
    ----------
    values : numpy.ndarray
        Raw indicator values, shape ``(..., areas, indicators)``.
    spec : IndexSpec
        The index specification: orientation, normalisation, aggregation, domains.
    weights : numpy.ndarray, optional
        Indicator weights used instead of the spec's (no rescaling to 1 is applied here;
        :func:`index_from_spec` passes them already checked).
    references : list of float or None, optional
        Per-indicator references for ``distance_to_reference``. When None, each
        indicator's given ``reference`` is used if ``spec.reference == "given"``, and the
        mean over areas otherwise (also when ``spec.reference == "median"``).

    Returns
    -------
    domains : dict of str to numpy.ndarray
        Each domain's score, shape ``(..., areas)``, in order of first appearance;
        empty when the spec has no domains.
    total : numpy.ndarray
        The total score, shape ``(..., areas)``, higher = more deprived.

    Raises
    ------
    SpecError, DataError
        As :func:`normalise_array` and :func:`aggregate_array`.
    """
    values = np.asarray(values, dtype=float)
    refs = (
        references
        if references is not None
        else [i.reference if spec.reference == "given" else None for i in spec.indicators]
    )
    norm = _normalised(values, spec, refs)
    w = (
        np.array([i.weight for i in spec.indicators], dtype=float)
        if weights is None
        else np.asarray(weights)
    )
    return _combined(norm, spec, w)


def _normalised(values: np.ndarray, spec: IndexSpec, refs: list) -> np.ndarray:
    """Normalise every indicator over the areas: ``(..., areas, indicators)``, higher = worse."""
    if spec.normalisation == "distance_to_reference":
        norm = np.stack(
            [
                normalise_array(
                    values[..., k],
                    spec.normalisation,
                    higher_is_worse=ind.higher_is_worse,
                    reference=refs[k],
                )
                for k, ind in enumerate(spec.indicators)
            ],
            axis=-1,
        )
    else:
        # Every indicator at once: orient (higher = worse), put indicators before areas,
        # normalise over areas.
        sign = np.array([1.0 if i.higher_is_worse else -1.0 for i in spec.indicators])
        oriented = np.moveaxis(values * sign, -1, -2)
        norm = np.moveaxis(normalise_array(oriented, spec.normalisation), -2, -1)
    return norm


def _combined(
    norm: np.ndarray, spec: IndexSpec, w: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Aggregate normalised indicators into domain scores and the total (as the spec says)."""
    names = [i.column for i in spec.indicators]
    if spec.domains is None:
        return {}, aggregate_array(norm, w, spec.aggregation, missing=spec.missing, names=names)
    domains = list(dict.fromkeys(i.domain for i in spec.indicators))
    dscores: dict[str, np.ndarray] = {}
    for d in domains:
        idx = [k for k, i in enumerate(spec.indicators) if i.domain == d]
        wd = w[..., idx]
        with np.errstate(invalid="ignore", divide="ignore"):
            wd = wd / wd.sum(axis=-1, keepdims=True)
        dscores[d] = aggregate_array(
            norm[..., idx],
            wd,
            spec.aggregation,
            missing=spec.missing,
            names=[names[k] for k in idx],
        )
    step = spec.domains
    dn = np.stack([normalise_array(dscores[d], step.normalisation) for d in domains], axis=-1)
    dw = _domain_weights(spec, domains)
    total = aggregate_array(dn, dw, step.aggregation, missing=spec.missing, names=domains)
    return dscores, total


def _domain_weights(spec: IndexSpec, domains: list[str]) -> np.ndarray:
    """Return the weights of the step from domain scores to the total."""
    step = spec.domains
    dw = np.array([step.weights.get(d, 0.0) if step.weights else 1.0 for d in domains], dtype=float)
    if step.aggregation == "weighted_sum" and not math.isclose(dw.sum(), 1.0, abs_tol=1e-6):
        if spec.rescale_weights or not step.weights:
            dw = dw / dw.sum()
    return dw


def _empty_as(like: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Return an empty array of ``shape`` whose axes lie in memory in the order of ``like``'s."""
    slow_first = sorted(range(like.ndim), key=lambda a: -like.strides[a])
    out = np.empty([shape[a] for a in slow_first])
    return out.transpose(np.argsort(slow_first))


class _ChangedIndex:
    """The total score of many copies of one table, each with a few cells of one area changed.

    What :func:`scores_from_array` gives on ``np.repeat(values[None], m, axis=0)`` with the
    cells (or the weights) changed, to the last bit, at a fraction of the cost: only the
    changed indicators are normalised again (over the areas), and with domains only the
    domains they (or the changed weights) belong to are aggregated again; the rest keeps
    the table's values. Every array is laid out in memory as the whole computation lays it
    out (learnt from a batch of two copies), so every sum runs in the same order. Used by
    the counterfactuals, which try thousands of single changes.

    Parameters
    ----------
    values : numpy.ndarray
        The table, ``(areas, indicators)`` in the spec's order.
    spec : IndexSpec
        The index specification.
    """

    def __init__(self, values: np.ndarray, spec: IndexSpec) -> None:
        self.values = np.ascontiguousarray(values, dtype=float)
        self.spec = spec
        self.refs = [i.reference if spec.reference == "given" else None for i in spec.indicators]
        self.sign = np.array([1.0 if i.higher_is_worse else -1.0 for i in spec.indicators])
        self.w = np.array([i.weight for i in spec.indicators], dtype=float)
        self.names = [i.column for i in spec.indicators]
        # One indicator: every change re-normalises everything; the whole computation then.
        self.whole = self.values.shape[1] < 2
        # Two copies, as a batch is laid out: the normalised table and its memory order.
        two = _normalised(np.repeat(self.values[None], 2, axis=0), spec, self.refs)
        self.layout = two
        self.norm = np.array(two[0])
        if spec.domains is None:
            return
        self.domains = list(dict.fromkeys(i.domain for i in spec.indicators))
        self.idx = {
            d: np.array([k for k, i in enumerate(spec.indicators) if i.domain == d])
            for d in self.domains
        }
        self.sub_layout = {d: two[..., list(self.idx[d])] for d in self.domains}
        # Each domain's normalised score, with the weights given as the values' trials give
        # them (one vector) and as the weight trials do (one per copy): numpy may lay the
        # results out differently, and the order of the sums over the areas with them.
        step = spec.domains.normalisation
        self.dnorm = {}
        for shared, w in ((True, self.w), (False, np.repeat(self.w[None, None, :], 2, axis=0))):
            dscores, _ = _combined(two, spec, w)
            self.dnorm[shared] = {d: normalise_array(dscores[d], step)[0] for d in self.domains}
        self.dw = _domain_weights(spec, self.domains)

    def _batch(self, m: int) -> np.ndarray:
        out = _empty_as(self.layout, (m, *self.norm.shape))
        out[...] = self.norm
        return out

    def totals(self, area: int, columns: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Return the total scores ``(m, areas)`` with ``values[area, columns[i, q]] = new[i, q]``.

        Parameters
        ----------
        area : int
            The row of the area whose cells change.
        columns : numpy.ndarray of int
            Shape ``(m, c)``: the indicators changed in each copy (distinct within a row).
        new : numpy.ndarray
            Shape ``(m, c)``: their new values.

        Returns
        -------
        numpy.ndarray
            The total scores.
        """
        columns = np.asarray(columns, dtype=np.int64)
        new = np.asarray(new, dtype=float)
        m, c = columns.shape
        if self.whole or m == 1:  # one copy is laid out unlike a batch: compute it whole
            batch = np.repeat(self.values[None], m, axis=0)
            batch[np.repeat(np.arange(m), c), area, columns.ravel()] = new.ravel()
            return scores_from_array(batch, self.spec)[1]
        cols = columns.ravel()
        # Each changed indicator's values over the areas, one row per change.
        changed = self.values[:, cols].T.copy()
        changed[:, area] = new.ravel()
        method = self.spec.normalisation
        if method == "distance_to_reference":
            renorm = np.empty_like(changed)
            for j in np.unique(cols):
                at = cols == j
                renorm[at] = normalise_array(
                    changed[at],
                    method,
                    higher_is_worse=self.spec.indicators[j].higher_is_worse,
                    reference=self.refs[j],
                )
        else:
            # Laid out as in the whole computation (indicators fastest in memory, so that
            # each indicator's sums over the areas run area by area): a second, unused
            # indicator keeps that layout.
            pair = np.empty((len(cols), changed.shape[1], 2))
            pair[..., 0] = pair[..., 1] = changed * self.sign[cols][:, None]
            renorm = normalise_array(np.moveaxis(pair, -1, -2), method)[:, 0, :]
        if self.spec.domains is None:
            norm = self._batch(m)
            norm[np.repeat(np.arange(m), c), :, cols] = renorm
            return _combined(norm, self.spec, self.w)[1]
        return self._by_domain(m, columns, renorm.reshape(m, c, -1), None)

    def totals_weighted(self, weights: np.ndarray) -> np.ndarray:
        """Return the total scores ``(m, areas)`` of the table under ``m`` sets of weights.

        Parameters
        ----------
        weights : numpy.ndarray
            Shape ``(m, 1, indicators)``.

        Returns
        -------
        numpy.ndarray
            The total scores.
        """
        weights = np.asarray(weights, dtype=float)
        if len(weights) == 1:
            batch = np.repeat(self.values[None], 1, axis=0)
            return scores_from_array(batch, self.spec, weights=weights)[1]
        if self.spec.domains is None:
            return _combined(self._batch(len(weights)), self.spec, weights)[1]
        return self._by_domain(len(weights), None, None, weights)

    def _by_domain(self, m, columns, renorm, weights) -> np.ndarray:
        """Aggregate again only the domains a copy changes; the others keep the table's."""
        spec, step = self.spec, self.spec.domains
        n_areas = self.norm.shape[0]
        dn = np.empty((m, n_areas, len(self.domains)))
        for k, d in enumerate(self.domains):
            idx = self.idx[d]
            dn[:, :, k] = self.dnorm[weights is None][d]
            hit = np.zeros(m, dtype=bool)
            if columns is not None:
                hit |= np.isin(columns, idx).any(axis=1)
            if weights is not None:
                hit |= (weights[:, 0, idx] != self.w[idx]).any(axis=1)
            rows = np.flatnonzero(hit)
            if not len(rows):
                continue
            # At least two copies, so that the arrays are laid out as a batch's.
            pad = rows if len(rows) > 1 else np.repeat(rows, 2)
            sub = _empty_as(self.sub_layout[d], (len(pad), n_areas, len(idx)))
            sub[...] = self.norm[:, idx]
            if columns is not None:
                for q in range(columns.shape[1]):
                    pos = np.searchsorted(idx, columns[pad, q])
                    pos = np.minimum(pos, len(idx) - 1)
                    inside = np.flatnonzero(idx[pos] == columns[pad, q])
                    sub[inside, :, pos[inside]] = renorm[pad[inside], q]
            wd = (self.w if weights is None else weights[pad])[..., list(idx)]
            with np.errstate(invalid="ignore", divide="ignore"):
                wd = wd / wd.sum(axis=-1, keepdims=True)
            scores = aggregate_array(
                sub,
                wd,
                spec.aggregation,
                missing=spec.missing,
                names=[self.names[j] for j in idx],
            )
            dn[rows, :, k] = normalise_array(scores, step.normalisation)[: len(rows)]
        return aggregate_array(
            dn, self.dw, step.aggregation, missing=spec.missing, names=self.domains
        )


def rank_worst_first(score: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = highest score (most deprived); ties share the best rank.

    Parameters
    ----------
    score : numpy.ndarray
        Scores, areas on the last axis; missing scores rank last.

    Returns
    -------
    numpy.ndarray
        Ranks (floats) of the shape of ``score``.
    """
    s = np.where(np.isnan(score), -np.inf, score)
    return _rank_last_axis(s, method="min", ascending=False)


def index_from_spec(
    data: pd.DataFrame, spec: IndexSpec | dict | str | Path, *, source: str = "index input"
) -> pd.DataFrame:
    """Compute a composite index from a wide table (one row per area, one column per indicator).

    Returns a table with the id, one ``domain_<name>`` column per domain (when the
    spec has domains), ``score`` (higher = more deprived), ``rank`` (1 = most
    deprived, ties share the best rank) and ``decile`` (``ceil(10·rank/N)``, 1 =
    most deprived tenth), in the input's row order.

    Parameters
    ----------
    data : pandas.DataFrame
        The wide table: the id column and the spec's indicator columns (numbers, or
        text that reads as numbers; missing values allowed with ``missing = "reweight"``).
    spec : IndexSpec, dict, str or pathlib.Path
        The specification, or what :func:`load_index_spec` reads it from.
    source : str, default "index input"
        Name of the table, used in error messages and warnings.

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; columns: the id column, ``domain_<name>`` per domain
        (when the spec has domains), ``score`` (float), ``rank`` and ``decile``
        (nullable ``Int64``, missing where the score is missing).

    Raises
    ------
    SpecError
        If the specification does not load.
    DataError
        If the id column or an indicator column is missing, an id repeats, a value is
        not a number, or a value is missing with ``missing = "error"``.

    Warns
    -----
    UserWarning
        With ``weighted_sum`` and no domains, when the weights do not sum to 1 (± 0.005)
        and ``rescale_weights`` is false.

    Examples
    --------
    >>> table = pd.DataFrame({"code": ["a", "b", "c"], "low_income": [0.1, 0.3, 0.2]})
    >>> spec = {"id": "code", "normalisation": "rank", "aggregation": "weighted_sum",
    ...         "indicators": [{"column": "low_income", "weight": 1.0}]}
    >>> index_from_spec(table, spec)[["code", "score", "rank"]].to_dict("list")
    {'code': ['a', 'b', 'c'], 'score': [1.0, 3.0, 2.0], 'rank': [3, 1, 2]}
    """
    if not isinstance(spec, IndexSpec):
        spec = load_index_spec(spec)
    _check_input(data, spec, source)
    values = np.column_stack(
        [
            pd.to_numeric(data[i.column], errors="coerce").to_numpy(dtype=float)
            for i in spec.indicators
        ]
    )
    return _index_table(values, data[spec.id].to_numpy(), spec, source=source, index=data.index)


def _index_table(
    values: np.ndarray,
    ids: np.ndarray,
    spec: IndexSpec,
    *,
    source: str,
    index: pd.Index | None = None,
    stacklevel: int = 4,
) -> pd.DataFrame:
    """Compute :func:`index_from_spec`'s table from values already checked.

    ``values`` has shape ``(areas, indicators)`` in the spec's order: numbers or NaN,
    none infinite, and ``ids`` are unique. :func:`index_from_spec` checks a table and
    calls this; :func:`index_from_year` calls it on a year's arrays without building and
    checking a table each time.
    """
    w = _weights(spec, source, stacklevel).to_numpy()
    dscores, total = scores_from_array(
        values, spec, weights=w, references=_references(None, spec, values)
    )
    columns: dict[str, np.ndarray] = {spec.id: np.asarray(ids)}
    for d, sc in dscores.items():
        columns[f"domain_{d}"] = sc
    columns["score"] = total
    n = int(np.sum(~np.isnan(total)))
    # Ranked on 12 decimals: equal scores that differ in the last bits (summation order) tie.
    rank = rank_worst_first(np.round(total, 12)).astype(float)
    rank[np.isnan(total)] = np.nan
    columns["rank"] = pd.array(rank, dtype="Int64")
    columns["decile"] = pd.array(np.ceil(10 * rank / n), dtype="Int64")
    return pd.DataFrame(columns, index=index)


def index_from_year(data, spec: IndexSpec, *, source: str = "index input") -> pd.DataFrame:
    """Compute the index of one year's arrays (:class:`~levekar.indicators.YearData`).

    The same table as ``index_from_spec(data.wide(), spec)``, without building and
    checking a table: the arrays are checked with numpy (every value a number or
    missing, codes unique, every indicator of the spec present), and anything else is
    handed to :func:`index_from_spec`, which raises its error.

    Parameters
    ----------
    data : YearData
        One year's data (codes, indicators, values).
    spec : IndexSpec
        The index specification (its indicators are looked up by name).
    source : str, default "index input"
        Name used in error messages and warnings.

    Returns
    -------
    pandas.DataFrame
        As :func:`index_from_spec` (a fresh ``RangeIndex``).

    Raises
    ------
    DataError, SpecError
        As :func:`index_from_spec`.
    """
    pos = {c: k for k, c in enumerate(data.indicators)}
    cols = [pos.get(i.column, -1) for i in spec.indicators]
    values = np.asarray(data.value, dtype=float)
    ok = (
        spec.id == "code"
        and len(data.codes) > 0
        and min(cols) >= 0
        and len(set(data.codes)) == len(data.codes)
    )
    if ok:
        # C order, as index_from_spec's column_stack gives: the normalisation's sums then
        # run in the same order, and the scores are the same to the last bit.
        values = np.ascontiguousarray(values[:, cols])
        ok = not np.isinf(values).any()
    if not ok:
        return index_from_spec(data.wide(), spec, source=source)
    return _index_table(values, np.array(data.codes, dtype=object), spec, source=source)


DEFAULT_INDEX = {
    "normalisation": "z",
    "aggregation": "weighted_mean",
    "missing": "reweight",
    "domains": {"normalisation": "none", "aggregation": "weighted_mean"},
}


def index_spec_for(
    raw: dict | None, catalogue, indicators: list[str], *, source: str = "study"
) -> IndexSpec:
    """Build a study's index specification over the indicators it has data for.

    Parameters
    ----------
    raw : dict or None
        The study's ``[index]`` table, or None for the default (z-scores, weighted
        mean within domains, then across domains, missing values reweighted).
    catalogue : Catalogue
        Indicator definitions: directions, domains and labels of the default indicator list.
    indicators : list of str
        Indicators with data, in catalogue order. Without ``indicators`` in ``raw``,
        every one of them that is not descriptive enters with weight 1.
    source : str, default "study"
        Where ``raw`` came from, for error messages.

    Returns
    -------
    IndexSpec
        With ``id = "code"`` unless ``raw`` sets another; its indicators all have data.

    Raises
    ------
    SpecError
        If the specification does not validate, or lists an indicator without data.
    """
    spec_raw = dict(raw or DEFAULT_INDEX)
    spec_raw.setdefault("id", "code")
    # A study's data always have holes (suppressed and missing cells): each area is scored on
    # the indicators it has unless the study asks for missing = "error".
    spec_raw.setdefault("missing", "reweight")
    if "indicators" not in spec_raw:
        spec_raw["indicators"] = [
            {
                "column": i,
                "higher_is_worse": catalogue[i].direction == "higher_is_worse",
                "weight": 1.0,
                "domain": catalogue[i].domain,
                "label": catalogue[i].short_label,
            }
            for i in indicators
            if catalogue[i].direction != "descriptive"
        ]
    spec = load_index_spec(spec_raw, source=f"{source}: [index]")
    unknown = [i.column for i in spec.indicators if i.column not in indicators]
    if unknown:
        raise SpecError(
            f"{source}: index.indicators: {unknown} have no data in this study; "
            f"available: {indicators}."
        )
    return spec
