import pandas as pd
import pytest
from conftest import FIVE_AREAS, THREE_INDICATORS, THREE_SPEC, year_from_shares

from levekar.catalogue import load_catalogue
from levekar.index import load_index_spec
from levekar.reselection import reselect
from levekar.selection import SelectionRule
from levekar.uncertainty import UncertaintyOptions, score_year

CAT = load_catalogue()
SPEC = load_index_spec(THREE_SPEC)
P = FIVE_AREAS
INDS = THREE_INDICATORS
POP = pd.Series(5000, index=list(P))


def _shares(changes=None):
    shares = {a: dict(zip(INDS, ps, strict=True)) for a, ps in P.items()}
    for (a, ind), v in (changes or {}).items():
        shares[a][ind] = v
    return shares


def _scores(years, *, n=400, rule=None, draws=300, changes=None):
    rule = rule or SelectionRule(k=2)
    data = {y: year_from_shares(_shares((changes or {}).get(y)), n, year=y) for y in years}
    scores = {
        y: score_year(
            data[y],
            SPEC,
            CAT,
            rule=rule,
            population=POP,
            options=UncertaintyOptions(draws=draws, seed=1 + y),
        )
        for y in years
    }
    return data, scores


def test_unchanged_data_reports_no_change():
    data, scores = _scores([2021, 2022, 2023])
    r = reselect(scores, data, SPEC, initiative=["A", "B", "C"], k=2)
    assert (r.table["change"] == "").all() and not r.table["clear_change"].any()
    assert r.summary["selected"].tolist() == ["A, B"] * 3
    assert r.summary["initiative_not_selected"].tolist() == ["C"] * 3
    assert r.summary["entered"].eq("").all() and r.summary["left"].eq("").all()


def test_a_real_change_is_found_with_its_driver():
    data, scores = _scores([2022, 2023], n=20_000, changes={2023: {("C", "sosialhjelp"): 0.20}})
    r = reselect(scores, data, SPEC, initiative=["A", "B"], k=2)
    row = r.table[(r.table["year"] == 2023) & (r.table["code"] == "C")].iloc[0]
    assert row["change"] == "entered" and row["clear_change"]
    assert row["drivers"].startswith("sosialhjelp")
    assert r.summary.set_index("year").loc[2023, "left"] == "B"


CHAIN = {
    "A": frozenset("B"),
    "B": frozenset("AC"),
    "C": frozenset("BD"),
    "D": frozenset("CE"),
    "E": frozenset("D"),
}


@pytest.mark.parametrize(
    "rule",
    [
        SelectionRule(k=2),
        SelectionRule(kind="multiple_deprivation", k=2, min_indicators_worse=2),
        SelectionRule(kind="contiguous", k=2, neighbours=CHAIN),
    ],
    ids=["top_k", "multiple_deprivation", "contiguous"],
)
def test_reselection_row_of_a_year_is_that_years_scores(rule):
    data, scores = _scores([2022, 2023], rule=rule)
    r = reselect(scores, data, SPEC, initiative=["A"], k=2)
    row = r.table[r.table["year"] == 2023].set_index("code").sort_index()
    own = scores[2023].table.set_index("code").sort_index()
    for col in ("selected", "rank_p05", "rank_p95", "p_top_k", "p_selected"):
        pd.testing.assert_series_equal(row[col], own[col], check_names=False)


def test_reselection_says_its_years_in_one_line_and_shows_the_summary():
    data, scores = _scores([2022, 2023], n=20_000, changes={2023: {("C", "sosialhjelp"): 0.20}})
    r = reselect(scores, data, SPEC, initiative=["A", "B"], k=2)
    assert repr(r) == "Reselection(2022–2023, k=2: 2 areas entered or left, 2 of them clearly)"
    html = r._repr_html_()
    assert "The rule year by year (k = 2)" in html and html.count("</tr>") == 3
