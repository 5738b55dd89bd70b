"""Shared helpers for the offline tests of levekar.fetch: recorded responses and a mock server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

__all__ = ["DATA", "FakeClock", "MockServer", "http_options", "load"]

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

    def json(self, method: str, path: str, body: Any, status: int = 200, **headers: str
             ) -> MockServer:
        ctype = "application/problem+json" if status >= 400 else "application/json"
        return self.add(method, path, lambda request: httpx.Response(
            status, json=body, headers={"content-type": ctype, **headers}))

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


def http_options(server: MockServer, tmp_path: Path, clock: FakeClock | None = None,
                 **extra: Any) -> dict[str, Any]:
    """HttpClient options for a test: the mock transport, a cache in tmp_path, no real sleeping."""
    clock = clock or FakeClock()
    return {"transport": server.transport, "cache_dir": tmp_path / "cache", "sleep": clock.sleep,
            "clock": clock.time, **extra}
