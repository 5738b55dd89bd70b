"""Geonorge download API: choose area/projection/format, order, poll, download, unzip; errors."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import httpx
import pytest
from _fetch_helpers import (
    GRUNNKRETSER_UUID,
    ORDER_FILE_ID,
    ORDER_REF,
    FakeClock,
    geonorge_server,
    http_options,
    load,
)

from levekar.errors import DataError
from levekar.fetch import FetchError
from levekar.fetch.geonorge import GRUNNKRETSER_UUID as UUID
from levekar.fetch.geonorge import GeonorgeClient

API = "/api/"
REF, FILE_ID = ORDER_REF, ORDER_FILE_ID
assert UUID == GRUNNKRETSER_UUID


def test_order_wait_download_unzip(tmp_path):
    clock = FakeClock()
    server = geonorge_server()
    client = GeonorgeClient(**http_options(server, tmp_path, clock))
    assert client.capabilities(GRUNNKRETSER_UUID)["supportsAreaSelection"] is True
    files = client.fetch(
        GRUNNKRETSER_UUID,
        kommune="3107",
        dest=tmp_path / "dl",
        epsg=25833,
        file_format="GML",
        poll_every=5.0,
    )
    assert [f.name for f in files] == ["Basisdata_3107_Fredrikstad_25833_Grunnkretser.gpkg"]
    assert files[0].parent == tmp_path / "dl" / "Basisdata_3107_Fredrikstad_25833_Grunnkretser_GML"
    assert gpd.read_file(files[0], layer="grunnkrets")["grunnkretsnavn"].tolist() == [
        "Gudeberg",
        "Trosvik",
    ]
    assert clock.sleeps == [5.0, 5.0]  # waited twice: the first poll was still processing
    order = json.loads(next(r for r in server.requests if r.method == "POST").content)
    (line,) = order["orderLines"]
    assert line["metadataUuid"] == GRUNNKRETSER_UUID
    assert line["areas"] == [{"code": "3107", "name": "Fredrikstad", "type": "kommune"}]
    assert line["projections"][0]["code"] == "25833"
    assert line["formats"] == [{"name": "GML 3.2.1"}]
    assert order["softwareClient"] == "levekar"
    assert server.requests[-1].headers["accept"] != "text/html"


def test_orders_and_polls_are_never_cached(tmp_path):
    server = geonorge_server(polls=("geonorge_order_ready.json",))
    client = GeonorgeClient(**http_options(server, tmp_path))
    client.fetch(GRUNNKRETSER_UUID, kommune="3107", dest=tmp_path / "a")
    client.fetch(GRUNNKRETSER_UUID, kommune="3107", dest=tmp_path / "b")
    assert server.count(f"{API}order") == 2
    assert server.count(f"{API}codelists/area/{GRUNNKRETSER_UUID}") == 1  # code lists are cached


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"kommune": "0106"}, r"kommune '0106' is not offered.*3107"),
        ({"kommune": "3107", "epsg": 3035}, r"EPSG:3035 is not offered.*25833"),
        (
            {"kommune": "3107", "file_format": "GeoPackage"},
            r"'GeoPackage' is not offered.*GML 3.2.1",
        ),
    ],
)
def test_choices_not_offered_name_the_alternatives(tmp_path, kw, match):
    client = GeonorgeClient(**http_options(geonorge_server(), tmp_path))
    with pytest.raises(DataError, match=match):
        client.order(GRUNNKRETSER_UUID, **kw)


def test_file_error_status_fails_clearly(tmp_path):
    server = geonorge_server(polls=("geonorge_order_error.json",))
    client = GeonorgeClient(**http_options(server, tmp_path))
    with pytest.raises(FetchError, match=r"failed \(status 'Error'\).*another format"):
        client.fetch(GRUNNKRETSER_UUID, kommune="3107", dest=tmp_path / "dl")


def test_wait_times_out(tmp_path):
    server = geonorge_server(polls=("geonorge_order_waiting.json",))
    clock = FakeClock()
    client = GeonorgeClient(**http_options(server, tmp_path, clock))
    with pytest.raises(FetchError, match=f"not ready after 30 s.*status\\('{REF}'\\)"):
        client.fetch(GRUNNKRETSER_UUID, kommune="3107", dest=tmp_path, poll_every=10, timeout=30)
    assert clock.sleeps == [10.0, 10.0, 10.0]


def test_server_error_on_order_is_retried_then_reported(tmp_path):
    server = geonorge_server(order_replies=())
    server.json("POST", f"{API}order", load("geonorge_error_500.json"), status=500)
    client = GeonorgeClient(**http_options(server, tmp_path, retries=1))
    with pytest.raises(FetchError, match="Område 9999 finnes ikke") as err:
        client.order(GRUNNKRETSER_UUID, kommune="3107")
    assert server.count(f"{API}order") == 2 and err.value.status == 500


def test_zip_with_path_outside_its_folder_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../evil.txt", "x")
    server = geonorge_server(polls=("geonorge_order_ready.json",))
    server.routes[("GET", f"{API}download/order/{REF}/{FILE_ID}")] = [
        lambda r: httpx.Response(200, content=buf.getvalue())
    ]
    client = GeonorgeClient(**http_options(server, tmp_path))
    with pytest.raises(DataError, match="refusing to unpack"):
        client.fetch(GRUNNKRETSER_UUID, kommune="3107", dest=tmp_path / "dl")
    assert not (tmp_path / "dl" / "evil.txt").exists()
