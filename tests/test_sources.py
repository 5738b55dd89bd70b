"""Indicator sources by kind through the study TOML (levekar/io/sources.py)."""

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from levekar.catalogue import load_catalogue
from levekar.errors import ConfigError, DataError
from levekar.io.sources import read_indicator_sources, read_rates
from levekar.study import load_study, parse_config


def test_rates_from_json_records_with_an_assumed_denominator(tmp_path):
    f = tmp_path / "rates.json"
    records = [
        {"År": 2020, "Ident": 1, "Variabel": "7,5"},
        {"År": 2020, "Ident": 2, "Variabel": ":"},
        {"År": 2021, "Ident": 1, "Variabel": 8},
    ]
    f.write_text(json.dumps(records), encoding="utf-8")
    obs = read_rates(
        f,
        catalogue=load_catalogue(),
        columns={"code": "Ident", "year": "År", "rate": "Variabel"},
        indicator="leie",
        denominator=1000,
    )
    assert obs["numerator"].tolist()[0] == pytest.approx(75.0)
    assert obs["status"].tolist() == ["", ":", ""]
    assert obs["approximate"].all() and obs["year"].tolist() == [2020, 2020, 2021]


def test_rates_with_a_published_denominator_are_not_approximate(tmp_path):
    f = tmp_path / "rates.csv"
    f.write_text("sone;år;andel;personer\n3;2020;12,5;400\n4;2020;abc;100\n", encoding="utf-8")
    cols = {"code": "sone", "year": "år", "rate": "andel"}
    with pytest.raises(DataError, match=r"line 3, column 'andel': 'abc'"):
        read_rates(
            f, catalogue=load_catalogue(), columns=cols, indicator="leie", denominator="personer"
        )
    f.write_text("sone;år;andel;personer\n3;2020;12,5;400\n", encoding="utf-8")
    obs = read_rates(
        f, catalogue=load_catalogue(), columns=cols, indicator="leie", denominator="personer"
    )
    assert obs["numerator"].tolist() == [50.0] and not obs["approximate"].any()


def test_a_source_names_what_its_format_needs():
    base = {
        "study": {"kommune": "3107", "kommune_name": "F", "data_label": "x"},
        "initiative": {"areas": ["a"]},
    }
    for src, msg in [
        ({"path": "a.csv", "format": "ssb-csv"}, "needs 'mapping'"),
        ({"path": "a.json", "format": "rates", "indicator": "leie"}, "columns.rate"),
        ({"path": "a.csv", "format": "udir"}, "needs 'schools'"),
    ]:
        with pytest.raises(ConfigError, match=msg):
            parse_config({**base, "indicators": src})


def test_ssb_csv_and_tidy_sources_stack_and_keep_approximate(tmp_path):
    (tmp_path / "ssb.csv").write_text(
        "code,name,year,variable,value,status\n"
        "31071101,A,2022,Leier,10,\n31071101,A,2022,Husholdninger,50,\n"
        "31071102,B,2022,Leier,,:\n31071102,B,2022,Husholdninger,40,\n",
        encoding="utf-8",
    )
    (tmp_path / "tidy.csv").write_text(
        "code,year,indicator,numerator,denominator,approximate\n31071101,2022,trangbodd,5,50,true\n",
        encoding="utf-8",
    )
    specs = [
        {
            "path": tmp_path / "ssb.csv",
            "format": "ssb-csv",
            "mapping": {"leie": {"numerator": "Leier", "denominator": "Husholdninger"}},
        },
        {"path": tmp_path / "tidy.csv", "format": "tidy"},
    ]
    obs, notes = read_indicator_sources(specs, catalogue=load_catalogue())
    assert notes == []
    leie = obs[obs["indicator"] == "leie"].set_index("code")
    assert leie.loc["31071101", "numerator"] == 10 and leie.loc["31071102", "status"] == ":"
    assert obs.loc[obs["indicator"] == "trangbodd", "approximate"].tolist() == [True]


@pytest.mark.realdata
def test_udir_national_tests_join_a_study_through_the_toml(real_data, tmp_path):
    udir = real_data / "udir_nasjonale_prover"
    schools = real_data / "skoler_fredrikstad_geokodet.geojson"
    if not udir.exists() or not schools.exists():
        pytest.skip("Udir national-test files or Fredrikstad schools not in ../shared/data/real")
    pts = gpd.read_file(schools).to_crs(25833)
    x = float(pts.geometry.x.median())
    box = pts.total_bounds
    west = shapely.box(box[0] - 1000, box[1] - 1000, x, box[3] + 1000)
    east = shapely.box(x, box[1] - 1000, box[2] + 1000, box[3] + 1000)
    gpd.GeoDataFrame(
        {"code": ["31070001", "31070002"], "name": ["Vest", "Øst"]},
        geometry=[west, east],
        crs=25833,
    ).to_file(tmp_path / "areas.gpkg")
    (tmp_path / "study.toml").write_text(
        f"""
[study]
kommune = "3107"
kommune_name = "Fredrikstad"
data_label = "Udir, nasjonale prøver"
[areas.grunnkretser]
path = "areas.gpkg"
[areas.lokalsamfunn]
path = "areas.gpkg"
code_width = 8
[crosswalk]
method = "code_prefix"
[indicators]
format = "udir"
path = "{udir.as_posix()}"
schools = "skoler"
[points.skoler]
path = "{schools.as_posix()}"
name_column = "navn_udir"
title = "Skoler"
symbol = "school"
[selection]
k = 1
draws = 0
[initiative]
areas = ["Øst"]
[targets]
focus_areas = {{ oppvekst = ["np5_lesing"] }}
""",
        encoding="utf-8",
    )
    study = load_study(tmp_path / "study.toml")
    assert set(study.points) == {"Skoler"} and len(study.points["Skoler"]) == 32
    obs = study.observations
    assert {"np5_lesing", "np5_regning", "np8_engelsk"} <= set(obs["indicator"])
    assert set(obs["code"]) == {"31070001", "31070002"}
    assert sorted(obs["year"].unique())[-1] == 2025
    from levekar.pipeline import run
    from levekar.publish import points_by_area

    r = run(study)
    rates = r.rates[(r.rates["indicator"] == "np5_lesing") & r.rates["value"].notna()]
    assert rates["value"].between(30, 70).all()  # scale points around 50
    counts = points_by_area(r)
    assert counts["Skoler"].sum() == 32 and counts.iloc[-1]["name"] == "utenfor"
    assert (pd.Series(r.selection["has_data"]) == True).all()  # noqa: E712
