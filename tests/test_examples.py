"""The examples under examples/ run on the published files they name, with no converter code.

``examples/stavanger/study.toml`` reads Stavanger's levekår files from ../shared/data/real
(skipped with a reason when absent).
"""

from pathlib import Path

import pytest

from levekar.pipeline import run
from levekar.publish import processed_files, report_inputs, results_map
from levekar.render.report import render_report
from levekar.study import load_study

pytestmark = pytest.mark.realdata

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def stavanger(real_data):
    if not (real_data / "stavanger_levekar").exists():
        pytest.skip("Stavanger's levekår files are not in ../shared/data/real/stavanger_levekar")
    study = load_study(EXAMPLES / "stavanger" / "study.toml")
    study.config.selection.draws = 20  # the example's 100 are more than a test needs
    return run(study)


def test_stavanger_runs_from_its_published_files(stavanger):
    r = stavanger
    sel = r.selection
    assert r.year == 2016 and r.study_years == (2001, 2016)  # years taken from the data
    assert sel["score"].notna().all() and sel["rank"].notna().all()
    assert (sel["rank_p05"] <= sel["rank"]).all() and (sel["rank"] <= sel["rank_p95"]).all()
    assert sel["selected"].sum() == 5
    # Zone 99 («Udefinert»: people without a known address) is scored but never chosen.
    udef = sel.set_index("code").loc["99"]
    assert not udef["eligible"] and not udef["selected"] and udef["p_top_k"] == 0
    assert r.rule.exclude == frozenset({"99"})
    # No published denominators: every scored value is approximate, and so is every area.
    assert sel["approximate"].all()
    scored = r.reselection.table[r.reselection.table["score"].notna()]
    assert scored["approximate"].all()
    shown = r.rates[r.rates["value"].notna()]
    assert shown["approximate"].all()
    # Uneven years: the years and the indicator left out are warnings, not a crash.
    kinds = {f.kind for f in r.findings.items}
    assert {"year_left_out", "indicator_left_out", "area_without_data"} <= kinds
    assert sorted(r.scores) == [2011, 2012, 2014, 2016] or sorted(r.scores)[-3:] == [
        2012,
        2014,
        2016,
    ]


def test_stavanger_tables_map_and_report(stavanger):
    files = processed_files(stavanger)
    selection = files["data/processed/selection.csv"].decode("utf-8")
    header, *rows = selection.splitlines()
    assert "has_data" in header and "approximate" in header
    no_data = [row for row in rows if "ingen data" in row]
    assert {row.split(",")[2] for row in no_data} == {"72", "73"}  # polygons, no data
    html = results_map(stavanger).get_root().render()
    assert "Sentrum" in html
    page = render_report(report_inputs(stavanger), b"")
    assert "Stavanger" in page
    assert "utenom Udefinert, som er holdt utenfor valget" in page
