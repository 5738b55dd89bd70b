"""Tests on the real open data in ../shared/data/real (see its SOURCES.md).

Skipped with a reason when absent.
"""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from levekar.areas import layer_topology, standardise_layer
from levekar.crosswalk import apply_crosswalk, crosswalk_from_overlay
from levekar.errors import DataError
from levekar.io.layers import read_area_layer, read_population

pytestmark = pytest.mark.realdata


def test_fredrikstad_2024_polygon_is_invalid_and_repaired(real_data):
    gk, report = read_area_layer(
        real_data / "kommuner_fredrikstad_naboer_2024.geojson", level="kommune"
    )
    assert gk["code"].tolist() == ["3105", "3107", "3110", "3112"]
    assert gk.crs.to_epsg() == 25833 and gk.geometry.is_valid.all()
    assert len(report.repaired) == 1 and report.repaired[0].startswith("3107: Self-intersection")
    area_km2 = gk.set_index("code").geometry.area.loc["3107"] / 1e6
    assert area_km2 == pytest.approx(282.4, abs=0.1)  # SOURCES.md: 282.4 km² after make_valid


def test_fredrikstad_2020_to_2024_is_the_same_territory(real_data):
    k20, rep20 = read_area_layer(
        real_data / "kommuner_fredrikstad_naboer_2020.geojson", level="kommune"
    )
    k24, _ = read_area_layer(
        real_data / "kommuner_fredrikstad_naboer_2024.geojson", level="kommune"
    )
    assert rep20.repaired == []
    f20 = k20[k20["code"] == "3004"]
    f24 = k24[k24["code"] == "3107"]
    cw = crosswalk_from_overlay(f20, f24)
    # Same territory, different generalisation (SOURCES.md: IoU 0.994).
    assert cw.table["weight"].iloc[0] > 0.99
    assert cw.table["weight"].sum() + cw.unassigned["share"].sum() == pytest.approx(1.0)


def test_asker_baerum_counts_conserved_onto_a_coarser_layer(real_data):
    folder = real_data / "asker_baerum_grunnkrets"
    gk, report = read_area_layer(
        folder / "grunnkretser_asker_baerum_25833.geojson", level="grunnkrets"
    )
    assert len(gk) == 535 and gk["code"].str.len().eq(8).all() and report.crs_in == "EPSG:25833"
    counts = json.loads((folder / "innvandrere_per_grunnkrets.json").read_text(encoding="utf-8"))
    raw = pd.DataFrame(
        {
            "code": list(counts),
            "non_western": [v["non-western-count"] for v in counts.values()],
            "western": [v["western-count"] for v in counts.values()],
        }
    )
    tiny = crosswalk_from_overlay(gk.iloc[:2], gk.iloc[:2])
    with pytest.raises(
        DataError, match=r"column 'non_western', row \d+ \(code '0219\d{4}'\): '-' is not a number"
    ):
        apply_crosswalk(raw, tiny, value_columns=["non_western"])
    # SSB's "-" means nil: 27 cells in this file.
    assert (raw["non_western"] == "-").sum() == 27
    values = raw.replace("-", 0).astype({"non_western": float, "western": float})
    # A coarser layer that does not follow grunnkrets boundaries: a 3 km grid over the two kommuner.
    minx, miny, maxx, maxy = gk.total_bounds
    xs = np.arange(minx, maxx, 3000)
    ys = np.arange(miny, maxy, 3000)
    cells = [shapely.box(x, y, x + 3000, y + 3000) for x in xs for y in ys]
    grid = gpd.GeoDataFrame(
        {"code": [f"c{k}" for k in range(len(cells))]}, geometry=cells, crs=25833
    )
    cw = crosswalk_from_overlay(gk, grid)
    out, lost = apply_crosswalk(values, cw, value_columns=["non_western", "western"])
    for col in ("non_western", "western"):
        assert out[col].sum() + lost[col].sum() == pytest.approx(values[col].sum(), rel=1e-12)
    # Two keys of the JSON match no polygon: reported, not dropped (SOURCES.md: 518 keys, 516 join).
    assert sorted(lost.loc[lost["reason"] == "unknown code", "code"].unique()) == sorted(
        set(values["code"]) - set(gk["code"])
    )
    assert lost["reason"].eq("unknown code").sum() == 2


def test_stavanger_zones_have_duplicate_codes_until_dissolved(real_data):
    path = real_data / "stavanger_levekar" / "levekarssoner_polygoner.geojson"
    with pytest.raises(
        DataError, match=r"levekarssoner_polygoner.geojson: duplicate code\(s\) in column 'sone_nr'"
    ):
        read_area_layer(path, level="levekarssone")
    zones, report = read_area_layer(path, level="levekarssone", on_duplicate="dissolve")
    assert zones["code"].nunique() == 74 == len(zones)
    assert any("dissolved" in n for n in report.notes)
    overlaps, gaps = layer_topology(zones)
    assert overlaps["area_m2"].sum() < 0.01 * zones.geometry.area.sum()


def test_oslo_population_grid_gml_drives_a_population_weighted_crosswalk(real_data):
    grid = read_population(real_data / "ssb_befolkning_rutenett" / "BefolkningOslo1km2019.gml")
    assert len(grid) == 258 and grid["popTot"].sum() == 678_692
    minx, miny, maxx, maxy = grid.total_bounds
    # Two "bydeler" split west/east at a slanted line, and a source layer of 2 km squares.
    mid = (minx + maxx) / 2
    west = shapely.Polygon([(minx, miny), (mid - 1500, miny), (mid + 1500, maxy), (minx, maxy)])
    east = shapely.box(minx, miny, maxx, maxy).difference(west)
    target = gpd.GeoDataFrame({"code": ["vest", "ost"]}, geometry=[west, east], crs=25833)
    xs = np.arange(minx, maxx, 2000)
    ys = np.arange(miny, maxy, 2000)
    src = gpd.GeoDataFrame(
        {"code": [f"s{i}" for i in range(len(xs) * len(ys))]},
        geometry=[shapely.box(x, y, x + 2000, y + 2000) for x in xs for y in ys],
        crs=25833,
    )
    src, _ = standardise_layer(src, level="test", name_column=None)
    cw = crosswalk_from_overlay(
        src, target, weighting="population", population=grid, population_column="popTot"
    )
    q = cw.quality
    assert q.population_total + q.population_outside_source_layer == pytest.approx(678_692)
    assert q.population_assigned + cw.unassigned["population"].fillna(0).sum() == pytest.approx(
        q.population_total
    )
    assert q.n_sources_split > 0
