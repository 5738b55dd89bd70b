import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, box, layer
from hypothesis import given, settings
from hypothesis import strategies as st

from levekar.crosswalk import apply_crosswalk, crosswalk_from_overlay
from levekar.errors import DataError

# Two sources side by side; two targets split the first source 30/70; the second source
# lies half outside every target.
SOURCE = layer(["g1", "g2"], [box(0, 0, 100, 100), box(100, 0, 200, 100)])
TARGET = layer(["A", "B"], [box(0, 0, 30, 100), box(30, 0, 150, 100)])


def weights(cw):
    return {(r.source_code, r.target_code): round(r.weight, 12) for r in cw.table.itertuples()}


def test_area_weights_exact():
    cw = crosswalk_from_overlay(SOURCE, TARGET)
    assert weights(cw) == {("g1", "A"): 0.3, ("g1", "B"): 0.7, ("g2", "B"): 0.5}
    assert cw.unassigned[["source_code", "share"]].values.tolist() == [["g2", 0.5]]
    assert cw.unassigned["reason"].tolist() == ["partly outside every target area"]
    assert cw.quality.n_sources_split == 1
    assert cw.quality.sources_split == {"g1": {"A": 0.3, "B": 0.7}}


def test_population_weights_from_points():
    pts = gpd.GeoDataFrame(
        {"popTot": [10, 30, 60, 5, 7]},
        geometry=shapely.points(
            [
                (X0 + 10, Y0 + 50),
                (X0 + 50, Y0 + 50),
                (X0 + 90, Y0 + 50),
                (X0 + 120, Y0 + 50),
                (X0 + 180, Y0 + 50),
            ]
        ),
        crs=25833,
    )
    cw = crosswalk_from_overlay(
        SOURCE, TARGET, weighting="population", population=pts, population_column="popTot"
    )
    assert weights(cw) == {("g1", "A"): 0.1, ("g1", "B"): 0.9, ("g2", "B"): round(5 / 12, 12)}
    assert cw.unassigned["source_code"].tolist() == ["g2"]
    assert cw.unassigned["population"].round(9).tolist() == [7.0]
    assert cw.quality.population_total == 112.0
    assert cw.quality.population_assigned == pytest.approx(105.0)


def test_point_on_shared_edge_is_counted_once():
    pts = gpd.GeoDataFrame({"popTot": [8]}, geometry=[shapely.Point(X0 + 100, Y0 + 50)], crs=25833)
    cw = crosswalk_from_overlay(
        SOURCE, TARGET, weighting="population", population=pts, population_column="popTot"
    )
    assert cw.quality.population_total == 8.0


def test_source_without_people_falls_back_to_area():
    pts = gpd.GeoDataFrame({"popTot": [4]}, geometry=[shapely.Point(X0 + 10, Y0 + 50)], crs=25833)
    cw = crosswalk_from_overlay(
        SOURCE, TARGET, weighting="population", population=pts, population_column="popTot"
    )
    assert weights(cw)[("g2", "B")] == 0.5
    assert cw.quality.sources_without_population == ["g2"]


def test_slivers_are_reassigned_and_reported():
    target = layer(["A", "B"], [box(0, 0, 0.5, 100), box(0.5, 0, 200, 100)])
    cw = crosswalk_from_overlay(SOURCE, target, sliver_tolerance=0.01)
    assert weights(cw) == {("g1", "B"): 1.0, ("g2", "B"): 1.0}
    assert cw.quality.n_slivers == 1


def test_crs_mismatch_is_an_error():
    with pytest.raises(DataError, match="differs from target CRS"):
        crosswalk_from_overlay(SOURCE, TARGET.to_crs(25832))


def test_apply_keeps_missing_missing_and_reports_losses():
    cw = crosswalk_from_overlay(SOURCE, TARGET)
    values = pd.DataFrame({"code": ["g1", "g2", "zz"], "n": [100.0, np.nan, 4.0]})
    out, lost = apply_crosswalk(values, cw, value_columns=["n"])
    got = dict(zip(out["code"], out["n"], strict=True))
    assert got["A"] == pytest.approx(30.0)
    assert np.isnan(got["B"])  # g2 is missing, so B's sum is unknown, never 0 + 70
    assert lost.loc[lost["reason"] == "unknown code", "n"].tolist() == [4.0]


@st.composite
def tessellations(draw):
    """Random tessellations: a source grid and a target grid with random cut lines over one box."""
    xs = sorted(set(draw(st.lists(st.integers(1, 99), min_size=0, max_size=5))))
    ys = sorted(set(draw(st.lists(st.integers(1, 99), min_size=0, max_size=5))))
    tx = sorted(set(draw(st.lists(st.integers(1, 99), min_size=0, max_size=5))))
    ty = sorted(set(draw(st.lists(st.integers(1, 99), min_size=0, max_size=5))))
    counts = draw(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=36, max_size=36))
    return xs, ys, tx, ty, counts


