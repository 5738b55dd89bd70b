import numpy as np
import pandas as pd
import pytest
from conftest import box, page_data, tooltip

from levekar.render.maps import class_breaks, legend_labels


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


def _grid_map(demo_results, **names):
    """The demo's map of one indicator with the accessibility grid, destinations renamed."""
    from dataclasses import replace

    from levekar.publish import distance_grid, map_options
    from levekar.render.maps import index_map

    grid = distance_grid(demo_results)
    grid = replace(grid, destinations={**grid.destinations, **names})
    rates = demo_results.rates
    rates = rates[(rates["year"] == demo_results.year) & (rates["indicator"] == "bor_alene")]
    m = index_map(
        demo_results.study.lokalsamfunn,
        demo_results.selection,
        rates,
        demo_results.study.catalogue,
        options=map_options(demo_results),
        grid=grid,
    )
    return grid, m.get_root().render()


def test_the_access_grid_is_a_layer_per_destination_with_legend_and_no_counts(demo_results):
    from levekar.render.presentation import THIN_SPACE, distance_class_labels

    evil = "<script>alert(1)</script>"
    grid, page = _grid_map(demo_results, moteplass=evil)
    assert evil not in page
    assert "Avstand til nærmeste skole (langs vei og sti)" in page  # legend, per destination
    assert "Avstand til nærmeste &lt;script&gt;alert(1)&lt;/script&gt; (i luftlinje)" in page
    for label in [*distance_class_labels(), "ikke nåbar"]:
        assert f"{label}</div>" in page, label
    assert "Bare ruter der noen bor er tegnet (250 m-ruter); antall bosatte vises ikke" in page
    data = page_data(page)
    g = data["grid"]
    assert [lay["title"] for lay in g["layers"]][0] == "Avstand til nærmeste skole"
    assert data["groups"]["Avstand til nærmeste skole"].startswith("Rutenett (250 m)")
    # Only inhabited cells reach the map, and no person count: the people column never
    # comes in, and nothing in the payload is per cell but its place, class and distance.
    assert "people" not in grid.cells and len(g["ij"]) == 2 * len(grid.cells)
    assert set(g) == {"ic", "jc", "h", "t", "la", "lo", "ij", "col", "txt", "layers"}
    assert all(set(lay) == {"c", "d", "title"} for lay in g["layers"])
    # Classes: each bound belongs to its class ("til og med"), distances to 10 m.
    skole = g["layers"][0]
    dist = grid.cells["skole_distance_m"].to_numpy()
    status = grid.cells["skole_status"].to_numpy()
    for n in np.flatnonzero(status == "ok")[:200]:
        tens = round(dist[n] / 10)
        expected = sum(tens * 10 > b for b in (250, 500, 1000, 2000))
        assert skole["c"][n] == str(expected) and skole["d"][n] == tens
    off = np.flatnonzero(status != "ok")
    assert len(off) and all(skole["c"][n] == "x" for n in off)  # islands with no bridge
    assert g["txt"][str(skole["d"][off[0]])].startswith("ikke nåbar")
    assert g["txt"]["117"] == f"1{THIN_SPACE}170 m"


def test_grid_corners_are_the_projected_corners():
    """The page's polynomials put every cell corner where pyproj does (to 5 cm)."""
    import geopandas as gpd
    from pyproj import Transformer

    from levekar.render.maps import _lattice, _lattice_fit, is_regular_grid

    cells = [box(x, y, x + 250, y + 250) for x, y in [(0, 0), (250, 0), (5000, 9000)]]
    i, j, x0, y0, size = _lattice(cells)
    fit = _lattice_fit(i, j, x0, y0, size, 25833)
    u, v = (i + 1 - fit["ic"]) / fit["h"], (j + 1 - fit["jc"]) / fit["h"]
    lat = sum(c * u**p * v**q for c, (p, q) in zip(fit["la"], fit["t"], strict=True))
    lon = sum(c * u**p * v**q for c, (p, q) in zip(fit["lo"], fit["t"], strict=True))
    true_lon, true_lat = Transformer.from_crs(25833, 4326, always_xy=True).transform(
        x0 + (i + 1) * size, y0 + (j + 1) * size
    )
    np.testing.assert_allclose(lat, true_lat, atol=5e-7)
    np.testing.assert_allclose(lon, true_lon, atol=1e-6)
    assert is_regular_grid(gpd.GeoSeries(cells))
    assert not is_regular_grid(gpd.GeoSeries([c.centroid for c in cells]))  # address points
    assert not is_regular_grid(gpd.GeoSeries([cells[0], box(250, 0, 400, 250)]))


