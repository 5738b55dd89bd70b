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
def test_draws_up_to_one_block_give_the_same_numbers_for_the_seed(monkeypatch, rule, digest):
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
    # The numbers the Monte Carlo gave for this seed before it ran in blocks.
    seen = hashlib.sha256(whole.ranks.astype(np.int64).tobytes() + whole.selected.tobytes())
    assert seen.hexdigest()[:16] == digest
    monkeypatch.setattr(unc, "BLOCK_DRAWS", 50)  # exactly one block: still the same numbers
    one = rank_uncertainty(data, SPEC, CAT, rule=rule, options=opts)
    np.testing.assert_array_equal(whole.ranks, one.ranks)
    np.testing.assert_array_equal(whole.selected, one.selected)
    pd.testing.assert_frame_equal(whole.summary, one.summary)
    # Scored three draws at a time (4 areas x 2 indicators a draw): the same numbers.
    monkeypatch.setattr(unc, "SCORE_CELLS", 24)
    parts = rank_uncertainty(data, SPEC, CAT, rule=rule, options=opts)
    np.testing.assert_array_equal(whole.ranks, parts.ranks)
    np.testing.assert_array_equal(whole.selected, parts.selected)


def _with_bounds(data):
    """The toy with A's sosialhjelp suppressed between 2 and 14 of its 60 (observed 18)."""
    from dataclasses import replace

    low, high = data.numerator_low.copy(), data.numerator_high.copy()
    k = data.indicators.index("sosialhjelp")
    low[0, k], high[0, k] = 2.0, 14.0
    return replace(data, numerator_low=low, numerator_high=high)


SHARE_AND_RATE = {
    a: {"leie": v["leie"], "sosialhjelp": v["sosialhjelp"], "utflytting": 1000 * v["leie"] / 5}
    for a, v in P.items()
}


def _blocks(data, draws, seed, block=None):
    from levekar.uncertainty import _value_blocks

    spec = load_index_spec({"id": "code", "indicators": [{"column": c} for c in data.indicators]})
    rows = np.arange(len(data.codes))
    rng = np.random.default_rng(seed)
    return _value_blocks(data, rows, spec, CAT, draws, rng, True, block=block), spec, rng


def test_draws_above_one_block_come_block_by_block_from_their_own_streams():
    from levekar.uncertainty import _block_values, _models, _value_blocks

    data = _with_bounds(year_from_shares(SHARE_AND_RATE, 60))
    blocks, spec, rng = _blocks(data, 50, seed=5, block=7)
    drawn = list(blocks)
    assert [(a, b) for a, b, _ in drawn] == [(a, min(a + 7, 50)) for a in range(0, 50, 7)]
    values = np.concatenate([v for *_, v in drawn])
    # Seeded: the same seed gives the same numbers; the run's generator is not advanced.
    again = np.concatenate([v for *_, v in _blocks(data, 50, seed=5, block=7)[0]])
    np.testing.assert_array_equal(values, again)
    assert rng.random() == np.random.default_rng(5).random()
    other = np.concatenate([v for *_, v in _blocks(data, 50, seed=6, block=7)[0]])
    assert not np.array_equal(values, other)
    # Any block alone, in any order, gives the numbers it gives in the run: block i of
    # indicator k is the child (k, i) of the seed sequence the run spawns.
    root = np.random.default_rng(5).bit_generator.seed_seq.spawn(1)[0]
    models = _models(data, np.arange(4), spec, CAT)
    for i in reversed(range(len(drawn))):
        a, b, v = drawn[i]
        np.testing.assert_array_equal(_block_values(models, root, i, b - a), v)
    # A second run from the same generator (the next year of a window) has its own streams.
    gen = np.random.default_rng(5)
    first = [v for *_, v in _value_blocks(data, np.arange(4), spec, CAT, 50, gen, True, 7)]
    nxt = [v for *_, v in _value_blocks(data, np.arange(4), spec, CAT, 50, gen, True, 7)]
    np.testing.assert_array_equal(np.concatenate(first), values)
    assert not np.array_equal(np.concatenate(nxt), values)
    # The model: shares are counts out of the denominator, rates per 1,000 of it.
    n = 60
    np.testing.assert_allclose(values[..., :2] * n, np.round(values[..., :2] * n), atol=1e-9)
    np.testing.assert_allclose(values[..., 2] * n / 1000, np.round(values[..., 2] * n / 1000))


def test_blocks_draw_the_same_distribution_as_one_block():
    # Cell by cell, mean and standard deviation of 20,000 draws in blocks of 2,500 (the
    # streams per block) against 20,000 in one block (one stream): within Monte Carlo error.
    data = _with_bounds(year_from_shares(SHARE_AND_RATE, 60))
    one = next(_blocks(data, 20_000, seed=3)[0])[2]
    parts = np.concatenate([v for *_, v in _blocks(data, 20_000, seed=3, block=2_500)[0]])
    sd = one.std(axis=0)
    se_mean = np.sqrt(2 / 20_000) * sd
    np.testing.assert_array_less(np.abs(parts.mean(axis=0) - one.mean(axis=0)), 4.5 * se_mean)
    # The standard deviation's standard error is about sd / sqrt(2 n).
    np.testing.assert_array_less(np.abs(parts.std(axis=0) - sd), 4.5 * sd / np.sqrt(20_000))
    # The suppressed cell's centre is uniform within its bounds: mean (2 + 14) / 2 of 60.
    assert abs(parts[:, 0, 1].mean() - 8 / 60) < 4.5 * sd[0, 1] / np.sqrt(20_000)


def test_p_top_k_in_blocks_agrees_with_one_block(monkeypatch):
    import levekar.uncertainty as unc

    data = year_from_shares(P, 60)
    opts = UncertaintyOptions(draws=4_000, seed=11)
    one = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts)
    monkeypatch.setattr(unc, "BLOCK_DRAWS", 1_000)
    blocks = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts)
    assert not np.array_equal(one.ranks, blocks.ranks)  # other streams, the same model
    assert blocks.summary["p_top_k"].sum() == pytest.approx(2.0)
    # Each area's share of draws at each rank: within 4.5 standard errors of the difference.
    for r in range(1, 5):
        p1, p2 = (one.ranks == r).mean(axis=0), (blocks.ranks == r).mean(axis=0)
        se = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 4_000)
        assert (np.abs(p1 - p2) <= 4.5 * se + 1e-12).all(), (r, p1, p2)
    again = rank_uncertainty(data, SPEC, CAT, rule=SelectionRule(k=2), options=opts)
    np.testing.assert_array_equal(blocks.ranks, again.ranks)


def test_memory_of_the_draws_is_one_block_not_all_of_them():
    import tracemalloc

    data = _with_bounds(year_from_shares(SHARE_AND_RATE, 60))
    block_bytes = 2_000 * 4 * 3 * 8
    blocks, *_ = _blocks(data, 80_000, seed=1, block=2_000)  # 40 blocks
    tracemalloc.start()
    seen = 0
    for a, b, v in blocks:
        seen += b - a
        del v
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == 80_000
    assert peak < 2 * block_bytes, peak  # all the draws' values would be 40 blocks


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
