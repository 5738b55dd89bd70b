"""Accessibility: toy networks with exact answers, conservation of people, the demo and real
schools."""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import levekar.access
from levekar.access import (
    accessibility_by_area,
    nearest_distance,
    network_from_lines,
    origin_points,
)
from levekar.errors import CRSError, DataError

CRS = 25833


def pts(*xy):
    return gpd.GeoSeries(shapely.points(np.array(xy, dtype=float)), crs=CRS)


def lines(*coord_lists):
    return gpd.GeoSeries([shapely.LineString(c) for c in coord_lists], crs=CRS)


def pop(xy, people):
    return gpd.GeoDataFrame(
        {"popTot": people}, geometry=shapely.points(np.array(xy, dtype=float)), crs=CRS
    )


def areas(codes, geoms):
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=CRS)


def test_docstring_examples():
    result = doctest.testmod(
        levekar.access, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- exact toy answers


def test_path_longer_than_straight_line():
    net = lines([(0, 0), (0, 100), (100, 100)])
    home, school = pts((0, 0)), pts((100, 100))
    straight = nearest_distance(home, school)
    along = nearest_distance(home, school, kind="network", network=net)
    assert_allclose(straight["distance_m"], [np.hypot(100, 100)])
    assert_allclose(along["distance_m"], [200.0])
    assert along["status"].tolist() == ["ok"]
    assert along["destination"].tolist() == [0]


def test_snapping_distance_is_added_and_reported():
    net = lines([(0, 0), (200, 0)])
    # origin 30 m off the road at x = 50, destination 20 m off it at the far end
    res = nearest_distance(pts((50, -30)), pts((200, 20)), kind="network", network=net)
    assert_allclose(res["origin_snap_m"], [30.0])
    assert_allclose(res["destination_snap_m"], [20.0])
    assert_allclose(res["distance_m"], [30.0 + 150.0 + 20.0])


def test_origin_and_destination_on_the_same_segment():
    net = lines([(0, 0), (1000, 0)])
    res = nearest_distance(pts((100, 0), (900, 5)), pts((300, 0)), kind="network", network=net)
    assert_allclose(res["distance_m"], [200.0, 605.0])


def test_nearest_destination_differs_between_kinds():
    # A is 250 m along the road; B is closer in a straight line (192 m) but 50 + 150 + 70 = 270 m
    # away along the spur and its snap.
    net = lines([(0, 0), (250, 0)], [(0, 0), (0, 50), (-500, 50)])
    dest = pts((250, 0), (-150, 120))
    straight = nearest_distance(pts((0, 0)), dest)
    along = nearest_distance(pts((0, 0)), dest, kind="network", network=net)
    assert straight["destination"].tolist() == [1]
    assert along["destination"].tolist() == [0]
    assert_allclose(along["distance_m"], [250.0])
    only_b = nearest_distance(pts((0, 0)), dest.iloc[[1]], kind="network", network=net)
    assert_allclose(only_b["distance_m"], [270.0])
    assert_allclose(only_b["destination_snap_m"], [70.0])


def test_destination_nobody_can_reach():
    net = lines([(0, 0), (100, 0)], [(1000, 0), (1100, 0)])  # two separate roads
    res = nearest_distance(pts((10, 5), (1050, 0)), pts((1100, 0)), kind="network", network=net)
    assert res["status"].tolist() == ["disconnected", "ok"]
    assert np.isnan(res["distance_m"].iloc[0])
    assert res["destination"].tolist() == [-1, 0]
    assert_allclose(res["origin_snap_m"], [5.0, 0.0])


def test_destination_off_every_network_means_no_destination():
    net = lines([(0, 0), (100, 0)])
    res = nearest_distance(pts((10, 0)), pts((5000, 0)), kind="network", network=net, max_snap=500)
    assert res["status"].tolist() == ["no_destination"]


def test_origin_beyond_max_snap_is_off_network():
    net = lines([(0, 0), (100, 0)])
    res = nearest_distance(
        pts((50, 600), (50, 10)), pts((100, 0)), kind="network", network=net, max_snap=500
    )
    assert res["status"].tolist() == ["off_network", "ok"]
    assert np.isnan(res["origin_snap_m"].iloc[0])
    assert_allclose(res["distance_m"].iloc[1], 10 + 50)


def test_unreachable_people_are_counted_not_dropped():
    net = lines([(0, 0), (100, 0)], [(1000, 0), (1100, 0)])
    population = pop([(10, 0), (1050, 0), (50, 5000)], [7, 11, 13])
    area = areas(["A"], [shapely.box(-100, -100, 1200, 6000)])
    res = accessibility_by_area(
        population,
        pts((1100, 0)),
        area,
        kind="network",
        network=net,
        thresholds=(100,),
        max_snap=500,
    )
    acc = res.accounting
    assert acc.people_total == 31
    assert acc.people_unreachable == 20
    assert acc.people_unreachable_by_reason["disconnected"] == 7
    assert acc.people_unreachable_by_reason["off_network"] == 13
    classes = res.classes.set_index("distance_class")["people"]
    assert classes.to_dict() == {"0-100m": 11.0, "over_100m": 0.0, "unreachable": 20.0}
    share = res.observations.set_index("indicator").loc["destinasjon_innen_100m"]
    assert (share["numerator"], share["denominator"]) == (11.0, 31.0)
    mean = res.table.set_index("indicator").loc["destinasjon_avstand_snitt"]
    assert (mean["value"], mean["people"], mean["people_unreachable"]) == (50.0, 11.0, 20.0)


@pytest.mark.parametrize("kind", ["euclidean", "network"])
def test_polygon_destination_containing_an_origin_is_at_zero(kind):
    park = gpd.GeoSeries([shapely.box(100, -50, 200, 50)], crs=CRS)
    net = lines([(0, 0), (300, 0)])
    res = nearest_distance(pts((150, 30), (70, 0)), park, kind=kind, network=net)
    assert_allclose(res["distance_m"], [0.0, 30.0], atol=1e-9)
    assert res["destination"].tolist() == [0, 0]


def test_polygon_distances_exact_and_densified_within_the_stated_bound():
    rng = np.random.default_rng(1)
    parks = gpd.GeoSeries(
        [shapely.Point(0, 0).buffer(300, quad_segs=2), shapely.box(1000, 0, 1500, 800)], crs=CRS
    )
    origins = pts(*rng.uniform(-2000, 3000, (500, 2)))
    exact = nearest_distance(origins, parks)
    approx = nearest_distance(origins, parks, polygon_method="densify", spacing=20.0)
    truth = np.array([parks.distance(p).min() for p in origins])
    assert_allclose(exact["distance_m"], truth, atol=1e-9)
    err = approx["distance_m"].to_numpy() - truth
    assert (err >= -1e-9).all() and (err <= 10.0 + 1e-9).all()


def test_vertices_within_tolerance_are_merged():
    near = lines([(0, 0), (100, 0)], [(100.3, 0), (100.3, 100)])
    far = lines([(0, 0), (100, 0)], [(102, 0), (102, 100)])
    assert network_from_lines(near).report["n_components"] == 1
    assert network_from_lines(far).report["n_components"] == 2
    dup = network_from_lines(lines([(0, 0), (100, 0)], [(100, 0), (0, 0)]))
    assert (dup.report["n_edges"], dup.report["duplicate_segments"]) == (1, 1)


def test_weighted_median_and_classes_by_area():
    # area A: 1 person at 100 m, 2 at 300 m, 1 at 700 m; area B: nobody; one person outside
    population = pop([(0, 100), (0, 300), (0, 700), (5000, 0)], [1, 2, 1, 4])
    res = accessibility_by_area(
        population,
        pts((0, 0)),
        areas(["A", "B"], [shapely.box(-50, -50, 50, 1000), shapely.box(2000, 2000, 3000, 3000)]),
        thresholds=(200, 500),
        name="skole",
        year=2024,
    )
    t = res.table.set_index(["code", "indicator"])["value"]
    assert t["A", "skole_avstand_median"] == 300.0
    assert t["A", "skole_avstand_snitt"] == pytest.approx((100 + 600 + 700) / 4)
    assert t["A", "skole_innen_200m"] == 0.25 and t["A", "skole_innen_500m"] == 0.75
    assert np.isnan(t["B", "skole_avstand_snitt"])
    obs = res.observations.set_index(["code", "indicator"])
    assert obs.loc[("B", "skole_innen_500m"), "status"] == ".."
    assert set(obs["year"]) == {2024}
    assert res.accounting.people_outside_areas == 4
    assert res.grid["code"].isna().tolist() == [False, False, False, True]


def test_origin_cells_use_land_part_when_centroid_is_wet():
    cell = gpd.GeoDataFrame({"popTot": [5]}, geometry=[shapely.box(0, 0, 250, 250)], crs=CRS)
    land = shapely.box(0, 0, 60, 250)
    p = origin_points(cell, land=land).iloc[0]
    assert land.contains(p)
    assert origin_points(cell).iloc[0].equals(shapely.Point(125, 125))


def test_wrong_crs_says_the_fix():
    homes = pts((0, 0)).set_crs(4326, allow_override=True)
    with pytest.raises(CRSError, match=r"to_crs\(25833\)"):
        nearest_distance(homes, pts((1, 1)))


@pytest.mark.parametrize("thresholds", [(), (0,), (1000, 500), (500, 500)])
def test_bad_thresholds_are_errors(thresholds):
    with pytest.raises(DataError, match="thresholds"):
        accessibility_by_area(
            pop([(0, 0)], [1]),
            pts((0, 0)),
            areas(["A"], [shapely.box(-1, -1, 1, 1)]),
            thresholds=thresholds,
        )


def test_network_needs_a_network():
    with pytest.raises(DataError, match="needs a network"):
        nearest_distance(pts((0, 0)), pts((1, 1)), kind="network")


# --------------------------------------------------------------------------- invariants


def _check_conservation(res, population_col):
    classes = res.classes.groupby("code")["people"].sum()
    grid = res.grid
    per_area = (
        grid[grid["code"].notna()]
        .groupby("code")["people"]
        .sum()
        .reindex(classes.index, fill_value=0)
    )
    assert_allclose(classes, per_area, atol=1e-9)
    acc = res.accounting
    assert acc.people_total == pytest.approx(float(population_col.sum()))
    assert acc.people_in_areas + acc.people_outside_areas == pytest.approx(acc.people_total)
    assert acc.people_reachable + acc.people_unreachable == pytest.approx(acc.people_in_areas)
    assert classes.sum() == pytest.approx(acc.people_in_areas)
    share = res.observations[res.observations["indicator"].str.contains("_innen_")]
    assert (
        share["denominator"].groupby(share["code"]).first().reindex(classes.index) == classes
    ).all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    m=st.integers(1, 6),
    kind=st.sampled_from(["euclidean", "network"]),
)
def test_people_are_conserved_across_distance_classes(seed, n, m, kind):
    rng = np.random.default_rng(seed)
    population = pop(rng.uniform(0, 1000, (n, 2)), rng.integers(0, 50, n))
    dest = pts(*rng.uniform(0, 1000, (m, 2)))
    cut = rng.uniform(200, 800)
    zones = areas(
        ["W", "E"], [shapely.box(0, 0, cut, 900), shapely.box(cut, 0, 1000, 900)]
    )  # top strip outside
    xs = np.arange(0, 1001, 100.0)
    grid = [[(x, 0), (x, 1000)] for x in xs] + [
        [(0, y), (1000, y)] for y in xs if rng.random() < 0.7
    ]
    res = accessibility_by_area(
        population, dest, zones, kind=kind, network=lines(*grid), thresholds=(100, 300), max_snap=60
    )
    _check_conservation(res, population["popTot"])
    straight = nearest_distance(population, dest)["distance_m"].to_numpy()
    ok = res.grid["status"].to_numpy() == "ok"
    assert (res.grid["distance_m"].to_numpy()[ok] >= straight[ok] - 1e-6).all()
    brute = np.hypot(
        *(
            shapely.get_coordinates(population.geometry)[:, None, :]
            - shapely.get_coordinates(dest)[None, :, :]
        ).transpose(2, 0, 1)
    ).min(axis=1)
    assert_allclose(straight, brute, atol=1e-9)


