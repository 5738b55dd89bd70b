"""A suppressed SSB cell followed from the grunnkrets file through to the index and the map."""

import copy
import html
import json

import numpy as np
import pytest

from levekar.index import index_from_spec
from levekar.pipeline import run
from levekar.publish import results_map
from levekar.render.presentation import format_value


@pytest.fixture(scope="module")
def suppressed_run(demo_study):
    study = copy.copy(demo_study)
    obs = demo_study.observations.copy()
    sentrum = demo_study.lokalsamfunn.set_index("name").loc["Sentrum", "code"]
    gk_in_sentrum = demo_study.grunnkretser.geometry.representative_point().within(
        demo_study.lokalsamfunn.set_index("code").geometry[sentrum]
    )
    codes = demo_study.grunnkretser.loc[gk_in_sentrum.to_numpy(), "code"].tolist()
    # Data for 2023 carry 3004 codes (the 3107 codes start in 2024).
    target = "3004" + codes[0][4:]
    row = (obs["code"] == target) & (obs["year"] == 2023) & (obs["indicator"] == "leie")
    assert row.sum() == 1
    true_numerator = float(obs.loc[row, "numerator"].iloc[0])
    obs.loc[row, "numerator"] = np.nan
    obs.loc[row, "status"] = ":"
    # A whole lokalsamfunn with no data for one indicator: "not available".
    torsnes = demo_study.lokalsamfunn.set_index("name").loc["Torsnes", "code"]
    in_torsnes = demo_study.grunnkretser.geometry.representative_point().within(
        demo_study.lokalsamfunn.set_index("code").geometry[torsnes]
    )
    torsnes_codes = [
        "3004" + c[4:] for c in demo_study.grunnkretser.loc[in_torsnes.to_numpy(), "code"]
    ]
    gone = (
        obs["code"].isin(torsnes_codes) & (obs["year"] == 2023) & (obs["indicator"] == "trangbodd")
    )
    obs.loc[gone, "numerator"] = np.nan
    obs.loc[gone, "status"] = ".."
    study.observations = obs
    return run(study), sentrum, torsnes, true_numerator


def test_suppressed_cell_becomes_bounds_not_zero(suppressed_run, demo_results):
    results, sentrum, _, true_numerator = suppressed_run
    c = results.counts.set_index(["code", "year", "indicator"]).loc[(sentrum, 2023, "leie")]
    before = demo_results.counts.set_index(["code", "year", "indicator"]).loc[
        (sentrum, 2023, "leie")
    ]
    assert c["status"] == "partly_suppressed"
    assert c["numerator_high"] - c["numerator_low"] == pytest.approx(4.0)
    known = before["numerator"] - true_numerator * _weight_of_cell(results, sentrum)
    assert c["numerator_low"] == pytest.approx(
        known, abs=1e-6
    )  # the hidden cell adds 0..4, never forced to 0
    assert c["numerator"] == pytest.approx(known + 2.0, abs=1e-6)


def _weight_of_cell(results, target):
    # Every Sentrum cell in the crosswalk goes wholly or partly to Sentrum; find the suppressed
    # one's weight.
    obs = results.observations
    hidden = obs[(obs["status"] == ":") & (obs["indicator"] == "leie") & (obs["year"] == 2023)][
        "code"
    ]
    t = results.crosswalk.table
    return float(t[(t["source_code"].isin(hidden)) & (t["target_code"] == target)]["weight"].sum())


def test_index_uses_the_estimate(suppressed_run):
    results, sentrum, _, _ = suppressed_run
    this = results.rates[results.rates["year"] == results.year]
    wide = this.pivot(index="code", columns="indicator", values="value").reset_index()
    again = index_from_spec(wide, results.spec).set_index("code")["score"]
    np.testing.assert_allclose(
        again.loc[results.index["code"]].to_numpy(), results.index["score"].to_numpy()
    )
    r = this.set_index(["code", "indicator"]).loc[(sentrum, "leie")]
    c = results.counts.set_index(["code", "year", "indicator"]).loc[(sentrum, 2023, "leie")]
    assert r["value"] == pytest.approx(c["numerator"] / c["denominator"])
    assert r["value"] > c["numerator_low"] / c["denominator"]


def test_map_shows_estimate_and_not_published(suppressed_run):
    results, sentrum, torsnes, _ = suppressed_run
    page = results_map(results).get_root().render()
    r = results.rates[
        (results.rates["year"] == 2023) & (results.rates["indicator"] == "leie")
    ].set_index("code")
    shown = html.escape(format_value(r.loc[sentrum, "value_published"], "share"))
    assert in_page("anslått: noen grunnkretser er skjult av SSB", page)
    assert in_page(f"Leier bolig 2023: {shown}", page)
    t = results.rates[
        (results.rates["year"] == 2023) & (results.rates["indicator"] == "trangbodd")
    ].set_index("code")
    assert not t.loc[torsnes, "published"] and np.isnan(t.loc[torsnes, "value_published"])
    assert in_page("Trangboddhet 2023: <i>ikke publisert</i>", page)
    # Still scored, from the indicators it has (missing = "reweight"), never from a 0.
    assert np.isfinite(results.index.set_index("code").loc[torsnes, "score"])


def in_page(text: str, page: str) -> bool:
    """Text as it stands in the page, directly or inside the GeoJSON (JSON-escaped)."""
    escaped = json.dumps(text)[1:-1]
    html_safe = escaped.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return text in page or escaped in page or html_safe in page
