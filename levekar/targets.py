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

__all__ = [
    "STATUS_CODES",
    "check_target_rules",
    "detectable_change",
    "progress",
    "targets_for_initiative",
    "trajectory",
]

# A target's status; levekar.render.presentation has the bokmål words.
STATUS_CODES = (
    "reached",
    "on_track",
    "too_early",
    "behind",
    "not_measurable",
    "no_data",
    "no_baseline",
)


def trajectory(
    baseline: float, target: float, years: list[int], *, scale: str = "linear"
) -> np.ndarray:
    """Interpolate yearly values from ``baseline`` (first year) to ``target`` (last year).

    Parameters
    ----------
    baseline : float
        The value in the first year.
    target : float
        The value in the last year.
    years : list of int
        The years; only their number is used (evenly spaced steps).
    scale : {"linear", "logit"}, default "linear"
        ``"logit"`` interpolates linearly on the log-odds scale (for shares strictly
        between 0 and 1); any other value is linear.

    Returns
    -------
    numpy.ndarray
        One value per year, from ``baseline`` to ``target``.

    Examples
    --------
    >>> trajectory(0.30, 0.20, [2023, 2024, 2025]).round(3).tolist()
    [0.3, 0.25, 0.2]
    """
    t = np.linspace(0.0, 1.0, len(years))
    if scale == "logit":
        return expit(logit(baseline) + t * (logit(target) - logit(baseline)))
    return baseline + t * (target - baseline)