def _reference_network_distance(segments, origins, dest):
    """Independent reference with networkx.

    Every snapped point becomes a node that splits its segment.
    """
    nx = pytest.importorskip(
        "networkx", reason="networkx is the independent reference for network distances"
    )
    tree = shapely.STRtree(segments)
    g = nx.Graph()
    on_seg: dict[int, list] = {}
    for kind, geoms in (("o", origins), ("d", dest)):
        seg = tree.query_nearest(geoms, all_matches=False)[1]
        for k, (p, s) in enumerate(zip(geoms, seg, strict=True)):
            t = shapely.line_locate_point(segments[s], p)
            q = shapely.line_interpolate_point(segments[s], t)
            on_seg.setdefault(int(s), []).append((t, (kind, k, "on")))
            g.add_edge((kind, k), (kind, k, "on"), weight=p.distance(q))
    for s, line in enumerate(segments):
        a, b = (tuple(np.round(c, 6)) for c in shapely.get_coordinates(line))
        chain = [(0.0, a), *sorted(on_seg.get(s, []), key=lambda x: x[0]), (line.length, b)]
        for (t0, n0), (t1, n1) in zip(chain[:-1], chain[1:], strict=True):
            g.add_edge(n0, n1, weight=t1 - t0)
    lengths = nx.multi_source_dijkstra_path_length(g, {("d", k) for k in range(len(dest))})
    return np.array([lengths.get(("o", k), np.nan) for k in range(len(origins))])


