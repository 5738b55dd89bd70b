"""SSB and Udir formats as they are downloaded."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from levekar.catalogue import load_catalogue
from levekar.errors import DataError
from levekar.indicators import validate_observations
from levekar.io.ssb import observations_from_long, read_jsonstat2, read_statbank_csv
from levekar.io.udir import observations_from_udir, read_udir_national_tests

CSV_LONG = (
    '"12345: Privathusholdninger etter boforhold (grunnkrets) 2022-2023"\n'
    "\n"
    '"region";"år";"statistikkvariabel";"Husholdninger"\n'
    '"31071203 Haugsten";"2022";"Leier";"1 234"\n'
    '"31071203 Haugsten";"2022";"I alt";"4 001"\n'
    '"31071204 Lisleby";"2022";"Leier";":"\n'
    '"31071204 Lisleby";"2022";"I alt";"37"\n'
    '"31071205 Råbekken";"2022";"Leier";"-"\n'
    '"31071205 Råbekken";"2022";"I alt";"12,0"\n'
)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8-sig", "utf-8"])
def test_statbank_csv_long(tmp_path, encoding):
    p = tmp_path / "ssb.csv"
    p.write_bytes(CSV_LONG.encode(encoding))
    long = read_statbank_csv(p)
    assert long["code"].unique().tolist() == ["31071203", "31071204", "31071205"]
    assert long["name"].iloc[4] == "Råbekken"
    rows = long.set_index(["code", "variable"])
    assert rows.loc[("31071203", "Leier"), "value"] == 1234.0
    assert rows.loc[("31071205", "I alt"), "value"] == 12.0
    assert (
        np.isnan(rows.loc[("31071204", "Leier"), "value"])
        and rows.loc[("31071204", "Leier"), "status"] == ":"
    )
    assert (
        rows.loc[("31071205", "Leier"), "value"] == 0.0
        and rows.loc[("31071205", "Leier"), "status"] == "-"
    )
    obs = observations_from_long(long, {"leie": {"numerator": "Leier", "denominator": "I alt"}})
    tidy = validate_observations(obs, load_catalogue(), source=str(p)).set_index("code")
    assert tidy.loc["31071204", "status"] == ":" and np.isnan(tidy.loc["31071204", "numerator"])
    assert tidy.loc["31071203", "numerator"] == 1234 and tidy.loc["31071203", "denominator"] == 4001


def test_statbank_csv_wide(tmp_path):
    p = tmp_path / "wide.csv"
    p.write_bytes(
        (
            '"region";"statistikkvariabel";"2021";"2022"\n'
            '"3107 Fredrikstad";"Personer";"83 761";"84 358"\n'
            '"3107 Fredrikstad";"Lavinntekt (prosent)";"11,9";".."\n'
        ).encode("latin-1")
    )
    long = read_statbank_csv(p).set_index(["variable", "year"])
    assert long.loc[("Personer", 2022), "value"] == 84358.0
    assert long.loc[("Lavinntekt (prosent)", 2021), "value"] == 11.9
    assert long.loc[("Lavinntekt (prosent)", 2022), "status"] == ".."


def test_statbank_csv_bad_value_names_line_and_column(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(CSV_LONG.replace('"1 234"', '"12x"').encode("latin-1"))
    with pytest.raises(
        DataError, match=r"bad.csv: line 4, column 'Husholdninger': '12x' is neither a number"
    ):
        read_statbank_csv(p)


JSONSTAT = {
    "version": "2.0",
    "class": "dataset",
    "label": "Test",
    "id": ["Region", "ContentsCode", "Tid"],
    "size": [2, 2, 2],
    "dimension": {
        "Region": {
            "category": {
                "index": {"31071203": 0, "31071204": 1},
                "label": {"31071203": "Haugsten", "31071204": "Lisleby"},
            }
        },
        "ContentsCode": {
            "category": {
                "index": {"Leier": 0, "Alle": 1},
                "label": {"Leier": "Leier", "Alle": "Husholdninger i alt"},
            }
        },
        "Tid": {"category": {"index": {"2022": 0, "2023": 1}}},
    },
    "value": [10, 11, 100, 101, None, None, 30, 31],
    "status": {"4": ":", "5": ".."},
}


def test_jsonstat2_values_and_status(tmp_path):
    p = tmp_path / "px.json"
    p.write_text(json.dumps(JSONSTAT), encoding="utf-8")
    long = read_jsonstat2(p).set_index(["code", "variable", "year"])
    assert long.loc[("31071203", "Leier", 2023), "value"] == 11.0
    assert long.loc[("31071203", "Husholdninger i alt", 2022), "value"] == 100.0
    assert long.loc[("31071204", "Leier", 2022), "status"] == ":"
    assert long.loc[("31071204", "Leier", 2023), "status"] == ".."
    assert long.loc[("31071204", "Husholdninger i alt", 2023), "value"] == 31.0
    assert long.loc[("31071204", "Leier", 2022), "name"] == "Lisleby"


def test_jsonstat2_wrong_size(tmp_path):
    p = tmp_path / "px.json"
    p.write_text(json.dumps({**JSONSTAT, "value": [1, 2, 3]}), encoding="utf-8")
    with pytest.raises(DataError, match=r"3 values for dimensions of size \[2, 2, 2\]"):
        read_jsonstat2(p)


@pytest.mark.realdata
def test_udir_files_read_with_hand_checked_numbers(real_data):
    folder = real_data / "udir_nasjonale_prover"
    t = read_udir_national_tests(folder / "2023-24_nasjonale_prover_fredrikstad_5._trinn.csv")
    eng = t[t["subject"] == "Engelsk"].set_index("school")
    nat = t[(t["level"] == "national") & (t["subject"] == "Engelsk")].iloc[0]
    assert (nat["scale_points"], nat["uncertainty"], nat["pupils"]) == (50.0, 0.1, 56875.0)
    kom = t[(t["level"] == "kommune") & (t["subject"] == "Engelsk")].iloc[0]
    assert (kom["scale_points"], kom["uncertainty"], kom["pupils"]) == (50.0, 0.7, 853.0)
    assert kom["kommune_as_published"] == "3004" and kom["kommune"] == "3107"
    begby = eng.loc["Begby barne- og ungdomsskole"]
    assert (begby["scale_points"], begby["uncertainty"], begby["pupils"]) == (50.0, 3.0, 40.0)
    assert begby["school_year"] == "2023-24" and begby["year"] == 2023 and begby["grade"] == 5
    for school in ("Borge skole", "Nylende skole"):  # fully suppressed that year
        assert np.isnan(eng.loc[school, "scale_points"]) and eng.loc[school, "status"] == ":"
    t26 = read_udir_national_tests(folder / "2025-26_nasjonale_prover_fredrikstad_5._trinn.csv")
    amb = t26[(t26["school"] == "Ambjørnrød skole") & (t26["subject"] == "Engelsk")].iloc[
        0
    ]  # trailing space gone
    assert (amb["scale_points"], amb["pupils"], amb["kommune_as_published"]) == (51.0, 33.0, "3107")


@pytest.mark.realdata
def test_udir_results_join_schools_to_areas(real_data):
    folder = real_data / "udir_nasjonale_prover"
    t = read_udir_national_tests(folder / "2023-24_nasjonale_prover_fredrikstad_5._trinn.csv")
    schools = gpd.read_file(real_data / "skoler_fredrikstad_geokodet.geojson").to_crs(25833)
    # Two halves of the kommune as "areas": every school lands in one.
    minx, miny, maxx, maxy = schools.total_bounds
    mid = (minx + maxx) / 2
    areas = gpd.GeoDataFrame(
        {"code": ["vest", "ost"]},
        geometry=[
            shapely.box(minx - 1, miny - 1, mid, maxy + 1),
            shapely.box(mid, miny - 1, maxx + 1, maxy + 1),
        ],
        crs=25833,
    )
    obs, unplaced = observations_from_udir(t, schools, areas)
    assert set(obs["indicator"]) == {"np5_engelsk", "np5_lesing", "np5_regning"}
    # Borge and Nylende were suppressed: the halves holding them are missing, never a wrong mean.
    located = gpd.sjoin(schools, areas, predicate="within").set_index("navn_udir")["code"]
    suppressed_areas = {located.get("Borge skole"), located.get("Nylende skole")} - {None}
    eng = obs[obs["indicator"] == "np5_engelsk"].set_index("code")
    for a in suppressed_areas:
        assert eng.loc[a, "status"] == ":" and np.isnan(eng.loc[a, "numerator"])
    tidy = validate_observations(obs, load_catalogue(), source="udir")
    assert len(tidy) == len(obs)
    assert isinstance(unplaced, pd.DataFrame)
    # The numerator of a mean indicator is the mean itself: scale points around 50.
    shown = tidy[tidy["numerator"].notna()]
    assert len(shown) and shown["numerator"].between(30, 70).all()


def test_udir_means_survive_the_core_aggregation():
    from levekar.crosswalk import total_crosswalk
    from levekar.indicators import aggregate_observations, rates_from_counts

    results = pd.DataFrame(
        {
            "level": "school",
            "org_number": ["1", "2"],
            "school": ["A", "B"],
            "school_year": "2023-24",
            "year": 2023,
            "subject": "Lesing",
            "grade": 5,
            "scale_points": [50.0, 48.0],
            "pupils": [10.0, 20.0],
            "status": "",
        }
    )
    schools = gpd.GeoDataFrame(
        {"organisasjonsnummer": ["1", "2"]},
        geometry=[shapely.Point(267_100, 6_571_100), shapely.Point(267_200, 6_571_100)],
        crs=25833,
    )
    areas = gpd.GeoDataFrame(
        {"code": ["31071101"]},
        geometry=[shapely.box(267_000, 6_571_000, 267_500, 6_571_500)],
        crs=25833,
    )
    obs, _ = observations_from_udir(results, schools, areas)
    assert obs["numerator"].iloc[0] == pytest.approx((50 * 10 + 48 * 20) / 30)
    cat = load_catalogue()
    counts, _ = aggregate_observations(
        validate_observations(obs, cat), total_crosswalk(["31071101"], "K"), cat
    )
    rate = rates_from_counts(counts, cat, min_denominator=0)
    assert rate["value"].iloc[0] == pytest.approx(48.666666, rel=1e-6)


def test_symbols_in_the_numerator_become_the_status(tmp_path):
    from levekar.io.observations import read_observations

    path = tmp_path / "obs.csv"
    path.write_text(
        "code;year;indicator;numerator;denominator\n31071101;2023;leie;*;40\n"
        "31071102;2023;leie;:;38\n31071103;2023;leie;-;90\n31071104;2023;leie;;12\n"
        "31071105;2023;leie;1 234,0;5 000\n",
        encoding="utf-8",
    )
    obs = read_observations(path)
    assert obs["status"].tolist() == [":", ":", "-", "..", ""]
    assert obs["line"].tolist() == [2, 3, 4, 5, 6]
    assert obs["numerator"].iloc[4] == 1234.0 and obs["denominator"].iloc[4] == 5000.0


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("code,a,b\nA,1.5,2\nB,,3e-2\n", "utf-8"),
        ("code;a;b\r\nA;1,5;2\r\nB;;0,03\r\n", "utf-8-sig"),
        ("sep=;\ncode;a;b\nA;1,5;2\nB;;0,03\n", "utf-8"),
        ("code\ta\tb\nØra;1,5;2\nÅs\t\t0,03\n", "utf-8"),
        ("code;navn;b\nA;Fløyen;2\nB;Ås;0,03\n", "cp1252"),  # not UTF-8: the old reader
        ("code,a\n", "utf-8"),
    ],
)
def test_index_input_read_by_pandas_gives_what_read_table_gives(tmp_path, text, encoding):
    from levekar.io.index_table import read_index_input
    from levekar.io.tables import read_table

    p = tmp_path / "in.csv"
    p.write_bytes(text.encode(encoding))
    expected, _ = read_table(p, numeric=True)
    pd.testing.assert_frame_equal(read_index_input(p), expected)