def detectable_change(
    p: float, n: float, *, kind: str = "share", alpha: float = 0.05, power: float = 0.8
) -> float:
    """Compute the smallest change in a share (or rate per 1,000) detectable between two years.

    Two independent samples of size ``n``: ``(z_{1-α/2} + z_{power}) · sqrt(2·var/n)``,
    with var = p(1 − p) for a share and p/1000 for a rate per 1,000.

    Parameters
    ----------
    p : float
        The baseline value: a share (0–1) or a rate per 1,000.
    n : float
        People in each year (the denominator).
    kind : str, default "share"
        ``"share"`` or ``"rate_per_1000"``; any other kind (means, medians) gives NaN.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Power of the test.

    Returns
    -------
    float
        The detectable change on the value's scale; NaN when ``p`` or ``n`` is not
        finite, ``n`` ≤ 0, or the kind has no formula.

    Examples
    --------
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
    rules: dict[str, dict] | None = None,
    area_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Set baseline, end target, detectability and yearly targets per (area, indicator).

    ``rates`` has ``code, year, indicator, value, denominator`` and the reference
    columns ``kommune_value`` and ``norway_value``. ``rules`` overrides the rule per
    indicator: ``{"rule": "close_gap", "gap_share": .., "reference": ..}``,
    ``{"rule": "reach_value", "value": ..}``, ``{"rule": "relative_change",
    "relative_change": ..}`` or ``{"rule": "manual", "values": {area: end target}}``
    (areas by code or, with ``area_names``, by name).

    Parameters
    ----------
    rates : pandas.DataFrame
        The rates table (see above); ``value`` is used, published or not.
    catalogue : Catalogue
        Indicator definitions (kind and direction).
    areas : list of str
        The initiative's area codes.
    focus_areas : dict of str to list of str
        Indicator ids per focus area.
    start : int
        The initiative's first year.
    years : int
        The initiative's length: the end year is ``start + years``.
    baseline : str, default "last_year"
        ``"last_year"``: the value of ``start - 1``; any other value: the mean over the
        ``baseline_years`` years before ``start``.
    baseline_years : int, default 3
        Years in a mean baseline.
    rule : {"close_gap", "reach_value", "relative_change", "manual"}, default "close_gap"
        The default rule (see the module docstring).
    gap_share : float, default 0.5
        Share of the gap to the reference closed by ``close_gap``.
    relative_change : float, default -0.1
        Relative change of ``relative_change``; its sign is ignored: the target
        improves by ``abs(relative_change)`` (up for higher-is-better indicators, down
        otherwise).
    reference : {"kommune", "norway"}, default "kommune"
        The reference of ``close_gap``; any value but "kommune" uses ``norway_value``.
    scale : {"linear", "logit"}, default "linear"
        The trajectory's scale; ``"logit"`` only for shares with baseline and target
        strictly between 0 and 1, linear otherwise.
    rules : dict of str to dict, optional
        Per-indicator rule overrides (see above).
    area_names : dict of str to str, optional
        Area names by code, so that manual values may be keyed by name.

    Returns
    -------
    pandas.DataFrame
        One row per focus area, indicator and area: ``focus_area, code, indicator,
        baseline_years`` (e.g. ``"2021–2023"``), ``baseline``, ``reference_value``,
        ``target_value``, ``end_year``, ``change``, ``detectable_change``,
        ``measurable`` (the change is at least the detectable change, or 0),
        ``denominator`` (mean over the baseline years) and ``target_<year>`` for every
        year from ``start`` to the end year.

    Raises
    ------
    ConfigError
        If a focus indicator has no data, a baseline year has no data, an area has no
        data for an indicator, a rule is unknown or lacks its value, or ``close_gap``
        has no reference value.
    """
    known = set(rates["indicator"])
    for focus, inds in focus_areas.items():
        for ind in inds:
            if ind not in catalogue or ind not in known:
                raise ConfigError(
                    f"targets.focus_areas.{focus}: indicator {ind!r} is not in the study's data."
                )
    base_years = (
        [start - 1] if baseline == "last_year" else list(range(start - baseline_years, start))
    )
    have = set(rates["year"])
    missing_years = [y for y in base_years if y not in have]
    if missing_years and baseline == "mean" and any(y in have for y in base_years):
        # A pooled baseline uses the years it has (the table states which).
        base_years, missing_years = [y for y in base_years if y in have], []
    if missing_years:
        raise ConfigError(
            f"targets: baseline year(s) {missing_years} have no data; the data cover "
            f"{min(have)}–{max(have)}. Move the initiative's start or the baseline."
        )
    end = start + years
    plan_years = list(range(start, end + 1))
    rows = []
    for focus, inds in focus_areas.items():
        for ind_id in inds:
            ind = catalogue[ind_id]
            sub = rates[(rates["indicator"] == ind_id) & rates["year"].isin(base_years)]
            for area in areas:
                # An area without the indicator's data gets a target row with no baseline
                # (NaN): the run warns of it (target_without_baseline) instead of stopping.
                a = sub[sub["code"] == area]
                base = _pooled_value(a, ind)
                den = float(a["denominator"].mean())
                r = {
                    "rule": rule,
                    "gap_share": gap_share,
                    "relative_change": relative_change,
                    "reference": reference,
                    **(rules or {}).get(ind_id, {}),
                }
                ref = float(
                    a["kommune_value" if r["reference"] == "kommune" else "norway_value"].mean()
                )
                if not np.isfinite(base) or (r["rule"] == "close_gap" and not np.isfinite(ref)):
                    # No usable baseline (missing or mostly suppressed): no target can be set.
                    target = float("nan")
                else:
                    target = _end_target(r, base, ref, ind, area, area_names or {}, focus)
                use_scale = (
                    scale if (ind.kind == "share" and 0 < base < 1 and 0 < target < 1) else "linear"
                )
                path = trajectory(base, target, plan_years, scale=use_scale)
                # Exact counts have no sampling error: any change is a real one.
                mdc = _mdc(base, den, ind)
                row = {
                    "focus_area": focus,
                    "code": area,
                    "indicator": ind_id,
                    "baseline_years": f"{base_years[0]}"
                    + (f"–{base_years[-1]}" if len(base_years) > 1 else ""),
                    "baseline": base,
                    "reference_value": ref,
                    "target_value": target,
                    "end_year": end,
                    "change": target - base,
                    "detectable_change": mdc,
                    # A target to hold the level asks for no change, so there is nothing to
                    # detect.
                    "measurable": bool(
                        np.isfinite(target)
                        and (
                            abs(target - base) < 1e-12
                            or (np.isfinite(mdc) and abs(target - base) >= mdc)
                        )
                    ),
                    "denominator": den,
                }
                row.update(_measurable_if(base, target, den, ind, len(base_years)))
                row.update({f"target_{y}": v for y, v in zip(plan_years, path, strict=True)})
                rows.append(row)
    out = pd.DataFrame(rows)
    out["measurable_if_areas_pooled"] = _areas_pooled(out, catalogue)
    return out


