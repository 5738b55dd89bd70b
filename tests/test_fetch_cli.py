"""``levekar fetch …`` commands on the sub-app, with the mock transport injected via
HTTP_OPTIONS."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from _fetch_helpers import (
    MockServer,
    geonorge_server,
    http_options,
    load,
    nsr_server,
    server_for_04317,
)
from typer.testing import CliRunner

from levekar.errors import DataError
from levekar.fetch import FetchError, cli
from levekar.fetch.cli import fetch_app, provenance_path

runner = CliRunner()
KLASS_API = "/api/klass/v1/"


@pytest.fixture
def use_server(monkeypatch, tmp_path):
    def install(server: MockServer) -> MockServer:
        monkeypatch.setattr(cli, "HTTP_OPTIONS", http_options(server, tmp_path))
        return server

    return install


def run(*args: str):
    return runner.invoke(fetch_app, list(args), catch_exceptions=True)


def test_ssb_writes_tidy_csv_and_provenance(use_server, tmp_path):
    server = use_server(server_for_04317())
    out = tmp_path / "folk.csv"
    result = run(
        "ssb",
        "04317",
        "--out",
        str(out),
        "-s",
        "Region=*",
        "-s",
        "ContentsCode=Personer",
        "-s",
        "Tid=2022,2023,2024",
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"code": str, "status": str}, keep_default_na=False)
    assert list(table.columns) == ["code", "name", "year", "variable", "value", "status"]
    assert sorted(set(table["status"])) == ["", "-", "..", ":"]
    prov = json.loads(provenance_path(out).read_text(encoding="utf-8"))
    assert provenance_path(out).name == "folk.provenance.json"
    assert prov["licence"].startswith("CC BY 4.0") and prov["table"] == "04317"
    assert prov["requests_sent"] == 2 and prov["answers_from_cache"] == 0
    assert {r["url"] for r in prov["requests"]} == {
        "https://data.ssb.no/api/pxwebapi/v2/tables/04317/metadata",
        "https://data.ssb.no/api/pxwebapi/v2/tables/04317/data",
    }
    assert prov["status_counts"] == {"": 9, "..": 1, "-": 1, ":": 1}
    # Again: everything from the cache, no request sent.
    again = run(
        "ssb",
        "04317",
        "--out",
        str(out),
        "-s",
        "Region=*",
        "-s",
        "ContentsCode=Personer",
        "-s",
        "Tid=2022,2023,2024",
    )
    assert again.exit_code == 0 and len(server.requests) == 2
    assert json.loads(provenance_path(out).read_text())["answers_from_cache"] == 2


def test_ssb_bad_select_is_a_levekar_error(use_server, tmp_path):
    use_server(server_for_04317())
    result = run("ssb", "04317", "--out", str(tmp_path / "x.csv"), "-s", "Region")
    assert isinstance(result.exception, DataError) and "VARIABLE=VALUES" in str(result.exception)
    assert not (tmp_path / "x.csv").exists()


def test_klass_change_table(use_server, tmp_path):
    use_server(
        MockServer().json(
            "GET", KLASS_API + "classifications/131/changes", load("klass_131_changes.json")
        )
    )
    out = tmp_path / "kommuneendringer.csv"
    result = run(
        "klass", "kommune", "--from", "2019-01-01", "--to", "2024-01-01", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype=str)
    assert ["3004", "3107", "2024-01-01"] in table[["old_code", "new_code", "date"]].values.tolist()
    prov = json.loads(provenance_path(out).read_text())
    assert prov["split_rows_with_equal_shares"] == 2 and prov["changes_from_klass"] == 8


def test_klass_codes_at_and_option_check(use_server, tmp_path):
    use_server(
        MockServer().json(
            "GET", KLASS_API + "classifications/1/codesAt", load("klass_1_codesat.json")
        )
    )
    out = tmp_path / "grunnkretser.csv"
    assert (
        run(
            "klass", "grunnkrets", "--codes-at", "2024-01-01", "--level", "2", "--out", str(out)
        ).exit_code
        == 0
    )
    assert pd.read_csv(out, dtype=str)["code"].tolist()[0] == "31070101"
    bad = run("klass", "grunnkrets", "--out", str(out))
    assert isinstance(bad.exception, DataError) and "--codes-at" in str(bad.exception)


def test_grunnkretser_writes_a_geopackage(use_server, tmp_path):
    use_server(geonorge_server(polls=("geonorge_order_ready.json",)))
    out = tmp_path / "grunnkretser_3107.gpkg"
    result = run("grunnkretser", "3107", "--out", str(out), "--format", "GML")
    assert result.exit_code == 0, result.output
    layer = gpd.read_file(out, layer="grunnkretser")
    assert layer["code"].tolist() == ["31070101", "31070102"] and layer.crs.to_epsg() == 25833
    assert set(layer["level"]) == {"grunnkrets"}
    prov = json.loads(provenance_path(out).read_text())
    assert prov["layer"] == "grunnkrets" and prov["features"] == 2
    assert prov["licence"].startswith("CC BY 4.0 (Kartverket")


def test_skoler_writes_points_and_the_schools_without_coordinates(use_server, tmp_path):
    use_server(nsr_server())
    out = tmp_path / "skoler.gpkg"
    result = run("skoler", "3107", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(gpd.read_file(out, layer="skoler")) == 2
    extra = pd.read_csv(tmp_path / "skoler.uten_koordinater.csv", dtype=str)
    assert extra["code"].tolist() == ["900000003", "900000005"]
    prov = json.loads(provenance_path(out).read_text())
    assert prov["licence"].startswith("NLOD")
    assert prov["without_coordinates_file"] == "skoler.uten_koordinater.csv"
    assert [s["code"] for s in prov["without_coordinates"]] == ["900000003", "900000005"]


def test_service_error_propagates_as_fetch_error(use_server, tmp_path):
    use_server(
        MockServer().json(
            "GET",
            KLASS_API + "classifications/99999/changes",
            load("klass_error_404.json"),
            status=404,
        )
    )
    result = run("klass", "99999", "--from", "2020-01-01", "--out", str(tmp_path / "c.csv"))
    assert isinstance(result.exception, FetchError) and result.exception.status == 404
    assert not (tmp_path / "c.csv").exists() and not (tmp_path / "c.provenance.json").exists()