def test_network_distances_match_an_independent_reference():
    rng = np.random.default_rng(7)
    g = np.arange(8) * 100.0
    gx, gy = np.meshgrid(g, g)
    nodes = np.round(np.c_[gx.ravel(), gy.ravel()] + rng.uniform(-20, 20, (gx.size, 2)), 6)
    ids = np.arange(gx.size).reshape(gx.shape)
    pairs = np.r_[
        np.c_[ids[:, :-1].ravel(), ids[:, 1:].ravel()], np.c_[ids[:-1].ravel(), ids[1:].ravel()]
    ]
    pairs = pairs[rng.random(len(pairs)) > 0.25]
    segments = shapely.linestrings(np.stack([nodes[pairs[:, 0]], nodes[pairs[:, 1]]], axis=1))
    origins = shapely.points(rng.uniform(-20, 720, (60, 2)))
    dest = shapely.points(rng.uniform(-20, 720, (4, 2)))
    ours = nearest_distance(
        gpd.GeoSeries(origins, crs=CRS),
        gpd.GeoSeries(dest, crs=CRS),
        kind="network",
        network=gpd.GeoSeries(segments, crs=CRS),
        max_snap=1e6,
        spacing=1e6,
    )
    ref = _reference_network_distance(segments, origins, dest)
    assert_allclose(ours["distance_m"].to_numpy(), ref, rtol=1e-9, atol=1e-6)


