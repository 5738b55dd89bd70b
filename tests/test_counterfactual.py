import numpy as np
import pandas as pd
from conftest import year_from_shares

from levekar.catalogue import load_catalogue
from levekar.counterfactual import counterfactuals
from levekar.index import index_from_spec, load_index_spec
from levekar.render.presentation import counterfactual_text
from levekar.selection import SelectionRule

CAT = load_catalogue()
SPEC = load_index_spec(
    {
        "id": "code",
        "normalisation": "z",
        "aggregation": "weighted_mean",
        "indicators": [
            {"column": "leie", "domain": "bomiljo"},
            {"column": "trangbodd", "domain": "bomiljo"},
            {"column": "sosialhjelp", "domain": "inntekt"},
        ],
        "domains": {"normalisation": "none", "aggregation": "weighted_mean"},
    }
)
P = {
    "A": (0.30, 0.12, 0.08),
    "B": (0.26, 0.10, 0.07),
    "C": (0.25, 0.09, 0.06),
    "D": (0.15, 0.05, 0.03),
    "E": (0.12, 0.04, 0.02),
}
INDS = ("leie", "trangbodd", "sosialhjelp")


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
    # change.
    assert (
        cf["kind"].tolist() == ["value"]
        and cf["code"].tolist() == ["A"]
        and cf["selected_now"].all()
    )
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
