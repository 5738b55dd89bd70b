import json

import numpy as np
import pandas as pd
import pytest

from levekar.render.maps import class_breaks, legend_labels


def page_data(page: str) -> dict:
    """The data a map page carries (``var levekar = {...};``), as Python objects."""
    start = page.index("var levekar = ") + len("var levekar = ")
    return json.JSONDecoder().raw_decode(page[start:])[0]


def tooltip(data: dict, theme: int, area: int) -> str:
    """A theme's tooltip of one area, as the page builds it."""
    return "<br>".join(data["lines"][n] for n in data["themes"][theme]["t"][area])


@pytest.mark.parametrize("k", [3, 5, 7])
def test_quantile_breaks_match_mapclassify(k):
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(k)
    values = pd.Series(rng.normal(size=21))
    np.testing.assert_allclose(
        class_breaks(values, k=k), mapclassify.Quantiles(values.to_numpy(), k=k).bins
    )


def test_natural_breaks_use_mapclassify():
    values = pd.Series([1.0, 1.1, 1.2, 5.0, 5.1, 9.0, 9.2])
    assert class_breaks(values, k=3, scheme="natural_breaks") == [1.2, 5.1, 9.2]


def test_legend_ranges_neither_overlap_nor_gap():
    labels = legend_labels([-0.5, 0.25, 1.0])
    assert labels == ["til og med -0,50", "over -0,50 til og med 0,25", "over 0,25 til og med 1,00"]


def test_map_escapes_names_and_shows_banner(demo_results):
    from levekar.publish import map_options
    from levekar.render.maps import index_map

    evil = "<script>alert(1)</script>"
    ls = demo_results.study.lokalsamfunn
    evil_layer = ls.assign(name=ls["name"].where(ls["code"] != "LS01", evil))
    rates = demo_results.rates[demo_results.rates["year"] == demo_results.year]
    page = (
        index_map(
            evil_layer,
            demo_results.selection,
            rates,
            demo_results.study.catalogue,
            options=map_options(demo_results),
        )
        .get_root()
        .render()
    )
    assert evil not in page
    # In the GeoJSON the escaped name is itself JSON-escaped: &lt; becomes \u0026lt;
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page
    assert "Syntetiske demodata" in page
    assert "cdn.jsdelivr.net" not in page


def test_reports_and_fact_sheets_escape_names_and_use_slugs(demo_results):
    from dataclasses import replace

    from levekar.publish import report_inputs
    from levekar.render.report import fact_sheets, render_report, render_reselection
    from levekar.render.slug import slugify

    evil = "<script>alert(1)</script>"
    inp = report_inputs(demo_results)
    sel = inp.selection.assign(
        name=inp.selection["name"].where(inp.selection["code"] != "LS01", evil)
    )
    inp = replace(inp, selection=sel, names={**inp.names, "LS01": evil})
    pages = {"report": render_report(inp, b""), "reselection": render_reselection(inp)}
    sheets = fact_sheets(inp)
    for name, page in pages.items():
        assert evil not in page, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, name
    evil_sheet = f"reports/faktaark/{slugify(evil)}.html"
    assert evil_sheet == "reports/faktaark/script-alert-1-script.html" and evil_sheet in sheets
    assert evil not in sheets[evil_sheet].decode("utf-8")
    assert len(sheets) == 21 and all(b"Syntetiske demodata" in p for p in sheets.values())


def test_slugs_are_safe_and_unique():
    from levekar.render.slug import slugify, unique_slugs

    assert slugify("Kråkerøy sør") == "kraakeroy-sor" and slugify("Østsiden") == "ostsiden"
    assert slugify("../../etc/passwd") == "etc-passwd" and slugify("   ") == "omrade"
    assert unique_slugs(["Rød", "Rød", "Seut"], ["31073301", "31074204", "LS11"]) == [
        "rod-31073301",
        "rod-31074204",
        "seut",
    ]


def test_natural_breaks_from_the_configuration_and_map_size(demo_results):
    import html

    from levekar.publish import results_map
    from levekar.render.presentation import format_number, index_0_100

    page = results_map(demo_results, scheme="natural_breaks").get_root().render()
    # The index is shown 0–100 (0 the best area, 100 the weakest): a linear rescaling, so
    # the classes are those of the scores.
    scaled = index_0_100(demo_results.selection["score"])
    breaks = class_breaks(scaled, k=5, scheme="natural_breaks")
    assert len(breaks) == 5 and breaks[-1] == pytest.approx(100.0)
    for label in legend_labels(breaks, fmt=format_number):
        assert html.escape(label) in page, label
    quantile = legend_labels(class_breaks(scaled, k=5), fmt=format_number)
    # The configured scheme, not the default, drew the legend (the two may share a break).
    assert not all(html.escape(label) in page for label in quantile)
    assert len(page.encode("utf-8")) < 5 * 2**20  # the self-contained map stays under 5 MB
    assert page.startswith('<!DOCTYPE html>\n<html lang="nb">')


def test_an_area_without_data_is_drawn_as_ingen_data(demo_results):
    """A layer area with no row in the scores (nor the rates) is drawn, not a crash."""
    import shapely

    from levekar.publish import map_options
    from levekar.render.maps import index_map

    ls = demo_results.study.lokalsamfunn
    extra = ls.iloc[[0]].assign(
        code="LS99",
        name="Nytt felt",
        geometry=[shapely.affinity.translate(ls.geometry.iloc[0], 30_000)],
    )
    layer = pd.concat([ls, extra], ignore_index=True)
    rates = demo_results.rates
    rates = rates[(rates["year"] == demo_results.year) & (rates["indicator"] == "bor_alene")]
    page = (
        index_map(
            layer,
            demo_results.selection,
            rates,
            demo_results.study.catalogue,
            options=map_options(demo_results),
        )
        .get_root()
        .render()
    )
    data = page_data(page)
    new = [f["properties"]["i"] for f in data["shapes"]["features"]][-1]
    assert tooltip(data, 0, new) == "<b>Nytt felt</b><br>Levekårsindeks: <i>ingen data</i>"
    assert data["colours"][int(data["themes"][0]["c"][new])] == "#ffffff"  # drawn, white
    assert "ingen data</div>" in page  # and in the legend
    assert "-0,00" not in page


def test_the_report_says_why_these_areas(demo_results):
    from levekar.publish import report_inputs
    from levekar.render.report import fact_sheets, render_report

    page = render_report(report_inputs(demo_results), b"")
    i = page.index("Begrunnelse for valget")
    section = page[i : page.index("<figure>", i)]
    for name in ("Sentrum", "Sellebakk", "Lisleby", "Seut"):
        assert f"<h3>{name}" in section, name
    # Sellebakk, not Lisleby, since the accessibility indicators entered the demo's index.
    assert "Sellebakk er med i satsingen, men pekes ikke ut av regelen" in section
    assert "Regelen peker ut Seut, som ikke er med i satsingen" in section
    assert "(forverring)" in section and "sannsynlighet for å være blant de 3 svakeste" in section
    assert "gjenskaper disse valget nøyaktig" in section and "med utviklingen vektet" in section
    sheets = fact_sheets(report_inputs(demo_results))
    sellebakk = next(v.decode() for k, v in sheets.items() if k.endswith("sellebakk.html"))
    assert "Begrunnelse:" in sellebakk and "pekes ikke ut av regelen" in sellebakk
    seut = next(v.decode() for k, v in sheets.items() if k.endswith("seut.html"))
    assert "Regelen peker ut Seut, som ikke er med i satsingen" in seut
