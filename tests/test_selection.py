import numpy as np
import pandas as pd
import pytest
from conftest import box, layer

from levekar.catalogue import load_catalogue
from levekar.errors import ConfigError
from levekar.index import load_index_spec
from levekar.indicators import significantly_worse
from levekar.render.presentation import AGREEMENT_LABELS, reasons_text
from levekar.selection import SelectionRule, boundary_areas, neighbours_of, select_areas

CAT = load_catalogue()


def toy_rates():
    rows = []
    for area, (v, lo, hi) in {
        "A": (0.30, 0.26, 0.34),
        "B": (0.22, 0.18, 0.26),
        "C": (0.10, 0.08, 0.12),
    }.items():
        rows.append(
            {
                "code": area,
                "indicator": "leie",
                "value": v,
                "ci_low": lo,
                "ci_high": hi,
                "kommune_value": 0.2,
                "norway_value": 0.21,
            }
        )
    return pd.DataFrame(rows)


def test_worse_than_reference_uses_the_whole_interval():
    r = toy_rates()
    r["significantly_worse"] = significantly_worse(r, CAT)
    assert r["significantly_worse"].tolist() == [True, False, False]


def _scores(rule, *, population=(500, 3000, 4000), score=(2.0, 1.0, -1.0), n_worse=(1, 0, 0)):
    table = pd.DataFrame(
        {
            "code": ["A", "B", "C"],
            "name": ["Sentrum", "Seut", "Begby"],
            "population": list(population),
            "score": list(score),
            "rank": [1, 2, 3],
            "n_worse": list(n_worse),
            "n_indicators": 1,
        }
    )
    table["eligible"] = rule.eligible(table["population"], table["code"])
    table["selected"] = rule.choose(
        table["score"].to_numpy(),
        eligible=table["eligible"].to_numpy(),
        n_worse=table["n_worse"].to_numpy(),
        codes=table["code"].tolist(),
    )
    return table


def test_excluded_areas_are_never_eligible_and_named_in_the_rule_id():
    rule = SelectionRule(k=1, exclude=frozenset({"A"}))
    assert rule.eligible([500, 3000, 4000], ["A", "B", "C"]).tolist() == [False, True, True]
    with pytest.raises(ValueError, match="needs the areas' codes"):
        rule.eligible([500, 3000, 4000])
    assert rule.id == "top_k:k=1:exclude=A"
    table = _scores(rule)
    assert table["selected"].tolist() == [False, True, False]


def test_top_k_with_minimum_population_and_reasons():
    r = toy_rates()
    r["significantly_worse"] = significantly_worse(r, CAT)
    worse = r[r["significantly_worse"]].assign(gap=0.5)[["code", "indicator", "gap"]]
    rule = SelectionRule(k=1, min_population=1000)
    sel = select_areas(_scores(rule), worse, rule=rule, initiative=["A"]).set_index("code")
    assert sel["selected"].tolist() == [False, True, False]  # A is too small
    assert sel.loc["A", "agreement"] == "initiative_not_selected"
    assert AGREEMENT_LABELS[sel.loc["A", "agreement"]] == "i satsingen, ikke valgt"
    assert sel.loc["A", "worse_indicators"] == "leie"
    text = reasons_text(
        "A", sel.loc["A", "worse_indicators"], r.set_index(["code", "indicator"]), CAT
    )
    assert text == "Leier bolig 30,0\u00a0% (kommunen 20,0\u00a0%)"
    md_rule = SelectionRule(kind="multiple_deprivation", min_indicators_worse=1)
    md = select_areas(_scores(md_rule), worse, rule=md_rule).set_index("code")
    assert md["selected"].tolist() == [True, False, False]


def test_rule_choose_on_draws_and_ties():
    rule = SelectionRule(k=2)
    scores = np.array([[3.0, 1.0, 2.0, np.nan], [1.0, 1.0, 1.0, 5.0]])
    chosen = rule.choose(scores, eligible=np.array([True, True, True, False]))
    assert chosen.tolist() == [
        [True, False, True, False],
        [True, True, False, False],
    ]  # ties: first areas
    tb = np.array([0.1, 0.9, 0.5, 0.0])
    assert rule.choose(scores[1:], eligible=np.ones(4, bool), tie_break=tb).tolist() == [
        [False, True, False, True]
    ]
    assert (
        rule.choose(np.random.default_rng(1).random((50, 6)), eligible=np.ones(6, bool)).sum(axis=1)
        == 2
    ).all()


def test_unknown_rule_and_contiguous_without_neighbours_are_clear_errors():
    with pytest.raises(ConfigError, match="unknown rule 'best'"):
        SelectionRule(kind="best")
    with pytest.raises(ConfigError, match="needs the areas' neighbours"):
        SelectionRule(kind="contiguous")


P = {
    "A": {"leie": 0.30, "sosialhjelp": 0.30},
    "B": {"leie": 0.25, "sosialhjelp": 0.25},
    "C": {"leie": 0.20, "sosialhjelp": 0.20},
    "D": {"leie": 0.10, "sosialhjelp": 0.10},
}

SPEC = load_index_spec(
    {
        "id": "code",
        "normalisation": "z",
        "aggregation": "weighted_mean",
        "indicators": [{"column": "leie"}, {"column": "sosialhjelp"}],
    }
)


def test_contiguous_top_k_grows_one_region():
    # A row of five areas; the two best-scoring are far apart (a and e).
    row = layer(list("abcde"), [box(100 * i, 0, 100 * (i + 1), 100) for i in range(5)])
    nb = neighbours_of(row)
    assert nb["a"] == {"b"} and nb["c"] == {"b", "d"}
    score = np.array([3.0, 1.0, 0.5, 0.0, 2.5])
    plain = SelectionRule(k=2).choose(score, eligible=np.ones(5, bool))
    assert set(np.array(list("abcde"))[plain]) == {"a", "e"}
    joined = SelectionRule(kind="contiguous", k=2, neighbours=nb).choose(
        score, eligible=np.ones(5, bool), codes=list("abcde")
    )
    assert set(np.array(list("abcde"))[joined]) == {"a", "b"}
    # On draws, each draw grows its own region.
    draws = np.array([[3.0, 1.0, 0.5, 0.0, 2.5], [0.0, 0.5, 1.0, 2.0, 3.0]])
    many = SelectionRule(kind="contiguous", k=3, neighbours=nb).choose(
        draws, eligible=np.ones(5, bool), codes=list("abcde")
    )
    assert many.tolist() == [[True, True, True, False, False], [False, False, True, True, True]]


def test_boundary_areas_are_the_uncertain_ones():
    sel = pd.DataFrame(
        {
            "code": list("abcde"),
            "eligible": True,
            "score": [5.0, 4, 3, 2, 1],
            "n_worse": [6, 5, 4, 1, 0],
            "p_selected": [1.0, 0.6, 0.4, 0.0, 0.0],
        }
    )
    assert boundary_areas(sel, SelectionRule(k=2)) == ["b", "c"]
    no_mc = sel.drop(columns="p_selected")
    assert boundary_areas(no_mc, SelectionRule(k=2)) == ["a", "b", "c", "d"]
    assert boundary_areas(
        no_mc, SelectionRule(kind="multiple_deprivation", min_indicators_worse=5)
    ) == ["a", "b", "c"]
