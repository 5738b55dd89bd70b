"""Counterfactuals: the smallest change that would swap an area in or out of the selection.

For an area near the boundary of a top-k selection, two kinds of change are tried,
one at a time, with everything else held fixed:

* **one indicator value** of the area: how far it must move (in the direction
  that helps) before the area's rank crosses k;
* **one indicator weight**: by what factor the weight must change (the other
  weights unchanged; domain weights re-normalised as the spec says) before the
  area's rank crosses k.

The index is recomputed for each trial (normalisation depends on all areas; only the
changed indicators are normalised again, the others reused, with the same scores to
the last bit as the whole computation) and the :class:`~levekar.selection.SelectionRule`
itself decides whether the area is in; the crossing point is found by a refined grid
search. For the
multiple-deprivation rule a value change moves the area's interval across the
kommune's value; weights do not matter to it. The result is a short table of codes
and numbers; :mod:`levekar.render.presentation` says it in bokmål.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .index import IndexSpec, _ChangedIndex, scores_from_array
from .indicators import YearData, worse_in_batches
from .selection import SelectionRule

__all__ = ["COUNTERFACTUAL_COLUMNS", "counterfactuals"]

COUNTERFACTUAL_COLUMNS = [
    "code",
    "selected_now",
    "kind",
    "indicator",
    "from",
    "to",
    "change",
    "indicator_2",
    "from_2",
    "to_2",
]


def _first_crossings(flips_for, reach: np.ndarray, grid: int = 32, rounds: int = 3) -> np.ndarray:
    """Find, for each of n candidate changes at once, the smallest t in (0, reach] that flips.

    ``flips_for(ts)`` takes ``ts`` of shape ``(n, grid)`` and returns a boolean array of
    that shape: whether the change of size ``ts[i, g]`` flips the choice. A grid search
    refined ``rounds`` times; each round is one batched index computation for all n.
    Returns t per candidate, NaN where nothing in (0, reach] flips.
    """
    reach = np.asarray(reach, dtype=float)
    lo = np.zeros_like(reach)
    hi = reach.copy()
    found = np.full(reach.shape, np.nan)
    active = np.isfinite(reach) & (reach > 0)
    steps = np.arange(1, grid + 1) / grid
    for _ in range(rounds):
        if not active.any():
            break
        ts = lo[:, None] + (hi - lo)[:, None] * steps[None, :]
        flipped = np.zeros(ts.shape, dtype=bool)
        flipped[active] = flips_for(ts[active], np.flatnonzero(active))
        hit = flipped.any(axis=1) & active
        first = np.argmax(flipped, axis=1)
        rows = np.arange(len(reach))
        found[hit] = ts[rows[hit], first[hit]]
        prev = np.where(first > 0, ts[rows, np.maximum(first - 1, 0)], lo)
        lo = np.where(hit, prev, lo)
        hi = np.where(hit, ts[rows, first], hi)
        active = hit
    return found


def _pair(a, x0, sign, reach, chosen, inside) -> tuple[int, int, float] | None:
    """Find the pair of indicators that flips the area with the smallest move.

    Both move the same share of the way to their plausible bounds; None if no pair flips it.
    """
    ok = np.flatnonzero(np.isfinite(reach))
    pairs = np.array([(i, j) for n, i in enumerate(ok) for j in ok[n + 1 :]], dtype=np.int64)
    if not len(pairs):
        return None

    def flips_pairs(ts, which):
        n, g = ts.shape
        cols = np.repeat(pairs[which], g, axis=0)
        share = ts.reshape(-1, 1)
        new = x0[cols] + sign[cols] * share * reach[cols]
        return (chosen(a, cols, new)[:, a] != inside).reshape(n, g)

    t = _first_crossings(flips_pairs, np.ones(len(pairs)))
    if not np.isfinite(t).any():
        return None
    m = int(np.nanargmin(t))
    return int(pairs[m, 0]), int(pairs[m, 1]), float(t[m])


def counterfactuals(
    data: YearData,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    rule: SelectionRule,
    eligible: np.ndarray,
    areas: list[str],
    hidden: set[tuple[str, str]] | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Find the smallest single changes that would move each area across the rule's boundary.

    Parameters
    ----------
    data : YearData
        The year's data (the values the index was computed from), indicators in the
        spec's order.
    spec : IndexSpec
        The index specification.
    catalogue : Catalogue
        Indicator definitions (for the multiple-deprivation rule's intervals).
    rule : SelectionRule
        The selection rule. For index rules, ties are broken by area order (no random
        tie-break).
    eligible : numpy.ndarray of bool
        Which areas of ``data`` may be chosen.
    areas : list of str
        The codes to explain (e.g. :func:`levekar.selection.boundary_areas`); each must
        be in ``data``.
    hidden : set of (str, str), optional
        ``(code, indicator)`` pairs whose values may not be published: no value
        counterfactual is given for them (it would reveal the value).
    bounds : (numpy.ndarray, numpy.ndarray), optional
        The plausible range of each indicator (e.g. the lowest and highest value seen
        across areas and years): a value is only moved within it. Without bounds, up to
        three times the spread of the year's values.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COUNTERFACTUAL_COLUMNS`, ``code, selected_now, kind, indicator,
        from, to, change, indicator_2, from_2, to_2``: ``kind`` is ``value``, ``weight``,
        ``pair`` (two values moved together, each the same share of the way to its
        plausible bound, when no single value is enough) or ``none`` (no plausible
        change of one or two values moves the area); ``change`` is the relative change
        ``|to / from − 1|`` (infinite for a value moved from 0; for a pair, the share of
        the way to the bounds). Only the smallest change of each kind is kept per area.
        Weights are searched from 0.1 % to 10 times their value.
    """
    codes = list(data.codes)
    values = data.value
    w0 = np.array([i.weight for i in spec.indicators], dtype=float)
    n_worse0 = data.worse.sum(axis=1)
    # Each trial changes one or two cells of one area: only those indicators are normalised
    # again (the same scores, to the last bit, as recomputing the whole index).
    index = _ChangedIndex(values, spec) if rule.uses_index else None

    def chosen(a: int, cols: np.ndarray, new: np.ndarray) -> np.ndarray:
        """Return the rule's choice in each trial: row i has ``values[a, cols[i]] = new[i]``."""
        if index is not None:
            return rule.choose(index.totals(a, cols, new), eligible=eligible, codes=codes)
        batch = np.repeat(values[None], len(cols), axis=0)
        batch[np.repeat(np.arange(len(cols)), cols.shape[1]), a, cols.ravel()] = new.ravel()
        n_worse = worse_in_batches(batch, data, catalogue).sum(-1)
        return rule.choose(np.zeros(batch.shape[:2]), eligible=eligible, n_worse=n_worse)

    if rule.uses_index:
        base = rule.choose(
            scores_from_array(values[None], spec)[1], eligible=eligible, codes=codes
        )[0]
    else:
        base = rule.choose(np.zeros((1, len(codes))), eligible=eligible, n_worse=n_worse0[None])[0]
    hidden = hidden or set()
    n_ind = len(spec.indicators)
    rows = []
    for code in areas:
        a = codes.index(code)
        inside = bool(base[a])
        best: dict[str, dict] = {}
        # One value change per indicator, all searched at once. Moving a value in the
        # "better" direction pushes an area out; "worse" pulls it in.
        x0 = values[a]
        sign = np.array([-1.0 if i.higher_is_worse else 1.0 for i in spec.indicators])
        sign = sign * (1.0 if inside else -1.0)
        if bounds is not None:
            lo_b, hi_b = (np.asarray(b, dtype=float) for b in bounds)
            reach = np.where(sign > 0, hi_b - x0, x0 - lo_b)
            reach = np.where(reach > 1e-12, reach, np.nan)
        else:
            span = np.nanmax(values, axis=0) - np.nanmin(values, axis=0)
            reach = 3 * np.fmax(np.fmax(span, np.abs(x0)), 1e-9)
        usable = np.isfinite(x0) & np.array(
            [(code, i.column) not in hidden for i in spec.indicators]
        )
        reach = np.where(usable, reach, np.nan)

        def flips_values(ts, which, a=a, x0=x0, sign=sign, inside=inside):
            n, g = ts.shape
            cols = np.repeat(which, g)[:, None]
            new = x0[cols] + sign[cols] * ts.reshape(-1, 1)
            return (chosen(a, cols, new)[:, a] != inside).reshape(n, g)

        t = _first_crossings(flips_values, reach)
        new = x0 + sign * t
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(x0 != 0, np.abs(new / x0 - 1), np.inf)
        rel = np.where(np.isfinite(t), rel, np.nan)
        if np.isfinite(t).any():
            j = int(np.nanargmin(np.where(np.isfinite(t), rel, np.nan)))
            best["value"] = {
                "indicator": spec.indicators[j].column,
                "from": x0[j],
                "to": new[j],
                "change": rel[j],
            }
        else:
            pair = _pair(a, x0, sign, reach, chosen, inside)
            if pair is not None:
                i, j, share = pair
                best["pair"] = {
                    "indicator": spec.indicators[i].column,
                    "from": x0[i],
                    "to": x0[i] + sign[i] * share * reach[i],
                    "change": share,
                    "indicator_2": spec.indicators[j].column,
                    "from_2": x0[j],
                    "to_2": x0[j] + sign[j] * share * reach[j],
                }
            elif bounds is not None:
                best["none"] = {"indicator": "", "from": np.nan, "to": np.nan, "change": np.nan}
        if rule.uses_index:
            # One weight change per indicator and direction (down to 0.1 %, up to ×10).
            direction = np.repeat([-1.0, 1.0], n_ind)
            reach_w = np.repeat([0.999, 9.0], n_ind)
            ind_of = np.tile(np.arange(n_ind), 2)

            def flips_weights(ts, which, a=a, inside=inside, ind_of=ind_of, direction=direction):
                n, g = ts.shape
                w = np.repeat(w0[None, None, :], n * g, axis=0)
                cols = np.repeat(ind_of[which], g)
                w[np.arange(n * g), 0, cols] = w0[cols] * (
                    1.0 + np.repeat(direction[which], g) * ts.reshape(-1)
                )
                total = index.totals_weighted(w)
                return (rule.choose(total, eligible=eligible, codes=codes)[:, a] != inside).reshape(
                    n, g
                )

            tw = _first_crossings(flips_weights, reach_w)
            if np.isfinite(tw).any():
                m = int(np.nanargmin(tw))
                j = int(ind_of[m])
                best["weight"] = {
                    "indicator": spec.indicators[j].column,
                    "from": w0[j],
                    "to": w0[j] * (1 + direction[m] * tw[m]),
                    "change": tw[m],
                }
        for kind, b in best.items():
            rows.append({"code": code, "selected_now": inside, "kind": kind, **b})
    return pd.DataFrame(rows, columns=COUNTERFACTUAL_COLUMNS)
