import numpy as np
import pandas as pd
from conftest import FIVE_AREAS, THREE_INDICATORS, THREE_SPEC, year_from_shares

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
