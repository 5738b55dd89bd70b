import numpy as np
import pandas as pd
import pytest
from conftest import FIVE_AREAS, THREE_INDICATORS, THREE_SPEC, year_from_shares
from hypothesis import given, settings
from hypothesis import strategies as st

from levekar.catalogue import load_catalogue
from levekar.counterfactual import counterfactuals
from levekar.index import index_from_spec, load_index_spec
from levekar.render.presentation import counterfactual_text
from levekar.selection import SelectionRule

CAT = load_catalogue()
SPEC = load_index_spec(THREE_SPEC)
P = FIVE_AREAS
INDS = THREE_INDICATORS


def _shares():
    return {a: dict(zip(INDS, ps, strict=True)) for a, ps in P.items()}


def _wide():
    return pd.DataFrame(
        {"code": list(P), **{ind: [P[a][k] for a in P] for k, ind in enumerate(INDS)}}
    )


def test_counterfactual_changes_really_flip_the_choice():
    data = year_from_shares(_shares(), 400)
    wide = _wide()
    cf = counterfactuals(
        data, SPEC, CAT, rule=SelectionRule(k=2), eligible=np.ones(5, bool), areas=["B", "C"]
    )
    assert set(cf["code"]) == {"B", "C"}
    for row in cf[cf["kind"] == "value"].to_dict("records"):
        changed = wide.copy()
        changed.loc[changed["code"] == row["code"], row["indicator"]] = row["to"]
        before = index_from_spec(wide, SPEC).set_index("code").loc[row["code"], "rank"] <= 2
        after = index_from_spec(changed, SPEC).set_index("code").loc[row["code"], "rank"] <= 2
        assert before != after
        # A change 1 % smaller does not flip it: the counterfactual is (nearly) the smallest.
        almost = wide.copy()
        almost.loc[almost["code"] == row["code"], row["indicator"]] = row["from"] + 0.99 * (
            row["to"] - row["from"]
        )
        assert (
            index_from_spec(almost, SPEC).set_index("code").loc[row["code"], "rank"] <= 2
        ) == before
    first = cf[cf["code"] == "B"].iloc[0]
    assert counterfactual_text(first, {"B": "Bydel B"}, CAT, 2).startswith(
        "Bydel B ville gått ut av de 2 svakeste"
    )


def test_counterfactuals_under_multiple_deprivation_move_significance():
    data = year_from_shares(_shares(), 400)
    assert data.worse.sum(axis=1).tolist() == [3, 1, 0, 0, 0]
    rule = SelectionRule(kind="multiple_deprivation", min_indicators_worse=3)
    cf = counterfactuals(data, SPEC, CAT, rule=rule, eligible=np.ones(5, bool), areas=["A", "B"])
    # A drops out when one indicator is no longer significantly worse; B needs two more: no single
    # change does it, a change of two together does.
    assert cf[["code", "kind"]].values.tolist() == [["A", "value"], ["B", "pair"]]
    assert (
        cf.loc[cf["code"] == "A", "selected_now"].all()
        and not cf.loc[cf["code"] == "B", "selected_now"].any()
    )
    pair = cf[cf["code"] == "B"].iloc[0]
    moved_b = data.value.copy()
    for col, to in ((pair["indicator"], pair["to"]), (pair["indicator_2"], pair["to_2"])):
        moved_b[1, list(data.indicators).index(col)] = to
    from levekar.indicators import worse_in_batches

    assert worse_in_batches(moved_b[None], data, CAT).sum(axis=-1)[0, 1] >= 3
    row = cf.iloc[0]
    j = list(data.indicators).index(row["indicator"])
    moved = data.value.copy()
    moved[0, j] = row["to"]
    from levekar.indicators import worse_in_batches

    assert worse_in_batches(moved[None], data, CAT).sum(axis=-1)[0, 0] == 2


def test_counterfactuals_never_reveal_hidden_values():
    data = year_from_shares(_shares(), 400)
    everything = counterfactuals(
        data, SPEC, CAT, rule=SelectionRule(k=2), eligible=np.ones(5, bool), areas=["B"]
    )
    shown = everything[everything["kind"] == "value"]["indicator"].iloc[0]
    hidden = counterfactuals(
        data,
        SPEC,
        CAT,
        rule=SelectionRule(k=2),
        eligible=np.ones(5, bool),
        areas=["B"],
        hidden={("B", shown)},
    )
    assert shown not in hidden.loc[hidden["kind"] == "value", "indicator"].tolist()


