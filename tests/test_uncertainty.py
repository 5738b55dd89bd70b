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


def test_an_excluded_area_keeps_its_rank_but_is_never_among_the_k_chosen_from():
    data = year_from_shares(P, 60)
    opts = UncertaintyOptions(draws=500, seed=11)
    rule = SelectionRule(k=2, exclude=frozenset({"A"}))
    pop = pd.Series(1000.0, index=list(P))
    scores = score_year([data], SPEC, CAT, rule=rule, population=pop, options=opts).table
    s = scores.set_index("code")
    # Bands are ranks among every area, as the point rank is: they contain it.
    assert (s["rank_p05"] <= s["rank"]).all() and (s["rank"] <= s["rank_p95"]).all()
    assert s.loc["A", "rank"] == 1 and not s.loc["A", "eligible"] and not s.loc["A", "selected"]
    # P(among the k worst) is among the areas the rule chooses from: A has none, B–D share k.
    assert s.loc["A", "p_top_k"] == 0 and s.loc["A", "p_selected"] == 0
    assert s["p_top_k"].sum() == pytest.approx(2.0)
    np.testing.assert_array_equal(s["p_selected"], s["p_top_k"])
    assert s.loc[["B", "C"], "selected"].all()
    # The same draws without the exclusion: identical bands, and ranks among B–D are the
    # draws' order restricted to them.
    plain = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts)
    pd.testing.assert_frame_equal(
        plain.summary[["code", "rank_p05", "rank_p95"]],
        scores[["code", "rank_p05", "rank_p95"]].astype({"rank_p05": int, "rank_p95": int}),
        check_dtype=False,
    )
    kept, among = plain.ranks_among({"B", "C", "D", "Z"})
    assert kept == ["B", "C", "D"] and ((np.sort(among, axis=1)) == [1, 2, 3]).all()
    full = plain.ranks[:, 1:]
    assert (np.argsort(among, axis=1) == np.argsort(full, axis=1)).all()


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


def test_combined_scores_over_mappings():
    from levekar.uncertainty import combine_scores

    totals = np.array([[1.0, 0.0, 2.0], [2.0, 0.0, 2.5], [3.0, 0.0, 2.0]])  # a worsens, c stays
    mean = combine_scores(totals, SelectionRule(mappings=3))
    np.testing.assert_allclose(mean, [2.0, 0.0, 6.5 / 3])
    trend = combine_scores(totals, SelectionRule(mappings=3, trend_weight=1.0))
    np.testing.assert_allclose(trend, [4.0, 0.0, 6.5 / 3])  # + the fitted change over the window
    ranks = combine_scores(totals, SelectionRule(mappings=3, combine="mean_rank"))
    assert ranks[2] > ranks[0] > ranks[1]  # c: ranks 1, 1, 2; a: 2, 2, 1
    draws = np.stack([totals, totals + 1], axis=1)  # (years, draws, areas)
    assert combine_scores(draws, SelectionRule(mappings=3)).shape == (2, 3)


def test_a_rule_over_mappings_scores_the_window_and_its_monte_carlo_agrees():
    years = {
        y: year_from_shares(
            {
                a: {k: v * (1 + 0.1 * (y - 2021) * (a == "D")) for k, v in s.items()}
                for a, s in P.items()
            },
            400,
            year=y,
        )
        for y in (2021, 2022, 2023)
    }
    window = [years[y] for y in sorted(years)]
    rule = SelectionRule(k=2, mappings=3, trend_weight=1.0)
    pop = pd.Series(5000, index=list(P))
    scored = score_year(
        window, SPEC, CAT, rule=rule, population=pop, options=UncertaintyOptions(draws=300, seed=5)
    ).table.set_index("code")
    assert {"score_2021", "score_2022", "score_2023"} <= set(scored.columns)
    assert scored["p_selected"].sum() == pytest.approx(2.0)
    assert (
        scored.loc[scored["selected"], "p_selected"].min()
        >= scored.loc[~scored["selected"], "p_selected"].max()
    )
    # Pooling three years is one year with the counts summed.
    pooled = score_year(
        window, SPEC, CAT, rule=SelectionRule(k=2, mappings=3, combine="pooled"), population=pop
    ).table
    assert "score_2021" not in pooled.columns and pooled["score"].notna().all()


def test_pooled_years_sum_the_counts():
    from levekar.indicators import pool_years

    a = year_from_shares({"A": {"leie": 0.2}, "B": {"leie": 0.4}}, 100, year=2022)
    b = year_from_shares({"A": {"leie": 0.3}, "B": {"leie": 0.4}}, 300, year=2023)
    p = pool_years([a, b], CAT)
    assert p.year == 2023
    np.testing.assert_allclose(p.denominator[:, 0], [400, 400])
    np.testing.assert_allclose(p.value[:, 0], [(20 + 90) / 400, 0.4])


