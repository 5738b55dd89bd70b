"""Living-conditions indicators: tidy observations, aggregation through crosswalks, honest rates.

Observations are tidy, one row per ``code, year, indicator`` with ``numerator``,
``denominator`` and ``status``. ``status`` keeps SSB's symbols apart:

========  =====================================================================
``""``    a value
``-``     zero (nil): numerator 0
``..``    not available: numerator missing
``:``     suppressed for confidentiality: numerator missing, known to lie in
          ``[0, suppressed_max]`` (from the indicator definition)
``.``     cannot occur: numerator missing
========  =====================================================================

Counts, not rates, travel through aggregation. A suppressed source cell never
becomes 0: the aggregated numerator carries bounds (``numerator_low``,
``numerator_high``); the point value is their midpoint and is flagged
``partly_suppressed``. Means and medians (kind ``mean``/``median``) are carried as
``value × denominator`` so that aggregation gives a denominator-weighted mean of
the area values: an approximation for medians, flagged ``approximate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from .catalogue import Catalogue
from .codes import apply_code_changes, code_change_merges
from .crosswalk import Crosswalk, apply_crosswalk, total_crosswalk
from .errors import ConfigError, DataError
from .findings import Findings, problems_text

__all__ = [
    "OBS_COLUMNS",
    "STATUS_SYMBOLS",
    "IndicatorTables",
    "YearData",
    "aggregate_observations",
    "current_observations",
    "disclosure_threshold",
    "indicator_tables",
    "norway_values",
    "observations_from_rates",
    "poisson_interval",
    "pool_years",
    "population_from_denominators",
    "rates_from_counts",
    "secondary_suppression",
    "shrink_rates",
    "significantly_worse",
    "validate_observations",
    "wilson_interval",
    "worse_in_batches",
    "worse_than_reference",
    "year_data",
]

OBS_COLUMNS = ("code", "year", "indicator", "numerator", "denominator", "status")
STATUS_SYMBOLS = ("", "-", "..", ":", ".")


def _where(out: pd.DataFrame, mask: np.ndarray) -> list[str]:
    """``line N`` (from the file's ``line`` column) or ``row N`` (0-based) for each flagged row."""
    pos = np.flatnonzero(mask)
    if "line" in out.columns:
        return [f"line {int(v)}" for v in out["line"].to_numpy()[pos]]
    return [f"row {int(k)}" for k in pos]


def _each_distinct(values: pd.Series, transform) -> pd.Series:
    """Apply an elementwise ``transform`` of a text column once per distinct value.

    The same Series as ``transform(values)`` (values, dtype, index), at the cost of the
    distinct values only.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    done = transform(pd.Series(distinct, dtype=values.dtype))
    return pd.Series(done.array.take(codes), index=values.index, name=values.name)


def validate_observations(
    obs: pd.DataFrame,
    catalogue: Catalogue,
    *,
    years: tuple[int, int] | None = None,
    source: str = "observations",
    code_width: int | None = None,
) -> pd.DataFrame:
    """Check a tidy observation table and return it with normalised types.

    Every problem in the table is found before anything is raised, and one
    :class:`~levekar.errors.DataError` lists them all (the first 20, then how many
    more), each naming the line (``line`` column, as the readers keep it) or the row
    (0-based position), the column and the value: unknown status symbols and
    indicators, years that are not years or are outside ``years``, counts that are not
    numbers or are negative, a positive numerator on a zero denominator, numerators
    above denominators (shares) and duplicate rows.

    Parameters
    ----------
    obs : pandas.DataFrame
        Tidy observations: ``code, year, indicator, numerator, denominator`` and
        optionally ``status`` (one of :data:`STATUS_SYMBOLS`; "" when absent),
        ``approximate`` and ``line`` (the row's line in its file, for the messages).
    catalogue : Catalogue
        Indicator definitions; every ``indicator`` must be in it.
    years : (int, int), optional
        The study's first and last year (inclusive); no check when None.
    source : str, default "observations"
        Name of the table, used in error messages.
    code_width : int, optional
        When given, codes are zero-padded to this many digits; a code that is not
        digits is a problem.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`OBS_COLUMNS` (and ``approximate`` when given, as bool), index
        reset: codes and indicators as stripped strings, ``year`` as int, counts as
        float. Status decides the numerator: 0 for ``-``, missing for ``..``, ``:`` and
        ``.``; a row with no status and no numerator gets ``..``.

    Raises
    ------
    DataError
        Listing every problem: a missing column (at once), an unknown status symbol or
        indicator, a code that is not digits, a year that is not a whole number or lies
        outside ``years``, a count that is not a number or is negative, a positive
        numerator on a zero denominator, a share's numerator above its denominator, or a
        repeated ``code, year, indicator``.
    """
    missing = [c for c in OBS_COLUMNS if c not in obs.columns and c != "status"]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}; expected {list(OBS_COLUMNS)}.")
    out = obs.reset_index(drop=True).copy()
    if "status" not in out.columns:
        out["status"] = ""
    problems: list[str] = []

    def flag(mask, text) -> None:
        mask = np.asarray(mask, dtype=bool)
        for where, k in zip(_where(out, mask), np.flatnonzero(mask), strict=True):
            what = text(k)
            problems.append(f"{where}{', ' if what.startswith('column') else ': '}{what}")

    # Text is cleaned once per distinct value: a column repeats a few values many times.
    out["status"] = _each_distinct(out["status"].fillna("").astype(str), lambda v: v.str.strip())
    out["code"] = _each_distinct(
        out["code"].astype(str), lambda v: v.str.strip().str.replace(r"\.0$", "", regex=True)
    )
    if code_width is not None:
        not_code = ~_each_distinct(out["code"], lambda v: v.str.fullmatch(rf"\d{{1,{code_width}}}"))
        flag(
            not_code,
            lambda k: (
                f"column 'code': {out['code'].iloc[k]!r} is not a code of at most "
                f"{code_width} digits (e.g. '31071203')."
            ),
        )
        padded = _each_distinct(out["code"], lambda v: v.str.zfill(code_width))
        out["code"] = out["code"].where(not_code, padded)
    out["indicator"] = _each_distinct(out["indicator"].astype(str), lambda v: v.str.strip())
    flag(
        ~out["status"].isin(STATUS_SYMBOLS),
        lambda k: (
            f"column 'status': unknown symbol {out['status'].iloc[k]!r}; "
            f"expected one of {list(STATUS_SYMBOLS)}."
        ),
    )
    flag(
        ~out["indicator"].isin(list(catalogue)),
        lambda k: (
            f"column 'indicator': unknown indicator {out['indicator'].iloc[k]!r}. "
            "Define it in the study's [indicators] table."
        ),
    )
    year = pd.to_numeric(out["year"], errors="coerce")
    not_year = (year.isna() | (year % 1 != 0)).to_numpy()
    flag(not_year, lambda k: f"column 'year': {obs['year'].iloc[k]!r} is not a year.")
    out["year"] = year.fillna(-1).astype(int)
    if years is not None:
        outside = ~not_year & ((out["year"] < years[0]) | (out["year"] > years[1])).to_numpy()
        flag(
            outside,
            lambda k: (
                f"column 'year': {out['year'].iloc[k]} is outside the study's years "
                f"{years[0]}–{years[1]}."
            ),
        )
    for col in ("numerator", "denominator"):
        raw = out[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = (num.isna() & raw.notna()).to_numpy()
        flag(bad, lambda k, raw=raw, col=col: f"column {col!r}: {raw.iloc[k]!r} is not a number.")
        out[col] = num.astype(float)
        flag(
            (out[col] < 0).to_numpy(),
            lambda k, col=col: f"column {col!r}: negative count {out[col].iloc[k]:g}.",
        )
    # Status symbols decide the numerator.
    out.loc[out["status"] == "-", "numerator"] = 0.0
    out.loc[out["status"].isin(["..", ":", "."]), "numerator"] = np.nan
    no_value = (out["status"] == "") & out["numerator"].isna()
    out.loc[no_value, "status"] = ".."
    flag(
        ((out["denominator"] == 0) & (out["numerator"] > 0)).to_numpy(),
        lambda k: (
            f"column 'denominator': 0 under a numerator of {out['numerator'].iloc[k]:g} "
            f"({out['indicator'].iloc[k]}, area {out['code'].iloc[k]}, "
            f"year {out['year'].iloc[k]}); "
            "a rate on nobody cannot be published. Give the real denominator, or mark the "
            "cell missing (..)."
        ),
    )
    kinds = out["indicator"].map({k: v.kind for k, v in catalogue.items()})
    over = ((kinds == "share") & (out["numerator"] > out["denominator"] + 1e-9)).to_numpy()
    flag(
        over,
        lambda k: (
            f"numerator {out['numerator'].iloc[k]:g} is above denominator "
            f"{out['denominator'].iloc[k]:g} for share indicator {out['indicator'].iloc[k]!r} "
            f"(area {out['code'].iloc[k]}, year {out['year'].iloc[k]})."
        ),
    )
    dup = out.duplicated(["code", "year", "indicator"], keep="first").to_numpy()
    first_of = (
        out.reset_index()
        .groupby(["code", "year", "indicator"])["index"]
        .transform("min")
        .to_numpy()
        if dup.any()
        else None
    )
    flag(
        dup,
        lambda k: (
            f"duplicate rows for area {out['code'].iloc[k]!r}, year {out['year'].iloc[k]}, "
            f"indicator {out['indicator'].iloc[k]!r} (first at "
            f"{_where(out, np.arange(len(out)) == first_of[k])[0]})."
        ),
    )
    if problems:
        # Problems in file order, whatever the check that found them.
        def order(text: str) -> int:
            return int(text.split()[1].rstrip(",:"))

        problems.sort(key=order)
        raise DataError(problems_text(problems, source=source))
    cols = list(OBS_COLUMNS) + (["approximate"] if "approximate" in out.columns else [])
    if "approximate" in out.columns:
        out["approximate"] = out["approximate"].fillna(False).astype(bool)
    return out[cols].reset_index(drop=True)


def observations_from_rates(
    table: pd.DataFrame,
    *,
    indicator: str,
    code: str,
    year: str,
    rate: str,
    population: pd.Series | float | str,
    per: float = 100.0,
    source: str = "rates table",
    approximate: bool = True,
    mean: bool = False,
) -> pd.DataFrame:
    """Approximate counts from a table that gives only rates (e.g. per cent) and a population.

    ``numerator = rate / per × population``; rows are flagged ``approximate`` (unless
    the population is the published denominator) and the flag follows them to every
    value, interval and probability computed from them. ``population`` is a Series indexed
    by area code, or one number for all areas. Rates written with a decimal comma
    ("7,53") are read; a missing population is an error naming the area.

    Parameters
    ----------
    table : pandas.DataFrame
        The rates table.
    indicator : str
        The indicator id every row gets.
    code, year, rate : str
        Names of the columns holding the area code, the year and the rate.
    population : pandas.Series, float or str
        The denominator: people per area code, one number for every area, or the name
        of a column of ``table`` holding each row's denominator.
    per : float, default 100.0
        What the rate is per (100 for per cent, 1000 for per thousand).
    source : str, default "rates table"
        Name of the table, used in error messages.
    approximate : bool, default True
        The flag every row gets: True when the population is assumed (the counts are
        then only as good as that assumption), False when it is the published
        denominator of the rates.
    mean : bool, default False
        The rates are means or medians (kind ``mean``/``median``): the numerator is then
        the value itself (levekar's convention for means), not ``rate / per × population``.

    Returns
    -------
    pandas.DataFrame
        Tidy observations ``code, year, indicator, numerator, denominator, status,
        approximate``: ``numerator = rate / per × population``, ``denominator`` the
        population, ``status`` ``..`` where the rate is missing.
        Codes are stripped strings; years are as given.

    Raises
    ------
    DataError
        If a column is missing, a rate is not a number, or an area has no population.
    """
    for col in (code, year, rate):
        if col not in table.columns:
            raise DataError(f"{source}: no column {col!r}; columns are {list(table.columns)}.")
    values = pd.to_numeric(
        table[rate].astype(str).str.replace(",", ".", regex=False).str.strip(), errors="coerce"
    )
    bad = values.isna() & table[rate].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{source}: row {row}, column {rate!r}: {table[rate].iloc[row]!r} is not a rate."
        )
    codes = table[code].astype(str).str.strip()
    if isinstance(population, str):
        if population not in table.columns:
            raise DataError(
                f"{source}: no column {population!r}; columns are {list(table.columns)}."
            )
        population = pd.to_numeric(table[population], errors="coerce")
        pop = population
    else:
        pop = population if np.isscalar(population) else codes.map(population)
    pop = pd.Series(pop, index=table.index, dtype=float) if np.isscalar(pop) else pop.astype(float)
    if pop.isna().any():
        first = codes[pop.isna()].iloc[0]
        raise DataError(f"{source}: no population for area {first!r}; give one for every area.")
    return pd.DataFrame(
        {
            "code": codes,
            "year": table[year],
            "indicator": indicator,
            "numerator": values if mean else values * pop / per,
            "denominator": pop,
            "status": np.where(values.isna(), "..", ""),
            "approximate": bool(approximate),
        }
    )


def _bounds(obs: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Add numerator bounds, flags and, for means/medians, value × denominator."""
    out = obs.copy()
    kind = out["indicator"].map({k: v.kind for k, v in catalogue.items()})
    smax = out["indicator"].map({k: float(v.suppressed_max) for k, v in catalogue.items()})
    supp = out["status"] == ":"
    out["numerator_low"] = out["numerator"]
    out["numerator_high"] = out["numerator"]
    out.loc[supp, "numerator_low"] = 0.0
    out.loc[supp, "numerator_high"] = np.minimum(
        smax[supp], out.loc[supp, "denominator"].fillna(np.inf)
    )
    avg = kind.isin(["mean", "median"])
    # How much of the denominator sits in suppressed cells (the value rests on the rest).
    out["denominator_total"] = out["denominator"].fillna(0.0)
    out["denominator_suppressed"] = out["denominator"].where(supp, 0.0).fillna(0.0)
    # A suppressed mean or median has no bounds to carry: it is left out of the weighted mean
    # (weight 0) and counted in n_suppressed, so the area's value is flagged as an estimate.
    out.loc[avg & supp, ["numerator_low", "numerator_high"]] = 0.0
    out.loc[avg & supp, "denominator"] = 0.0
    for col in ("numerator", "numerator_low", "numerator_high"):
        out.loc[avg, col] = out.loc[avg, col] * out.loc[avg, "denominator"]
    out["n_suppressed"] = supp.astype(float)
    out["n_missing"] = out["status"].isin(["..", "."]).astype(float)
    out["n_sources"] = 1.0
    out["n_approximate"] = out["approximate"].astype(float) if "approximate" in out.columns else 0.0
    return out


def aggregate_observations(
    obs: pd.DataFrame,
    crosswalk: Crosswalk,
    catalogue: Catalogue,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sum counts from source areas to the crosswalk's targets, per year and indicator.

    Returns ``(counts, lost)``. ``counts`` has ``code, year, indicator, numerator,
    numerator_low, numerator_high, denominator, status, n_sources, n_suppressed``.
    ``lost`` lists the counts that reached no target and why.

    Parameters
    ----------
    obs : pandas.DataFrame
        Validated observations on the crosswalk's source codes (see
        :func:`validate_observations`).
    crosswalk : Crosswalk
        Source areas → target areas with weights.
    catalogue : Catalogue
        Indicator definitions (kind and ``suppressed_max``).

    Returns
    -------
    counts : pandas.DataFrame
        One row per target ``code, year, indicator``, sorted by indicator, year and code:
        ``numerator`` (the midpoint of the bounds when a source was suppressed),
        ``numerator_low``, ``numerator_high``, ``denominator`` (weighted sums; for means
        and medians, value × denominator), ``status`` (``""``, ``partly_suppressed``,
        ``..`` when a source value is missing, ``:`` when nothing is left to estimate
        from), and the unweighted source counts ``n_sources``, ``n_suppressed``,
        ``n_approximate``.
    lost : pandas.DataFrame
        The counts that reached no target, as :func:`~levekar.crosswalk.apply_crosswalk`
        reports them.
    """
    return _aggregate_bounded(_bounds(obs, catalogue), crosswalk)


def _aggregate_bounded(b: pd.DataFrame, crosswalk: Crosswalk) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`aggregate_observations` on observations with their bounds (:func:`_bounds`)."""
    cols = ("numerator_low", "numerator_high", "denominator")
    cols = (*cols, "denominator_total", "denominator_suppressed")
    summed, lost = apply_crosswalk(b, crosswalk, value_columns=cols, by=("year", "indicator"))
    # Flags travel unweighted: a source that reaches a target counts once there.
    flags = b[
        ["code", "year", "indicator", "n_suppressed", "n_missing", "n_sources", "n_approximate"]
    ].merge(crosswalk.table[["source_code", "target_code"]], left_on="code", right_on="source_code")
    flags = flags.groupby(["target_code", "year", "indicator"], as_index=False)[
        ["n_suppressed", "n_missing", "n_sources", "n_approximate"]
    ].sum()
    out = summed.merge(
        flags.rename(columns={"target_code": "code"}), on=["code", "year", "indicator"], how="left"
    )
    partly = (out["n_suppressed"] > 0) & (out["n_missing"] == 0)
    out["numerator"] = np.where(
        partly, (out["numerator_low"] + out["numerator_high"]) / 2, out["numerator_low"]
    )
    out["status"] = np.select(
        [out["n_missing"] > 0, partly], ["..", "partly_suppressed"], default=""
    )
    out.loc[out["n_missing"] > 0, ["numerator", "numerator_low", "numerator_high"]] = np.nan
    # Every source suppressed (a mean with no weight left): nothing to estimate from.
    out.loc[partly & (out["denominator"] == 0), "status"] = ":"
    order = [
        "code",
        "year",
        "indicator",
        "numerator",
        "numerator_low",
        "numerator_high",
        "denominator",
        "status",
        "n_sources",
        "n_suppressed",
        "n_approximate",
        "suppressed_share",
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = out["denominator_suppressed"] / out["denominator_total"]
    out["suppressed_share"] = share.where(out["denominator_total"] > 0, 0.0).fillna(0.0)
    return out[order].sort_values(["indicator", "year", "code"]).reset_index(drop=True), lost


def wilson_interval(x, n, *, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Compute the Wilson score interval for a binomial share ``x / n``.

    Parameters
    ----------
    x : array_like
        Numerators (counts).
    n : array_like
        Denominators, broadcast against ``x``.
    conf : float, default 0.95
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
        The interval's bounds as shares, clipped to [0, 1]; NaN where ``n`` is 0 or missing.

    Examples
    --------
    >>> lo, hi = wilson_interval(10, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0552, 0.1744)
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    z = special.ndtri(0.5 + conf / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def poisson_interval(x, exposure, *, conf: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Compute the exact (Garwood) Poisson interval for a rate ``x / exposure``.

    Parameters
    ----------
    x : array_like
        Event counts.
    exposure : array_like
        Exposure (e.g. persons), broadcast against ``x``.
    conf : float, default 0.95
        Confidence level.

    Returns
    -------
    low, high : numpy.ndarray
        The interval's bounds as rates per unit of exposure (multiply by 1000 for per
        1,000); ``low`` is 0 where ``x`` is 0.

    Examples
    --------
    >>> lo, hi = poisson_interval(10, 1000)
    >>> round(float(lo) * 1000, 3), round(float(hi) * 1000, 3)
    (4.795, 18.39)
    """
    x = np.asarray(x, dtype=float)
    e = np.asarray(exposure, dtype=float)
    a = 1 - conf
    with np.errstate(invalid="ignore", divide="ignore"):
        # chi2.ppf(q, 2k) / 2 == gammaincinv(k, q)
        lo = np.where(x > 0, special.gammaincinv(np.where(x > 0, x, 1.0), a / 2), 0.0) / e
        hi = special.gammaincinv(x + 1, 1 - a / 2) / e
    return lo, hi


def disclosure_threshold(
    indicators: pd.Series, catalogue: Catalogue, *, min_denominator: int | None = None
) -> pd.Series:
    """Return the least denominator on which each row's value may be published.

    The one disclosure rule: the indicator's own ``min_denominator`` or the study's,
    whichever is larger. Every published value, interval, count and target rests on
    a denominator at least this large.

    Parameters
    ----------
    indicators : pandas.Series
        Indicator ids, one per row.
    catalogue : Catalogue
        Indicator definitions (their ``min_denominator``).
    min_denominator : int, optional
        The study-wide least denominator; only the indicators' own when None.

    Returns
    -------
    pandas.Series
        The threshold per row (float), same index as ``indicators``; NaN for an id
        not in the catalogue.

    Examples
    --------
    >>> from levekar.catalogue import load_catalogue
    >>> disclosure_threshold(pd.Series(["leie"]), load_catalogue(), min_denominator=50).tolist()
    [50.0]
    """
    own = indicators.map({k: v.min_denominator for k, v in catalogue.items()}).astype(float)
    return own if min_denominator is None else np.maximum(own, float(min_denominator))


def rates_from_counts(
    counts: pd.DataFrame,
    catalogue: Catalogue,
    *,
    conf: float = 0.95,
    min_denominator: int | None = None,
    max_suppressed_share: float = 0.2,
) -> pd.DataFrame:
    """Rates with intervals from aggregated counts, with disclosure control.

    Adds ``value`` (share 0–1, per 1,000, or the mean/median), ``ci_low``,
    ``ci_high`` (Wilson for shares, exact Poisson for rates per 1,000; none for
    means and medians, and none for exact counts, ``sampling = "exact"``, whose
    ``interval_method`` is ``"exact"``), ``published`` and ``publish_status``. A value whose
    denominator is below the indicator's ``min_denominator`` (or the study-wide
    ``min_denominator`` when larger) is not published: ``value`` stays for analysis
    but ``value_published`` is missing and ``publish_status`` is ``"suppressed"``.
    A value more than ``max_suppressed_share`` of whose denominator lies in cells SSB
    suppressed rests mostly on the assumed bounds: it is neither published nor scored
    (``value`` is missing, ``publish_status`` is ``"mostly_suppressed"``).

    Parameters
    ----------
    counts : pandas.DataFrame
        Aggregated counts, as from :func:`aggregate_observations`.
    catalogue : Catalogue
        Indicator definitions (kind, scale, ``min_denominator``).
    conf : float, default 0.95
        Confidence level of the intervals.
    min_denominator : int, optional
        The study-wide least denominator (see :func:`disclosure_threshold`).
    max_suppressed_share : float, default 0.2
        The largest share of the denominator that may lie in suppressed cells.

    Returns
    -------
    pandas.DataFrame
        ``counts`` with added columns ``value``, ``ci_low``, ``ci_high`` (from
        ``numerator_low`` and ``numerator_high``, so suppressed sources widen the
        interval), ``interval_method`` (``wilson``, ``poisson_exact``, ``exact`` or ""),
        ``approximate`` (means, medians and counts from rates), ``published``,
        ``publish_status`` (``suppressed`` when the denominator is below the threshold,
        0 or missing; ``mostly_suppressed``; ``missing``; ``estimated`` for a partly
        suppressed sum; ``ok``), ``value_published`` and ``min_denominator``.
    """
    out = counts.copy()
    ind = out["indicator"]
    kind = ind.map({k: v.kind for k, v in catalogue.items()})
    scale = ind.map({k: v.scale for k, v in catalogue.items()}).astype(float)
    min_den = disclosure_threshold(ind, catalogue, min_denominator=min_denominator)
    den = out["denominator"].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["value"] = np.where(den > 0, out["numerator"] / den, np.nan) * scale
    lo = np.full(len(out), np.nan)
    hi = np.full(len(out), np.nan)
    share = (kind == "share").to_numpy()
    lo[share] = wilson_interval(out.loc[share, "numerator_low"], den[share], conf=conf)[0]
    hi[share] = wilson_interval(out.loc[share, "numerator_high"], den[share], conf=conf)[1]
    rate = (kind == "rate_per_1000").to_numpy()
    lo[rate] = poisson_interval(out.loc[rate, "numerator_low"], den[rate], conf=conf)[0] * 1000
    hi[rate] = poisson_interval(out.loc[rate, "numerator_high"], den[rate], conf=conf)[1] * 1000
    # Exact counts (every person counted, e.g. accessibility) have no sampling error: no interval.
    exact = ind.map({k: v.exact for k, v in catalogue.items()}).fillna(False).to_numpy(bool)
    lo[exact] = hi[exact] = np.nan
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["interval_method"] = np.select(
        [exact, share, rate], ["exact", "wilson", "poisson_exact"], default=""
    )
    from_rates = (
        out["n_approximate"].fillna(0).to_numpy() > 0 if "n_approximate" in out.columns else False
    )
    out["approximate"] = kind.isin(["mean", "median"]).to_numpy() | from_rates
    mostly = (
        out["suppressed_share"].fillna(0.0) > max_suppressed_share
        if "suppressed_share" in out.columns
        else pd.Series(False, index=out.index)
    )
    out.loc[mostly, ["value", "ci_low", "ci_high"]] = np.nan
    small = (den < min_den) | den.isna() | (den == 0)
    out["published"] = ~small & out["value"].notna()
    out["publish_status"] = np.select(
        [small, mostly, out["value"].isna(), out["status"] == "partly_suppressed"],
        ["suppressed", "mostly_suppressed", "missing", "estimated"],
        default="ok",
    )
    out["value_published"] = out["value"].where(out["published"])
    out["min_denominator"] = min_den
    return out


def secondary_suppression(
    rates: pd.DataFrame, *, by: tuple[str, ...] = ("year", "indicator")
) -> pd.DataFrame:
    """Hide a second cell wherever one hidden cell could be re-derived from the total.

    Within each group (year and indicator), the kommune's total is published. If
    exactly one area is suppressed, its count is the total minus the others', so
    the published area with the smallest denominator is suppressed too
    (``publish_status = "suppressed_secondary"``).

    Parameters
    ----------
    rates : pandas.DataFrame
        Rates with ``published``, ``publish_status``, ``value_published`` and
        ``denominator`` (as from :func:`rates_from_counts`).
    by : tuple of str, default ("year", "indicator")
        The columns that define a group sharing one published total.

    Returns
    -------
    pandas.DataFrame
        A copy of ``rates`` with the secondary cells' ``published`` set to False,
        ``publish_status`` to ``suppressed_secondary`` and ``value_published`` to NaN.
        Groups with zero or several primary suppressions are left as they are.
    """
    out = rates.copy()
    for _, g in out.groupby(list(by), sort=False):
        primary = g["publish_status"] == "suppressed"
        if primary.sum() != 1:
            continue
        shown = g[g["published"]]
        if shown.empty:
            continue
        victim = shown["denominator"].astype(float).idxmin()
        out.loc[victim, ["published", "publish_status"]] = [False, "suppressed_secondary"]
        out.loc[victim, "value_published"] = np.nan
    return out


def shrink_rates(rates: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Empirical Bayes shrinkage of each area's rate toward the kommune's.

    Per year and indicator (shares and rates per 1,000 with random sampling only: exact
    counts are left as they are), the sampling variance
    of area i is v_i = p₀(1 − p₀)/n_i (shares) or p₀/n_i (rates), p₀ the kommune's
    value; the variance between areas τ² is estimated by the method of moments,
    τ² = max(0, var(p_i) − mean(v_i)). The shrunk value is B_i·p₀ + (1 − B_i)·p_i with
    B_i = v_i / (v_i + τ²): small areas move most. ``shrinkage`` = B_i is reported so
    that smoothing cannot hide a deprived pocket unnoticed. Adds ``value_shrunk``
    and ``shrinkage``. Groups with fewer than three areas are left as they are.

    Parameters
    ----------
    rates : pandas.DataFrame
        Rates with ``year, indicator, value, denominator``; when a ``kommune_value``
        column is present it is p₀, otherwise p₀ is the denominator-weighted mean of
        the areas' values.
    catalogue : Catalogue
        Indicator definitions (kind and scale).

    Returns
    -------
    pandas.DataFrame
        A copy of ``rates`` with ``value_shrunk`` (on the value's scale; the value
        itself where not shrunk) and ``shrinkage`` (B_i; 0 for shares and rates left
        as they are, NaN for means and medians).
    """
    out = rates.copy()
    kind = out["indicator"].map({k: v.kind for k, v in catalogue.items()})
    scale = out["indicator"].map({k: v.scale for k, v in catalogue.items()}).astype(float)
    exact = out["indicator"].map({k: v.exact for k, v in catalogue.items()}).fillna(False)
    ok = (
        kind.isin(["share", "rate_per_1000"])
        & ~exact.astype(bool)
        & out["value"].notna()
        & (out["denominator"] > 0)
    )
    p = out["value"] / scale
    n = out["denominator"].astype(float)
    if "kommune_value" in out:
        p0 = out["kommune_value"] / scale
    else:
        p0 = (p * n).where(ok).groupby([out["year"], out["indicator"]]).transform("sum") / n.where(
            ok
        ).groupby([out["year"], out["indicator"]]).transform("sum")
    v = np.where(kind == "share", p0 * (1 - p0) / n, p0 / n)
    v = pd.Series(v, index=out.index).where(ok)
    keys = [out["year"], out["indicator"]]
    count = ok.groupby(keys).transform("sum")
    var_between = p.where(ok).groupby(keys).transform(lambda x: x.var(ddof=1))
    tau2 = (var_between - v.groupby(keys).transform("mean")).clip(lower=0.0)
    b = pd.Series(np.where(tau2 > 0, v / (v + tau2), 1.0), index=out.index)
    use = ok & (count >= 3)
    out["value_shrunk"] = out["value"].where(~use, scale * (b * p0 + (1 - b) * p))
    out["shrinkage"] = np.where(
        use, b, np.where(kind.isin(["share", "rate_per_1000"]), 0.0, np.nan)
    )
    return out


def worse_than_reference(
    ci_low, ci_high, reference, higher_is_worse, higher_is_better
) -> np.ndarray:
    """Test whether each interval lies wholly on the worse side of the reference value.

    Arrays broadcast together; a missing interval or reference is never worse. This
    is the one definition of "significantly worse", used by the selection's reasons,
    the multiple-deprivation rule and its Monte Carlo draws.

    Parameters
    ----------
    ci_low, ci_high : array_like
        The intervals' bounds.
    reference : array_like
        The reference value (e.g. the kommune's).
    higher_is_worse : array_like of bool
        Where True, worse means ``ci_low > reference``.
    higher_is_better : array_like of bool
        Where True, worse means ``ci_high < reference``. Where both are False
        (descriptive indicators), nothing is worse.

    Returns
    -------
    numpy.ndarray of bool
        True where the interval is wholly on the worse side.
    """
    lo = np.asarray(ci_low, dtype=float)
    hi = np.asarray(ci_high, dtype=float)
    ref = np.asarray(reference, dtype=float)
    with np.errstate(invalid="ignore"):
        worse = (np.asarray(higher_is_worse, bool) & (lo > ref)) | (
            np.asarray(higher_is_better, bool) & (hi < ref)
        )
    return worse & np.isfinite(ref)


def significantly_worse(rates: pd.DataFrame, catalogue: Catalogue) -> pd.Series:
    """Flag the rows of ``rates`` whose interval lies wholly on the worse side of the kommune's.

    Parameters
    ----------
    rates : pandas.DataFrame
        Rates with ``indicator``, ``ci_low``, ``ci_high`` and ``kommune_value``.
    catalogue : Catalogue
        Indicator definitions (direction).

    Returns
    -------
    pandas.Series of bool
        Same index as ``rates`` (see :func:`worse_than_reference`); False for
        descriptive indicators and for ids not in the catalogue.
    """
    hiw = rates["indicator"].map(
        {k: v.direction == "higher_is_worse" for k, v in catalogue.items()}
    )
    hib = rates["indicator"].map(
        {k: v.direction == "higher_is_better" for k, v in catalogue.items()}
    )
    worse = worse_than_reference(
        rates["ci_low"],
        rates["ci_high"],
        rates["kommune_value"],
        hiw.fillna(False).to_numpy(bool),
        hib.fillna(False).to_numpy(bool),
    )
    return pd.Series(worse, index=rates.index)


def norway_values(reference: pd.DataFrame | None) -> pd.DataFrame:
    """Return Norway's values from a reference table: the rows whose code is ``0``.

    Codes ``00`` and ``0000`` are taken as Norway too.

    Parameters
    ----------
    reference : pandas.DataFrame or None
        A table with ``code`` (or ``area``), ``year``, ``indicator`` and ``value``.

    Returns
    -------
    pandas.DataFrame
        Columns ``year`` (int), ``indicator``, ``norway_value``; empty when
        ``reference`` is None.
    """
    if reference is None:
        return pd.DataFrame(
            {
                "year": pd.Series([], dtype=int),
                "indicator": pd.Series([], dtype=object),
                "norway_value": pd.Series([], dtype=float),
            }
        )
    key = "code" if "code" in reference.columns else "area"
    ref = reference[reference[key].astype(str).str.strip().isin(["0", "00", "0000"])]
    out = ref.rename(columns={"value": "norway_value"})[["year", "indicator", "norway_value"]]
    return out.astype({"year": int}).reset_index(drop=True)


def _split_findings(carried, changes, catalogue, source, findings) -> None:
    """Warn of counts divided between new codes by a split's shares (guessed when equal)."""
    split = carried[carried["code_change_share"] < 1]
    if split.empty:
        return
    olds = sorted(split["code_as_published"].unique())
    news = sorted(split["code"].unique())
    basis = changes.get("share_basis")
    guessed = (
        basis is not None
        and changes.loc[changes["old_code"].astype(str).isin(olds), "share_basis"]
        .astype(str)
        .eq("equal")
        .any()
    )
    people = population_from_denominators(split, catalogue).sum()
    findings.warn(
        "code_change_split",
        f"{len(olds)} old code(s) ({', '.join(olds[:5])}{' …' if len(olds) > 5 else ''}) were "
        f"split between {len(news)} new codes; their counts were divided by the change "
        "table's shares"
        + (" (equal shares: a guess, not the people's real split)" if guessed else ""),
        source=source,
        rows=len(split),
        people=float(people) if people else None,
        fix="give the split's real shares (e.g. by population) in the change table's share column"
        if guessed
        else "none needed if the shares are the people's split; check them",
    )


def current_observations(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    *,
    valid_codes: set[str],
    code_changes: pd.DataFrame | None = None,
    years: tuple[int, int] | None = None,
    use: list[str] | None = None,
    source: str = "observations",
    changes_source: str = "code changes",
    code_width: int = 8,
) -> tuple[pd.DataFrame, pd.DataFrame, Findings]:
    """Validate observations and carry them onto today's codes, with what was found on the way.

    Parameters
    ----------
    observations : pandas.DataFrame
        A tidy table (``code, year, indicator, numerator, denominator[, status][, line]``);
        codes are normalised to 8 digits; codes of at most 4 digits are kommune rows.
    catalogue : Catalogue
        Indicator definitions.
    valid_codes : set of str
        Today's grunnkrets codes.
    code_changes : pandas.DataFrame, optional
        A KLASS-style change table (see :func:`~levekar.codes.apply_code_changes`), or None.
    years : (int, int), optional
        The study's first and last year.
    use : list of str, optional
        Keep only these indicators (all when None or empty).
    source, changes_source : str
        Names of the observations and the change table, for error messages.
    code_width : int, default 8
        Digits of the source areas' codes (8 for grunnkretser; e.g. 2 for levekårssoner).
        Only with 8 are codes of at most 4 digits taken for kommune rows.

    Returns
    -------
    carried : pandas.DataFrame
        The validated observations on today's codes (columns as from
        :func:`validate_observations`).
    unmatched : pandas.DataFrame
        Rows whose code matches no grunnkrets after the code changes, with ``reason``.
    findings : Findings
        Kommune rows left out, merges taken, unmatched rows, years without data.

    Raises
    ------
    DataError
        Every problem of the table at once (see :func:`validate_observations`); the same
        area, year and indicator reached from two codes (not by a declared merge); no row
        at all on today's codes.
    ConfigError
        If ``use`` names an indicator not in the catalogue.
    """
    findings = Findings()
    obs = observations.copy()
    codes = obs["code"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    kommune_rows = codes.str.fullmatch(r"\d{1,4}").to_numpy() & (code_width == 8)
    if kommune_rows.any():
        found = sorted(set(codes[kommune_rows]))
        findings.warn(
            "kommune_rows",
            f"{int(kommune_rows.sum())} rows carry a kommune code ({', '.join(found[:5])}) "
            "instead of a grunnkrets code; they are left out (the kommune's values are summed "
            "from the grunnkretser)",
            source=source,
            rows=int(kommune_rows.sum()),
            fix="remove the kommune totals from the grunnkrets table",
        )
        obs = obs[~kommune_rows]
    obs = validate_observations(obs, catalogue, years=years, source=source, code_width=code_width)
    if use:
        for ind in use:
            if ind not in catalogue:
                raise ConfigError(
                    f"{source}: indicators.use: unknown indicator {ind!r}; known: "
                    f"{', '.join(catalogue)}."
                )
        obs = obs[obs["indicator"].isin(use)]
    if code_changes is not None:
        carried, unmatched = apply_code_changes(
            obs, code_changes, valid_codes=valid_codes, source=changes_source
        )
        for m in code_change_merges(code_changes, source=changes_source).itertuples():
            findings.warn(
                "code_change_merge",
                f"{m.old_codes} were merged into {m.new_code} on {m.date}; their counts are summed",
                source=changes_source,
                area=m.new_code,
            )
        _split_findings(carried, code_changes, catalogue, changes_source, findings)
        _two_codes(carried, changes_source)
        carried = carried.drop(columns=["code_change_share", "code_as_published", "via_merge"])
        unmatched = unmatched.drop(columns=["code_change_share", "via_merge"])
    else:
        known = obs["code"].isin(valid_codes)
        carried, unmatched = (
            obs[known],
            obs[~known].assign(code_as_published=obs.loc[~known, "code"]),
        )
    unmatched = unmatched.assign(reason="code matches no grunnkrets after code changes")
    if carried.empty and len(unmatched):
        found = sorted(unmatched["code_as_published"].unique())
        hint = (
            "give the study a code-change table ([indicators] code_changes; `levekar fetch klass`)"
            if code_changes is None
            else "check that the code-change table reaches today's codes"
        )
        raise DataError(
            f"{source}: none of the {len(unmatched)} rows has a code of today's grunnkretser "
            f"(codes like {', '.join(found[:3])}; the grunnkrets layer has codes like "
            f"{', '.join(sorted(valid_codes)[:3])}); {hint}."
        )
    if len(unmatched):
        found = sorted(unmatched["code_as_published"].unique())
        findings.warn(
            "unmatched_codes",
            f"{len(unmatched)} rows have codes that match no grunnkrets "
            f"after the code changes ({len(found)} codes, e.g. {', '.join(found[:5])}); they are "
            "listed in unmatched_observations.csv",
            source=source,
            rows=len(unmatched),
            fix="add the missing code changes (KLASS), or check the grunnkrets layer's year",
        )
    if years is not None and len(carried):
        have = set(carried["year"])
        missing = [y for y in range(years[0], years[1] + 1) if y not in have]
        if missing:
            findings.warn(
                "year_missing",
                f"no data for {missing} inside the study's years {years[0]}–{years[1]}",
                source=source,
                fix="add the years' data, or narrow [study] years",
            )
    return carried.reset_index(drop=True), unmatched.reset_index(drop=True), findings


def _two_codes(carried: pd.DataFrame, source: str) -> None:
    """Raise when one area, year and indicator is reached from two codes other than by a merge."""
    key = ["code", "year", "indicator"]
    dup = carried[carried.duplicated(key, keep=False)]
    if dup.empty:
        return
    bad = dup.groupby(key).filter(lambda g: not g["via_merge"].all())
    if bad.empty:
        return
    problems = []
    for (code, year, ind), g in bad.groupby(key):
        problems.append(
            f"{ind} {year} for grunnkrets {code} comes from {sorted(set(g['code_as_published']))}: "
            "the same row under its old and its new code would be counted twice. Keep one "
            "of them (the data for a year carry the codes valid that year)."
        )
    raise DataError(problems_text(problems, source=source))


def population_from_denominators(observations: pd.DataFrame, catalogue: Catalogue) -> pd.Series:
    """Estimate people per code from the data: the largest "Folkemengde…" denominator.

    The fallback when a study has no population layer. Returns an empty Series when
    no indicator has a population denominator.

    Parameters
    ----------
    observations : pandas.DataFrame
        Tidy observations (``code, year, indicator, denominator``).
    catalogue : Catalogue
        Indicator definitions; indicators whose ``denominator`` starts with
        "Folkemengde" count people.

    Returns
    -------
    pandas.Series
        Indexed by code: per code, the largest such denominator in the latest year any
        of those indicators has data for.
    """
    by_pop = [i for i, d in catalogue.items() if d.denominator.startswith("Folkemengde")]
    pop = observations[observations["indicator"].isin(by_pop)]
    if pop.empty:
        return pd.Series(dtype=float)
    return pop[pop["year"] == pop["year"].max()].groupby("code")["denominator"].max()


@dataclass
class IndicatorTables:
    """Indicator counts and rates by target area and year.

    Attributes
    ----------
    counts : pandas.DataFrame
        Aggregated counts (``code, year, indicator, numerator, numerator_low,
        numerator_high, denominator, status, n_sources, n_suppressed, n_approximate``).
    rates : pandas.DataFrame
        Counts with values, intervals, disclosure flags (:func:`rates_from_counts`), the
        kommune's and Norway's values (``kommune_value``, ``norway_value``),
        ``significantly_worse``, ``value_shrunk`` and ``shrinkage``, and ``name`` when
        names were given.
    kommune : pandas.DataFrame
        The kommune's rates (every grunnkrets summed).
    lost : pandas.DataFrame
        Counts that reached no target area, with the reason.
    findings
        Values left out as mostly suppressed, counts lost in the crosswalk.
    """

    counts: pd.DataFrame
    rates: pd.DataFrame
    kommune: pd.DataFrame
    lost: pd.DataFrame
    findings: Findings = field(default_factory=Findings)


def indicator_tables(
    observations: pd.DataFrame,
    crosswalk: Crosswalk,
    catalogue: Catalogue,
    *,
    kommune: str,
    norway: pd.DataFrame | None = None,
    min_denominator: int = 30,
    max_suppressed_share: float = 0.2,
    names: Mapping[str, str] | None = None,
) -> IndicatorTables:
    """Compute counts, rates, intervals and disclosure flags by target area.

    The input is observations on grunnkretser; the kommune's own rates (every source
    summed) are the reference each area is compared with.

    Parameters
    ----------
    observations : pandas.DataFrame
        Validated observations on today's codes (:func:`current_observations`).
    crosswalk : Crosswalk
        Grunnkrets → target areas.
    catalogue : Catalogue
        Indicator definitions.
    kommune : str
        The kommune's code (the reference every area is compared with).
    norway : pandas.DataFrame, optional
        A reference table whose Norway rows :func:`norway_values` picks, or None.
    min_denominator : int, default 30
        The study-wide least denominator to publish.
    max_suppressed_share : float, default 0.2
        A value with more of its denominator in suppressed cells is neither published
        nor scored (see :func:`rates_from_counts`).
    names : mapping of str to str, optional
        Area names by code, added as ``name``.

    Returns
    -------
    IndicatorTables
        Counts, rates (with primary and secondary suppression and shrinkage), the
        kommune's rates and the lost counts.
    """
    bounded = _bounds(observations, catalogue)  # once, for the areas and for the kommune
    counts, lost = _aggregate_bounded(bounded, crosswalk)
    everything = total_crosswalk(crosswalk.table["source_code"].unique(), kommune)
    kom_counts, _ = _aggregate_bounded(bounded, everything)
    kommune_rates = rates_from_counts(
        kom_counts, catalogue, min_denominator=0, max_suppressed_share=max_suppressed_share
    )
    rates = rates_from_counts(
        counts,
        catalogue,
        min_denominator=min_denominator,
        max_suppressed_share=max_suppressed_share,
    )
    rates = rates.merge(
        kommune_rates[["year", "indicator", "value"]].rename(columns={"value": "kommune_value"}),
        on=["year", "indicator"],
        how="left",
    )
    rates = rates.merge(norway_values(norway), on=["year", "indicator"], how="left")
    rates["significantly_worse"] = significantly_worse(rates, catalogue)
    rates = secondary_suppression(shrink_rates(rates, catalogue))
    if names is not None:
        rates.insert(1, "name", rates["code"].map(names))
    return IndicatorTables(
        counts=counts,
        rates=rates,
        kommune=kommune_rates,
        lost=lost,
        findings=_table_findings(rates, lost, max_suppressed_share),
    )


def _table_findings(rates: pd.DataFrame, lost: pd.DataFrame, max_share: float) -> Findings:
    findings = Findings()
    mostly = rates[rates["publish_status"] == "mostly_suppressed"]
    for ind, g in mostly.groupby("indicator"):
        label = g["name"] if "name" in g else g["code"]
        per_year = "; ".join(
            f"{y}: {', '.join(map(str, label[g['year'] == y]))}" for y in sorted(set(g["year"]))
        )
        findings.warn(
            "mostly_suppressed",
            f"{ind}: more than {max_share:.0%} of the denominator lies in cells SSB "
            f"suppressed for {len(g)} area-year(s) ({per_year}); those values are not published "
            "and not scored",
            value=ind,
            rows=len(g),
            fix="use a coarser area level or pool years; or raise indicators.max_suppressed_share",
        )
    if len(lost):
        findings.warn(
            "rows_lost_in_crosswalk",
            f"{len(lost)} rows (or parts of rows) reached no target area "
            f"({', '.join(sorted(set(lost['reason'])))}); see unmatched_observations.csv",
            rows=len(lost),
            fix="make the target areas cover every grunnkrets",
        )
    return findings


_FIELDS = (
    "value",
    "numerator",
    "numerator_low",
    "numerator_high",
    "denominator",
    "ci_low",
    "ci_high",
)


@dataclass(frozen=True)
class YearData:
    """One year's indicator data as arrays ``(areas, indicators)``.

    The input of the index, the Monte Carlo, the rule and the counterfactuals,
    reshaped once. ``value`` is what the index scores (the plain or the smoothed
    value); ``worse`` is "significantly worse than the kommune" on published values;
    ``kommune`` has one value per indicator.

    Attributes
    ----------
    year : int
        The year.
    codes : tuple of str
        The areas, in row order.
    indicators : tuple of str
        The indicators, in column order.
    value : numpy.ndarray
        Values (share, per 1,000, mean or median), NaN where missing.
    numerator, numerator_low, numerator_high, denominator : numpy.ndarray
        Aggregated counts and the numerator's bounds, NaN where missing.
    published : numpy.ndarray of bool
        Whether the cell may be published.
    worse : numpy.ndarray of bool
        Significantly worse than the kommune, and published.
    kommune : numpy.ndarray
        The kommune's value per indicator, shape ``(indicators,)``.
    """

    year: int
    codes: tuple[str, ...]
    indicators: tuple[str, ...]
    value: np.ndarray
    numerator: np.ndarray
    numerator_low: np.ndarray
    numerator_high: np.ndarray
    denominator: np.ndarray
    published: np.ndarray
    worse: np.ndarray
    kommune: np.ndarray

    def wide(self) -> pd.DataFrame:
        """Return the values as a table: ``code`` and one column per indicator."""
        out = pd.DataFrame(self.value, columns=list(self.indicators))
        out.insert(0, "code", list(self.codes))
        return out


def year_data(
    rates: pd.DataFrame,
    year: int,
    indicators: list[str],
    *,
    codes: list[str] | None = None,
    value_column: str = "value",
) -> YearData:
    """Reshape one year of ``rates`` into :class:`YearData` (one unstack for every field).

    Parameters
    ----------
    rates : pandas.DataFrame
        The rates table (:attr:`IndicatorTables.rates`).
    year : int
        The year.
    indicators : list of str
        The indicators, in the index's order.
    codes : list of str, optional
        The areas, in order (default: every area with data that year, sorted).
    value_column : str, default "value"
        ``value`` or ``value_shrunk``.

    Returns
    -------
    YearData
        Cells without a row are NaN (counts, values) or False (``published``, ``worse``).
    """
    r = rates[(rates["year"] == year) & rates["indicator"].isin(indicators)]
    if codes is None:
        codes = sorted(r["code"].unique())
    fields = [
        value_column,
        *[f for f in _FIELDS if f != "value"],
        "published",
        "significantly_worse",
    ]
    wide = r.set_index(["code", "indicator"])[list(dict.fromkeys(fields))].unstack("indicator")

    def grid(col: str, fill=np.nan) -> np.ndarray:
        return wide[col].reindex(index=codes, columns=indicators).fillna(fill).to_numpy()

    kom = r.drop_duplicates("indicator").set_index("indicator")["kommune_value"].reindex(indicators)
    published = grid("published", False).astype(bool)
    return YearData(
        year=int(year),
        codes=tuple(codes),
        indicators=tuple(indicators),
        value=grid(value_column).astype(float),
        numerator=grid("numerator").astype(float),
        numerator_low=grid("numerator_low").astype(float),
        numerator_high=grid("numerator_high").astype(float),
        denominator=grid("denominator").astype(float),
        published=published,
        worse=grid("significantly_worse", False).astype(bool) & published,
        kommune=kom.to_numpy(dtype=float),
    )


def worse_in_batches(
    values: np.ndarray, data: YearData, catalogue: Catalogue, *, rows: np.ndarray | None = None
) -> np.ndarray:
    """Flag "significantly worse than the kommune" for batches of values (draws, trials).

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(batch, areas, indicators)``: values on the indicators' scales, areas
        being ``data``'s (or those at ``rows``).
    data : YearData
        The year's data (denominators, the kommune's values, what is published).
    catalogue : Catalogue
        Indicator definitions (kind and direction).
    rows : numpy.ndarray, optional
        Positions of the batch's areas in ``data`` (default: all, in order).

    Returns
    -------
    numpy.ndarray
        Boolean, shape of ``values``: the interval of ``value × denominator`` out of
        ``denominator`` (Wilson for shares, exact Poisson for rates; none for means and
        medians) lies wholly on the worse side, for published cells only.
    """
    rows = np.arange(len(data.codes)) if rows is None else rows
    out = np.zeros(values.shape, dtype=bool)
    for k, ind_id in enumerate(data.indicators):
        d = catalogue[ind_id]
        den = data.denominator[rows, k][None, :]
        x = values[:, :, k] / d.scale * den
        if d.exact:  # no sampling error: never "significantly" worse, as in rates_from_counts
            continue
        if d.kind == "share":
            lo, hi = wilson_interval(x, den)
        elif d.kind == "rate_per_1000":
            lo, hi = poisson_interval(x, den)
        else:
            continue
        out[:, :, k] = worse_than_reference(
            lo * d.scale,
            hi * d.scale,
            data.kommune[k],
            d.direction == "higher_is_worse",
            d.direction == "higher_is_better",
        )
    return out & data.published[rows][None, :, :]


def pool_years(datas: list[YearData], catalogue: Catalogue) -> YearData:
    """Pool several years' counts into one "year": numerators and denominators summed.

    Shares and rates become the rate over the pooled people and years; means and
    medians a denominator-weighted mean (an approximation for medians, as when areas are
    aggregated). An area missing in a year is pooled over the years it has. A pooled cell
    counts as published when every year it rests on was; "significantly worse" is
    recomputed on the pooled counts against the years' mean kommune value.

    Parameters
    ----------
    datas : list of YearData
        The years, with the same areas and indicators in the same order.
    catalogue : Catalogue
        Indicator definitions (scales, kinds, directions).

    Returns
    -------
    YearData
        With ``year`` the last year of the window.
    """
    if len(datas) == 1:
        return datas[0]
    first = datas[0]
    for d in datas[1:]:
        if d.codes != first.codes or d.indicators != first.indicators:
            raise ValueError("pool_years needs the same areas and indicators in every year")

    def total(name: str) -> np.ndarray:
        stack = np.stack([getattr(d, name) for d in datas])
        return np.where(np.isnan(stack).all(axis=0), np.nan, np.nansum(stack, axis=0))

    num, den = total("numerator"), total("denominator")
    scale = np.array([catalogue[i].scale for i in first.indicators])
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(den > 0, num / den, np.nan) * scale
    has = np.stack([~np.isnan(d.value) for d in datas])
    published = np.stack([d.published | ~h for d, h in zip(datas, has, strict=True)]).all(axis=0)
    pooled = YearData(
        year=datas[-1].year,
        codes=first.codes,
        indicators=first.indicators,
        value=value,
        numerator=num,
        numerator_low=total("numerator_low"),
        numerator_high=total("numerator_high"),
        denominator=den,
        published=published & has.any(axis=0),
        worse=np.zeros(value.shape, dtype=bool),
        kommune=np.nanmean(np.stack([d.kommune for d in datas]), axis=0),
    )
    worse = worse_in_batches(value[None], pooled, catalogue)[0]
    return YearData(**{**pooled.__dict__, "worse": worse})