# --------------------------------------------------------------------------- demo and real data


@pytest.fixture(scope="module")
def demo_layers():
    from levekar.demo import make_demo_study
    from levekar.demo.access import make_access_layers

    d = make_demo_study()
    return d, make_access_layers(d.grunnkretser, d.population, d.schools)


def test_demo_layers_are_deterministic_and_plausible(demo_layers):
    from levekar.demo.access import make_access_layers

    d, layers = demo_layers
    again = make_access_layers(d.grunnkretser, d.population, d.schools)
    for a, b in [
        (layers.network, again.network),
        (layers.green_areas, again.green_areas),
        (layers.bus_stops, again.bus_stops),
    ]:
        assert_array_equal(
            shapely.to_wkb(a.geometry.to_numpy()), shapely.to_wkb(b.geometry.to_numpy())
        )
    net = network_from_lines(layers.network)
    assert 8_000 < net.report["n_edges"] < 30_000
    assert (layers.network["kind"] == "bru").any()
    assert set(layers.green_areas["kind"]) == {"park", "skog"}


def test_demo_network_distances_are_longer_than_straight_lines(demo_layers):
    d, layers = demo_layers
    net = network_from_lines(layers.network)
    land = shapely.union_all(d.grunnkretser.geometry.to_numpy())
    res = {
        k: accessibility_by_area(
            d.population, d.schools, d.skolekretser, name="skole", kind=k, network=net, land=land
        )
        for k in ("euclidean", "network")
    }
    for r in res.values():
        _check_conservation(r, d.population["popTot"])
        assert r.accounting.people_outside_areas == 0  # land points fall inside the catchments
    e, n = res["euclidean"].grid, res["network"].grid
    ok = n["status"] == "ok"
    assert ok.mean() > 0.99
    # Along the network is never shorter than the straight line (snapping included).
    assert (n.loc[ok, "distance_m"] >= e.loc[ok, "distance_m"] - 1e-6).all()
    # The snapping distances at both ends are part of every network distance.
    snaps = n.loc[ok, "origin_snap_m"] + n.loc[ok, "destination_snap_m"]
    assert (n.loc[ok, "distance_m"] >= snaps - 1e-6).all() and (snaps > 0).any()
    # The demo's circuity for its seed (a jittered street grid with a fifth of its links
    # removed): a change in edge lengths, snapping or the shortest paths moves it.
    ratio = n.loc[ok, "distance_m"] / e.loc[ok, "distance_m"].clip(lower=1)
    assert ratio.median() == pytest.approx(1.389, abs=0.005)
    assert ratio.quantile(0.05) == pytest.approx(1.170, abs=0.01)