def _pooled_value(a: pd.DataFrame, ind) -> float:
    """Return the baseline: the rate over the baseline years' pooled counts (means: mean)."""
    if {"numerator", "denominator"} <= set(a.columns) and ind.kind in ("share", "rate_per_1000"):
        ok = a["value"].notna() & a["numerator"].notna() & (a["denominator"] > 0)
        if ok.any():
            return float(a.loc[ok, "numerator"].sum() / a.loc[ok, "denominator"].sum() * ind.scale)
    return float(a["value"].mean())


def _mdc(base, den, ind) -> float:
    """Return the detectable change; 0 for exact counts (no sampling error)."""
    return 0.0 if ind.exact else detectable_change(base, den, kind=ind.kind)


def _measurable_if(base: float, target: float, den: float, ind, n_years: int) -> dict:
    """Say what would make a target measurable.

    The smallest change the numbers can show, and whether comparing three pooled years
    (at the end as at the start) would show the target's change.
    """
    change = abs(target - base) if np.isfinite(target) else np.nan
    years3 = _mdc(base, 3 * den, ind)
    return {
        "measurable_change": _mdc(base, den, ind),
        "measurable_if_years_pooled": bool(np.isfinite(years3) and change >= years3),
    }


def _areas_pooled(out: pd.DataFrame, catalogue: Catalogue) -> pd.Series:
    """Whether the change would be measurable for the initiative's areas taken together."""
    if out.empty:
        return pd.Series(dtype=bool)
    total = out.groupby("indicator")["denominator"].transform("sum")
    mdc = [
        _mdc(b, n, catalogue[i])
        for b, n, i in zip(out["baseline"], total, out["indicator"], strict=True)
    ]
    change = (out["target_value"] - out["baseline"]).abs()
    return pd.Series(np.isfinite(mdc) & (change >= np.asarray(mdc)), index=out.index)


def check_target_rules(
    rules: dict[str, dict],
    focus_areas: dict[str, list[str]],
    *,
    areas: list[str],
    names: dict[str, str],
    source: str = "study",
) -> None:
    """Refuse target rules that would be ignored.

    A rule for an indicator in no focus area, or a manual value for an area outside the
    initiative, matches nothing.

    Parameters
    ----------
    rules
        ``targets.rules``: indicator id → rule (as dicts).
    focus_areas
        Focus area → indicator ids.
    areas
        The initiative's codes.
    names
        Area names by code (manual values may name an area by code or name).
    source
        The study, for the message.

    Raises
    ------
    ConfigError
        Listing every rule that matches nothing.
    """
    from .findings import problems_text

    in_focus = {i for inds in focus_areas.values() for i in inds}
    known = set(areas) | {names.get(a, a) for a in areas}
    problems = []
    for ind, rule in rules.items():
        if ind not in in_focus:
            problems.append(
                f"targets.rules.{ind}: {ind!r} is in no focus area ({sorted(in_focus)}); the "
                "rule would be ignored. Add it to targets.focus_areas or remove the rule."
            )
        for area in rule.get("values") or {}:
            if area not in known:
                problems.append(
                    f"targets.rules.{ind}.values: {area!r} is not an initiative area; the "
                    f"initiative has {sorted(names.get(a, a) for a in areas)}."
                )
    if problems:
        raise ConfigError(problems_text(problems, source=source))


def _end_target(
    r: dict, base: float, ref: float, ind, area: str, names: dict[str, str], focus: str
) -> float:
    """Return the end-year target for one area and indicator under rule ``r``."""
    where = f"targets.rules.{ind.id}"
    kind = r["rule"]
    if kind == "close_gap":
        worse = (base > ref) if ind.direction == "higher_is_worse" else (base < ref)
        if not np.isfinite(ref):
            raise ConfigError(f"{where}: no {r['reference']} value to close the gap to.")
        return base - float(r["gap_share"]) * (base - ref) if worse else base
    if kind == "reach_value":
        if "value" not in r:
            raise ConfigError(f"{where}: rule 'reach_value' needs 'value'.")
        return float(r["value"])
    if kind == "relative_change":
        sign = 1.0 if ind.direction == "higher_is_better" else -1.0
        return base * (1 + sign * abs(float(r["relative_change"])))
    if kind == "manual":
        values = r.get("values", {})
        for key in (area, names.get(area)):
            if key in values:
                return float(values[key])
        raise ConfigError(
            f"{where}: rule 'manual' has no value for area {names.get(area, area)!r}."
        )
    raise ConfigError(
        f"{where}: unknown rule {kind!r}; use close_gap, reach_value, relative_change or manual."
    )


