"""Counterfactuals: the smallest change that would swap an area in or out of the selection.

For an area near the boundary of a top-k selection, two kinds of change are tried,
one at a time, with everything else held fixed:

* **one indicator value** of the area: how far it must move (in the direction
  that helps) before the area's rank crosses k;
* **one indicator weight**: by what factor the weight must change (the other
  weights unchanged; domain weights re-normalised as the spec says) before the
  area's rank crosses k.

The whole index is recomputed for each trial (normalisation depends on all areas)
and the :class:`~levekar.selection.SelectionRule` itself decides whether the area is
in; the crossing point is found by a refined grid search. For the
multiple-deprivation rule a value change moves the area's interval across the
kommune's value; weights do not matter to it. The result is a short table of codes
and numbers; :mod:`levekar.render.presentation` says it in bokmål.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .index import IndexSpec, scores_from_array
from .indicators import YearData, worse_in_batches
from .selection import SelectionRule

__all__ = ["COUNTERFACTUAL_COLUMNS", "counterfactuals"]

COUNTERFACTUAL_COLUMNS = ["code", "selected_now", "kind", "indicator", "from", "to", "change"]


def _first_crossing(
    inside_for, hi: float, inside_now: bool, grid: int = 32, rounds: int = 3
) -> float | None:
    """Find the smallest t in (0, hi] where inside_for(ts) differs from ``inside_now``.

    ``inside_for`` is vectorised over ``ts``. A grid search refined ``rounds`` times;
    each round is one batched index computation.
    """
    lo = 0.0
    found = None
    for _ in range(rounds):
        ts = np.linspace(lo, hi, grid + 1)[1:]
        flipped = inside_for(ts) != inside_now
        if not flipped.any():
            return found
        first = int(np.argmax(flipped))
        found = ts[first]
        lo, hi = (ts[first - 1] if first > 0 else lo), ts[first]
    return found


def counterfactuals(
    data: YearData,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    rule: SelectionRule,
    eligible: np.ndarray,
    areas: list[str],
    hidden: set[tuple[str, str]] | None = None,
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

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COUNTERFACTUAL_COLUMNS`, ``code, selected_now, kind, indicator,
        from, to, change``: ``kind`` is ``value`` or ``weight``; ``change`` is the
        relative change ``|to / from − 1|`` (infinite for a value moved from 0). Only
        the smallest change of each kind is kept per area; an area no single change
        moves has no row. Weights are searched from 0.1 % to 10 times their value.
    """
    codes = list(data.codes)
    values = data.value
    w0 = np.array([i.weight for i in spec.indicators], dtype=float)
    n_worse0 = data.worse.sum(axis=1)

    def chosen(
        batch: np.ndarray, weights: np.ndarray | None = None, n_worse: np.ndarray | None = None
    ):
        if rule.uses_index:
            _, total = scores_from_array(batch, spec, weights=weights)
            return rule.choose(total, eligible=eligible, codes=codes)
        return rule.choose(
            np.zeros(batch.shape[:2]),
            eligible=eligible,
            n_worse=n_worse
            if n_worse is not None
            else worse_in_batches(batch, data, catalogue).sum(-1),
        )

    base = chosen(values[None], n_worse=n_worse0[None])[0]
    rows = []
    for code in areas:
        a = codes.index(code)
        inside = bool(base[a])
        best: dict[str, dict] = {}
        for j, ind in enumerate(spec.indicators):
            x0 = values[a, j]
            if not np.isfinite(x0) or (code, ind.column) in (hidden or set()):
                continue
            # Moving the value in the "better" direction pushes an area out; "worse" pulls it
            # in.
            sign = (-1.0 if ind.higher_is_worse else 1.0) * (1.0 if inside else -1.0)
            col = values[:, j]
            reach = 3 * max(np.nanmax(col) - np.nanmin(col), abs(x0), 1e-9)

            def in_for_values(ts, j=j, x0=x0, sign=sign, a=a):
                batch = np.repeat(values[None], len(ts), axis=0)
                batch[:, a, j] = x0 + sign * ts
                return chosen(batch)[:, a]

            t = _first_crossing(in_for_values, reach, inside)
            if t is not None:
                new = x0 + sign * t
                rel = abs(new / x0 - 1) if x0 != 0 else np.inf
                if "value" not in best or rel < best["value"]["change"]:
                    best["value"] = {"indicator": ind.column, "from": x0, "to": new, "change": rel}
            if not rule.uses_index:
                continue

            def in_for_weights(factors, j=j, a=a):
                w = np.repeat(w0[None, None, :], len(factors), axis=0)
                w[:, 0, j] = w0[j] * factors
                return chosen(np.repeat(values[None], len(factors), axis=0), weights=w)[:, a]

            for direction, reach_w in ((-1.0, 0.999), (1.0, 9.0)):
                t = _first_crossing(
                    lambda ts, d=direction: in_for_weights(1.0 + d * ts), reach_w, inside
                )
                if t is not None and ("weight" not in best or t < best["weight"]["change"]):
                    best["weight"] = {
                        "indicator": ind.column,
                        "from": w0[j],
                        "to": w0[j] * (1 + direction * t),
                        "change": t,
                    }
        for kind, b in best.items():
            rows.append({"code": code, "selected_now": inside, "kind": kind, **b})
    return pd.DataFrame(rows, columns=COUNTERFACTUAL_COLUMNS)
