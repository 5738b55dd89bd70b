"""Data as they come: a lokalsamfunn with no observation at all, an indicator missing in a year.

Corpus-style (a small change to the demo study, run without the Monte Carlo): nothing may end
in a traceback, and everything left out is a finding.
"""

import copy

import geopandas as gpd

from levekar.pipeline import run
from levekar.publish import processed_files


def test_no_data_area_and_an_indicator_missing_in_a_year(demo_study):
    study = copy.copy(demo_study)
    study.config = demo_study.config.model_copy(deep=True)
    sel = study.config.selection
    sel.draws, sel.methods, sel.leave_one_out, sel.weight_concentration = 0, [], False, None
    ls = study.lokalsamfunn
    target = ls[~ls["code"].isin(_initiative_codes(study))].iloc[0]
    touching = gpd.sjoin(
        study.grunnkretser, ls[ls["code"] == target["code"]], predicate="intersects"
    )
    obs = study.observations
    gone = obs["code"].str[4:].isin(set(touching["code_left"].str[4:]))
    dropped = (obs["indicator"] == "leie") & (obs["year"].astype(int) == 2022)
    study.observations = obs[~gone & ~dropped].reset_index(drop=True)

    results = run(study, reselect_years=[2022, 2023])

    kinds = {f.kind for f in results.findings.items}
    assert {"area_without_data", "indicator_left_out"} <= kinds
    assert target["code"] in results.without_data
    # The indicator missing in 2022 is left out of both years' index: like is compared with like.
    assert "leie" not in [i.column for i in results.spec.indicators]
    resel = results.reselection.table
    assert sorted(resel["year"].unique()) == [2022, 2023]
    assert resel.groupby("year")["selected"].sum().tolist() == [results.rule.k] * 2
    table = processed_files(results)["data/processed/selection.csv"].decode("utf-8")
    row = next(line for line in table.splitlines() if f",{target['code']}," in line)
    assert "ingen data" in row and ",False," in row
    assert results.selection["has_data"].all() and len(results.selection) == len(ls) - 1


def _initiative_codes(study):
    names = set(study.config.initiative.areas)
    ls = study.lokalsamfunn
    return set(ls.loc[ls["name"].isin(names) | ls["code"].isin(names), "code"])