def test_changes_stay_within_what_has_been_seen():
    data = year_from_shares(_shares(), 400)
    lo, hi = np.nanmin(data.value, axis=0), np.nanmax(data.value, axis=0)
    cf = counterfactuals(
        data,
        SPEC,
        CAT,
        rule=SelectionRule(k=2),
        eligible=np.ones(5, bool),
        areas=["B", "C", "D"],
        bounds=(lo, hi),
    )
    vals = cf[cf["kind"] == "value"]
    for row in vals.to_dict("records"):
        j = list(data.indicators).index(row["indicator"])
        assert lo[j] - 1e-12 <= row["to"] <= hi[j] + 1e-12
    # With no room to move (every value already at its bound), the answer is "none".
    frozen = counterfactuals(
        data,
        SPEC,
        CAT,
        rule=SelectionRule(k=2),
        eligible=np.ones(5, bool),
        areas=["C"],
        bounds=(data.value[2], data.value[2]),
    )
    assert frozen["kind"].tolist() == ["weight", "none"] or "none" in frozen["kind"].tolist()


def test_two_indicators_where_one_is_not_enough():
    # E is third; any one indicator at the highest value seen leaves it outside the 2 weakest,
    # both together bring it in.
    shares = {
        "A": (0.30, 0.12, 0.08),
        "B": (0.28, 0.11, 0.075),
        "C": (0.20, 0.07, 0.05),
        "D": (0.15, 0.05, 0.03),
        "E": (0.26, 0.10, 0.06),
    }
    data = year_from_shares({a: dict(zip(INDS, v, strict=True)) for a, v in shares.items()}, 400)
    lo, hi = np.nanmin(data.value, axis=0), np.nanmax(data.value, axis=0)
    cf = counterfactuals(
        data,
        SPEC,
        CAT,
        rule=SelectionRule(k=2),
        eligible=np.ones(5, bool),
        areas=["E"],
        bounds=(lo, hi),
    ).set_index("kind")
    assert "value" not in cf.index and "pair" in cf.index
    row = cf.loc["pair"]
    assert 0 < row["change"] <= 1 and row["indicator"] != row["indicator_2"]
    moved = data.wide()
    moved.loc[moved["code"] == "E", row["indicator"]] = row["to"]
    moved.loc[moved["code"] == "E", row["indicator_2"]] = row["to_2"]
    assert index_from_spec(moved, SPEC).set_index("code").loc["E", "rank"] <= 2
    text = counterfactual_text(
        row.to_dict() | {"code": "E", "kind": "pair"}, {"E": "Bydel E"}, CAT, 2
    )
    assert text.startswith("Ingen enkelt indikator er nok, men Bydel E ville gått inn blant")


# The counterfactuals' incremental index against the whole computation, to the last bit.


_NORMS = (
    "z",
    "minmax",
    "rank",
    "percentile",
    "decile",
    "score10",
    "distance_to_reference",
    "exponential",
    "none",
)
_AGGS = ("weighted_sum", "weighted_mean", "geometric", "rank_sum")


