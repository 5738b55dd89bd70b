"""The shared HTTP client: cache, retries with backoff, Retry-After, rate limit, errors,
provenance."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from _fetch_helpers import FakeClock, MockServer, http_options, load

from levekar.errors import LevekarError
from levekar.fetch import FetchError, HttpClient, Provenance
from levekar.fetch._http import default_cache_dir, service_message

URL = "https://data.ssb.no/api/pxwebapi/v2/tables/04317/metadata"
PATH = "/api/pxwebapi/v2/tables/04317/metadata"


def client(server, tmp_path, clock=None, **kw):
    return HttpClient(
        source="SSB PxWebApi v2", licence="CC BY 4.0", **http_options(server, tmp_path, clock, **kw)
    )


def test_cache_hit_makes_no_second_request(tmp_path):
    server = MockServer().json("GET", PATH, load("ssb_metadata_04317.json"))
    http = client(server, tmp_path)
    first = http.get_json(URL, params={"lang": "no"})
    second = http.get_json(URL, params={"lang": "no"})
    assert first == second
    assert len(server.requests) == 1 and http.requests_sent == 1
    fresh, cached = http.provenance
    assert (fresh.from_cache, cached.from_cache) == (False, True)
    assert cached.fetched_at == fresh.fetched_at  # the original fetch time, not the read time
    # A new client on the same cache folder is served from disk too.
    again = client(server, tmp_path)
    assert again.get_json(URL, params={"lang": "no"}) == first
    assert len(server.requests) == 1


def test_cache_key_covers_params_and_body_and_can_be_bypassed(tmp_path):
    server = MockServer().json("POST", PATH, {"ok": True})
    http = client(server, tmp_path)
    http.post_json(URL, {"selection": [1]}, params={"lang": "no"})
    http.post_json(URL, {"selection": [2]}, params={"lang": "no"})
    http.post_json(URL, {"selection": [1]}, params={"lang": "en"})
    http.post_json(URL, {"selection": [1]}, params={"lang": "no"})
    assert len(server.requests) == 3
    client(server, tmp_path, use_cache=False).post_json(
        URL, {"selection": [1]}, params={"lang": "no"}
    )
    client(server, tmp_path, refresh=True).post_json(URL, {"selection": [1]}, params={"lang": "no"})
    http.post_json(URL, {"selection": [9]}, cache=False)
    http.post_json(URL, {"selection": [9]}, cache=False)
    assert len(server.requests) == 7


def test_429_with_retry_after_then_success(tmp_path):
    clock = FakeClock()
    server = MockServer().json(
        "GET", PATH, load("ssb_error_429.json"), status=429, **{"Retry-After": "7"}
    )
    server.json("GET", PATH, {"ok": True})
    assert client(server, tmp_path, clock).get_json(URL) == {"ok": True}
    assert clock.sleeps == [7.0]
    assert len(server.requests) == 2


def test_retry_after_as_http_date(tmp_path):
    clock = FakeClock()
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server = MockServer().json("GET", PATH, {}, status=503, **{"Retry-After": when})
    server.json("GET", PATH, {"ok": True})
    client(server, tmp_path, clock).get_json(URL)
    assert 25 <= clock.sleeps[0] <= 30


def test_timeout_then_success_backs_off(tmp_path):
    clock = FakeClock()
    server = MockServer().add("GET", PATH, httpx.ReadTimeout("timed out"))
    server.json("GET", PATH, {"ok": True})
    http = client(server, tmp_path, clock, backoff=1.5)
    assert http.get_json(URL) == {"ok": True}
    assert clock.sleeps == [1.5]


def test_retries_exhausted_is_a_clear_error(tmp_path):
    clock = FakeClock()
    server = MockServer().add(
        "GET", PATH, lambda r: httpx.Response(503, text="Service Unavailable")
    )
    http = client(server, tmp_path, clock, retries=3, backoff=2.0, max_backoff=5.0)
    with pytest.raises(FetchError) as err:
        http.get_json(URL)
    assert len(server.requests) == 4
    assert clock.sleeps == [2.0, 4.0, 5.0]  # exponential, capped
    msg = str(err.value)
    assert URL in msg and "after 4 attempts" in msg and "HTTP 503" in msg
    assert "Service Unavailable" in msg and "try again later" in msg
    assert err.value.status == 503 and isinstance(err.value, LevekarError)


def test_timeouts_exhausted_names_the_timeout(tmp_path):
    server = MockServer().add("GET", PATH, httpx.ConnectTimeout("no route"))
    with pytest.raises(FetchError, match="ConnectTimeout") as err:
        client(server, tmp_path, retries=1).get_json(URL)
    assert err.value.status is None


def test_4xx_with_service_error_body_is_not_retried(tmp_path):
    server = MockServer().json("GET", PATH, load("ssb_error_400.json"), status=400)
    http = HttpClient(
        source="SSB PxWebApi v2",
        licence="CC BY 4.0",
        fix_hints={400: "list the codes with SsbClient.metadata"},
        **http_options(server, tmp_path),
    )
    with pytest.raises(FetchError) as err:
        http.get_json(URL, params={"lang": "no"})
    assert len(server.requests) == 1
    msg = str(err.value)
    assert "HTTP 400" in msg and f"{URL}?lang=no" in msg
    assert "Value 99999999 is not a valid value code for variable Region" in msg
    assert "Fix: list the codes with SsbClient.metadata" in msg
    assert err.value.service_message.startswith("Bad Request")
    assert http.provenance == []  # nothing was received


def test_rate_limit_waits_for_the_window(tmp_path):
    clock = FakeClock()
    server = MockServer().json("GET", PATH, {"ok": True})
    http = client(server, tmp_path, clock, rate_limit=(2, 60.0), use_cache=False)
    for _ in range(3):
        http.get_json(URL)
    assert clock.sleeps == [60.0]
    clock.now += 120
    http.get_json(URL)
    assert clock.sleeps == [60.0]


def test_provenance_record(tmp_path):
    server = MockServer().json("POST", PATH, {"ok": True})
    http = client(server, tmp_path)
    http.post_json(URL, {"selection": []}, params={"lang": "no"})
    record = http.provenance[0]
    assert isinstance(record, Provenance)
    d = record.as_dict()
    assert d["url"] == URL and d["method"] == "POST" and d["licence"] == "CC BY 4.0"
    assert d["query"] == {"lang": "no", "body": {"selection": []}}
    assert d["fetched_at"].endswith("Z") and d["from_cache"] is False
    assert d["source"] == "SSB PxWebApi v2"


def test_not_json_is_a_clear_error(tmp_path):
    server = MockServer().add(
        "GET", PATH, lambda r: httpx.Response(200, text="<html>maintenance</html>")
    )
    with pytest.raises(FetchError, match="not JSON"):
        client(server, tmp_path).get_json(URL)


def test_default_cache_dir_and_timeout(monkeypatch, tmp_path):
    monkeypatch.setenv("LEVEKAR_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("LEVEKAR_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert default_cache_dir() == tmp_path / "x" / "levekar"
    http = HttpClient(source="s", licence="l", timeout=12.0, transport=MockServer().transport)
    assert http._client.timeout.read == 12.0 and http._client.timeout.connect == 12.0


@pytest.mark.parametrize(
    ("body", "ctype", "expected"),
    [
        (
            b'{"title": "Not Found", "status": 404, "detail": "no table"}',
            "application/problem+json",
            "Not Found: no table",
        ),
        (
            b'{"Message": "An error has occurred.", "ExceptionMessage": "boom"}',
            "application/json",
            "An error has occurred.: boom",
        ),
        ('"Område finnes ikke"'.encode(), "application/json", "Område finnes ikke"),
        (
            b"Classification not found with id = 99999",
            "text/plain",
            "Classification not found with id = 99999",
        ),
        (b"<html><body>502</body></html>", "text/html", ""),
    ],
)
def test_service_message(body, ctype, expected):
    assert service_message(body, ctype) == expected
