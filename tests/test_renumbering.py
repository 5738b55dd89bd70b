"""Kommune renumbering from the packaged KLASS snapshot (levekar/data/kommuneendringer.csv).

The codes below were checked in the snapshot's sources (levekar/data/README.md): the KLASS
changes of classification 131, SSB's change lists 2017–2020 and SSB's 1994–2024 grouping.
"""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from levekar.catalogue import load_catalogue
from levekar.codes import (
    KOMMUNE_RENUMBERING,
    apply_code_changes,
    current_kommune,
    kommune_changes,
    kommune_renumbering,
    kommune_split,
)
from levekar.errors import DataError
from levekar.io.sources import read_indicator_source
from levekar.io.udir import read_udir_national_tests

# The fylker of 2024 (their numbers are the first two digits of a kommune number).
FYLKER_2024 = set("03 11 15 18 31 32 33 34 39 40 42 46 50 55 56".split())


def test_hvaler_and_baerum_through_both_reforms():
    assert [current_kommune(c) for c in ("0111", "3011", "3110")] == ["3110"] * 3
    assert [current_kommune(c) for c in ("0219", "3024", "3201")] == ["3201"] * 3
    # Asker was merged with Røyken and Hurum in 2020 (3025), renumbered 3203 in 2024.
    assert {current_kommune(c) for c in ("0220", "0627", "0628", "3025")} == {"3203"}
    assert current_kommune("0301") == "0301"  # Oslo was never renumbered


@pytest.mark.parametrize(
    "name, codes",
    [
        ("Tønsberg", ["0704", "3803", "3905"]),
        ("Tromsø", ["1902", "5401", "5501"]),
        ("Skien", ["0806", "3807", "4003"]),
        ("Porsgrunn", ["0805", "3806", "4001"]),
        ("Alta", ["2012", "5403", "5601"]),
    ],
)
def test_kommuner_outside_viken_through_both_reforms(name, codes):
    before, between, today = codes
    assert [current_kommune(c) for c in codes] == [today] * 3
    t = kommune_changes().set_index("old_code")
    assert (t.loc[before, "new_code"], t.loc[before, "date"]) == (between, "2020-01-01")
    assert (t.loc[between, "new_code"], t.loc[between, "date"]) == (today, "2024-01-01")
    assert t.loc[between, "name"] == name
    assert today not in t.index  # today's number is not changed again


def test_merges_of_2020_outside_viken_and_chains_from_2018():
    # Kristiansand, Songdalen and Søgne → 4204 Kristiansand; Gaular, Jølster, Førde, Naustdal
    # → 4647 Sunnfjord.
    assert {current_kommune(c) for c in ("1001", "1017", "1018")} == {"4204"}
    assert {current_kommune(c) for c in ("1430", "1431", "1432", "1433")} == {"4647"}
    # Hof joined Holmestrand (0715) in 2018; with Sande it became 3802 in 2020, 3903 in 2024.
    assert {current_kommune(c) for c in ("0714", "0715", "0713", "3802")} == {"3903"}
    # Trøndelag 2018 (Klæbu 1662 → 5030, into Trondheim 5001 in 2020) and Rindal in 2019.
    assert current_kommune("1662") == current_kommune("1601") == "5001"
    assert current_kommune("1567") == "5061"
    with pytest.raises(DataError, match="1017 was merged with 1001, 1018 into 4204"):
        kommune_renumbering(pd.Series(["10170101"]))


def test_stavanger_keeps_its_number_through_the_merge_with_finnoy_and_rennesoy():
    assert current_kommune("1103") == "1103"
    assert current_kommune("1141") == current_kommune("1142") == "1103"
    t = kommune_changes()
    assert "1103" not in set(t["old_code"])  # a merge that keeps a number moves nothing of it
    assert sorted(t.loc[t["new_code"] == "1103", "old_code"]) == ["1141", "1142"]
    assert kommune_renumbering(pd.Series(["11030101"])).empty  # its grunnkretser keep theirs


@pytest.mark.parametrize(
    "code, into",
    [
        ("1850", "1806 Narvik, 1875 Hábmer - Hamarøy"),  # Tysfjord 2020
        ("5012", "5055 Heim, 5056 Hitra, 5059 Orkland"),  # Snillfjord 2020
        ("1613", "5055 Heim, 5056 Hitra, 5059 Orkland"),  # Snillfjord before 2018
        ("1507", "1508 Ålesund, 1580 Haram"),  # Ålesund 2024
        ("1534", "1508 Ålesund, 1580 Haram"),  # Haram, in Ålesund 2020–2023
    ],
)
def test_a_split_is_refused_with_its_codes_never_guessed(code, into):
    with pytest.raises(DataError, match=f"^kommune {code} .* leads to no one kommune today"):
        current_kommune(code)
    split = kommune_split(code)
    assert into in split.message and split.share_basis == "equal"
    # A number that moved wholly before the split is renumbered, then refused at the split.
    assert (code in KOMMUNE_RENUMBERING) == (len(split.via) > 1)
    with pytest.raises(DataError, match=r"(was split on|was merged with)"):
        kommune_renumbering(pd.Series([code + "0101"]))


