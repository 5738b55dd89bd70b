"""Choosing areas: the one selection rule, and for every area why it is (not) selected.

:class:`SelectionRule` is the only place the choice is made. The selection, the
year-by-year reselection, the counterfactuals and the Monte Carlo all call
:meth:`SelectionRule.choose`, on one set of scores or on thousands of draws at once.

Rules:

* ``top_k``: the k areas with the highest index score among the eligible ones
  (population at least ``min_population``).
* ``multiple_deprivation``: eligible areas significantly worse than the kommune
  on at least ``min_indicators_worse`` of the index's indicators (the EU URBAN
  programme required 3 of 9 criteria).
* ``contiguous``: top-k as one connected region (the highest-scoring eligible area,
  then the highest-scoring eligible neighbour of the chosen set, and so on).

Each area gets the indicators that put it where it is: those where it is
significantly worse than the kommune (``worse_indicators``, most different first).
The core returns codes; :mod:`levekar.render.presentation` turns them into bokmål.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = [
    "AGREEMENT_CODES",
    "COMBINATIONS",
    "RULES",
    "SelectionRule",
    "boundary_areas",
    "neighbours_of",
    "select_areas",
]

RULES = ("top_k", "multiple_deprivation", "contiguous")
COMBINATIONS = ("mean_score", "mean_rank", "pooled")
# How the rule's choice and the initiative relate, per area.
AGREEMENT_CODES = (
    "selected_in_initiative",
    "selected_not_in_initiative",
    "initiative_not_selected",
    "",
)


@dataclass(frozen=True)
class SelectionRule:
    """The rule that chooses areas.

    Attributes
    ----------
    kind : {"top_k", "multiple_deprivation", "contiguous"}, default "top_k"
        The rule (see the module docstring).
    k : int, default 3
        How many areas to choose (top-k and contiguous); also the "k worst" of P(top-k).
    min_indicators_worse : int, default 5
        For ``multiple_deprivation``: the least number of indicators on which an
        area must be significantly worse than the kommune.
    min_population : int, default 0
        Areas with fewer people are not eligible.
    neighbours : mapping of str to frozenset of str, optional
        For ``contiguous`` (required there): each area's neighbours, by code. Not
        compared when rules are compared, and not shown in the repr (:attr:`id` names
        the rule).
    mappings : int, default 1
        How many of the latest mappings (years with data) the score is taken over: the
        kommune chose its areas "from the last years' levekårskartlegginger", not one year.
    combine : {"mean_score", "mean_rank", "pooled"}, default "mean_score"
        With ``mappings > 1``: the mean of the years' index scores, the mean of the years'
        ranks, or the index of the counts pooled over the years (a multiple-deprivation
        rule always pools).
    trend_weight : float, default 0
        Adds ``trend_weight`` × the change in the area's score over the window (the fitted
        slope × the years spanned) to the combined score: worsening counts as deprivation.
    exclude : frozenset of str, default empty
        Codes of areas that are scored and shown but never chosen (e.g. a zone of
        unknown addresses, which is no place an initiative can work in).

    Raises
    ------
    ConfigError
        On construction, if ``kind`` is unknown or ``contiguous`` has no neighbours.
    """

    kind: Literal["top_k", "multiple_deprivation", "contiguous"] = "top_k"
    k: int = 3
    min_indicators_worse: int = 5
    min_population: int = 0
    neighbours: Mapping[str, frozenset[str]] | None = field(default=None, compare=False, repr=False)
    mappings: int = 1
    combine: Literal["mean_score", "mean_rank", "pooled"] = "mean_score"
    trend_weight: float = 0.0
    exclude: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Check the rule's kind, and that a contiguous rule has neighbours."""
        if self.kind not in RULES:
            raise ConfigError(
                f"selection.rule: unknown rule {self.kind!r}; use one of {', '.join(RULES)}."
            )
        if self.kind == "contiguous" and self.neighbours is None:
            raise ConfigError("selection.rule = 'contiguous' needs the areas' neighbours.")
        if self.mappings < 1:
            raise ConfigError(f"selection.mappings must be at least 1, got {self.mappings}.")
        if self.combine not in COMBINATIONS:
            raise ConfigError(
                f"selection.combine: {self.combine!r}; use one of {', '.join(COMBINATIONS)}."
            )

    @property
    def pools(self) -> bool:
        """Whether the window's counts are pooled into one year before scoring."""
        return self.mappings > 1 and (
            self.combine == "pooled" or self.kind == "multiple_deprivation"
        )

    @property
    def id(self) -> str:
        """A short code naming the rule, e.g. ``top_k:k=3:mappings=3:mean_score:trend=1``."""
        parts = [self.kind, f"k={self.k}"]
        if self.kind == "multiple_deprivation":
            parts.append(f"m={self.min_indicators_worse}")
        if self.mappings > 1:
            parts += [f"mappings={self.mappings}", "pooled" if self.pools else self.combine]
        if self.trend_weight:
            parts.append(f"trend={self.trend_weight:g}")
        if self.min_population:
            parts.append(f"min_population={self.min_population}")
        if self.exclude:
            parts.append(f"exclude={','.join(sorted(self.exclude))}")
        return ":".join(parts)

    @property
    def uses_index(self) -> bool:
        """Whether the choice depends on the index scores (and so on weights and methods)."""
        return self.kind != "multiple_deprivation"

    def eligible(
        self,
        population: np.ndarray | pd.Series,
        codes: list[str] | np.ndarray | pd.Series | None = None,
    ) -> np.ndarray:
        """Return which areas may be chosen: population at least ``min_population``, not excluded.

        Parameters
        ----------
        population : numpy.ndarray or pandas.Series
            People per area; missing counts as 0.
        codes : list of str or array, optional
            The areas' codes in the same order (needed when the rule excludes areas).

        Returns
        -------
        numpy.ndarray of bool
            True where the area is eligible.

        Raises
        ------
        ValueError
            If the rule excludes areas and ``codes`` is not given.
        """
        pop = np.nan_to_num(np.asarray(population, dtype=float), nan=0.0)
        ok = pop >= self.min_population
        if self.exclude:
            if codes is None:
                raise ValueError("a rule that excludes areas needs the areas' codes")
            ok &= ~np.isin(np.asarray(codes, dtype=object), list(self.exclude))
        return ok

    def choose(
        self,
        scores: np.ndarray,
        *,
        eligible: np.ndarray,
        n_worse: np.ndarray | None = None,
        codes: list[str] | np.ndarray | None = None,
        tie_break: np.ndarray | None = None,
    ) -> np.ndarray:
        """Apply the rule to one set of scores or to many draws at once.

        Parameters
        ----------
        scores : numpy.ndarray
            Index scores, shape ``(..., areas)`` (higher = more deprived; NaN = no score).
        eligible : numpy.ndarray of bool
            Shape ``(areas,)`` (or broadcastable to ``scores``).
        n_worse : numpy.ndarray, optional
            Indicators significantly worse than the kommune, shape of ``scores``
            (needed by ``multiple_deprivation``, which ignores ``scores`` and ``k``).
        codes : list of str or numpy.ndarray, optional
            Area codes in the order of the last axis (needed by ``contiguous``).
        tie_break : numpy.ndarray, optional
            Among equal scores, the area with the larger ``tie_break`` goes first;
            shape ``(areas,)`` or that of ``scores``. Default: the order of the areas.

        Returns
        -------
        numpy.ndarray
            Boolean, shape of ``scores``: chosen or not. Only eligible areas with a
            score are chosen, so fewer than ``k`` may be; ``contiguous`` stops early
            when the region has no eligible neighbour left.

        Raises
        ------
        ValueError
            If ``multiple_deprivation`` has no ``n_worse`` or ``contiguous`` no ``codes``.
        """
        s = np.asarray(scores, dtype=float)
        elig = np.broadcast_to(np.asarray(eligible, dtype=bool), s.shape)
        if self.kind == "multiple_deprivation":
            if n_worse is None:
                raise ValueError("multiple_deprivation needs n_worse")
            return elig & (np.asarray(n_worse) >= self.min_indicators_worse)
        n = s.shape[-1]
        tb = np.broadcast_to(
            -np.arange(n, dtype=float) if tie_break is None else np.asarray(tie_break, float),
            s.shape,
        )
        usable = elig & np.isfinite(s)
        key = np.where(usable, s, -np.inf)
        if self.kind == "top_k":
            order = np.lexsort((-tb, -key), axis=-1)
            chosen = np.zeros(s.shape, dtype=bool)
            first = order[..., : self.k]
            np.put_along_axis(chosen, first, True, axis=-1)
            return chosen & usable
        return self._contiguous(key, usable, tb, codes)

    def _contiguous(self, key: np.ndarray, usable: np.ndarray, tb: np.ndarray, codes) -> np.ndarray:
        """Grow one region from the best area, adding the best neighbour of the set each step."""
        if codes is None:
            raise ValueError("contiguous needs codes")
        codes = [str(c) for c in codes]
        pos = {c: i for i, c in enumerate(codes)}
        adj = np.zeros((len(codes), len(codes)), dtype=bool)
        for c, nbs in (self.neighbours or {}).items():
            if c in pos:
                for nb in nbs:
                    if nb in pos:
                        adj[pos[c], pos[nb]] = adj[pos[nb], pos[c]] = True
        flat_key = key.reshape(-1, key.shape[-1])
        flat_ok = usable.reshape(flat_key.shape)
        flat_tb = tb.reshape(flat_key.shape)
        rows = np.arange(flat_key.shape[0])
        # Rank by (score, tie-break) once; a larger value is better.
        order = np.lexsort((-flat_tb, -flat_key), axis=-1)
        merit = np.empty_like(order)
        np.put_along_axis(
            merit, order, np.arange(order.shape[-1])[::-1][None, :].repeat(len(rows), 0), axis=-1
        )
        chosen = np.zeros(flat_key.shape, dtype=bool)
        start = np.where(flat_ok, merit, -1).argmax(axis=-1)
        has = flat_ok[rows, start]
        chosen[rows[has], start[has]] = True
        for _ in range(self.k - 1):
            frontier = (chosen.astype(np.int8) @ adj.astype(np.int8) > 0) & ~chosen & flat_ok
            can = frontier.any(axis=-1)
            if not can.any():
                break
            pick = np.where(frontier, merit, -1).argmax(axis=-1)
            chosen[rows[can], pick[can]] = True
        return chosen.reshape(key.shape)