def grid(xcuts, ycuts, prefix):
    xe = [0, *xcuts, 100]
    ye = [0, *ycuts, 100]
    geoms = [
        box(x0 * 10, y0 * 10, x1 * 10, y1 * 10)
        for x0, x1 in zip(xe[:-1], xe[1:], strict=True)
        for y0, y1 in zip(ye[:-1], ye[1:], strict=True)
    ]
    return layer([f"{prefix}{i}" for i in range(len(geoms))], geoms)


@settings(max_examples=60, deadline=None)
@given(tessellations())
def test_counts_are_conserved_over_random_tessellations(case):
    xs, ys, tx, ty, counts = case
    src = grid(xs, ys, "s")
    tgt = grid(tx, ty, "t")
    cw = crosswalk_from_overlay(src, tgt)
    values = pd.DataFrame({"code": src["code"], "n": counts[: len(src)]})
    out, lost = apply_crosswalk(values, cw, value_columns=["n"])
    assert out["n"].sum() + lost["n"].sum() == pytest.approx(values["n"].sum(), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(cw.weights_by_source().to_numpy(), 1.0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(tessellations(), st.lists(st.integers(0, 50), min_size=20, max_size=20))
def test_population_assigned_plus_unassigned_is_total(case, people):
    xs, ys, tx, ty, _ = case
    src = grid(xs, ys, "s")
    # Targets cover only the left 70 % so that some people are unassigned.
    tgt = grid(tx, ty, "t")
    tgt = tgt.set_geometry(tgt.geometry.intersection(box(0, 0, 700, 1000)))
    tgt = tgt[~tgt.geometry.is_empty & (tgt.geometry.area > 0)]
    rng = np.random.default_rng(len(xs) * 7 + len(ty))
    xy = rng.uniform(0, 1000, (20, 2))
    pts = gpd.GeoDataFrame({"popTot": people}, geometry=shapely.points(xy + [X0, Y0]), crs=25833)
    cw = crosswalk_from_overlay(
        src, tgt, weighting="population", population=pts, population_column="popTot"
    )
    unassigned = cw.unassigned["population"].fillna(0).sum()
    assert cw.quality.population_assigned + unassigned == pytest.approx(sum(people), abs=1e-9)


def test_overlapping_targets_do_not_double_count():
    target = layer(["A", "B"], [box(0, 0, 60, 100), box(40, 0, 200, 100)])
    cw = crosswalk_from_overlay(SOURCE, target)
    np.testing.assert_allclose(cw.weights_by_source().to_numpy(), 1.0)
    assert cw.quality.sources_in_overlapping_targets == ["g1"]
    assert weights(cw)[("g1", "A")] == round(0.6 / 1.2, 12)


@settings(max_examples=25, deadline=None)
@given(tessellations())
def test_area_weights_identical_to_tobler(case):
    area_weighted = pytest.importorskip("tobler.area_weighted")
    xs, ys, tx, ty, counts = case
    src = grid(xs, ys, "s").assign(n=counts[: (len(xs) + 1) * (len(ys) + 1)])
    # Targets cover part of the sources only, so that some counts are lost in both.
    tgt = grid(tx, ty, "t")
    tgt = tgt.set_geometry(tgt.geometry.intersection(box(0, 0, 800, 1000)))
    tgt = tgt[tgt.geometry.area > 0].reset_index(drop=True)
    # allocate_total=False: the share of a source outside every target is not re-spread (levekar
    # lists it as unassigned instead; tobler's default would give it to the covering targets).
    theirs = area_weighted.area_interpolate(
        src, tgt, extensive_variables=["n"], allocate_total=False
    )
    cw = crosswalk_from_overlay(src, tgt)
    ours, _ = apply_crosswalk(src[["code", "n"]], cw, value_columns=["n"])
    ours = ours.set_index("code")["n"].reindex(tgt["code"]).fillna(0.0).to_numpy()
    np.testing.assert_allclose(ours, theirs["n"].to_numpy(), rtol=1e-9, atol=1e-9)


def test_crosswalk_shows_its_quality_and_escapes_codes_from_the_data():
    evil = "<script>alert(1)</script>"
    source = layer([evil, "g2"], list(SOURCE.geometry), level="<b>gk</b>")
    cw = crosswalk_from_overlay(source, TARGET)
    text = repr(cw)
    assert "\n" not in text and "2 sources → 2 targets, 1 split" in text
    html = cw._repr_html_()
    assert "<script>" not in html and "<b>gk</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;gk&lt;/b&gt;" in html
    # The split source with both its pieces, and the half of g2 that reaches no target.
    assert cw.split_sources()["target_code"].tolist() == ["B", "A"]
    assert "Sources split between targets (1)" in html and "0.7" in html
    assert "partly outside every target area" in html
    assert ("area assigned", "75.00 %") in cw.quality.figures()
    assert cw.quality._repr_html_().count("<tr>") == len(cw.quality.figures())