@st.composite
def _changed_tables(draw):
    """A table, a spec and copies of the table with one or two cells of one area changed."""
    # Eight areas and more: numpy's sums over contiguous data change their order there.
    n_areas, n_ind = draw(st.sampled_from([2, 3, 8, 9, 12, 13])), draw(st.integers(1, 5))
    domains = draw(st.booleans())
    spec = {
        "normalisation": draw(st.sampled_from(("z", "distance_to_reference", *_NORMS))),
        "aggregation": draw(st.sampled_from(_AGGS)),
        "missing": "reweight",
        "rescale_weights": True,
        "indicators": [
            {"column": f"i{k}", "higher_is_worse": k % 2 == 0, "weight": 1.0 + k % 3 / 3}
            | ({"domain": f"d{k % 2}"} if domains else {})
            for k in range(n_ind)
        ],
    }
    if domains:
        spec["domains"] = {
            "normalisation": draw(st.sampled_from(("none", "z", "minmax", "rank", "percentile"))),
            "aggregation": draw(st.sampled_from(("weighted_mean", "weighted_sum"))),
        }
    # Values from numpy (fast): a few repeated ones so that ties and equal sums come up.
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    palette = np.array([0.1, 0.2, 0.25, 0.5, 1.0, 3.0, np.nan])
    values = np.where(
        rng.random((n_areas, n_ind)) < 0.5,
        rng.choice(palette, (n_areas, n_ind)),
        rng.uniform(0.01, 100, (n_areas, n_ind)),
    )
    if draw(st.booleans()):
        values = np.asfortranarray(values)  # as a YearData's arrays may be
    copies, cells = draw(st.integers(1, 6)), draw(st.integers(1, min(2, n_ind)))
    area = int(rng.integers(n_areas))
    cols = np.array([rng.permutation(n_ind)[:cells] for _ in range(copies)], dtype=np.int64)
    new = rng.choice(palette[:-1], (copies, cells)) * rng.choice([1.0, 1.37], (copies, cells))
    spec = load_index_spec(spec)
    weights = np.repeat([[[i.weight for i in spec.indicators]]], copies, axis=0)
    if draw(st.booleans()):  # one weight changed per copy, as the counterfactuals change them
        weights[np.arange(copies), 0, cols[:, 0]] *= rng.choice([0.001, 0.5, 3.0], copies)
    else:
        weights = rng.uniform(0, 3, (copies, 1, n_ind))
    return values, spec, area, cols, new, weights


def _whole(values, spec, area, cols, new, weights):
    from levekar.index import scores_from_array

    batch = np.repeat(values[None], len(cols), axis=0)
    batch[np.repeat(np.arange(len(cols)), cols.shape[1]), area, cols.ravel()] = new.ravel()
    return scores_from_array(batch, spec, weights=weights)[1]


@settings(max_examples=100, deadline=None)
@given(_changed_tables())
def test_the_incremental_index_gives_the_whole_computation_to_the_last_bit(case):
    import warnings

    from levekar.errors import LevekarError
    from levekar.index import _ChangedIndex

    values, spec, area, cols, new, weights = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            whole = _whole(values, spec, area, cols, new, None)
            whole_w = _whole(values, spec, area, cols, values[area, cols], weights)
        except LevekarError as exc:  # a zero reference, a geometric mean of a score <= 0
            with pytest.raises(type(exc)):
                index = _ChangedIndex(values, spec)
                index.totals(area, cols, new)
                index.totals_weighted(weights)
            return
        index = _ChangedIndex(values, spec)
        np.testing.assert_array_equal(index.totals(area, cols, new), whole)
        np.testing.assert_array_equal(index.totals_weighted(weights), whole_w)


class _Whole:
    """The counterfactuals' index the slow way: every trial recomputes the whole index."""

    def __init__(self, values, spec):
        self.values, self.spec = values, spec

    def totals(self, area, cols, new):
        return _whole(self.values, self.spec, area, cols, new, None)

    def totals_weighted(self, weights):
        from levekar.index import scores_from_array

        batch = np.repeat(self.values[None], len(weights), axis=0)
        return scores_from_array(batch, self.spec, weights=weights)[1]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["z", "rank", "minmax", "exponential"]))
def test_counterfactuals_are_those_of_the_whole_computation(seed, normalisation):
    import levekar.counterfactual as cf_module

    rng = np.random.default_rng(seed)
    codes = [f"a{i}" for i in range(9)]
    shares = {c: dict(zip(INDS, rng.uniform(0.02, 0.4, 3), strict=True)) for c in codes}
    data = year_from_shares(shares, 300)
    spec = load_index_spec({**THREE_SPEC, "normalisation": normalisation})
    args = dict(rule=SelectionRule(k=3), eligible=np.ones(9, bool), areas=codes[:5])
    fast = counterfactuals(data, spec, CAT, **args)
    slow_index = cf_module._ChangedIndex
    try:
        cf_module._ChangedIndex = _Whole
        slow = counterfactuals(data, spec, CAT, **args)
    finally:
        cf_module._ChangedIndex = slow_index
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