def _at_least_as_good(a: float, b: float, lower_is_better: bool) -> bool:
    return a <= b + 1e-12 if lower_is_better else a >= b - 1e-12


def progress(
    targets: pd.DataFrame, rates: pd.DataFrame, catalogue: Catalogue, *, year: int | None = None
) -> pd.DataFrame:
    """Compare each target with the latest actual value and give its status.

    For each target the latest year with data (up to ``year``) and within the
    plan's years is compared with that year's trajectory value:

    * ``reached``: the value is at or better than the end target (and the target asks
      for a change);
    * ``on_track``: at or better than the trajectory, or the trajectory lies inside the
      value's 95 % interval (the difference cannot be told from noise);
    * ``behind``: worse than the trajectory, with the whole interval on the worse side
      (or, for a value without an interval, simply worse);
    * ``not_measurable``: the target is smaller than the change the area's numbers can
      show;
    * ``no_baseline``: no target could be set (the baseline is missing or mostly
      suppressed);
    * ``no_data``: no value yet in the plan's years.

    Returns ``targets`` with ``latest_year``, ``latest_value``, ``latest_ci_low``,
    ``latest_ci_high``, ``expected`` (the trajectory value that year) and ``status``
    (a code from :data:`STATUS_CODES`).

    Parameters
    ----------
    targets : pandas.DataFrame
        Targets as from :func:`targets_for_initiative` (with ``target_<year>`` columns).
    rates : pandas.DataFrame
        Rates with ``code, year, indicator, value, ci_low, ci_high``.
    catalogue : Catalogue
        Indicator definitions (direction: only ``higher_is_better`` counts higher as
        better).
    year : int, optional
        Ignore data after this year (default: use the latest year with data).

    Returns
    -------
    pandas.DataFrame
        A copy of ``targets`` with the six columns above; NaN in the first five for
        ``no_data``.
    """
    out = targets.copy()
    plan_years = sorted(
        int(c[7:]) for c in targets.columns if c.startswith("target_") and c[7:].isdigit()
    )
    cols = {
        "latest_year": [],
        "latest_value": [],
        "latest_ci_low": [],
        "latest_ci_high": [],
        "expected": [],
        "status": [],
    }
    for _, t in targets.iterrows():
        ind = catalogue[t["indicator"]]
        better_low = ind.direction != "higher_is_better"
        r = rates[
            (rates["code"] == t["code"])
            & (rates["indicator"] == t["indicator"])
            & rates["year"].isin(plan_years)
            & rates["value"].notna()
        ]
        if year is not None:
            r = r[r["year"] <= year]
        if not np.isfinite(t["target_value"]):
            vals = (np.nan, np.nan, np.nan, np.nan, np.nan, "no_baseline")
        elif r.empty:
            vals = (np.nan, np.nan, np.nan, np.nan, np.nan, "no_data")
        else:
            last = r.sort_values("year").iloc[-1]
            y = int(last["year"])
            expected = float(t[f"target_{y}"])
            v, lo, hi = float(last["value"]), float(last["ci_low"]), float(last["ci_high"])

            wants_change = abs(t["target_value"] - t["baseline"]) > 1e-12
            has_ci = np.isfinite(lo) and np.isfinite(hi)
            wrong_way = not _at_least_as_good(v, t["baseline"], better_low)
            if not t["measurable"]:
                status = "not_measurable"
            elif wants_change and _at_least_as_good(v, t["target_value"], better_low):
                status = "reached"
            elif wrong_way:
                # Direction first: a value that got worse is never on track; if its interval
                # still holds the baseline, the numbers cannot yet tell.
                status = "too_early" if has_ci and lo <= t["baseline"] <= hi else "behind"
            elif _at_least_as_good(v, expected, better_low):
                status = "on_track"
            elif has_ci and lo <= expected <= hi:
                status = "too_early"
            else:
                status = "behind"
            vals = (y, v, lo, hi, expected, status)
        for key, val in zip(cols, vals, strict=True):
            cols[key].append(val)
    for key, val in cols.items():
        out[key] = val
    return out