def test_grunnkrets_codes_of_a_split_kommune_are_refused():
    with pytest.raises(DataError, match="kommune 1850 was split on 2020-01-01 into 1806, 1875"):
        kommune_renumbering(pd.Series(["18500101"]))
    # The equal shares are visible wherever the table itself is applied.
    obs = pd.DataFrame({"code": ["1850"], "year": [2019], "numerator": [10.0]})
    carried, _ = apply_code_changes(obs, kommune_changes())
    assert carried.set_index("code")["code_change_share"].to_dict() == {"1806": 0.5, "1875": 0.5}


def test_the_whole_table_holds_klass_invariants():
    t = kommune_changes()
    assert set(t["date"]) == {"2018-01-01", "2019-01-01", "2020-01-01", "2024-01-01"}
    assert len(t) == 482 and not t.duplicated(["old_code", "new_code"]).any()
    assert (t["old_code"] != t["new_code"]).all()
    # A number ceases once, and a ceased number is never given again.
    assert t.groupby("old_code")["date"].nunique().max() == 1
    first_new = t.groupby("new_code")["date"].min()
    ceased = t.groupby("old_code")["date"].first()
    reused = [c for c, d in ceased.items() if c in first_new and first_new[c] > d]
    assert reused == []
    # Shares: one row is exact; a split's rows are equal and sum to 1; the splits are known.
    rows = t.groupby(["old_code", "date"])["new_code"].transform("size")
    assert ((rows == 1) == (t["share_basis"] == "exact")).all()
    assert t.groupby(["old_code", "date"])["share"].sum().sub(1).abs().max() < 1e-12
    assert sorted(set(t.loc[rows > 1, "old_code"])) == ["1507", "1850", "5012"]
    # Every number leads to one of 2024's fylker (or to a split), and chains end.
    for code in set(t["old_code"]) | set(t["new_code"]):
        split = kommune_split(code)
        ends = split.new_codes if split else (current_kommune(code),)
        assert all(e[:2] in FYLKER_2024 and e not in ceased for e in ends), code
    # 2024 split fylker and Ålesund; no merges then: each new number comes from one old one.
    s2024 = t[t["date"] == "2024-01-01"]
    assert s2024["new_code"].is_unique and len(s2024) == 115
    assert set(s2024["old_code"].str[:2]) == {"15", "30", "38", "54"}
    # A valid change table: no cycle, no chain within a date.
    obs = pd.DataFrame({"code": ["0704", "3803"], "year": [2019, 2023], "numerator": [1.0, 2.0]})
    carried, _ = apply_code_changes(obs, t)
    assert carried["code"].tolist() == ["3905", "3905"]


def test_the_grunnkrets_prefix_follows_a_renumbered_kommune_but_not_a_merged_one():
    changes = kommune_renumbering(pd.Series(["01110101", "02190203"]))
    assert changes[["old_code", "new_code", "date"]].values.tolist() == [
        ["01110101", "30110101", "2020-01-01"],
        ["30110101", "31100101", "2024-01-01"],
        ["02190203", "30240203", "2020-01-01"],
        ["30240203", "32010203", "2024-01-01"],
    ]
    with pytest.raises(DataError, match="0220 was merged with 0627, 0628 into 3025"):
        kommune_renumbering(pd.Series(["02200101"]))


def _skoleporten_file(path):
    """A two-kommune Skoleporten export as Udir writes it (UTF-16LE, no BOM, a sep= line)."""
    col = "2022-23.Lesing.5. årstrinn.Alle eierformer.Alle kjønn."
    header = [
        "EnhetNivaa",
        "Kommunekode",
        "Organisasjonsnummer",
        "EnhetNavn",
        col + "Skalapoeng",
        col + "Antall elever deltatt",
    ]
    rows = [
        ["3", "1507", "1507", "Ålesund", "50", "700"],
        ["4", "1507", "900000001", "A skole", "51", "40"],
        ["4", "3004", "900000002", "B skole", "49", "30"],
    ]
    text = "sep=\t\n" + "\n".join("\t".join(r) for r in [header, *rows]) + "\n"
    path.write_bytes(text.encode("utf-16-le"))
    return path


def test_udir_leaves_a_split_kommune_missing_and_says_so(tmp_path):
    path = _skoleporten_file(tmp_path / "np.csv")
    t = read_udir_national_tests(path)
    kommune = t.drop_duplicates("org_number").set_index("org_number")["kommune"]
    assert pd.isna(kommune["1507"]) and pd.isna(kommune["900000001"])
    assert kommune["900000002"] == "3107"
    schools = gpd.GeoDataFrame(
        {"organisasjonsnummer": ["900000001", "900000002"]},
        geometry=[shapely.Point(10, 10), shapely.Point(20, 10)],
        crs=25833,
    )
    areas = gpd.GeoDataFrame(
        {"code": ["31070101"]}, geometry=[shapely.box(0, 0, 30, 30)], crs=25833
    )
    spec = {"path": str(path), "format": "udir", "schools": "skoler"}
    obs, notes = read_indicator_source(
        spec, catalogue=load_catalogue(), areas=areas, points={"skoler": schools}
    )
    assert len(obs) == 1  # both schools are placed by their points
    assert [kind for kind, _, _ in notes] == ["kommune_split"]
    assert "1507 was split on 2024-01-01 into 1508 Ålesund, 1580 Haram" in notes[0][1]