def test_simplified_areas_keep_their_shared_edges_shared():
    import geopandas as gpd
    import shapely

    from levekar.render.maps import map_tolerance, simplify_areas

    # Two areas sharing a wiggly edge (a few metres of wiggle, 40 vertices).
    xs = np.linspace(0, 1000, 40)
    edge = [(500 + 3 * np.sin(k), y) for k, y in enumerate(xs)]
    x0, y0 = box(0, 0, 0, 0).bounds[:2]
    left = shapely.Polygon([(x0, y0), *[(x0 + x, y0 + y) for x, y in edge], (x0, y0 + 1000)])
    right = shapely.Polygon(
        [(x0 + 1000, y0), (x0 + 1000, y0 + 1000), *[(x0 + x, y0 + y) for x, y in edge[::-1]]]
    )
    layer = gpd.GeoSeries([left, right], crs=25833)
    assert map_tolerance(layer.total_bounds) == 1.0  # 1 km across: at least 1 m
    out = simplify_areas(layer, 50.0)
    assert shapely.get_num_coordinates(np.asarray(out)).sum() < 20
    a, b = out
    assert a.intersection(b).area == pytest.approx(0, abs=1e-6)  # no overlap
    assert a.union(b).area == pytest.approx(a.area + b.area)
    assert shapely.union_all([a, b]).geom_type == "Polygon"  # no gap between them


def test_maps_per_kommune_take_their_own_areas_points_and_cells(demo_results):
    from levekar.publish import distance_grid, map_options
    from levekar.render.maps import _area_of, index_maps

    rates = demo_results.rates
    rates = rates[(rates["year"] == demo_results.year) & (rates["indicator"] == "bor_alene")]
    layer = demo_results.study.lokalsamfunn
    codes = sorted(layer["code"])
    groups = {"A": ("Kommune A", codes[:10]), "B": ("Kommune B", codes[10:])}
    grid = distance_grid(demo_results)
    pages = dict(
        index_maps(
            layer,
            demo_results.selection,
            rates,
            demo_results.study.catalogue,
            options=map_options(demo_results),
            groups=groups,
            points=demo_results.study.points,
            grid=grid,
        )
    )
    assert list(pages) == ["A", "B"]
    cells = _area_of(grid.cells, layer)
    schools = _area_of(demo_results.study.points["Skoler"], layer)
    for key, (name, members) in groups.items():
        page = pages[key].get_root().render()
        data = page_data(page)
        assert len(data["shapes"]["features"]) == len(members)
        assert len(data["grid"]["ij"]) == 2 * np.isin(cells, members).sum()
        assert f"– {name}</title>" in page
        n_schools = sum(1 for c in schools if c in members)
        # A marker per school, and the symbol in each theme's legend.
        assert page.count("levekar-pt square") == n_schools + len(data["themes"])
    # Together the two maps draw every inhabited cell that lies in an area.
    assert sum(len(page_data(p.get_root().render())["grid"]["ij"]) for p in pages.values()) == (
        2 * (cells != "").sum()
    )


def test_a_map_with_too_many_grid_cells_says_so_instead(demo_results):
    from dataclasses import replace

    from levekar.publish import distance_grid, map_options
    from levekar.render.maps import index_map

    rates = demo_results.rates
    rates = rates[(rates["year"] == demo_results.year) & (rates["indicator"] == "bor_alene")]
    page = (
        index_map(
            demo_results.study.lokalsamfunn,
            demo_results.selection,
            rates,
            demo_results.study.catalogue,
            options=replace(map_options(demo_results), grid_max_cells=1000),
            grid=distance_grid(demo_results),
        )
        .get_root()
        .render()
    )
    assert page_data(page)["grid"] is None
    assert "Avstand per rute vises ikke her: 5\u2009294 ruter er for mange for ett kart" in page
