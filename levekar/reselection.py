"""Reselection: re-run the selection rule on each year's data and compare with the initiative.

For every year: the index, rank bands and P(top-k) from the Monte Carlo, and the
areas the rule picks. Between consecutive years, an area that entered or left the
selection is reported with the indicators that drove the change (the largest moves
in its normalised, weighted contributions) and whether the change is larger than
sampling noise: it is called clear (``tydelig``) only when the area's 90 % rank
bands in the two years lie on opposite sides of the boundary k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalogue import Catalogue
from .index import IndexSpec, index_from_spec, normalise_array
from .uncertainty import rank_uncertainty

__all__ = ["Reselection", "reselect"]


@dataclass
class Reselection:
    """Per year and area (``table``) and per year (``summary``)."""

    table: pd.DataFrame
    summary: pd.DataFrame
    k: int
    initiative: list[str]


def _contributions(wide: pd.DataFrame, spec: IndexSpec) -> pd.DataFrame:
    """Each indicator's normalised score times its share of the weight (higher = worse)."""
    cols = [i.column for i in spec.indicators]
    w = np.array([i.weight for i in spec.indicators], dtype=float)
    out = pd.DataFrame(index=wide[spec.id].astype(str))
    for k, ind in enumerate(spec.indicators):
        z = normalise_array(wide[ind.column].to_numpy(dtype=float), "z", higher_is_worse=ind.higher_is_worse)
        out[cols[k]] = z * w[k] / w.sum()
    return out


def reselect(
    rates: pd.DataFrame,
    counts: pd.DataFrame,
    spec: IndexSpec,
    catalogue: Catalogue,
    *,
    years: list[int],
    areas: list[str],
    names: dict[str, str],
    initiative: list[str],
    k: int = 3,
    draws: int = 1000,
    seed: int = 0,
    value_column: str = "value",
) -> Reselection:
    """Run the top-k rule on each of ``years`` for the eligible ``areas``."""
    rows = []
    contrib: dict[int, pd.DataFrame] = {}
    for year in years:
        this = rates[(rates["year"] == year) & rates["area"].isin(areas)]
        wide = this.pivot(index="area", columns="indicator", values=value_column).reset_index().rename(
            columns={"area": spec.id})
        idx = index_from_spec(wide, spec, source=f"reselection {year}")
        unc = rank_uncertainty(counts[counts["year"] == year], spec, catalogue, areas=list(idx[spec.id]), k=k,
                               draws=draws, seed=seed + year).summary
        part = idx.merge(unc.rename(columns={"area": spec.id}), on=spec.id)
        order = part.sort_values(["score", spec.id], ascending=[False, True])
        chosen = set(order[spec.id].iloc[:k])
        part["selected"] = part[spec.id].isin(chosen)
        part["year"] = year
        rows.append(part)
        contrib[year] = _contributions(wide, spec)
    table = pd.concat(rows, ignore_index=True).rename(columns={spec.id: "area"})
    table["name"] = table["area"].map(names)
    table["in_initiative"] = table["area"].isin(initiative)
    table = table.sort_values(["year", "rank", "area"]).reset_index(drop=True)
    table["change"] = ""
    table["clear_change"] = False
    table["drivers"] = ""
    for prev, year in zip(years[:-1], years[1:], strict=True):
        before = table[table["year"] == prev].set_index("area")
        now = table[table["year"] == year].set_index("area")
        for area in now.index.intersection(before.index):
            was, is_ = bool(before.loc[area, "selected"]), bool(now.loc[area, "selected"])
            if was == is_:
                continue
            pos = table.index[(table["year"] == year) & (table["area"] == area)][0]
            table.loc[pos, "change"] = "kom inn" if is_ else "gikk ut"
            if is_:
                clear = before.loc[area, "rank_p05"] > k and now.loc[area, "rank_p95"] <= k
            else:
                clear = before.loc[area, "rank_p95"] <= k and now.loc[area, "rank_p05"] > k
            table.loc[pos, "clear_change"] = bool(clear)
            delta = (contrib[year].loc[area] - contrib[prev].loc[area]) * (1 if is_ else -1)
            top = delta.sort_values(ascending=False).head(3)
            table.loc[pos, "drivers"] = ", ".join(
                catalogue[i].short_label if i in catalogue else i for i, d in top.items() if d > 0)
    summary = []
    for year in years:
        t = table[table["year"] == year]
        sel = t[t["selected"]]
        chosen = sel["area"].tolist()
        summary.append({
            "year": year,
            "selected": ", ".join(names.get(a, a) for a in chosen),
            "in_initiative_and_selected": ", ".join(names.get(a, a) for a in chosen if a in initiative),
            "selected_not_in_initiative": ", ".join(names.get(a, a) for a in chosen if a not in initiative),
            "initiative_not_selected": ", ".join(names.get(a, a) for a in initiative if a not in chosen),
            "entered": ", ".join(t.loc[t["change"] == "kom inn", "name"]),
            "left": ", ".join(t.loc[t["change"] == "gikk ut", "name"]),
            "clear_changes": int(t["clear_change"].sum()),
        })
    return Reselection(table=table, summary=pd.DataFrame(summary), k=k, initiative=list(initiative))
