"""Counterfactuals: what is the smallest change that would swap an area in or out of the selection?

For an area near the boundary of a top-k selection, two kinds of change are tried,
one at a time, with everything else held fixed:

* **one indicator value** of the area: how far it must move (in the direction
  that helps) before the area's rank crosses k;
* **one indicator weight**: by what factor the weight must change (the other
  weights unchanged; domain weights re-normalised as the spec says) before the
  area's rank crosses k.

The whole index is recomputed for each trial (normalisation depends on all areas),
and the crossing point is found by bisection. The result is a short table, with a
bokmål sentence per change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .fmt import format_number, format_value
from .index import IndexSpec, rank_worst_first, scores_from_array

__all__ = ["counterfactuals"]


def _ranks(values: np.ndarray, spec: IndexSpec, weights: np.ndarray | None = None) -> np.ndarray:
    _, total = scores_from_array(values, spec, weights=weights)
    return rank_worst_first(total)


def _first_crossing(inside_for, hi: float, inside_now: bool, grid: int = 32, rounds: int = 3) -> float | None:
    """Smallest t in (0, hi] where inside_for(ts) (vectorised over ts) differs from ``inside_now``.

    A grid search refined ``rounds`` times; each round is one batched index computation.
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
    wide: pd.DataFrame,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    areas: list[str],
    k: int,
    names: dict[str, str] | None = None,
    hidden: set[tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Smallest single changes that would move each of ``areas`` across the top-``k`` boundary.

    ``wide`` has the spec's id column and one column per indicator (the values the
    index was computed from). Returns ``area, name, now, kind, indicator, from,
    to, change, text``: ``kind`` is ``value`` or ``weight``; ``change`` is the
    relative change (to / from − 1). Only the smallest change of each kind is kept
    per area. ``hidden`` lists ``(area, indicator)`` pairs whose values may not be
    published: no value counterfactual is given for them (it would reveal the value).
    """
    names = names or {}
    ids = wide[spec.id].astype(str).tolist()
    cols = [i.column for i in spec.indicators]
    values = wide[cols].to_numpy(dtype=float)
    w0 = np.array([i.weight for i in spec.indicators], dtype=float)
    base_rank = _ranks(values, spec)
    rows = []
    for area in areas:
        a = ids.index(area)
        inside = base_rank[a] <= k
        best: dict[str, dict] = {}
        for j, ind in enumerate(spec.indicators):
            x0 = values[a, j]
            if not np.isfinite(x0) or (area, ind.column) in (hidden or set()):
                continue
            # Moving the value in the "better" direction pushes an area out; "worse" pulls it in.
            sign = (-1.0 if ind.higher_is_worse else 1.0) * (1.0 if inside else -1.0)
            col = values[:, j]
            reach = 3 * max(np.nanmax(col) - np.nanmin(col), abs(x0), 1e-9)

            def in_top_values(ts, j=j, x0=x0, sign=sign, a=a):
                batch = np.repeat(values[None], len(ts), axis=0)
                batch[:, a, j] = x0 + sign * ts
                return _ranks(batch, spec)[:, a] <= k

            t = _first_crossing(in_top_values, reach, inside)
            if t is not None:
                new = x0 + sign * t
                rel = abs(new / x0 - 1) if x0 != 0 else np.inf
                if "value" not in best or rel < best["value"]["change"]:
                    best["value"] = {"indicator": ind.column, "from": x0, "to": new, "change": rel}

            def in_top_weights(factors, j=j, a=a):
                w = np.repeat(w0[None, None, :], len(factors), axis=0)
                w[:, 0, j] = w0[j] * factors
                return _ranks(np.repeat(values[None], len(factors), axis=0), spec, weights=w)[:, a] <= k

            for direction, reach_w in ((-1.0, 0.999), (1.0, 9.0)):
                t = _first_crossing(lambda ts, d=direction: in_top_weights(1.0 + d * ts), reach_w, inside)
                if t is not None and ("weight" not in best or t < best["weight"]["change"]):
                    best["weight"] = {"indicator": ind.column, "from": w0[j], "to": w0[j] * (1 + direction * t),
                                      "change": t}
        for kind, b in best.items():
            label = catalogue[b["indicator"]].short_label if b["indicator"] in catalogue else b["indicator"]
            direction = "ut av" if inside else "inn blant"
            if kind == "value":
                kd = catalogue[b["indicator"]].kind if b["indicator"] in catalogue else "mean"
                text = (f"{names.get(area, area)} ville gått {direction} de {k} svakeste om «{label}» var "
                        f"{format_value(b['to'], kd)} i stedet for {format_value(b['from'], kd)}")
            else:
                text = (f"{names.get(area, area)} ville gått {direction} de {k} svakeste om vekten på «{label}» "
                        f"ble ganget med {format_number(b['to'] / b['from'], decimals=2)}")
            rows.append({"area": area, "name": names.get(area, area), "now": "valgt" if inside else "ikke valgt",
                         "kind": kind, **b, "text": text})
    return pd.DataFrame(rows, columns=["area", "name", "now", "kind", "indicator", "from", "to", "change", "text"])
