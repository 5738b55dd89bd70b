"""Shared helpers for the offline tests of levekar.fetch: recorded responses and a mock server."""

from __future__ import annotations

import functools
import io
import itertools
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import shapely

__all__ = [
    "DATA",
    "FakeClock",
    "MockServer",
    "geonorge_server",
    "http_options",
    "load",
    "nsr_server",
    "server_for_04317",
    "sliced",
]

DATA = Path(__file__).parent / "data" / "fetch"


def load(name: str) -> Any:
    """A recorded response from tests/data/fetch/."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class FakeClock:
    """A monotonic clock that only moves when someone sleeps; records the sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class MockServer:
    """Routes (method, path) to queued replies; the last reply repeats. Records every request."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[httpx.Request] = []

    def add(self, method: str, path: str, *replies: Reply) -> MockServer:
        self.routes.setdefault((method.upper(), path), []).extend(replies)
        return self

    def json(
        self, method: str, path: str, body: Any, status: int = 200, **headers: str
    ) -> MockServer:
        ctype = "application/problem+json" if status >= 400 else "application/json"
        return self.add(
            method,
            path,
            lambda request: httpx.Response(
                status, json=body, headers={"content-type": ctype, **headers}
            ),
        )

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r.url.path == path)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, text=f"no mock for {request.method} {request.url.path}")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def http_options(
    server: MockServer, tmp_path: Path, clock: FakeClock | None = None, **extra: Any
) -> dict[str, Any]:
    """HttpClient options for a test: the mock transport, a cache in tmp_path, no real sleeping."""
    clock = clock or FakeClock()
    return {
        "transport": server.transport,
        "cache_dir": tmp_path / "cache",
        "sleep": clock.sleep,
        "clock": clock.time,
        **extra,
    }


# -- SSB: the recorded table 04317, answered for any selection ------------------------------------

SSB_API = "/api/pxwebapi/v2/"


def sliced(full: dict, selection: dict[str, list[str]]) -> dict:
    """What the API answers for a selection: the recorded full table cut down to it."""
    ids = full["id"]
    cats = [
        sorted(
            full["dimension"][d]["category"]["index"],
            key=full["dimension"][d]["category"]["index"].get,
        )
        for d in ids
    ]
    keep = [
        [c for c in cat if c in selection.get(d, cat)] for d, cat in zip(ids, cats, strict=True)
    ]
    strides = [int(np.prod([len(c) for c in cats[k + 1 :]])) for k in range(len(ids))]
    values, status = [], {}
    for n, combo in enumerate(itertools.product(*keep)):
        pos = sum(cats[k].index(c) * strides[k] for k, c in enumerate(combo))
        values.append(full["value"][pos])
        if str(pos) in full["status"]:
            status[str(n)] = full["status"][str(pos)]
    out = json.loads(json.dumps(full))
    for d, k in zip(ids, keep, strict=True):
        cat = out["dimension"][d]["category"]
        cat["index"] = {c: i for i, c in enumerate(k)}
        cat["label"] = {c: cat["label"][c] for c in k}
    out["size"], out["value"], out["status"] = [len(k) for k in keep], values, status
    return out


def data_reply(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    selection = {s["variableCode"]: s["valueCodes"] for s in body["selection"]}
    return httpx.Response(200, json=sliced(load("ssb_data_04317.json"), selection))


def server_for_04317() -> MockServer:
    server = MockServer().json(
        "GET", SSB_API + "tables/04317/metadata", load("ssb_metadata_04317.json")
    )
    server.add("POST", SSB_API + "tables/04317/data", data_reply)
    return server


# -- Geonorge: an order for grunnkretser in Fredrikstad, with a tiny zipped GeoPackage -------------

GEONORGE_API = "/api/"
GRUNNKRETSER_UUID = "51d279f8-e2be-4f5e-9f72-1a53f7535ec1"
_READY = load("geonorge_order_ready.json")
ORDER_REF, ORDER_FILE_ID = _READY["referenceNumber"], _READY["files"][0]["fileId"]
X0, Y0 = 267_000.0, 6_571_000.0  # inside Fredrikstad, EPSG:25833


@functools.cache
def grunnkrets_zip() -> bytes:
    """A tiny zipped GeoPackage shaped like Kartverket's grunnkretser (area and boundary layers)."""
    with tempfile.TemporaryDirectory() as tmp:
        return _zip_gpkg(Path(tmp) / "Grunnkretser.gpkg")


def _zip_gpkg(gpkg: Path) -> bytes:
    areas = gpd.GeoDataFrame(
        {"grunnkretsnummer": ["31070101", "31070102"], "grunnkretsnavn": ["Gudeberg", "Trosvik"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 500, Y0 + 500),
            shapely.box(X0 + 500, Y0, X0 + 900, Y0 + 500),
        ],
        crs=25833,
    )
    areas.to_file(gpkg, layer="grunnkrets", driver="GPKG", engine="pyogrio")
    lines = gpd.GeoDataFrame(
        {"opphav": ["SSB"]},
        geometry=[shapely.LineString([(X0 + 500, Y0), (X0 + 500, Y0 + 500)])],
        crs=25833,
    )
    lines.to_file(gpkg, layer="grunnkretsgrense", driver="GPKG", engine="pyogrio")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(gpkg, "Basisdata_3107_Fredrikstad_25833_Grunnkretser.gpkg")
    return buf.getvalue()


def geonorge_server(
    *,
    order_replies=("geonorge_order_waiting.json",),
    polls=("geonorge_order_waiting.json", "geonorge_order_ready.json"),
) -> MockServer:
    server = MockServer()
    server.json(
        "GET", f"{GEONORGE_API}capabilities/{GRUNNKRETSER_UUID}", load("geonorge_capabilities.json")
    )
    server.json(
        "GET", f"{GEONORGE_API}codelists/area/{GRUNNKRETSER_UUID}", load("geonorge_areas.json")
    )
    for name in order_replies:
        server.json("POST", f"{GEONORGE_API}order", load(name))
    for name in polls:
        server.json("GET", f"{GEONORGE_API}order/{ORDER_REF}", load(name))
    server.add(
        "GET",
        f"{GEONORGE_API}download/order/{ORDER_REF}/{ORDER_FILE_ID}",
        lambda r: httpx.Response(
            200, content=grunnkrets_zip(), headers={"content-type": "application/zip"}
        ),
    )
    return server


# -- NSR: the schools of kommune 3107 --------------------------------------------------------------


def nsr_server() -> MockServer:
    server = MockServer().json(
        "GET", "/v4/enheter/kommune/3107", load("nsr_enheter_kommune_3107.json")
    )
    for path in sorted(DATA.glob("nsr_enhet_*.json")):
        orgnr = path.stem.removeprefix("nsr_enhet_")
        server.json("GET", f"/v4/enhet/{orgnr}", load(path.name))
    return server
