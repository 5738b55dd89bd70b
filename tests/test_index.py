import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from levekar.errors import DataError, SpecError
from levekar.index import exponential_transform, index_from_spec, load_index_spec, normalise

X = pd.Series([1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("none", [1, 2, 3, 4]),
        ("z", [-1.161895, -0.387298, 0.387298, 1.161895]),
        ("minmax", [0, 1 / 3, 2 / 3, 1]),
        ("rank", [1, 2, 3, 4]),
        ("percentile", [25, 50, 75, 100]),
        ("decile", [1, 3, 6, 8]),  # 11 - ceil(10 * rank_worst_first / N)
        ("score10", [1, 4, 7, 10]),
        ("distance_to_reference", [-0.6, -0.2, 0.2, 0.6]),
    ],
)
def test_normalisations_exact(method, expected):
    np.testing.assert_allclose(normalise(X, method).to_numpy(), expected, atol=1e-6)


def test_direction_flips_scores():
    np.testing.assert_allclose(normalise(X, "rank", higher_is_worse=False).to_numpy(), [4, 3, 2, 1])
    np.testing.assert_allclose(
        normalise(X, "distance_to_reference", higher_is_worse=False, reference=2.0).to_numpy(),
        [0.5, 0.0, -0.5, -1.0],
    )


def test_exponential_transform_matches_the_imd_formula():
    ranks = np.arange(1, 11)
    expected = [-23 * math.log(1 - r / 10 * (1 - math.exp(-100 / 23))) for r in ranks]
    np.testing.assert_allclose(exponential_transform(ranks, 10), expected)
    assert exponential_transform(np.array([10]), 10)[0] == pytest.approx(100.0)


def test_ties_share_average_rank():
    np.testing.assert_allclose(
        normalise(pd.Series([5.0, 5.0, 1.0]), "rank").to_numpy(), [2.5, 2.5, 1.0]
    )


def test_missing_stays_missing():
    out = normalise(pd.Series([1.0, np.nan, 3.0]), "z").to_numpy()
    assert np.isnan(out[1]) and out[0] == pytest.approx(-0.7071068)


TABLE = pd.DataFrame(
    {
        "code": ["a", "b", "c", "d"],
        "low_income": [0.1, 0.3, 0.2, 0.4],
        "income": [400.0, 300.0, 350.0, 250.0],
    }
)
BASE = {
    "id": "code",
    "normalisation": "rank",
    "aggregation": "weighted_sum",
    "indicators": [
        {"column": "low_income", "weight": 0.5},
        {"column": "income", "higher_is_worse": False, "weight": 0.5},
    ],
}


def test_weighted_sum_of_ranks_and_rank_decile():
    out = index_from_spec(TABLE, BASE)
    assert out["score"].tolist() == [1.0, 3.0, 2.0, 4.0]
    assert out["rank"].tolist() == [4, 2, 3, 1]
    assert out["decile"].tolist() == [10, 5, 8, 3]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        ("weighted_mean", [0.0, 2 / 3, 1 / 3, 1.0]),
        ("geometric", None),
        ("rank_sum", [1.0, 3.0, 2.0, 4.0]),
    ],
)
def test_aggregations(aggregation, expected):
    spec = {**BASE, "normalisation": "minmax", "aggregation": aggregation}
    if expected is None:
        with pytest.raises(DataError, match="geometric aggregation needs positive scores"):
            index_from_spec(TABLE, spec)
        return
    np.testing.assert_allclose(
        index_from_spec(TABLE, spec)["score"].to_numpy(), expected, atol=1e-12
    )


def test_geometric_mean_on_positive_scores():
    spec = {**BASE, "normalisation": "percentile", "aggregation": "geometric"}
    out = index_from_spec(TABLE, spec)
    np.testing.assert_allclose(out["score"].to_numpy(), [25.0, 75.0, 50.0, 100.0])


def test_domains_then_total():
    table = TABLE.assign(unemployment=[0.02, 0.05, 0.03, 0.04])
    spec = {
        **BASE,
        "normalisation": "rank",
        "aggregation": "weighted_mean",
        "indicators": [
            {"column": "low_income", "domain": "inntekt"},
            {"column": "income", "higher_is_worse": False, "domain": "inntekt"},
            {"column": "unemployment", "domain": "sysselsetting"},
        ],
        "domains": {
            "normalisation": "none",
            "aggregation": "weighted_mean",
            "weights": {"inntekt": 0.75, "sysselsetting": 0.25},
        },
    }
    out = index_from_spec(table, spec)
    assert out["domain_inntekt"].tolist() == [1.0, 3.0, 2.0, 4.0]
    assert out["domain_sysselsetting"].tolist() == [1.0, 4.0, 2.0, 3.0]
    np.testing.assert_allclose(out["score"].to_numpy(), [1.0, 3.25, 2.0, 3.75])


