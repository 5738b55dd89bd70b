import numpy as np
import pandas as pd
import pytest

from levekar.choice import VERDICTS, choice_evidence, rule_family, rules_giving
from levekar.selection import SelectionRule


def test_the_family_is_documented_and_distinct():
    fam = rule_family(SelectionRule(k=3), years=6, neighbours={"a": frozenset()})
    ids = [c.id for c in fam]
    assert len(ids) == len(set(ids)) >= 18
    assert "top_k:k=3" in ids and "top_k:k=3:mappings=3:mean_score:trend=1" in ids
    assert "top_k:k=3:mappings=3:pooled" in ids and "multiple_deprivation:k=3:m=5" in ids
    assert "top_k:k=3:rank_sum" in ids and "contiguous:k=3" in ids
    assert len(rule_family(SelectionRule(k=3), years=1)) < len(ids)  # no windows with one year


def test_the_demo_choice_is_reproduced_by_a_trend_rule_and_not_by_one_year(demo_results):
    fam = demo_results.rule_family.set_index("rule")
    one_year = fam.loc["top_k:k=3:min_population=1000"]
    assert not one_year["reproduces"]
    names = demo_results.names
    # Since the (synthetic) accessibility indicators entered the index, Lisleby (farthest from
    # a school of the three initiative areas) is third and Sellebakk fourth.
    assert sorted(names[c] for c in one_year["selected"].split(", ")) == [
        "Lisleby",
        "Sentrum",
        "Seut",
    ]
    reproducing = fam[fam["reproduces"]]
    assert len(reproducing) >= 1
    assert (
        (reproducing["mappings"] > 1)
        & ((reproducing["trend_weight"] > 0) | (reproducing["combine"] == "pooled"))
    ).any()
    chosen = {c for c, n in names.items() if n in ("Sentrum", "Sellebakk", "Lisleby")}
    for sel in reproducing["selected"]:
        assert set(sel.split(", ")) == chosen
    assert reproducing["p_set"].between(0, 1).all() and (fam["p_set"].dropna() <= 1).all()
    # P(exactly the chosen set) is at most P(the least likely chosen area is picked).
    ok = fam.dropna(subset=["p_set", "p_chosen_min"])
    assert (ok["p_set"] <= ok["p_chosen_min"] + 1e-12).all()


def test_evidence_for_each_chosen_area_and_for_the_area_the_rule_adds(demo_results):
    ev = demo_results.evidence.set_index("code")
    names = demo_results.names
    by_name = {names[c]: c for c in ev.index}
    assert set(by_name) == {"Sentrum", "Sellebakk", "Lisleby", "Seut"}
    assert set(ev["verdict"]) <= set(VERDICTS)
    sel, seut = ev.loc[by_name["Sellebakk"]], ev.loc[by_name["Seut"]]
    assert sel["in_initiative"] and not sel["selected"]
    assert ev.loc[by_name["Lisleby"], "trend"] == "worsening"
    assert not seut["in_initiative"] and seut["selected"]
    assert (ev["p_top_k"] <= ev["p_top_k1"]).all() and (ev["p_top_k1"] <= ev["p_top_k2"]).all()
    assert 0 <= demo_results.choice["p_exact_set"] <= 1


def test_choice_evidence_on_a_toy_case():
    selection = pd.DataFrame(
        {
            "code": ["a", "b", "c", "d"],
            "rank": [1, 2, 3, 4],
            "selected": [True, True, False, False],
            "in_initiative": [True, False, True, False],
            "n_worse": [5, 4, 1, 0],
            "worse_indicators": ["leie", "leie", "", ""],
            "rank_p05": [1, 1, 2, 3],
            "rank_p95": [2, 3, 4, 4],
        }
    )
    resel = pd.DataFrame(
        {"year": [2022, 2023] * 4, "code": list("aabbccdd"), "rank": [1, 1, 2, 2, 4, 3, 3, 4]}
    )
    family = pd.DataFrame(
        {
            "rule": ["r1", "r2", "r3"],
            "selected": ["a, b", "a, c", "a, b"],
            "reproduces": [False, True, False],
        }
    )
    ranks = np.array([[1, 2, 3, 4], [1, 3, 2, 4], [2, 1, 4, 3], [1, 2, 4, 3]])
    ev, overall = choice_evidence(selection, resel, family, ranks=ranks, ranked=list("abcd"), k=2)
    ev = ev.set_index("code")
    assert list(ev.index) == ["a", "c", "b"]  # the chosen, then those the rule adds
    assert ev.loc["a", "p_top_k"] == 1.0 and ev.loc["c", "p_top_k"] == 0.25
    assert ev.loc["c", "rules_picking"] == 1 and ev.loc["b", "rules_picking"] == 2
    assert ev.loc["a", "verdict"] == "supported" and ev.loc["c", "verdict"] == "weakly_supported"
    assert overall["p_exact_set"] == 0.25 and overall["rules_reproducing"] == ["r2"]


def test_rules_giving_counts_exact_sets(demo_study):
    from dataclasses import replace

    from levekar.pipeline import run

    results = run(demo_study, reselect_years=[2023])
    opts = replace(results.scores[results.year].options, draws=60)
    data = [results.data[y] for y in sorted(results.data)]
    pop = results.selection.set_index("code")["population"].astype(float)
    chosen = results.selection.loc[results.selection["selected"], "code"].tolist()
    fam = rules_giving(
        chosen,
        data,
        results.spec,
        results.study.catalogue,
        candidates=rule_family(SelectionRule(k=3, min_population=1000), years=1, presets=()),
        population=pop,
        options=opts,
    )
    row = fam.set_index("rule").loc["top_k:k=3:min_population=1000"]
    assert row["reproduces"] and 0 < row["p_set"] <= 1
    with pytest.raises(KeyError):
        fam.set_index("rule").loc["top_k:k=3:mappings=3:pooled"]