def neighbours_of(layer, *, tolerance: float = 1.0) -> dict[str, frozenset[str]]:
    """Areas that share a border (within ``tolerance`` metres), by code.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        An area layer with ``code`` and a projected geometry (metres).
    tolerance : float, default 1.0
        How far apart two borders may be and still count as shared (metres); areas
        meeting only at a corner count as neighbours too.

    Returns
    -------
    dict of str to frozenset of str
        Each code's neighbours (never itself); every code of ``layer`` is a key.
    """
    import shapely

    geoms = layer.geometry.to_numpy()
    codes = layer["code"].to_numpy()
    i, j = shapely.STRtree(geoms).query(shapely.buffer(geoms, tolerance), predicate="intersects")
    out: dict[str, set[str]] = {c: set() for c in codes}
    for a, b in zip(i, j, strict=True):
        if a != b:
            out[codes[a]].add(codes[b])
    return {c: frozenset(v) for c, v in out.items()}


def select_areas(
    scores: pd.DataFrame,
    worse: pd.DataFrame,
    *,
    rule: SelectionRule,
    initiative: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """Build the selection table: every area with the rule's choice, reasons and initiative.

    Parameters
    ----------
    scores : pandas.DataFrame
        One year's scores from :func:`levekar.uncertainty.score_year` (``code, score,
        rank, population, eligible, n_worse, n_indicators, selected`` and the
        uncertainty columns).
    worse : pandas.DataFrame
        One row per area and indicator that is significantly worse than the kommune
        on published values: ``code, indicator, gap`` (relative distance to the kommune).
    rule : SelectionRule
        The rule that chose. Not used by the code: the choice is already in
        ``scores`` and the agreement codes come from ``selected`` and ``initiative``.
    initiative : list or tuple of str, default ()
        Codes of the areas in the initiative.

    Returns
    -------
    pandas.DataFrame
        ``scores`` with ``in_initiative``, ``agreement`` (a code from
        :data:`AGREEMENT_CODES`) and ``worse_indicators`` (indicator ids, most different
        first, joined by ", "), sorted by rank.
    """
    out = scores.copy()
    init = set(initiative)
    out["in_initiative"] = out["code"].isin(init)
    ordered = worse.sort_values(["code", "gap", "indicator"], ascending=[True, False, True])
    reasons = ordered.groupby("code")["indicator"].agg(", ".join)
    out["worse_indicators"] = out["code"].map(reasons).astype("object").fillna("")
    out["agreement"] = np.select(
        [
            out["selected"] & out["in_initiative"],
            out["selected"] & ~out["in_initiative"],
            ~out["selected"] & out["in_initiative"],
        ],
        list(AGREEMENT_CODES[:3]),
        default="",
    )
    return out.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def boundary_areas(selection: pd.DataFrame, rule: SelectionRule) -> list[str]:
    """Areas near the rule's boundary, whose choice a small change could flip.

    Those with an uncertain choice (P(selected) between 5 and 95 %) when the Monte
    Carlo ran; otherwise, for rules on the index, ranks k−1 to k+2 among eligible
    areas, and for ``multiple_deprivation``, areas within one indicator of the threshold.

    Parameters
    ----------
    selection : pandas.DataFrame
        The selection table (:func:`select_areas`), with ``eligible``, ``score``,
        ``n_worse`` and, when the Monte Carlo ran, ``p_selected``.
    rule : SelectionRule
        The selection rule (its kind, ``k`` and ``min_indicators_worse``).

    Returns
    -------
    list of str
        Codes, in the table's order.
    """
    elig = selection[selection["eligible"]]
    if "p_selected" in elig.columns:
        near = elig[elig["p_selected"].between(0.05, 0.95)]
        if len(near):
            return near["code"].tolist()
    if rule.kind == "multiple_deprivation":
        return elig[(elig["n_worse"] - rule.min_indicators_worse).abs() <= 1]["code"].tolist()
    rank = elig["score"].rank(ascending=False, method="first")
    return elig[rank.between(rule.k - 1, rule.k + 2)]["code"].tolist()