def test_minimal_spec_from_toml(tmp_path):
    p = tmp_path / "spec.toml"
    p.write_text(
        '[index]\nid = "code"\nnormalisation = "exponential"\naggregation = "weighted_sum"\n\n'
        '[[index.indicators]]\ncolumn = "income_rank"\nhigher_is_worse = false\nweight = 0.225\n',
        encoding="utf-8",
    )
    spec = load_index_spec(p)
    assert spec.indicators[0].weight == 0.225 and spec.normalisation == "exponential"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"normalisation": "zscore"}, r"index.normalisation: Input should be 'z', 'minmax'"),
        ({"indicators": []}, r"index.indicators: List should have at least 1 item"),
        ({"weights": 1}, r"index.weights: Extra inputs are not permitted"),
    ],
)
def test_spec_errors_name_the_key(change, message):
    with pytest.raises(SpecError, match=message):
        load_index_spec({**BASE, **change}, source="spec.toml")


def test_input_errors():
    with pytest.raises(DataError, match=r"indicator column\(s\) \['income'\] not found"):
        index_from_spec(TABLE.drop(columns="income"), BASE)
    with pytest.raises(
        DataError, match=r"column 'income', row 1 \(id 'b'\): 'mye' is not a number"
    ):
        index_from_spec(
            TABLE.astype({"income": object}).assign(income=["1", "mye", "2", "3"]), BASE
        )
    with pytest.raises(DataError, match="duplicate id 'a'"):
        index_from_spec(pd.concat([TABLE, TABLE.iloc[:1]]), BASE)


def test_weights_not_summing_to_one_warn_or_rescale():
    spec = {**BASE, "indicators": [{**i, "weight": 1.0} for i in BASE["indicators"]]}
    with pytest.warns(UserWarning, match="weights sum to 2"):
        index_from_spec(TABLE, spec)
    out = index_from_spec(TABLE, {**spec, "rescale_weights": True})
    assert out["score"].tolist() == [1.0, 3.0, 2.0, 4.0]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=4, max_size=12, unique=True),
    st.sampled_from(["z", "minmax", "rank", "percentile", "exponential", "none"]),
    st.randoms(use_true_random=False),
)
def test_row_order_never_changes_results(values, method, rnd):
    table = pd.DataFrame(
        {
            "code": [f"a{i}" for i in range(len(values))],
            "x": values,
            "y": [v**2 for v in values[::-1]],
        }
    )
    spec = {
        "id": "code",
        "normalisation": method,
        "aggregation": "weighted_mean",
        "indicators": [{"column": "x"}, {"column": "y", "higher_is_worse": False}],
    }
    out = index_from_spec(table, spec).set_index("code").sort_index()
    order = list(range(len(table)))
    rnd.shuffle(order)
    shuffled = index_from_spec(table.iloc[order], spec).set_index("code").sort_index()
    pd.testing.assert_frame_equal(out, shuffled)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=3, max_size=10, unique=True),
    st.integers(0, 9),
    st.sampled_from(["z", "minmax", "rank", "percentile", "exponential"]),
)
def test_score_is_monotone_in_the_worse_direction(values, which, method):
    which = which % len(values)
    table = pd.DataFrame({"code": range(len(values)), "x": values, "y": values[::-1]})
    spec = {
        "id": "code",
        "normalisation": method,
        "aggregation": "weighted_mean",
        "indicators": [{"column": "x"}, {"column": "y", "higher_is_worse": False}],
    }
    before = index_from_spec(table, spec)
    worse = table.copy()
    worse.loc[which, "x"] = max(values) + 1.0  # more of a bad thing
    after = index_from_spec(worse, spec)
    assert after["rank"].iloc[which] <= before["rank"].iloc[which]


def _layouts(a):
    """The same numbers laid out in memory four ways (the sums' order can follow the layout)."""
    return {
        "C": np.ascontiguousarray(a),
        "F": np.asfortranarray(a),
        "last two swapped": np.moveaxis(np.ascontiguousarray(np.moveaxis(a, -1, -2)), -2, -1),
        "strided": np.concatenate([a, a], axis=-1)[..., ::2],
    }


@pytest.mark.parametrize("with_nan", [False, True])
def test_z_and_weighted_mean_without_missing_values_are_the_nan_aware_numbers(with_nan):
    from levekar.index import aggregate_array, normalise_array

    rng = np.random.default_rng(4)
    base = rng.normal(size=(40, 21, 22)) * 1e3
    base[:, 3] = base[:, 4]  # ties
    base[2, :, 5] = 7.0  # one draw where an indicator is the same everywhere: z = 0
    if with_nan:
        base[rng.random(base.shape) < 0.05] = np.nan
    w = rng.random(22)
    for name, a in _layouts(base).items():
        sd = np.nanstd(a, axis=-1, ddof=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            z = np.where(sd > 0, (a - np.nanmean(a, axis=-1, keepdims=True)) / sd, 0.0 * a)
        np.testing.assert_array_equal(normalise_array(a, "z"), z, err_msg=name)
        avail = ~np.isnan(a)
        wmat = np.where(avail, np.broadcast_to(w, a.shape), 0.0)
        wmean = (wmat * np.where(avail, a, 0.0)).sum(axis=-1) / wmat.sum(axis=-1)
        got = aggregate_array(a, w, "weighted_mean", missing="reweight")
        np.testing.assert_array_equal(got, wmean, err_msg=name)
