import numpy as np
import pandas as pd
import pytest
from conftest import year_from_shares

from levekar.catalogue import load_catalogue
from levekar.index import load_index_spec
from levekar.selection import SelectionRule
from levekar.uncertainty import (
    UncertaintyOptions,
    rank_uncertainty,
    score_year,
    uncertainty_sources,
)

CAT = load_catalogue()
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


def test_options_name_their_sources_and_hold_the_others():
    opts = UncertaintyOptions(
        weight_concentration=40, methods=("rank/weighted_mean",), leave_one_out=True
    )
    assert opts.sources == ("sampling", "weights", "methods", "leave_one_out")
    assert opts.only("weights").sources == ("weights",)
    assert UncertaintyOptions(sampling=False).sources == ()


def test_bands_collapse_without_sampling_error():
    data = year_from_shares(P, 100)
    opts = UncertaintyOptions(draws=200, sampling=False)
    u = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts).summary
    assert u["rank_p05"].tolist() == u["rank_p95"].tolist() == [1, 2, 3, 4]
    assert u["p_top_k"].tolist() == [1.0, 1.0, 0.0, 0.0]


def test_sampling_component_vanishes_with_huge_populations():
    data = year_from_shares(P, 10_000_000)
    opts = UncertaintyOptions(draws=300, seed=3)
    u = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts).summary
    assert u["rank_p05"].tolist() == u["rank_p95"].tolist() == [1, 2, 3, 4]


def test_p_top_k_sums_to_k_and_is_seeded():
    data = year_from_shares(P, 60)
    opts = UncertaintyOptions(draws=500, seed=11)
    a = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts)
    b = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts)
    assert a.summary["p_top_k"].sum() == pytest.approx(2.0)
    assert ((a.ranks <= 2).sum(axis=1) == 2).all()
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.summary["rank_p95"].max() > a.summary["rank_p05"].min()  # small counts do move ranks
    assert np.all(a.summary["rank_p05"] <= a.summary["rank_median"])
    # Under top-k the rule's probability is P(top-k).
    np.testing.assert_array_equal(a.summary["p_selected"], a.summary["p_top_k"])


def test_multiple_deprivation_probability_follows_the_rule_not_the_rank():
    data = year_from_shares(P, 400)
    rule = SelectionRule(kind="multiple_deprivation", k=2, min_indicators_worse=2)
    scored = score_year(
        data,
        SPEC,
        CAT,
        rule=rule,
        population=pd.Series(5000, index=list(P)),
        options=UncertaintyOptions(draws=400, seed=2),
    ).table.set_index("code")
    # A is worse than the kommune on both indicators, D better on both.
    assert scored.loc["A", "selected"] and not scored.loc["D", "selected"]
    assert scored.loc["A", "p_selected"] > 0.8 and scored.loc["D", "p_selected"] == 0.0
    assert scored["p_top_k"].sum() == pytest.approx(2.0)


def test_variance_shares_sum_to_one():
    three = {a: {**v, "trangbodd": v["leie"] / 3} for a, v in P.items()}
    spec = load_index_spec(
        {
            "id": "code",
            "normalisation": "z",
            "aggregation": "weighted_mean",
            "indicators": [
                {"column": "leie", "domain": "bomiljo"},
                {"column": "trangbodd", "domain": "bomiljo"},
                {"column": "sosialhjelp", "domain": "inntekt"},
            ],
        }
    )
    data = year_from_shares(three, 80)
    opts = UncertaintyOptions(
        draws=300,
        seed=3,
        weight_concentration=20,
        methods=("z/weighted_mean", "rank/weighted_mean"),
        leave_one_out=True,
    )
    out = uncertainty_sources(data, spec, CAT, rule=SelectionRule(k=2), areas=list(P), options=opts)
    shares = out[[c for c in out.columns if c.startswith("share_")]]
    moved = shares.notna().all(axis=1)
    np.testing.assert_allclose(shares[moved].sum(axis=1), 1.0)
    assert set(out.loc[moved, "main_source"]) <= {"sampling", "weights", "methods", "leave_one_out"}
