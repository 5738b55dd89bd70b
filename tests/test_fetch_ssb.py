"""SSB PxWebApi v2 client: search, metadata, selections, query splitting, tidy data with status
symbols."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from _fetch_helpers import MockServer, http_options, load, server_for_04317

from levekar.errors import DataError
from levekar.fetch import FetchError
from levekar.fetch.ssb import TIDY_COLUMNS, SsbClient, resolve_selection, split_selection

API = "/api/pxwebapi/v2/"
META = load("ssb_metadata_04317.json")


def ssb(server, tmp_path, **kw) -> SsbClient:
    return SsbClient(**http_options(server, tmp_path), **kw)


SELECTION = {"Region": "*", "ContentsCode": "Personer", "Tid": "*"}


def test_search_tables(tmp_path):
    server = MockServer().json("GET", API + "tables", load("ssb_tables_query.json"))
    found = ssb(server, tmp_path).search_tables("grunnkrets")
    assert found["id"].tolist() == ["04317"]
    assert found.loc[0, "variables"] == "grunnkrets, statistikkvariabel, år"
    assert server.requests[0].url.params["query"] == "grunnkrets"


def test_metadata(tmp_path):
    meta = ssb(server_for_04317(), tmp_path).metadata("04317")
    assert list(meta.dimensions) == ["Region", "ContentsCode", "Tid"]
    region, contents, tid = meta.dimensions.values()
    assert region.codes == ["31070101", "31070102", "31070201", "31070202"]
    assert region.elimination and not contents.elimination and tid.is_time
    assert region.codelists == [("vs_Grunnkretser", "Grunnkretser")]
    assert meta.values("Tid")["code"].tolist() == ["2022", "2023", "2024"]


def test_data_is_tidy_and_keeps_status_symbols(tmp_path):
    server = server_for_04317()
    tidy = ssb(server, tmp_path).data("04317", SELECTION)
    assert tuple(tidy.columns) == TIDY_COLUMNS and len(tidy) == 12
    by = tidy.set_index(["code", "year"])
    assert by.loc[("31070101", 2024), "value"] == 835
    assert by.loc[("31070101", 2024), "name"] == "Gudeberg"
    assert by.loc[("31070102", 2024), "status"] == ".." and np.isnan(
        by.loc[("31070102", 2024), "value"]
    )
    assert by.loc[("31070201", 2024), "status"] == "-" and by.loc[("31070201", 2024), "value"] == 0
    assert by.loc[("31070202", 2022), "status"] == ":" and np.isnan(
        by.loc[("31070202", 2022), "value"]
    )
    assert set(tidy["variable"]) == {"Personer"}
    # One POST with explicit value codes, asking for JSON-stat2.
    (post,) = [r for r in server.requests if r.method == "POST"]
    assert post.url.params["outputFormat"] == "json-stat2"
    sent = json.loads(post.content)["selection"]
    assert sent[0] == {
        "variableCode": "Region",
        "valueCodes": ["31070101", "31070102", "31070201", "31070202"],
    }


def test_large_query_is_split_and_concatenated(tmp_path):
    whole = ssb(server_for_04317(), tmp_path / "a").data("04317", SELECTION)
    server = server_for_04317()
    parts = ssb(server, tmp_path / "b", max_cells=5).data("04317", SELECTION)
    posts = [json.loads(r.content)["selection"] for r in server.requests if r.method == "POST"]
    # 12 cells, limit 5: Region (the largest, 4 values) is cut into chunks of one region (3 cells).
    assert len(posts) == 4
    assert all(len(p[0]["valueCodes"]) == 1 for p in posts)
    key = ["code", "year", "variable"]
    pd.testing.assert_frame_equal(
        parts.sort_values(key).reset_index(drop=True), whole.sort_values(key).reset_index(drop=True)
    )


def test_split_selection_recurses_when_one_value_is_too_big():
    sel = {"Region": list("abcd"), "Alder": [str(a) for a in range(3)], "Tid": ["2023", "2024"]}
    parts = split_selection(sel, 4)
    assert all(np.prod([len(v) for v in p.values()]) <= 4 for p in parts)
    cells = {combo for p in parts for combo in itertools.product(*p.values())}
    assert cells == set(itertools.product(*sel.values()))  # every cell exactly once
    assert sum(np.prod([len(v) for v in p.values()]) for p in parts) == 24
    assert split_selection(sel, 100) == [sel]
    with pytest.raises(DataError):
        split_selection(sel, 0)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("*", ["31070101", "31070102", "31070201", "31070202"]),
        ("310701??", ["31070101", "31070102"]),
        ("31070202,31070101", ["31070101", "31070202"]),
        ("from(31070201)", ["31070201", "31070202"]),
        ("to(31070102)", ["31070101", "31070102"]),
        ("range(31070202,31070102)", ["31070102", "31070201", "31070202"]),
        ("top(2)", ["31070101", "31070102"]),
    ],
)
def test_resolve_region_expressions(tmp_path, expr, expected):
    meta = ssb(server_for_04317(), tmp_path).metadata("04317")
    resolved = resolve_selection(meta, {"Region": expr, "ContentsCode": "Personer", "Tid": "2024"})
    assert resolved["Region"] == expected


def test_resolve_time_top_is_latest(tmp_path):
    meta = ssb(server_for_04317(), tmp_path).metadata("04317")
    resolved = resolve_selection(meta, {"ContentsCode": "*", "Tid": "top(2)"})
    assert resolved == {"ContentsCode": ["Personer"], "Tid": ["2023", "2024"]}


def test_selection_errors_name_the_fix(tmp_path):
    meta = ssb(server_for_04317(), tmp_path).metadata("04317")
    with pytest.raises(
        DataError, match=r"\['ContentsCode', 'Tid'\] must be selected.*ContentsCode=Personer"
    ):
        resolve_selection(meta, {"Region": "*"})
    with pytest.raises(DataError, match=r"'31070199' is not a value code; similar: \['31070101'"):
        resolve_selection(meta, {"Region": "31070199", "ContentsCode": "*", "Tid": "*"})
    with pytest.raises(DataError, match="no variable"):
        resolve_selection(meta, {"Kjonn": "1", "ContentsCode": "*", "Tid": "*"})
    with pytest.raises(DataError, match="matches no value"):
        resolve_selection(meta, {"Region": "9999*", "ContentsCode": "*", "Tid": "*"})


def test_codelist_is_sent_with_the_selection(tmp_path):
    server = server_for_04317().json(
        "GET", API + "codelists/vs_Grunnkretser", load("ssb_codelist_vs_Grunnkretser.json")
    )
    tidy = ssb(server, tmp_path).data(
        "04317",
        {"Region": "3107020?", **{"ContentsCode": "Personer", "Tid": "2024"}},
        codelists={"Region": "vs_Grunnkretser"},
    )
    assert sorted(tidy["code"]) == ["31070201", "31070202"]
    post = next(r for r in server.requests if r.method == "POST")
    assert json.loads(post.content)["selection"][0]["codelist"] == "vs_Grunnkretser"


def test_service_error_is_reported_with_ssb_message_and_fix(tmp_path):
    server = MockServer().json("GET", API + "tables/04317/metadata", META)
    server.json("POST", API + "tables/04317/data", load("ssb_error_400.json"), status=400)
    with pytest.raises(FetchError) as err:
        ssb(server, tmp_path).data("04317", SELECTION)
    msg = str(err.value)
    assert "https://data.ssb.no/api/pxwebapi/v2/tables/04317/data" in msg and "HTTP 400" in msg
    assert "is not a valid value code for variable Region" in msg
    assert "SsbClient.metadata" in msg


def test_unknown_table_404(tmp_path):
    server = MockServer().json(
        "GET",
        API + "tables/99999/metadata",
        {"title": "Not Found", "status": 404, "detail": "Node with id, 99999 can not be found"},
        status=404,
    )
    with pytest.raises(FetchError, match=r"HTTP 404.*can not be found.*search_tables"):
        ssb(server, tmp_path).metadata("99999")
