import geopandas as gpd
import pandas as pd
import pytest
import shapely
from conftest import X0, Y0, box, layer

from levekar.areas import lokalsamfunn_from_catchments, standardise_layer
from levekar.errors import CRSError, DataError, GeometryError


def test_standardise_renames_reprojects_and_pads_codes():
    raw = gpd.GeoDataFrame(
        {"grunnkretsnummer": [31071203, 31071204], "grunnkretsnavn": [" Haugsten ", "Lisleby"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs=25833,
    ).to_crs(4326)
    out, report = standardise_layer(
        raw,
        level="grunnkrets",
        code_column="grunnkretsnummer",
        name_column="grunnkretsnavn",
        code_width=8,
        source="gk.geojson",
    )
    assert out.columns.tolist() == ["code", "name", "level", "geometry"]
    assert out["code"].tolist() == ["31071203", "31071204"]
    assert out["name"].tolist() == ["Haugsten", "Lisleby"]
    assert out.crs.to_epsg() == 25833
    assert out.geometry.area.round(1).tolist() == [10_000.0, 10_000.0]
    assert report.crs_in == "EPSG:4326" and report.repaired == []


def test_missing_crs_names_file_and_fix():
    raw = layer(["a"], [box(0, 0, 1, 1)], crs=None)
    with pytest.raises(CRSError, match=r"skoler\.gpkg: the layer has no CRS.*set_crs\(25833\)"):
        standardise_layer(raw, level="x", source="skoler.gpkg")


def test_unsupported_crs():
    raw = layer(["a"], [box(0, 0, 1, 1)]).to_crs(3857)
    with pytest.raises(CRSError, match=r"EPSG:3857\) is not supported.*to_crs\(25833\)"):
        standardise_layer(raw, level="x", source="web.geojson")


def test_lonlat_declared_as_utm_is_outside_norway():
    raw = gpd.GeoDataFrame(
        {"code": ["a"], "name": ["a"]}, geometry=[shapely.box(10.9, 59.2, 10.95, 59.25)], crs=25833
    )
    with pytest.raises(CRSError, match="lie outside Norway"):
        standardise_layer(raw, level="x", source="wrong.shp")


def test_invalid_bowtie_is_repaired_and_reported():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    raw = layer(["a"], [bowtie])
    out, report = standardise_layer(raw, level="x")
    assert out.geometry.is_valid.all()
    assert out.geometry.area.iloc[0] == pytest.approx(5000.0)
    assert len(report.repaired) == 1 and report.repaired[0].startswith("a: Self-intersection")


def test_duplicate_codes_are_an_error():
    raw = layer(["a", "a"], [box(0, 0, 1, 1), box(1, 0, 2, 1)])
    with pytest.raises(DataError, match=r"duplicate code\(s\) in column 'code': \['a'\]"):
        standardise_layer(raw, level="x")


def test_empty_geometry_is_an_error():
    raw = layer(["a", "b"], [box(0, 0, 1, 1), shapely.Polygon()])
    with pytest.raises(GeometryError, match=r"1 area\(s\) have no geometry: \['b'\]"):
        standardise_layer(raw, level="x")


def test_missing_code_column():
    raw = layer(["a"], [box(0, 0, 1, 1)])
    with pytest.raises(DataError, match="no column 'kretsnr'"):
        standardise_layer(raw, level="x", code_column="kretsnr", source="f.gpkg")


CATCH = layer(
    ["s1", "s2", "s3"], [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)]
)


def test_lokalsamfunn_dissolves_catchments():
    table = pd.DataFrame(
        {
            "catchment": ["s1", "s2", "s3"],
            "lokalsamfunn": ["L1", "L1", "L2"],
            "lokalsamfunn_name": ["Sentrum", "Sentrum", "Lisleby"],
        }
    )
    ls = lokalsamfunn_from_catchments(CATCH, table)
    assert ls["code"].tolist() == ["L1", "L2"]
    assert ls["name"].tolist() == ["Sentrum", "Lisleby"]
    assert ls.geometry.area.round(3).tolist() == [20_000.0, 10_000.0]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"catchment": ["s1", "s2"], "lokalsamfunn": ["L1", "L1"]},
            r"catchment\(s\) \['s3'\] belong to no lokalsamfunn",
        ),
        (
            {"catchment": ["s1", "s2", "s3", "s3"], "lokalsamfunn": ["L1", "L1", "L2", "L3"]},
            r"catchment 's3' is mapped to more than one lokalsamfunn: \['L2', 'L3'\]",
        ),
        (
            {"catchment": ["s1", "s2", "s3", "s9"], "lokalsamfunn": ["L1", "L1", "L2", "L2"]},
            r"catchment code\(s\) \['s9'\] are not in the catchment layer",
        ),
    ],
)
def test_lokalsamfunn_table_errors(table, message):
    with pytest.raises(DataError, match=message):
        lokalsamfunn_from_catchments(CATCH, pd.DataFrame(table), source="tabell.csv")


def test_topology_reports_overlaps_and_gaps_with_people():
    from levekar.areas import layer_topology

    # A ring of four catchments around a 100 x 100 hole; the first two overlap by 10 x 100.
    layer_ = layer(
        ["a", "b", "c", "d"],
        [box(0, 0, 160, 100), box(150, 0, 300, 300), box(0, 200, 300, 300), box(0, 0, 100, 300)],
    )
    import geopandas as gpd

    people = gpd.GeoDataFrame(
        {"popTot": [5, 7, 11]},
        geometry=shapely.points([(X0 + 155, Y0 + 50), (X0 + 120, Y0 + 150), (X0 + 290, Y0 + 290)]),
        crs=25833,
    )
    overlaps, gaps = layer_topology(layer_, population=people)
    ab = overlaps[(overlaps["code_a"] == "a") & (overlaps["code_b"] == "b")].iloc[0]
    assert ab["area_m2"] == pytest.approx(1000.0) and ab["population"] == 5
    assert len(gaps) == 1
    assert gaps["area_m2"].iloc[0] == pytest.approx(50 * 100) and gaps["population"].iloc[0] == 7
