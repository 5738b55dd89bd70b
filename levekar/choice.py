"""Why these areas? The initiative's choice tested as a claim.

Two questions, answered with the study's own data and the same Monte Carlo as the
selection:

* **Which rules give this choice?** :func:`rules_giving` evaluates a documented family
  of defensible rules (:func:`rule_family`) — top-k on one year, on the mean of the
  latest mappings, on pooled counts, with and without the trend, m-of-n multiple
  deprivation, the peer methods' indices, one connected region — and reports, for
  each, the areas it picks, whether that is exactly the chosen set, and the
  probability that it picks exactly that set.
* **What supports each area's place?** :func:`choice_evidence` gives, for each chosen
  area and each area a rule picks that is not chosen, its rank band, P(among the k
  worst) (and k+1, k+2), its rank over the years, the indicators where it is
  significantly worse than the kommune, how many rules of the family pick it, and a
  verdict code (``supported``, ``weakly_supported``, ``not_supported``).

The core returns codes and numbers; :mod:`levekar.render.presentation` says them in
bokmål.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .index import IndexSpec
from .indicators import YearData
from .selection import SelectionRule
from .uncertainty import UncertaintyOptions, score_year

__all__ = ["VERDICTS", "Candidate", "choice_evidence", "rule_family", "rules_giving"]

VERDICTS = ("supported", "weakly_supported", "not_supported")


@dataclass(frozen=True)
class Candidate:
    """One rule of the family: how areas are chosen, and on which index.

    Attributes
    ----------
    rule : SelectionRule
        The rule (kind, k, mappings, combination, trend).
    method : str
        ``study`` (the study's index) or a peer method's preset (``ssb_score10``,
        ``rank_sum``, ``imd``, ``oecd_z_mean``).
    """

    rule: SelectionRule
    method: str = "study"

    @property
    def id(self) -> str:
        """Return a short code naming the candidate (the rule's id, and the method)."""
        return self.rule.id + ("" if self.method == "study" else f":{self.method}")


def rule_family(
    base: SelectionRule,
    *,
    years: int,
    presets: tuple[str, ...] = ("ssb_score10", "rank_sum", "imd", "oecd_z_mean"),
    neighbours=None,
) -> list[Candidate]:
    """Build the documented family of defensible rules around the study's rule.

    Parameters
    ----------
    base : SelectionRule
        The study's rule; its ``k``, ``min_population`` and ``exclude`` are kept throughout.
    years : int
        How many mappings (years with data) there are.
    presets : tuple of str
        Peer methods whose one-year top-k is part of the family.
    neighbours : mapping, optional
        Each area's neighbours (adds the contiguous rules).

    Returns
    -------
    list of Candidate
        Top-k on the latest mapping; on the mean score of the latest 2, 3 and all
        mappings; on pooled counts and mean ranks of the latest 3; with the trend
        (weights 0.5 and 1) over the latest 3 and all; multiple deprivation with m = 3 to
        6 on the latest mapping; the peer methods' top-k; and, with neighbours, one
        connected region (latest mapping, and with the trend over the latest 3).
    """
    k, pop = base.k, base.min_population
    ex = base.exclude
    top = SelectionRule(kind="top_k", k=k, min_population=pop, exclude=ex)
    out = [Candidate(top)]
    windows = sorted({w for w in (2, 3, years) if 1 < w <= years})
    for w in windows:
        out.append(Candidate(replace(top, mappings=w)))
    if years >= 3:
        out.append(Candidate(replace(top, mappings=3, combine="pooled")))
        out.append(Candidate(replace(top, mappings=3, combine="mean_rank")))
    for w in sorted({w for w in (3, years) if 1 < w <= years}):
        for tw in (0.5, 1.0):
            out.append(Candidate(replace(top, mappings=w, trend_weight=tw)))
    for m in (3, 4, 5, 6):
        out.append(
            Candidate(
                SelectionRule(
                    kind="multiple_deprivation",
                    k=k,
                    min_indicators_worse=m,
                    min_population=pop,
                    exclude=ex,
                )
            )
        )
    for p in presets:
        out.append(Candidate(top, method=p))
    if neighbours is not None:
        cont = SelectionRule(
            kind="contiguous", k=k, min_population=pop, neighbours=neighbours, exclude=ex
        )
        out.append(Candidate(cont))
        if years >= 3:
            out.append(Candidate(replace(cont, mappings=3, trend_weight=1.0)))
    return out


def rules_giving(
    chosen: list[str],
    data: list[YearData],
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    candidates: list[Candidate],
    population: pd.Series,
    options: UncertaintyOptions,
) -> pd.DataFrame:
    """Evaluate every candidate rule: does it pick exactly the chosen areas, and how surely.

    Parameters
    ----------
    chosen : list of str
        The codes of the areas chosen (the initiative).
    data : list of YearData
        Every year with data, oldest first (each rule takes the window it needs).
    spec : IndexSpec
        The study's index specification (the peer methods' presets are built on it).
    catalogue : Catalogue
        Indicator definitions.
    candidates : list of Candidate
        The rules (:func:`rule_family`).
    population : pandas.Series
        People per area code (eligibility).
    options : UncertaintyOptions
        The Monte Carlo's sources (the same as the selection's) and draws.

    Returns
    -------
    pandas.DataFrame
        One row per candidate: ``rule`` (its id), ``kind``, ``method``, ``mappings``,
        ``combine``, ``trend_weight``, ``selected`` (codes, ", "-joined), ``reproduces``
        (exactly the chosen set), ``p_set`` (the probability the rule picks exactly the
        chosen set) and ``p_chosen_min`` (the smallest P(picked) among the chosen areas).
    """
    from .presets import preset_spec

    want = set(chosen)
    rows = []
    # The rules share their work: a year's index depends on the spec, not on the rule, and
    # rules on the same years, spec and areas share one Monte Carlo (the rule is applied
    # to its draws anew each time).
    reuse: dict = {}
    for cand in candidates:
        cspec = spec if cand.method == "study" else preset_spec(cand.method, spec)
        if cand.method == "imd" and spec.domains is None:
            continue
        scored = score_year(
            data,
            cspec,
            catalogue,
            rule=cand.rule,
            population=population,
            options=options,
            reuse=reuse,
        )
        table = scored.table
        picked = table.loc[table["selected"], "code"].tolist()
        p_set = p_min = np.nan
        unc = scored.uncertainty
        if unc is not None:
            areas = unc.summary["code"].tolist()
            inside = np.array([a in want for a in areas])
            sel = unc.selected
            if inside.sum() == len(want):
                p_set = float((sel[:, inside].all(axis=1) & ~sel[:, ~inside].any(axis=1)).mean())
            else:  # a chosen area is not eligible: the rule can never pick the set
                p_set = 0.0
            p_by = dict(zip(areas, sel.mean(axis=0), strict=True))
            p_min = float(min(p_by.get(a, 0.0) for a in want))
        r = cand.rule
        rows.append(
            {
                "rule": cand.id,
                "kind": r.kind,
                "method": cand.method,
                "mappings": r.mappings,
                "combine": "pooled" if r.pools else r.combine,
                "trend_weight": r.trend_weight,
                "min_indicators_worse": r.min_indicators_worse
                if r.kind == "multiple_deprivation"
                else np.nan,
                "selected": ", ".join(sorted(picked)),
                "reproduces": set(picked) == want,
                "p_set": p_set,
                "p_chosen_min": p_min,
            }
        )
    return pd.DataFrame(rows)


def choice_evidence(
    selection: pd.DataFrame,
    reselection: pd.DataFrame,
    family: pd.DataFrame,
    *,
    ranks: np.ndarray | None,
    ranked: list[str],
    k: int,
) -> tuple[pd.DataFrame, dict]:
    """Weigh the evidence for each chosen area, and for each area the rule adds.

    An area the rule adds is one it picks that the initiative does not include.

    Parameters
    ----------
    selection : pandas.DataFrame
        The selection table (``code, rank, selected, in_initiative, n_worse,
        worse_indicators`` and the Monte Carlo's ``rank_p05, rank_p95, p_top_k``).
    reselection : pandas.DataFrame
        The reselection table (``year, code, rank``): the rank over the years.
    family : pandas.DataFrame
        :func:`rules_giving`'s table (which rules pick which areas).
    ranks : numpy.ndarray, optional
        The selection year's Monte Carlo ranks, shape ``(draws, areas)``.
    ranked : list of str
        The codes of ``ranks``' columns.
    k : int
        The rule's k.

    Returns
    -------
    evidence : pandas.DataFrame
        One row per area considered: ``code, in_initiative, selected, rank, rank_p05,
        rank_p95, p_top_k, p_top_k1, p_top_k2, first_year, rank_first, rank_last,
        trend`` (``worsening``, ``improving``, ``stable``), ``n_worse,
        worse_indicators, rules_picking, rules_total, verdict`` (a code of
        :data:`VERDICTS`).
    overall : dict
        ``p_exact_set`` (the probability that the chosen set is exactly the k worst),
        ``rules_reproducing`` (ids of the rules that pick exactly the chosen set) and
        ``rules_total``.
    """
    sel = selection.set_index("code")
    chosen = sel.index[sel["in_initiative"]].tolist()
    picked = sel.index[sel["selected"] & ~sel["in_initiative"]].tolist()
    col = {c: j for j, c in enumerate(ranked)}
    rows = []
    for code in chosen + picked:
        s = sel.loc[code]
        history = (
            reselection[reselection["code"] == code].sort_values("year").dropna(subset=["rank"])
        )
        first, last = (history.iloc[0], history.iloc[-1]) if len(history) else (None, None)
        change = (float(last["rank"]) - float(first["rank"])) if first is not None else 0.0
        trend = "worsening" if change <= -2 else ("improving" if change >= 2 else "stable")
        p = {}
        for extra in (0, 1, 2):
            if ranks is not None and code in col:
                p[extra] = float((ranks[:, col[code]] <= k + extra).mean())
            else:
                p[extra] = np.nan
        picking = (
            int(family["selected"].map(lambda v, c=code: c in v.split(", ")).sum())
            if len(family)
            else 0
        )
        rows.append(
            {
                "code": code,
                "in_initiative": bool(s["in_initiative"]),
                "selected": bool(s["selected"]),
                "rank": s["rank"],
                "rank_p05": s.get("rank_p05", np.nan),
                "rank_p95": s.get("rank_p95", np.nan),
                "p_top_k": p[0],
                "p_top_k1": p[1],
                "p_top_k2": p[2],
                "first_year": int(first["year"]) if first is not None else np.nan,
                "rank_first": float(first["rank"]) if first is not None else np.nan,
                "rank_last": float(last["rank"]) if last is not None else np.nan,
                "trend": trend,
                "n_worse": int(s["n_worse"]),
                "worse_indicators": s["worse_indicators"],
                "rules_picking": picking,
                "rules_total": len(family),
                "verdict": _verdict(p[0], trend, picking, len(family)),
            }
        )
    p_exact = np.nan
    if ranks is not None and chosen and all(c in col for c in chosen):
        cols = [col[c] for c in chosen]
        p_exact = float((ranks[:, cols] <= k).all(axis=1).mean()) if len(chosen) == k else 0.0
    overall = {
        "p_exact_set": p_exact,
        "rules_reproducing": family.loc[family["reproduces"], "rule"].tolist()
        if len(family)
        else [],
        "rules_total": len(family),
    }
    return pd.DataFrame(rows), overall


def _verdict(p_top: float, trend: str, picking: int, total: int) -> str:
    """Weigh one area: supported, weakly supported or not supported.

    Support when the area is likely among the k worst or most rules pick it; weak support
    when it is near the boundary, worsening, or some rules pick it; else none.
    """
    share = picking / total if total else 0.0
    if (np.isfinite(p_top) and p_top >= 0.5) or share >= 0.5:
        return "supported"
    if (np.isfinite(p_top) and p_top >= 0.1) or trend == "worsening" or picking > 0:
        return "weakly_supported"
    return "not_supported"
