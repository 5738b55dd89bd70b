"""Reading boundary layers as users get them, and bad layers through the CLI."""

import geopandas as gpd
import pyogrio
import pytest
import shapely
from conftest import box, cli, edited_study

from levekar.errors import CRSError, DataError
from levekar.io.layers import read_area_layer, read_population

KARTVERKET = gpd.GeoDataFrame(
    {
        "grunnkretsnummer": ["31071101", "31071102"],
        "grunnkretsnavn": ["Gansrød - Ulfeng", "Vaterland"],
        "kommunenummer": ["3107", "3107"],
    },
    geometry=[box(0, 0, 500, 500), box(500, 0, 1000, 500)],
    crs=25833,
)


def SHAPEFILE_NAMES(gdf):
    """Column names as a Shapefile holds them (cut to 10 characters by GDAL)."""
    return gdf.rename(
        columns={
            "grunnkretsnummer": "grunnkrets",
            "grunnkretsnavn": "grunnkre_1",
            "kommunenummer": "kommunenum",
        }
    )


FORMATS = [
    ("geojson", "GeoJSON"),
    ("gpkg", "GPKG"),
    ("shp", "ESRI Shapefile"),
    ("gml", "GML"),
    ("gdb", "OpenFileGDB"),
]


@pytest.mark.parametrize(("suffix", "driver"), FORMATS)
@pytest.mark.parametrize("epsg", [25832, 25833, 25835, 4258, 4326])
def test_formats_and_crs_are_read_into_25833(tmp_path, suffix, driver, epsg):
    if driver not in pyogrio.list_drivers(write=True):
        pytest.skip(f"GDAL here cannot write {driver}")
    path = tmp_path / f"grunnkretser.{suffix}"
    layer = SHAPEFILE_NAMES(KARTVERKET) if suffix == "shp" else KARTVERKET
    pyogrio.write_dataframe(layer.to_crs(epsg), path, driver=driver)
    gk, report = read_area_layer(path, level="grunnkrets")
    assert gk["code"].tolist() == ["31071101", "31071102"]
    assert gk["name"].tolist() == ["Gansrød - Ulfeng", "Vaterland"]
    assert gk.crs.to_epsg() == 25833
    assert gk.geometry.area.sum() == pytest.approx(500_000, rel=1e-5)


def test_user_named_columns(tmp_path):
    path = tmp_path / "skolekretser.gpkg"
    KARTVERKET.drop(columns="kommunenummer").rename(
        columns={"grunnkretsnummer": "krets_id", "grunnkretsnavn": "skole"}
    ).to_file(path)
    sk, _ = read_area_layer(path, level="skolekrets", code_column="krets_id", name_column="skole")
    assert sk["name"].tolist() == ["Gansrød - Ulfeng", "Vaterland"]
    with pytest.raises(DataError, match=r"skolekretser.gpkg: no code column found"):
        read_area_layer(path, level="skolekrets")


def test_shapefile_without_prj_names_file_and_fix(tmp_path):
    path = tmp_path / "uten_crs.shp"
    SHAPEFILE_NAMES(KARTVERKET).to_file(path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"uten_crs.shp: the layer has no CRS.*set_crs\(25833\)"):
        read_area_layer(path, level="grunnkrets")


def test_population_reader_needs_counts(tmp_path):
    grid = gpd.GeoDataFrame(
        {"popTot": [3, -1]}, geometry=[box(0, 0, 250, 250), box(250, 0, 500, 250)], crs=25833
    )
    grid.to_file(tmp_path / "grid.gpkg")
    with pytest.raises(
        DataError, match=r"grid.gpkg: column 'popTot', feature 1: -1 is not a count of people"
    ):
        read_population(tmp_path / "grid.gpkg")


def _bad_layers():
    wrong_crs = KARTVERKET.to_crs(3857)
    lonlat_as_utm = gpd.GeoDataFrame(
        KARTVERKET.drop(columns="geometry"),
        geometry=KARTVERKET.to_crs(4326).geometry.to_numpy(),
        crs=25833,
    )
    dup = KARTVERKET.assign(grunnkretsnummer=["31071101", "31071101"])
    empty = KARTVERKET.copy()
    empty.loc[1, "geometry"] = shapely.Polygon()
    return [
        ("wrong_crs", wrong_crs, "EPSG:3857) is not supported"),
        ("lonlat_as_utm", lonlat_as_utm, "lie outside Norway"),
        ("duplicate", dup, "duplicate code(s) in column 'grunnkretsnummer': ['31071101']"),
        ("empty", empty, "1 area(s) have no geometry: ['31071102']"),
    ]


@pytest.mark.parametrize(
    ("name", "layer", "message"), _bad_layers(), ids=[b[0] for b in _bad_layers()]
)
def test_bad_layers_exit_2_with_one_line(capsys, demo_dir, tmp_path, name, layer, message):
    bad = demo_dir / f"{name}.gpkg"
    layer.to_file(bad)
    cfg = edited_study(
        demo_dir, f"bad_{name}", lambda t: t.replace('"grunnkretser.gpkg"', f'"{bad.name}"')
    )
    code, _, err = cli(capsys, "run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("levekar: error: ") and bad.name in last and message in last
    assert "Traceback" not in err
