"""Reselection: the selection rule on each year's data, and what changed between years.

The scores of every year come from :func:`levekar.uncertainty.score_year` under the
same :class:`~levekar.selection.SelectionRule` and the same sources of uncertainty as
the selection, so the row for the selection year *is* the selection. Between
consecutive years, an area that entered or left is reported with the indicators that
drove the change (the largest moves in its normalised, weighted contributions) and
whether the change is larger than the noise: it is ``clear_change`` only when the
probability that the rule picks it was at most 5 % on one side and at least 95 % on
the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _html
from .index import IndexSpec, normalise_array
from .indicators import YearData
from .uncertainty import YearScores

__all__ = ["CHANGE_CODES", "Reselection", "reselect"]

CHANGE_CODES = ("entered", "left", "")


@dataclass
class Reselection:
    """The rule year by year.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per year and area, sorted by year, rank and code: the year's scores
        (``code, year, score, rank, selected, rank_p05, rank_p95, p_top_k,
        p_selected``, ...), ``in_initiative``, ``change`` (``entered``, ``left`` or
        empty), ``clear_change`` and ``drivers`` (up to three indicator ids, ", "-joined).
    summary : pandas.DataFrame
        One row per year: ``year``, ``selected``, ``in_initiative_and_selected``,
        ``selected_not_in_initiative``, ``initiative_not_selected``, ``entered``,
        ``left`` (codes, ", "-joined) and ``clear_changes`` (a count).
    k : int
        The rule's k.
    initiative : list of str
        The initiative's codes.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    k: int
    initiative: list[str]

    def __repr__(self) -> str:
        """Say the years and how often the choice changed, in one line."""
        years = self.summary["year"].tolist() if len(self.summary) else []
        span = f"{years[0]}–{years[-1]}" if years else "no years"
        changes = int((self.table["change"] != "").sum()) if "change" in self.table else 0
        clear = int(self.table["clear_change"].sum()) if "clear_change" in self.table else 0
        return (
            f"Reselection({span}, k={self.k}: {changes} areas entered or left, "
            f"{clear} of them clearly)"
        )

    def _repr_html_(self) -> str:
        """Show the choice year by year in Jupyter."""
        return _html.block(
            f"The rule year by year (k = {self.k})", _html.table(self.summary, max_rows=30)
        )


def _contributions(data: YearData, spec: IndexSpec) -> pd.DataFrame:
    """Compute each indicator's z-score (higher = worse) times its share of the weight."""
    w = np.array([i.weight for i in spec.indicators], dtype=float)
    sign = np.array([1.0 if i.higher_is_worse else -1.0 for i in spec.indicators])
    z = normalise_array((data.value * sign).T, "z").T
    return pd.DataFrame(z * w / w.sum(), index=list(data.codes), columns=list(data.indicators))


def _changes(
    table: pd.DataFrame, years: list[int], contrib: Mapping[int, pd.DataFrame]
) -> pd.DataFrame:
    table = table.copy()
    table["change"] = ""
    table["clear_change"] = False
    table["drivers"] = ""
    has_p = "p_selected" in table.columns
    for prev, year in zip(years[:-1], years[1:], strict=True):
        before = table[table["year"] == prev].set_index("code")
        now = table[table["year"] == year].set_index("code")
        common = now.index.intersection(before.index)
        was_in = before["selected"].reindex(common).astype(bool).to_numpy()
        is_in = now["selected"].reindex(common).astype(bool).to_numpy()
        # Only the areas whose choice changed are looked at one by one.
        for code, was, is_ in zip(
            common[was_in != is_in], was_in[was_in != is_in], is_in[was_in != is_in], strict=True
        ):
            was, is_ = bool(was), bool(is_)
            pos = table.index[(table["year"] == year) & (table["code"] == code)][0]
            table.loc[pos, "change"] = "entered" if is_ else "left"
            if has_p:
                p0, p1 = before.loc[code, "p_selected"], now.loc[code, "p_selected"]
                clear = (p0 <= 0.05 and p1 >= 0.95) if is_ else (p0 >= 0.95 and p1 <= 0.05)
                table.loc[pos, "clear_change"] = bool(clear)
            if code in contrib[year].index and code in contrib[prev].index:
                delta = (contrib[year].loc[code] - contrib[prev].loc[code]) * (1 if is_ else -1)
                top = delta.sort_values(ascending=False).head(3)
                table.loc[pos, "drivers"] = ", ".join(i for i, d in top.items() if d > 0)
    return table


def reselect(
    scores: Mapping[int, YearScores],
    data: Mapping[int, YearData],
    spec: IndexSpec,
    *,
    initiative: list[str],
    k: int,
) -> Reselection:
    """Follow the rule's choice year by year: what changed and why.

    Parameters
    ----------
    scores : mapping of int to YearScores
        Each year's scores (:func:`levekar.uncertainty.score_year`), under one rule.
    data : mapping of int to YearData
        Each year's data (for the drivers of a change); every year of ``scores``.
    spec : IndexSpec
        The index specification (the drivers use its weights and directions).
    initiative : list of str
        The initiative's codes.
    k : int
        The rule's k (stored for the report; the choice is already in ``scores``).

    Returns
    -------
    Reselection
        The year-by-year table and its summary. A change is reported between
        consecutive years of ``scores`` for areas present in both.
    """
    years = sorted(scores)
    table = pd.concat([scores[y].table for y in years], ignore_index=True)
    table["in_initiative"] = table["code"].isin(initiative)
    table = table.sort_values(["year", "rank", "code"], na_position="last").reset_index(drop=True)
    contrib = {y: _contributions(data[y], spec) for y in years}
    table = _changes(table, years, contrib)
    summary = []
    for year in years:
        t = table[table["year"] == year]
        chosen = t.loc[t["selected"], "code"].tolist()
        summary.append(
            {
                "year": year,
                "selected": ", ".join(chosen),
                "in_initiative_and_selected": ", ".join(c for c in chosen if c in initiative),
                "selected_not_in_initiative": ", ".join(c for c in chosen if c not in initiative),
                "initiative_not_selected": ", ".join(c for c in initiative if c not in chosen),
                "entered": ", ".join(t.loc[t["change"] == "entered", "code"]),
                "left": ", ".join(t.loc[t["change"] == "left", "code"]),
                "clear_changes": int(t["clear_change"].sum()),
            }
        )
    return Reselection(table=table, summary=pd.DataFrame(summary), k=k, initiative=list(initiative))
