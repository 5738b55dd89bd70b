"""KLASS client: codes at a date, changes → levekar's change table, correspondences, errors."""

from __future__ import annotations

import pandas as pd
import pytest
from _fetch_helpers import MockServer, http_options, load

from levekar.codes import CHANGE_TABLE_COLUMNS, apply_code_changes
from levekar.errors import DataError
from levekar.fetch import FetchError
from levekar.fetch.klass import KlassClient, classification_id

API = "/api/klass/v1/"


def klass(server, tmp_path) -> KlassClient:
    return KlassClient(**http_options(server, tmp_path))


def test_codes_at_kommune(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/131/codesAt", load("klass_131_codesat.json")
    )
    codes = klass(server, tmp_path).codes_at("kommune", "2024-01-01")
    assert codes["code"].tolist() == ["1508", "1580", "3107", "3110", "9999"]
    assert codes.loc[codes["code"] == "3107", "name"].item() == "Fredrikstad"
    request = server.requests[0]
    assert request.url.params["date"] == "2024-01-01"
    assert request.headers["accept"] == "application/json"  # JSON by header, not the .json suffix


def test_codes_at_grunnkrets_level(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/1/codesAt", load("klass_1_codesat.json")
    )
    grunnkretser = klass(server, tmp_path).codes_at("grunnkrets", "2024-01-01", level=2)
    assert grunnkretser["code"].tolist() == ["31070101", "31070102", "31070201", "31070202"]
    assert grunnkretser["parent_code"].iloc[0] == "31070100"


def test_change_table_exact_and_split(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/131/changes", load("klass_131_changes.json")
    )
    table = klass(server, tmp_path).change_table("kommune", "2019-01-01", "2024-01-01")
    assert tuple(table.columns[:4]) == CHANGE_TABLE_COLUMNS
    rows = {(r.old_code, r.new_code): (r.date, r.share, r.share_basis) for r in table.itertuples()}
    assert rows[("0106", "3004")] == ("2020-01-01", 1.0, "exact")
    assert rows[("3004", "3107")] == ("2024-01-01", 1.0, "exact")
    # Ålesund 1507 split into 1508 Ålesund and 1580 Haram: KLASS gives no shares, so equal ones.
    assert rows[("1507", "1508")] == ("2024-01-01", 0.5, "equal")
    assert rows[("1507", "1580")] == ("2024-01-01", 0.5, "equal")
    params = server.requests[0].url.params
    assert (params["from"], params["to"]) == ("2019-01-01", "2024-01-01")


def test_renumbering_through_both_reforms_for_kommuner_other_than_fredrikstad(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/131/changes", load("klass_131_changes.json")
    )
    table = klass(server, tmp_path).change_table("kommune", "2019-01-01")
    counts = pd.DataFrame(
        {
            "code": ["0111", "1534", "0106"],
            "year": [2019, 2019, 2019],
            "numerator": [40.0, 100.0, 7.0],
            "denominator": [400.0, 1000.0, 70.0],
        }
    )
    carried, unmatched = apply_code_changes(
        counts, table, valid_codes={"3110", "1508", "1580", "3107"}
    )
    assert unmatched.empty
    got = carried.groupby("code")["numerator"].sum().to_dict()
    assert got == {"3110": 40.0, "3107": 7.0, "1508": 50.0, "1580": 50.0}
    assert carried["numerator"].sum() == counts["numerator"].sum()  # conserved


def test_started_and_ceased_codes_are_left_out_but_visible(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/1/changes", load("klass_1_changes.json")
    )
    client = klass(server, tmp_path)
    changes = client.changes("grunnkrets", "2023-01-01")
    assert len(changes) == 4
    assert changes["old_code"].isna().sum() == 1 and changes["new_code"].isna().sum() == 1
    table = client.change_table("grunnkrets", "2023-01-01")
    assert table[["old_code", "new_code"]].values.tolist() == [
        ["30040201", "31070201"],
        ["30040201", "31070202"],
    ]
    assert len(server.requests) == 1  # the second call was served from the cache


def test_correspondence_grunnkrets_to_kommune(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/1/correspondsAt", load("klass_1_131_correspondsat.json")
    )
    corr = klass(server, tmp_path).correspondence("grunnkrets", "kommune", "2024-01-01")
    assert set(corr["target_code"]) == {"3107"} and len(corr) == 4
    assert server.requests[0].url.params["targetClassificationId"] == "131"


def test_correspondence_table(tmp_path):
    body = {
        "correspondenceMaps": [
            {
                "sourceCode": "03101",
                "sourceName": "Oslo",
                "targetCode": "0301",
                "targetName": "Oslo",
            }
        ]
    }
    server = MockServer().json("GET", API + "correspondencetables/1512", body)
    corr = klass(server, tmp_path).correspondence_table(1512)
    assert corr.iloc[0].tolist() == ["03101", "Oslo", "0301", "Oslo"]


def test_not_found_error_names_url_status_message_and_fix(tmp_path):
    server = MockServer().json(
        "GET", API + "classifications/99999/codesAt", load("klass_error_404.json"), status=404
    )
    with pytest.raises(FetchError) as err:
        klass(server, tmp_path).codes_at(99999, "2024-01-01")
    msg = str(err.value)
    assert "https://data.ssb.no/api/klass/v1/classifications/99999/codesAt" in msg
    assert "HTTP 404" in msg and "Classification not found with id = 99999" in msg
    assert "kommuner are 131, grunnkretser 1" in msg


def test_classification_names():
    assert classification_id("Grunnkretser") == 1
    with pytest.raises(DataError, match="unknown KLASS classification"):
        classification_id("fylke")


def test_docstring_examples():
    import doctest

    import levekar.fetch.klass as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
