"""Yearly targets for an area-based initiative: baselines, target values and trajectories.

For each initiative area and focus-area indicator:

* **baseline**: the value in the last year before the start (``last_year``), or
  the mean over the last ``baseline_years`` years before it (``mean``, damps noise);
* **target** for the end year: close ``gap_share`` of the gap to the reference
  (the kommune or Norway) if the area is worse; otherwise hold the baseline
  (``close_gap``); or change by a relative amount (``relative_change``);
* a **trajectory** from baseline to target over the initiative's years, linear on
  the value scale or on the log-odds scale for shares;
* **detectability**: the smallest change from the baseline that a two-sided
  test at 5 % could detect with 80 % power given the area's denominator;
  smaller targets are flagged "målet er mindre enn det tallene kan vise".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtri

from .catalogue import Catalogue
from .errors import ConfigError

__all__ = ["detectable_change", "targets_for_initiative", "trajectory"]


def trajectory(baseline: float, target: float, years: list[int], *, scale: str = "linear") -> np.ndarray:
    """Values from ``baseline`` (first year) to ``target`` (last year).

    >>> trajectory(0.30, 0.20, [2023, 2024, 2025]).round(3).tolist()
    [0.3, 0.25, 0.2]
    """
    t = np.linspace(0.0, 1.0, len(years))
    if scale == "logit":
        return expit(logit(baseline) + t * (logit(target) - logit(baseline)))
    return baseline + t * (target - baseline)


def detectable_change(p: float, n: float, *, kind: str = "share", alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest change in a share (or rate per 1,000) detectable between two years of ``n`` people.

    Two independent samples of size ``n``: ``(z_{1-α/2} + z_{power}) · sqrt(2·var/n)``.

    >>> round(detectable_change(0.2, 1000), 4)
    0.0501
    """
    if not np.isfinite(p) or not np.isfinite(n) or n <= 0:
        return float("nan")
    z = ndtri(1 - alpha / 2) + ndtri(power)
    if kind == "share":
        return float(z * np.sqrt(2 * p * (1 - p) / n))
    if kind == "rate_per_1000":
        return float(z * np.sqrt(2 * (p / 1000) / n) * 1000)
    return float("nan")


def targets_for_initiative(
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    areas: list[str],
    focus_areas: dict[str, list[str]],
    start: int,
    years: int,
    baseline: str = "last_year",
    baseline_years: int = 3,
    rule: str = "close_gap",
    gap_share: float = 0.5,
    relative_change: float = -0.1,
    reference: str = "kommune",
    scale: str = "linear",
) -> pd.DataFrame:
    """One row per (area, indicator) with baseline, end target, detectability and yearly targets.

    ``rates`` has ``area, year, indicator, value, denominator`` and the reference
    columns ``kommune_value`` and ``norway_value``.
    """
    known = set(rates["indicator"])
    for focus, inds in focus_areas.items():
        for ind in inds:
            if ind not in catalogue or ind not in known:
                raise ConfigError(f"targets.focus_areas.{focus}: indicator {ind!r} is not in the study's data.")
    ref_col = "kommune_value" if reference == "kommune" else "norway_value"
    base_years = [start - 1] if baseline == "last_year" else list(range(start - baseline_years, start))
    have = set(rates["year"])
    missing_years = [y for y in base_years if y not in have]
    if missing_years:
        raise ConfigError(f"targets: baseline year(s) {missing_years} have no data; the data cover "
                          f"{min(have)}–{max(have)}. Move the initiative's start or the baseline.")
    end = start + years
    plan_years = list(range(start, end + 1))
    rows = []
    for focus, inds in focus_areas.items():
        for ind_id in inds:
            ind = catalogue[ind_id]
            sub = rates[(rates["indicator"] == ind_id) & rates["year"].isin(base_years)]
            for area in areas:
                a = sub[sub["area"] == area]
                if a.empty:
                    raise ConfigError(f"targets: no data for area {area!r}, indicator {ind_id!r}.")
                base = float(a["value"].mean())
                ref = float(a[ref_col].mean())
                den = float(a["denominator"].mean())
                worse = (base > ref) if ind.direction == "higher_is_worse" else (base < ref)
                if rule == "close_gap":
                    target = base - gap_share * (base - ref) if worse else base
                else:
                    sign = 1.0 if ind.direction == "higher_is_better" else -1.0
                    target = base * (1 + sign * abs(relative_change))
                use_scale = scale if (ind.kind == "share" and 0 < base < 1 and 0 < target < 1) else "linear"
                path = trajectory(base, target, plan_years, scale=use_scale)
                mdc = detectable_change(base, den, kind=ind.kind)
                row = {
                    "focus_area": focus, "area": area, "indicator": ind_id, "baseline_years": f"{base_years[0]}"
                    + (f"–{base_years[-1]}" if len(base_years) > 1 else ""),
                    "baseline": base, "reference": ref, "target": target, "end_year": end,
                    "change": target - base, "detectable_change": mdc,
                    "measurable": bool(np.isfinite(mdc) and abs(target - base) >= mdc),
                    "denominator": den,
                }
                row.update({f"target_{y}": v for y, v in zip(plan_years, path, strict=True)})
                rows.append(row)
    return pd.DataFrame(rows)
