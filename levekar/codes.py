"""Area codes: normalisation, validation and code changes over time.

Codes are zero-padded strings: kommune 4 digits (``3107``), grunnkrets 8 digits
(``31071203``). Codes change when a kommune is renumbered (Fredrikstad was
``0106`` until 2019, ``3004`` in 2020–2023 and ``3107`` from 2024) and when SSB
splits or merges grunnkretser. Joining years therefore goes through a change
table in the style of SSB KLASS (``old_code, new_code, date`` and, for splits,
``share``), never through string surgery alone.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .errors import DataError

__all__ = [
    "CHANGE_TABLE_COLUMNS",
    "FREDRIKSTAD_HISTORY",
    "KOMMUNE_RENUMBERING",
    "KommuneSplit",
    "apply_code_changes",
    "code_change_merges",
    "kommune_changes",
    "kommune_names",
    "current_kommune",
    "kommune_renumbering",
    "kommune_split",
    "normalise_codes",
]

CHANGE_TABLE_COLUMNS = ("old_code", "new_code", "date", "share")

# Fredrikstad's kommune numbers (SSB KLASS): 0106 until 2019, 3004 in 2020–2023, 3107 from 2024.
FREDRIKSTAD_HISTORY = [("0106", "3004", "2020-01-01"), ("3004", "3107", "2024-01-01")]
KOMMUNE_CHANGES_FILE = "kommuneendringer.csv"


@lru_cache(maxsize=1)
def _packaged_changes() -> tuple[tuple[str, str, str, float, str, str], ...]:
    """Read the packaged KLASS snapshot (``levekar/data/kommuneendringer.csv``) once.

    Rows whose old and new code are the same (a name change, or a kommune that kept its
    number in a merge, such as 1103 Stavanger in 2020) move nothing and are skipped, so a
    file refreshed with ``levekar fetch klass`` reads the same way.
    """
    text = resources.files("levekar").joinpath("data", KOMMUNE_CHANGES_FILE).read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    out = []
    for r in rows:
        old, new = r["old_code"].zfill(4), r["new_code"].zfill(4)
        if old != new:
            share = float(r.get("share") or 1)
            basis = r.get("share_basis") or ("exact" if share == 1 else "equal")
            out.append((old, new, r["date"], share, basis, r.get("name") or ""))
    return tuple(out)


@lru_cache(maxsize=1)
def _steps() -> dict[str, tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]]:
    """Old code → its dated steps ``(date, ((new_code, share_basis, name), ...))``, by date."""
    grouped: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for old, new, date, _share, basis, name in _packaged_changes():
        grouped.setdefault((old, date), []).append((new, basis, name))
    out: dict[str, list] = {}
    for (old, date), targets in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        out.setdefault(old, []).append((date, tuple(sorted(targets))))
    return {old: tuple(steps) for old, steps in out.items()}


def _chain(code: str) -> tuple[list[tuple[str, str, str]], tuple | None]:
    """Follow ``code`` through whole moves: the ``(old, new, date)`` steps, then a split or None."""
    path: list[tuple[str, str, str]] = []
    date = ""
    for _ in range(len(_steps()) + 1):
        later = [s for s in _steps().get(code, ()) if s[0] > date]
        if not later:
            return path, None
        date, targets = later[0]
        if len(targets) > 1:
            return path, (code, date, targets)
        path.append((code, targets[0][0], date))
        code = targets[0][0]
    raise DataError(f"the packaged kommune changes have a cycle through {code}.")


def kommune_changes() -> pd.DataFrame:
    """Return the packaged snapshot of kommune number changes (SSB KLASS, classification 131).

    Returns
    -------
    pandas.DataFrame
        ``old_code, new_code, date, share`` (:data:`CHANGE_TABLE_COLUMNS`) and
        ``share_basis, name``, sorted by date and code: one row per kommune and step from
        2018-01-01 to 2024-01-01 for all of Norway, e.g. ``0111 → 3011`` on 2020-01-01
        and ``3011 → 3110`` on 2024-01-01. A merge is several rows into one new code; a
        split is several rows out of one old code, with equal shares (``share_basis``
        ``equal``: KLASS gives no population shares). Coverage and sources:
        ``levekar/data/README.md``; refresh it with ``levekar fetch klass kommune --from
        2018-01-01``.

    Examples
    --------
    >>> t = kommune_changes()
    >>> t[t["old_code"].isin(["0111", "3011"])][["old_code", "new_code"]].values.tolist()
    [['0111', '3011'], ['3011', '3110']]
    >>> t[t["old_code"] == "1507"][["new_code", "share", "share_basis"]].values.tolist()
    [['1508', 0.5, 'equal'], ['1580', 0.5, 'equal']]
    """
    columns = [*CHANGE_TABLE_COLUMNS, "share_basis", "name"]
    table = pd.DataFrame(list(_packaged_changes()), columns=columns)
    return table.sort_values(["date", "old_code", "new_code"], kind="stable").reset_index(drop=True)


def kommune_names() -> dict[str, str]:
    """Return the names of the kommune numbers the packaged KLASS snapshot gives a name.

    Returns
    -------
    dict of str to str
        Kommune number → name (the snapshot's ``name`` of each ``new_code``): the
        kommuner the snapshot's reforms made, not every kommune in Norway.

    Examples
    --------
    >>> kommune_names()["3107"]
    'Fredrikstad'
    """
    t = kommune_changes()
    named = t[t["name"].fillna("").astype(str) != ""]
    return dict(zip(named["new_code"], named["name"].astype(str), strict=True))


# Kommune numbers that moved wholly to one new number (renumberings and merges, 2018–2024),
# old → new, from the packaged KLASS snapshot. Split kommuner are not here: see kommune_split.
KOMMUNE_RENUMBERING = {
    old: steps[0][1][0][0] for old, steps in _steps().items() if len(steps[0][1]) == 1
}


@dataclass(frozen=True)
class KommuneSplit:
    """A kommune number that leads to several kommuner today: it, or a later number, was split.

    Attributes
    ----------
    code
        The number asked about (e.g. ``"1534"``, Haram until 2019).
    via
        The numbers it had on the way, ending with the one that was split
        (``("1534", "1507")``).
    date
        The date of the split (``"2024-01-01"``).
    new_codes, new_names
        The kommuner it was split into (``("1508", "1580")``, ``("Ålesund", "Haram")``).
    share_basis
        How the packaged table divides it: ``equal`` means KLASS gives no shares.
    """

    code: str
    via: tuple[str, ...]
    date: str
    new_codes: tuple[str, ...]
    new_names: tuple[str, ...]
    share_basis: str

    @property
    def message(self) -> str:
        """The split in one sentence with the fix, for an error or a finding."""
        became = ""
        if len(self.via) > 1:
            became = f" became {' → '.join(self.via[1:])}, and {self.via[-1]}"
        named = zip(self.new_codes, self.new_names, strict=True)
        into = ", ".join(f"{c} {n}".strip() for c, n in named)
        return (
            f"kommune {self.code}{became} was split on {self.date} into {into}, so it leads to "
            f"no one kommune today. KLASS gives no population shares for a split (share_basis "
            f"{self.share_basis!r}), and levekar does not guess. Carry these data by a smaller "
            "unit (grunnkrets, school), or give apply_code_changes a change table "
            "with known shares."
        )


def kommune_split(code: str) -> KommuneSplit | None:
    """Say whether a kommune number leads to a split kommune in the packaged KLASS snapshot.

    Parameters
    ----------
    code : str
        A four-digit kommune number, current or historic.

    Returns
    -------
    KommuneSplit or None
        The split that ``code`` (followed through its whole moves) runs into, or None
        when it leads to one kommune today.

    Examples
    --------
    >>> kommune_split("1850").new_codes  # Tysfjord, 2020: part to Narvik, part to Hamarøy
    ('1806', '1875')
    >>> kommune_split("1534").via, kommune_split("1534").date  # Haram → Ålesund → split
    (('1534', '1507'), '2024-01-01')
    >>> kommune_split("0106") is None
    True
    """
    path, split = _chain(str(code))
    if split is None:
        return None
    split_code, date, targets = split
    return KommuneSplit(
        code=str(code),
        via=(str(code), *(new for _old, new, _date in path)),
        date=date,
        new_codes=tuple(t[0] for t in targets),
        new_names=tuple(t[2] for t in targets),
        share_basis=", ".join(sorted({t[1] for t in targets})),
    )


def current_kommune(code: str) -> str:
    """Return today's number of a kommune, following the packaged KLASS snapshot.

    Parameters
    ----------
    code : str
        A four-digit kommune number, current or historic (e.g. ``"0106"``).

    Returns
    -------
    str
        The number the kommune has today: ``code`` followed through every renumbering
        and merge in :func:`kommune_changes` (2018–2024, all of Norway); ``code`` itself
        when it was never changed there.

    Raises
    ------
    DataError
        If ``code`` leads to a kommune that was split (Snillfjord and Tysfjord in 2020,
        Ålesund 1507 in 2024): the message names the split (:func:`kommune_split`).

    Examples
    --------
    >>> current_kommune("0106"), current_kommune("3004"), current_kommune("0301")
    ('3107', '3107', '0301')
    >>> current_kommune("0704"), current_kommune("1902"), current_kommune("1141")
    ('3905', '5501', '1103')
    """
    code = str(code)
    split = kommune_split(code)
    if split is not None:
        raise DataError(split.message)
    path, _ = _chain(code)
    return path[-1][1] if path else code


def normalise_codes(
    values: pd.Series, *, width: int, source: str = "input", column: str = "code"
) -> pd.Series:
    """Return ``values`` as zero-padded strings of ``width`` digits.

    Integers (``3107``), floats read from spreadsheets (``3107.0``) and strings
    with surrounding spaces are accepted. Anything else raises a
    :class:`~levekar.errors.DataError` naming the first bad value.

    Parameters
    ----------
    values : pandas.Series
        The codes as read: integers, floats such as ``3107.0`` or strings.
    width : int
        Number of digits of a code: 4 for a kommune, 8 for a grunnkrets. Shorter codes
        are zero-padded on the left.
    source : str, default "input"
        Name of the file or table, used in the error message.
    column : str, default "code"
        Name of the column, used in the error message.

    Returns
    -------
    pandas.Series
        The codes as zero-padded strings (object dtype), same index as ``values``.

    Raises
    ------
    DataError
        If a value is missing or is not 1 to ``width`` digits (after stripping spaces and
        a trailing ``.0``).

    Examples
    --------
    >>> normalise_codes(pd.Series([106, "3004", " 3107 "]), width=4).tolist()
    ['0106', '3004', '3107']
    """
    text = values.astype("string").str.strip()
    text = text.str.replace(r"\.0$", "", regex=True)
    bad = text.isna() | ~text.str.fullmatch(rf"\d{{1,{width}}}").fillna(False)
    if bad.any():
        first = values[bad.to_numpy()].iloc[0]
        n_bad = int(bad.sum())
        raise DataError(
            f"{source}: column '{column}' has {n_bad} value(s) that are not codes of at most "
            f"{width} digits, first {first!r}. Codes must be digits only (e.g. '3107', '31071203')."
        )
    return text.str.zfill(width).astype(object)


def kommune_renumbering(
    codes: pd.Series, history: list[tuple[str, str, str]] | None = None
) -> pd.DataFrame:
    """Build a change table for codes whose only change is the kommune prefix.

    ``history`` lists ``(old_kommune, new_kommune, date)``, e.g.
    ``[("0106", "3004", "2020-01-01"), ("3004", "3107", "2024-01-01")]``; without it
    each code's kommune is followed through the packaged KLASS snapshot
    (:func:`kommune_changes`). ``codes`` are the suffix-bearing codes valid before the
    first change (8 digits for grunnkretser). The result is a change table for
    :func:`apply_code_changes`.

    Parameters
    ----------
    codes : pandas.Series
        Codes valid before the first change; only their suffix after the first four
        characters (the kommune number) is used, so their prefix is not checked when
        ``history`` is given.
    history : list of (str, str, str), optional
        ``(old_kommune, new_kommune, date)`` steps, dates as ``YYYY-MM-DD``. Default:
        the steps of the codes' own kommuner in the packaged snapshot.

    Returns
    -------
    pandas.DataFrame
        Columns ``old_code, new_code, date, share`` (:data:`CHANGE_TABLE_COLUMNS`): for
        every step and every distinct suffix, ``old_kommune + suffix → new_kommune +
        suffix`` on ``date`` with ``share`` 1.0.

    Raises
    ------
    DataError
        Without ``history``, if a step merges the kommune with others or splits it: SSB
        gave the grunnkretser of merged and split kommuner new numbers, so the prefix
        alone cannot carry them (use ``levekar fetch klass grunnkrets``).

    Examples
    --------
    >>> kommune_renumbering(pd.Series(["01110101"]))[["old_code", "new_code"]].values.tolist()
    [['01110101', '30110101'], ['30110101', '31100101']]
    """
    codes = codes.astype(str)
    if history is not None:
        rows = []
        suffixes = codes.str[4:].unique()
        for old_k, new_k, date in history:
            for suffix in suffixes:
                rows.append((old_k + suffix, new_k + suffix, date, 1.0))
        return pd.DataFrame(rows, columns=list(CHANGE_TABLE_COLUMNS))
    merged: dict[tuple[str, str], set[str]] = {}
    for old, new, date, *_ in _packaged_changes():
        merged.setdefault((new, date), set()).add(old)
    rows = []
    for kommune, group in codes.groupby(codes.str[:4]):
        suffixes = group.str[4:].unique()
        path, split = _chain(kommune)
        for old, new, date in path:
            others = sorted(merged[(new, date)] - {old})
            if others:
                raise DataError(
                    f"kommune {old} was merged with {', '.join(others)} into {new} on {date}: "
                    "SSB gave the grunnkretser of merged kommuner new numbers, so the kommune "
                    "prefix alone cannot carry them. Use a grunnkrets change table "
                    "(`levekar fetch klass grunnkrets --from ...`)."
                )
            rows += [(old + s, new + s, date, 1.0) for s in suffixes]
        if split is not None:
            old, date, targets = split
            raise DataError(
                f"kommune {old} was split on {date} into {', '.join(t[0] for t in targets)}: "
                "which part a grunnkrets went to is not in its number, so the kommune prefix "
                "cannot carry it. Use a grunnkrets change table "
                "(`levekar fetch klass grunnkrets --from ...`)."
            )
    return pd.DataFrame(rows, columns=list(CHANGE_TABLE_COLUMNS))


def _validate_changes(changes: pd.DataFrame, source: str) -> pd.DataFrame:
    """Return the change table with clean types; report every problem in it at once."""
    missing = [c for c in ("old_code", "new_code", "date") if c not in changes.columns]
    if missing:
        raise DataError(
            f"{source}: change table lacks column(s) {missing}; "
            f"expected {list(CHANGE_TABLE_COLUMNS)}."
        )
    out = changes.reset_index(drop=True).copy()
    out["old_code"] = out["old_code"].astype(str).str.strip()
    out["new_code"] = out["new_code"].astype(str).str.strip()
    out["date"] = pd.to_datetime(
        out["date"].astype(str).str.strip(), format="ISO8601", errors="coerce"
    )
    problems = [
        f"line {k + 2}, column 'date': {changes['date'].iloc[k]!r} is not a date; write dates as "
        "YYYY-MM-DD, as SSB KLASS does."
        for k in np.flatnonzero(out["date"].isna().to_numpy())
    ]
    if "share" not in out.columns:
        out["share"] = 1.0
    share = pd.to_numeric(out["share"], errors="coerce")
    bad_share = (share.isna() | (share <= 0) | (share > 1)).to_numpy()
    problems += [
        f"line {k + 2}, column 'share': {changes['share'].iloc[k]!r} is not a share in (0, 1]."
        for k in np.flatnonzero(bad_share)
    ]
    out["share"] = share
    dated = out[out["date"].notna() & ~bad_share]
    sums = dated.groupby(["old_code", "date"])["share"].sum()
    for (code, date), total in sums[(sums - 1).abs() > 1e-9].items():
        problems.append(
            f"shares for old code {code!r} on {date.date()} sum to {total:.6g}, not 1. "
            "Each old code's shares (a split) must sum to 1."
        )
    for date, step in dated.groupby("date"):
        both = sorted(set(step["old_code"]) & set(step["new_code"]))
        for code in both:
            into = sorted(step.loc[step["old_code"] == code, "new_code"])
            came = sorted(step.loc[step["new_code"] == code, "old_code"])
            problems.append(
                f"code {code!r} is both changed (into {into}) and changed into (from {came}) on "
                f"{date.date()}: a cycle or a chain within one date would move data to the wrong "
                "area. Give each step its own date, as KLASS does."
            )
    if problems:
        from .findings import problems_text

        raise DataError(problems_text(problems, source=source))
    return out.sort_values(["date", "old_code", "new_code"], kind="stable").reset_index(drop=True)


def code_change_merges(changes: pd.DataFrame, *, source: str = "change table") -> pd.DataFrame:
    """Find the merges in a change table: new codes that several old codes change into on a date.

    Parameters
    ----------
    changes : pandas.DataFrame
        A change table ``old_code, new_code, date[, share]``.
    source : str, default "change table"
        Name of the change table, used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``new_code, date, old_codes`` (", "-joined), one row per merge.
    """
    table = _validate_changes(changes, source)
    grouped = table.groupby(["new_code", "date"])["old_code"].agg(lambda c: sorted(set(c)))
    merges = grouped[grouped.map(len) > 1]
    return pd.DataFrame(
        {
            "new_code": [k[0] for k in merges.index],
            "date": [k[1].date() for k in merges.index],
            "old_codes": [", ".join(v) for v in merges],
        }
    )


def apply_code_changes(
    counts: pd.DataFrame,
    changes: pd.DataFrame,
    *,
    valid_codes: set[str] | None = None,
    code_column: str = "code",
    year_column: str = "year",
    value_columns: tuple[str, ...] = ("numerator", "denominator"),
    source: str = "change table",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carry ``counts`` forward through code changes onto today's codes.

    Each row is valid for 31 December of its year. A change dated later than that
    applies to it; changes apply in date order, so a chain ``0106xxxx → 3004xxxx →
    3107xxxx`` is followed to its end. A split divides the value columns by
    ``share``. A code that is both an old and a new code on the same date (a cycle
    such as A→B, B→A) is an error.

    Parameters
    ----------
    counts : pandas.DataFrame
        Rows with a code column, a year column and value columns (other columns are
        carried along).
    changes : pandas.DataFrame
        A change table ``old_code, new_code, date`` and optionally ``share`` (1.0 when
        absent), as from SSB KLASS or :func:`kommune_renumbering`. Shares of one old code
        on one date must sum to 1.
    valid_codes : set of str, optional
        Today's codes. When given, rows whose final code is not among them go to
        ``unmatched``; when None, ``unmatched`` is empty.
    code_column : str, default "code"
        The column holding the area code.
    year_column : str, default "year"
        The column holding the year (integers or integer-like).
    value_columns : tuple of str, default ("numerator", "denominator")
        Columns multiplied by the split shares; those absent from ``counts`` are skipped.
    source : str, default "change table"
        Name of the change table, used in error messages.

    Returns
    -------
    carried : pandas.DataFrame
        The rows on their final codes, with the columns of ``counts`` plus
        ``code_as_published`` (the code in the input), ``code_change_share`` (the
        product of the split shares, 1.0 when none applied) and ``via_merge`` (the row
        went through a merge of several old codes). A split row appears once per new code.
    unmatched : pandas.DataFrame
        Same columns; the rows whose final code is not in ``valid_codes``, with their
        counts, so that nothing is dropped silently.

    Raises
    ------
    DataError
        Listing every problem of the change table: a missing column, a date that is not
        a date, a share outside (0, 1], shares of an old code on one date that do not sum
        to 1, a code both changed and changed into on one date (a cycle).
    """
    table = _validate_changes(changes, source)
    merge_into = table.groupby(["date", "new_code"])["old_code"].transform("nunique") > 1
    table = table.assign(merge=merge_into.to_numpy())
    out = counts.copy()
    out[code_column] = out[code_column].astype(str)
    out["code_as_published"] = out[code_column]
    out["via_merge"] = False
    ref_date = pd.to_datetime(out[year_column].astype(int).astype(str) + "-12-31")
    out["_weight"] = 1.0
    for date, step in table.groupby("date", sort=True):
        applies = (ref_date < date).to_numpy() & out[code_column].isin(step["old_code"]).to_numpy()
        if not applies.any():
            continue
        moving = out[applies].merge(
            step[["old_code", "new_code", "share", "merge"]],
            left_on=code_column,
            right_on="old_code",
            how="left",
        )
        moving[code_column] = moving["new_code"]
        moving["_weight"] = moving["_weight"] * moving["share"]
        moving["via_merge"] = moving["via_merge"] | moving["merge"]
        moving = moving.drop(columns=["old_code", "new_code", "share", "merge"])
        out = pd.concat([out[~applies], moving], ignore_index=True)
        ref_date = pd.to_datetime(out[year_column].astype(int).astype(str) + "-12-31")
    for col in value_columns:
        if col in out.columns:
            out[col] = out[col] * out["_weight"]
    out = out.rename(columns={"_weight": "code_change_share"})
    if valid_codes is None:
        return out.reset_index(drop=True), out.iloc[0:0]
    known = out[code_column].isin(valid_codes).to_numpy()
    return out[known].reset_index(drop=True), out[~known].reset_index(drop=True)
