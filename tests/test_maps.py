import numpy as np
import pandas as pd
import pytest

from levekar.maps import class_breaks, legend_labels


@pytest.mark.parametrize("k", [3, 5, 7])
def test_quantile_breaks_match_mapclassify(k):
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(k)
    values = pd.Series(rng.normal(size=21))
    np.testing.assert_allclose(class_breaks(values, k=k), mapclassify.Quantiles(values.to_numpy(), k=k).bins)


def test_natural_breaks_use_mapclassify():
    values = pd.Series([1.0, 1.1, 1.2, 5.0, 5.1, 9.0, 9.2])
    assert class_breaks(values, k=3, scheme="natural_breaks")[-1] == 9.2


def test_legend_ranges_neither_overlap_nor_gap():
    labels = legend_labels([-0.5, 0.25, 1.0])
    assert labels == ["til og med -0,50", "over -0,50 til og med 0,25", "over 0,25 til og med 1,00"]


def test_map_escapes_names_and_shows_banner(demo_results):
    from levekar.maps import index_map

    evil = "<script>alert(1)</script>"
    study = demo_results.study
    original = study.lokalsamfunn
    try:
        study.lokalsamfunn = original.assign(name=original["name"].where(original["code"] != "LS01", evil))
        page = index_map(demo_results).get_root().render()
    finally:
        study.lokalsamfunn = original
    assert evil not in page
    # In the GeoJSON the escaped name is itself JSON-escaped: &lt; becomes \u0026lt;
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page
    assert "Syntetiske demodata" in page
    assert "cdn.jsdelivr.net" not in page


def test_reports_and_fact_sheets_escape_names_and_use_slugs(demo_results):
    from levekar.report import fact_sheets, render_report, render_reselection
    from levekar.slug import slugify

    evil = "<script>alert(1)</script>"
    study = demo_results.study
    original_ls = study.lokalsamfunn
    index, selection, resel = demo_results.index, demo_results.selection, demo_results.reselection.table
    try:
        demo_results.index = index.assign(name=index["name"].where(index["code"] != "LS01", evil))
        demo_results.selection = selection.assign(name=selection["name"].where(selection["code"] != "LS01", evil))
        demo_results.reselection.table = resel.assign(name=resel["name"].where(resel["area"] != "LS01", evil))
        pages = {"report": render_report(demo_results, b""), "reselection": render_reselection(demo_results)}
        sheets = fact_sheets(demo_results)
    finally:
        study.lokalsamfunn = original_ls
        demo_results.index, demo_results.selection = index, selection
        demo_results.reselection.table = resel
    for name, page in pages.items():
        assert evil not in page, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, name
    evil_sheet = f"reports/faktaark/{slugify(evil)}.html"
    assert evil_sheet == "reports/faktaark/script-alert-1-script.html" and evil_sheet in sheets
    assert evil not in sheets[evil_sheet].decode("utf-8")
    assert len(sheets) == 21 and all(b"Syntetiske demodata" in p for p in sheets.values())


def test_slugs_are_safe_and_unique():
    from levekar.slug import slugify, unique_slugs

    assert slugify("Kråkerøy sør") == "kraakeroy-sor" and slugify("Østsiden") == "ostsiden"
    assert slugify("../../etc/passwd") == "etc-passwd" and slugify("   ") == "omrade"
    assert unique_slugs(["Rød", "Rød", "Seut"], ["31073301", "31074204", "LS11"]) == [
        "rod-31073301", "rod-31074204", "seut"]


def test_natural_breaks_from_the_configuration_and_map_size(demo_results):
    from levekar.maps import index_map

    cfg = demo_results.study.config.output
    before = cfg.classification
    try:
        cfg.classification = "natural_breaks"
        page = index_map(demo_results).get_root().render()
    finally:
        cfg.classification = before
    assert "til og med" in page
    assert len(page.encode("utf-8")) < 5 * 2**20  # the self-contained map stays under 5 MB