@pytest.mark.parametrize(
    ("rule", "digest"),
    [
        (SelectionRule(k=2), "10c35061343c6b73"),
        (
            SelectionRule(kind="multiple_deprivation", k=2, min_indicators_worse=1),
            "e32ce2a641a6e768",
        ),
    ],
)
def test_draws_in_blocks_give_the_same_numbers_for_the_seed(monkeypatch, rule, digest):
    import hashlib

    import levekar.uncertainty as unc

    data = year_from_shares(P, 60)
    opts = UncertaintyOptions(
        draws=50,
        seed=5,
        weight_concentration=30.0,
        methods=("z/weighted_mean", "rank/weighted_mean"),
        leave_one_out=True,
    )
    whole = rank_uncertainty(data, SPEC, CAT, rule=rule, options=opts)
    monkeypatch.setattr(unc, "BLOCK_DRAWS", 7)  # 8 blocks, the last one short
    blocks = rank_uncertainty(data, SPEC, CAT, rule=rule, options=opts)
    np.testing.assert_array_equal(whole.ranks, blocks.ranks)
    np.testing.assert_array_equal(whole.selected, blocks.selected)
    pd.testing.assert_frame_equal(whole.summary, blocks.summary)
    # Scored three draws at a time (4 areas x 2 indicators a draw): the same numbers.
    monkeypatch.setattr(unc, "SCORE_CELLS", 24)
    parts = rank_uncertainty(data, SPEC, CAT, rule=rule, options=opts)
    np.testing.assert_array_equal(whole.ranks, parts.ranks)
    np.testing.assert_array_equal(whole.selected, parts.selected)
    # The numbers the Monte Carlo gave for this seed before it ran in blocks.
    seen = hashlib.sha256(blocks.ranks.astype(np.int64).tobytes() + blocks.selected.tobytes())
    assert seen.hexdigest()[:16] == digest


def test_rules_that_share_their_work_get_the_numbers_of_rules_scored_alone():
    from levekar.choice import rule_family
    from levekar.presets import preset_spec

    years = [
        year_from_shares(
            {
                a: {k: v * (1 + 0.1 * (y - 2021) * (a == "D")) for k, v in s.items()}
                for a, s in P.items()
            },
            120,
            year=y,
        )
        for y in (2021, 2022, 2023)
    ]
    pop = pd.Series({"A": 5000, "B": 5000, "C": 5000, "D": 800})  # D may not be chosen
    opts = UncertaintyOptions(draws=20, seed=9, weight_concentration=30)
    neighbours = {
        "A": frozenset("B"),
        "B": frozenset("AC"),
        "C": frozenset("BD"),
        "D": frozenset("C"),
    }
    base = SelectionRule(k=2, min_population=1000)
    family = rule_family(base, years=3, presets=("rank_sum",), neighbours=neighbours)
    reuse: dict = {}
    for cand in family:
        spec = SPEC if cand.method == "study" else preset_spec(cand.method, SPEC)
        alone = score_year(years, spec, CAT, rule=cand.rule, population=pop, options=opts)
        shared = score_year(
            years, spec, CAT, rule=cand.rule, population=pop, options=opts, reuse=reuse
        )
        pd.testing.assert_frame_equal(alone.table, shared.table, check_exact=True)
        np.testing.assert_array_equal(alone.uncertainty.ranks, shared.uncertainty.ranks)
        np.testing.assert_array_equal(alone.uncertainty.selected, shared.uncertainty.selected)
    # One Monte Carlo per window, spec and areas, not one per rule.
    assert sum(key[0][0] == "draws" for key in reuse) < len(family) // 2


def test_year_scores_show_the_bands_by_rank_and_escape_codes():
    evil = "<script>x</script>"
    shares = {evil if c == "A" else c: v for c, v in P.items()}
    data = year_from_shares(shares, 60)
    pop = pd.Series(1000, index=list(shares))
    opts = UncertaintyOptions(draws=200, seed=5)
    scores = score_year(data, SPEC, CAT, rule=SelectionRule(k=2), population=pop, options=opts)
    bands = scores.bands()
    assert bands["rank"].tolist() == [1, 2, 3, 4] and bands["code"].iloc[0] == evil
    t = scores.table.set_index("code").loc[bands["code"]]
    expected = [f"{lo:.0f}–{hi:.0f}" for lo, hi in zip(t["rank_p05"], t["rank_p95"], strict=True)]
    assert bands["band"].tolist() == expected
    text = repr(scores)
    assert "\n" not in text and text.startswith("YearScores(2023: 4 areas, selected ")
    assert "200 draws varying sampling" in text
    assert repr(scores.uncertainty) == "RankUncertainty(200 draws × 4 areas, seed 5)"
    html = scores._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert f"{100 * t['p_top_k'].iloc[0]:.1f} %" in html and html.count("</tr>") == 5
    bare = score_year(data, SPEC, CAT, rule=SelectionRule(k=2), population=pop, options=None)
    assert "no Monte Carlo" in repr(bare) and set(bare.bands()["band"]) <= {""}
