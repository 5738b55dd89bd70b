import doctest

import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, box, layer

import levekar.neighbours as neighbours
from levekar.errors import CRSError, DataError
from levekar.neighbours import moran_by_reach, neighbours_within, weights_within
from levekar.selection import neighbours_of


def two_squares(gap):
    return layer(["a", "b"], [box(0, 0, 1000, 1000), box(1000 + gap, 0, 2000 + gap, 1000)])


def test_squares_across_a_50_m_strip_are_neighbours_at_100_m_not_at_10_m():
    squares = two_squares(50)
    assert neighbours_within(squares, reach=100) == {"a": {"b"}, "b": {"a"}}
    assert neighbours_within(squares, reach=10, attach="none") == {"a": set(), "b": set()}
    assert neighbours_within(squares, reach=49, attach="none") == {"a": set(), "b": set()}
    assert neighbours_within(squares, reach=50) == {"a": {"b"}, "b": {"a"}}
    assert neighbours_of(squares) == {"a": set(), "b": set()}  # contiguity stops at the water


def coast_with_island():
    # Three areas along a coast and an island 2 km offshore from "c".
    geoms = [
        box(0, 0, 1000, 1000),
        box(1000, 0, 2000, 1000),
        box(2000, 0, 3000, 1000),
        box(2200, -2500, 2800, -2000),
    ]
    return layer(["a", "b", "c", "island"], geoms)


def test_an_island_2_km_offshore_is_attached_to_its_nearest_area():
    coast = coast_with_island()
    assert neighbours_within(coast, reach=300, attach="none")["island"] == set()
    nb = neighbours_within(coast, reach=300)
    assert nb["island"] == {"c"} and "island" in nb["c"]
    assert nb["a"] == {"b"} and nb["b"] == {"a", "c"}
    assert neighbours_within(coast, reach=300, k=2)["island"] == {"b", "c"}
    assert neighbours_within(coast, reach=2500, attach="none")["island"] == {"a", "b", "c"}


def test_cut_off_groups_are_joined_with_attach_components():
    # Two pairs of areas 1 km apart: each area has a neighbour, so none is an island.
    pairs = layer(
        list("abcd"),
        [
            box(0, 0, 100, 100),
            box(100, 0, 200, 100),
            box(1200, 0, 1300, 100),
            box(1300, 0, 1400, 100),
        ],
    )
    assert neighbours_within(pairs, reach=10) == {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}
    nb = neighbours_within(pairs, reach=10, attach="components")
    assert nb["b"] == {"a", "c"} and nb["c"] == {"b", "d"}


@pytest.fixture(scope="module")
def town():
    """A Voronoi town of 60 areas cut by a 120 m wide river, with an island off the coast."""
    rng = np.random.default_rng(7)
    xy = np.c_[X0 + rng.uniform(0, 6000, 60), Y0 + rng.uniform(0, 6000, 60)]
    points = shapely.multipoints(xy)
    extent = box(0, 0, 6000, 6000)
    cells = shapely.get_parts(shapely.voronoi_polygons(points, extend_to=extent))
    bed = [(X0 + 2500, Y0), (X0 + 3200, Y0 + 3000), (X0 + 2800, Y0 + 6000)]
    river = shapely.LineString(bed).buffer(60)
    cells = shapely.intersection(cells, extent).tolist()
    cells = [shapely.difference(c, river) for c in cells] + [box(7500, 2000, 8000, 2500)]
    return layer([f"t{i:02d}" for i in range(len(cells))], cells)


@pytest.mark.parametrize("reach", [0, 100, 300, 1000])
def test_the_relation_is_symmetric_and_grows_with_the_reach(town, reach):
    for attach in ("islands", "components", "none"):
        nb = neighbours_within(town, reach=reach, attach=attach)
        assert all(a in nb[b] for a, ns in nb.items() for b in ns)
        assert all(a not in ns for a, ns in nb.items())
    smaller = neighbours_within(town, reach=reach / 2, attach="none")
    larger = neighbours_within(town, reach=reach, attach="none")
    assert all(smaller[a] <= larger[a] for a in smaller)


def test_zero_reach_is_shared_border_contiguity(town):
    assert neighbours_within(town, reach=0, attach="none") == neighbours_of(town)
    across = neighbours_within(town, reach=300, attach="none")
    assert sum(map(len, across.values())) > sum(map(len, neighbours_of(town).values()))
    # Everyone has a neighbour once islands are attached; the river splits the town into two groups.
    assert all(neighbours_within(town, reach=0).values())


def test_libpysal_weights_follow_the_relation(town):
    w = weights_within(town, reach=300, transform="b")
    nb = neighbours_within(town, reach=300)
    assert w.id_order == town["code"].tolist()
    assert {k: set(v) for k, v in w.neighbors.items()} == nb
    assert weights_within(town, reach=300).transform == "R"
    assert np.allclose([sum(v) for v in weights_within(town, reach=300).weights.values()], 1.0)


def test_moran_by_reach_sees_the_pattern_across_the_river():
    # Two banks of six 500 m plots, a 100 m river between them. Along each bank high and low
    # alternate (contiguity sees a checkerboard); each plot faces its twin across the river.
    north = [box(500 * i, 600, 500 * (i + 1), 1100) for i in range(6)]
    south = [box(500 * i, 0, 500 * (i + 1), 500) for i in range(6)]
    banks = layer([f"n{i}" for i in range(6)] + [f"s{i}" for i in range(6)], north + south)
    pattern = np.array([1.0, 0.0, 0.9, 0.1, 1.1, 0.05])
    values = pd.Series(np.r_[pattern, pattern + 0.02], index=banks["code"])
    state = np.random.get_state()  # noqa: NPY002
    table = moran_by_reach(banks, values, reaches=(0, 300, 1000), permutations=199, seed=3)
    assert np.array_equal(np.random.get_state()[1], state[1])  # noqa: NPY002 - global RNG restored
    assert table["reach_m"].tolist() == [0.0, 300.0, 1000.0]
    assert table["n"].eq(12).all() and table["islands"].eq(0).all()
    assert table["moran_i"].iloc[0] < -0.5 and table["p_value"].iloc[0] < 0.05
    assert table["moran_i"].iloc[1] > table["moran_i"].iloc[0]
    assert table["p_value"].between(0, 1).all()
    assert table["mean_neighbours"].is_monotonic_increasing
    again = moran_by_reach(banks, values, reaches=(0, 300, 1000), permutations=199, seed=3)
    pd.testing.assert_frame_equal(table, again)


def test_bad_layers_say_the_fix():
    squares = two_squares(50)
    with pytest.raises(CRSError, match=r"to_crs\(25833\)"):
        neighbours_within(squares.to_crs(4326), reach=100)
    with pytest.raises(CRSError, match="no CRS"):
        neighbours_within(squares.set_crs(None, allow_override=True), reach=100)
    with pytest.raises(ValueError, match="reach"):
        neighbours_within(squares, reach=-5)
    with pytest.raises(DataError, match="duplicate codes"):
        neighbours_within(squares.assign(code="a"))
    with pytest.raises(DataError, match="at least 4"):
        moran_by_reach(squares, pd.Series([1.0, 2.0], index=["a", "b"]))


def test_docstring_examples():
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(neighbours, optionflags=flags)
    assert result.attempted > 0 and result.failed == 0