@pytest.mark.realdata
def test_real_fredrikstad_schools_conserve_people(real_data, demo_layers):
    """Real geocoded schools; people from the demo's (synthetic) 250 m grid over Fredrikstad,
    since no real population grid of Fredrikstad is in ../shared; areas: the real kommuner."""
    path = real_data / "skoler_fredrikstad_geokodet.geojson"
    kommuner_path = real_data / "kommuner_fredrikstad_naboer_2024.geojson"
    if not path.exists() or not kommuner_path.exists():
        pytest.skip(f"real data missing: {path.name} or {kommuner_path.name} not in {real_data}")
    schools = gpd.read_file(path).to_crs(CRS)
    kommuner = gpd.read_file(kommuner_path).to_crs(CRS)
    kommuner = gpd.GeoDataFrame(
        {"code": kommuner["kommunenummer"]},
        geometry=shapely.make_valid(kommuner.geometry.to_numpy()),
        crs=CRS,
    )
    d, _ = demo_layers
    res = accessibility_by_area(
        d.population, schools, kommuner, name="skole", thresholds=(500, 1000, 2000), year=2023
    )
    _check_conservation(res, d.population["popTot"])
    acc = res.accounting
    assert (
        acc.people_in_areas > 0.9 * acc.people_total
    )  # the demo's outline is only Fredrikstad-like
    t = res.table.set_index(["code", "indicator"])["value"]
    assert 200 < t["3107", "skole_avstand_median"] < 3000
    assert 0.3 < t["3107", "skole_innen_2000m"] <= 1.0
    assert res.grid["distance_m"].max() < 15_000


@pytest.mark.realdata
def test_real_ssb_grid_to_real_schools(real_data):
    """SSB's real 1 km grid (Oslo, 2019) read with levekar's reader, to the Fredrikstad schools:
    checks units and CRS handling of real files (Oslo lies 70–100 km from Fredrikstad's schools)."""
    grid_path = real_data / "ssb_befolkning_rutenett" / "BefolkningOslo1km2019.gml"
    path = real_data / "skoler_fredrikstad_geokodet.geojson"
    if not grid_path.exists() or not path.exists():
        pytest.skip(f"real data missing: {grid_path.name} or {path.name}")
    from levekar.io.layers import read_population

    population = read_population(grid_path)
    schools = gpd.read_file(path).to_crs(CRS)
    box = areas(["oslo"], [shapely.box(*population.total_bounds)])
    res = accessibility_by_area(
        population, schools, box, name="skole", thresholds=(50_000, 100_000)
    )
    _check_conservation(res, population["popTot"])
    assert res.accounting.people_total == 678_692
    d = res.grid["distance_m"]
    assert 50_000 < d.min() and d.max() < 130_000
    assert res.classes.groupby("distance_class")["people"].sum()["unreachable"] == 0


def test_table_and_observations_have_the_same_rows():
    population = pop([(0, 0), (10, 10)], [3, 4])
    res = accessibility_by_area(
        population, pts((0, 0)), areas(["A"], [shapely.box(-5, -5, 20, 20)])
    )
    assert res.observations.columns.tolist() == [
        "code",
        "year",
        "indicator",
        "numerator",
        "denominator",
        "status",
    ]
    assert_array_equal(res.table[["code", "indicator"]], res.observations[["code", "indicator"]])
    assert pd.api.types.is_float_dtype(res.observations["numerator"])
