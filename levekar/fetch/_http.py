"""One polite HTTP client for every online source: timeouts, retries, rate limit, cache, provenance.

:class:`HttpClient` wraps one :class:`httpx.Client`. It

- retries on 429 and 5xx answers and on timeouts or dropped connections, waiting
  ``Retry-After`` when the service says how long, else ``backoff * 2**attempt``
  seconds (capped at ``max_backoff``);
- keeps to a rate limit (``rate_limit = (calls, seconds)``; SSB allows 30 queries a
  minute per IP address);
- caches successful answers on disk, keyed by a SHA-256 hash of method, URL, query
  and body, under ``cache_dir`` (default: ``$LEVEKAR_CACHE``, else
  ``$XDG_CACHE_HOME/levekar`` or ``~/.cache/levekar``);
- records the :class:`Provenance` of every answer it returns (URL, query, time
  fetched in UTC, licence, whether it came from the cache).

The transport and the sleep function are injected, so tests run against
:class:`httpx.MockTransport` without network and without waiting.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from .._version import __version__
from ..errors import LevekarError

__all__ = [
    "RETRY_STATUSES",
    "FetchError",
    "HttpClient",
    "Provenance",
    "Response",
    "default_cache_dir",
    "service_message",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_GENERIC_FIX = {
    400: "check the query (codes, dates, names) against the service's metadata",
    401: "the resource needs a login; levekar fetches open data only",
    403: "the query is refused (for SSB: more cells than allowed; select fewer values)",
    404: "check the id or code in the URL; it may be misspelt or no longer exist",
    429: "the service's rate limit was hit; wait a minute, or lower the rate limit",
}


class FetchError(LevekarError):
    """A request to an online source failed: names the URL, the status and the service's message.

    Attributes
    ----------
    url : str
        The URL requested.
    status : int or None
        The HTTP status, or ``None`` when no answer came (timeout, network).
    service_message : str
        The service's own error message from the body ('' if none).
    """

    def __init__(
        self, message: str, *, url: str, status: int | None = None, service_message: str = ""
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.service_message = service_message


@dataclass(frozen=True)
class Provenance:
    """Where one answer came from: enough to cite it and to fetch it again.

    Attributes
    ----------
    source : str
        The service, e.g. ``"SSB PxWebApi v2"``.
    url : str
        The URL without the query string.
    method : str
        ``GET`` or ``POST``.
    query : dict
        The query parameters (and, for a POST, the JSON body under ``"body"``).
    fetched_at : str
        When the service answered, ISO 8601 in UTC (for a cache hit: the original fetch).
    licence : str
        The licence the data are published under.
    from_cache : bool
        ``True`` if this answer was read from the on-disk cache.
    """

    source: str
    url: str
    method: str
    query: dict = field(default_factory=dict)
    fetched_at: str = ""
    licence: str = ""
    from_cache: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Response:
    """An answer: status, headers (lower-case names), body bytes and provenance."""

    status: int
    headers: dict[str, str]
    content: bytes
    provenance: Provenance

    def json(self) -> Any:
        """Parse the body as JSON; a :class:`FetchError` if it is not JSON."""
        try:
            return json.loads(self.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FetchError(
                f"{self.provenance.url}: the answer is not JSON ({exc}); first bytes "
                f"{self.content[:80]!r}. The service may be down or have changed its format.",
                url=self.provenance.url,
                status=self.status,
            ) from None


def default_cache_dir() -> Path:
    """``$LEVEKAR_CACHE``, else ``$XDG_CACHE_HOME/levekar``, else ``~/.cache/levekar``."""
    if os.environ.get("LEVEKAR_CACHE"):
        return Path(os.environ["LEVEKAR_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "levekar"


def _utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def service_message(content: bytes, content_type: str = "") -> str:
    """Extract the service's own words from an error body: RFC 7807, ASP.NET error, or text."""
    text = content.decode("utf-8", errors="replace").strip()
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        parts = [
            body.get(k)
            for k in ("title", "detail", "Message", "ExceptionMessage", "message", "error")
        ]
        parts = [str(p) for p in parts if p]
        if parts:
            return ": ".join(dict.fromkeys(parts))
    if isinstance(body, str):
        return body
    if "html" in content_type:
        return ""
    return " ".join(text.split())[:300]


class _RateLimiter:
    """At most ``calls`` requests in any window of ``seconds`` (a sliding window)."""

    def __init__(
        self,
        calls: int,
        seconds: float,
        *,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.calls, self.seconds = calls, seconds
        self._sleep, self._clock = sleep, clock
        self._times: deque[float] = deque()

    def wait(self) -> None:
        now = self._clock()
        while self._times and now - self._times[0] >= self.seconds:
            self._times.popleft()
        if len(self._times) >= self.calls:
            self._sleep(self.seconds - (now - self._times[0]))
            self._times.popleft()
        self._times.append(self._clock())


class HttpClient:
    """A polite, caching, retrying HTTP client for one service.

    Parameters
    ----------
    source : str
        Name of the service, recorded in provenance and error messages.
    licence : str
        Licence of the data, recorded in provenance.
    transport : httpx.BaseTransport, optional
        Transport for :class:`httpx.Client` (tests pass :class:`httpx.MockTransport`).
    cache_dir : path, optional
        Cache folder; default :func:`default_cache_dir`. Answers go under ``http/``.
    use_cache : bool
        Read and write the cache (default ``True``).
    refresh : bool
        Ignore cached answers but write new ones (default ``False``).
    timeout : float
        Seconds to wait for an answer (default 60).
    retries : int
        Further attempts after the first on 429/5xx/timeouts (default 4).
    backoff, max_backoff : float
        Exponential backoff base and cap in seconds (defaults 2 and 60).
    rate_limit : tuple of (int, float), optional
        At most this many requests per this many seconds, e.g. ``(30, 60)``.
    sleep, clock : callables
        Injected ``time.sleep`` and ``time.monotonic`` (tests pass fakes).
    fix_hints : mapping, optional
        Per-status advice added to error messages, overriding the generic hints.
    """

    def __init__(
        self,
        *,
        source: str,
        licence: str,
        transport: httpx.BaseTransport | None = None,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        refresh: bool = False,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 2.0,
        max_backoff: float = 60.0,
        rate_limit: tuple[int, float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        fix_hints: Mapping[int, str] | None = None,
    ) -> None:
        self.source, self.licence = source, licence
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.use_cache, self.refresh = use_cache, refresh
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.sleep = sleep
        self._limiter = _RateLimiter(*rate_limit, sleep=sleep, clock=clock) if rate_limit else None
        self._hints = {**_GENERIC_FIX, **(fix_hints or {})}
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=True,
            headers={"User-Agent": f"levekar/{__version__}"},
        )
        self.provenance: list[Provenance] = []
        self.requests_sent = 0

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API ---------------------------------------------------------------------------

    def get_json(
        self, url: str, *, params: Mapping[str, Any] | None = None, cache: bool = True
    ) -> Any:
        """GET ``url`` and return the parsed JSON body (see :meth:`request`)."""
        return self.request(
            "GET", url, params=params, cache=cache, headers={"Accept": "application/json"}
        ).json()

    def post_json(
        self, url: str, body: Any, *, params: Mapping[str, Any] | None = None, cache: bool = True
    ) -> Any:
        """POST ``body`` as JSON to ``url`` and return the parsed JSON answer."""
        return self.request(
            "POST",
            url,
            params=params,
            json_body=body,
            cache=cache,
            headers={"Accept": "application/json"},
        ).json()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        cache: bool = True,
    ) -> Response:
        """Send one request, from the cache when possible, with retries; record provenance.

        Parameters
        ----------
        method : str
            ``GET`` or ``POST``.
        url : str
            Absolute URL.
        params : mapping, optional
            Query parameters.
        json_body : object, optional
            JSON body (for POST).
        headers : mapping, optional
            Extra request headers.
        cache : bool
            Whether this request may be served from and stored in the cache (``False`` for
            requests with side effects, such as placing an order, and for status polling).

        Returns
        -------
        Response
            Status 2xx; anything else raises :class:`FetchError`.
        """
        params = dict(params or {})
        query = dict(params)
        if json_body is not None:
            query["body"] = json_body
        use_cache = cache and self.use_cache
        key = _cache_key(method, url, params, json_body)
        if use_cache and not self.refresh:
            hit = self._read_cache(key)
            if hit is not None:
                prov = Provenance(
                    self.source, url, method, query, hit["fetched_at"], self.licence, True
                )
                self.provenance.append(prov)
                return Response(hit["status"], hit["headers"], hit["content"], prov)
        answer = self._send(method, url, params, json_body, dict(headers or {}))
        prov = Provenance(self.source, url, method, query, _utc_now(), self.licence, False)
        response = Response(
            answer.status_code,
            {k.lower(): v for k, v in answer.headers.items()},
            answer.content,
            prov,
        )
        if use_cache:
            self._write_cache(key, response)
        self.provenance.append(prov)
        return response

    # -- internals ----------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, params: dict, json_body: Any, headers: dict
    ) -> httpx.Response:
        last: str = ""
        for attempt in range(self.retries + 1):
            if self._limiter is not None:
                self._limiter.wait()
            self.requests_sent += 1
            try:
                answer = self._client.request(
                    method, url, params=params or None, json=json_body, headers=headers
                )
            except (httpx.TimeoutException, httpx.NetworkError) as exc:
                last = f"no answer ({type(exc).__name__}: {exc})"
                delay = None
            else:
                if answer.status_code < 400:
                    return answer
                if answer.status_code not in RETRY_STATUSES:
                    raise self._error(answer, url)
                last = self._describe(answer)
                delay = _retry_after(answer.headers.get("retry-after"))
            if attempt == self.retries:
                break
            wait = delay if delay is not None else self.backoff * 2**attempt
            self.sleep(min(max(wait, 0.0), self.max_backoff))
        raise FetchError(
            f"{self.source}: {method} {url} failed after {self.retries + 1} attempts; "
            f"last: {last}. "
            "The service may be down or overloaded: try again later, "
            "or raise the number of retries.",
            url=url,
            status=None if last.startswith("no answer") else _status_of(last),
            service_message=last,
        )

    def _describe(self, answer: httpx.Response) -> str:
        msg = service_message(answer.content, answer.headers.get("content-type", ""))
        return f"HTTP {answer.status_code}" + (f" «{msg}»" if msg else "")

    def _error(self, answer: httpx.Response, url: str) -> FetchError:
        msg = service_message(answer.content, answer.headers.get("content-type", ""))
        hint = self._hints.get(answer.status_code, "check the request")
        said = f": «{msg}»" if msg else " (no message in the body)"
        full = str(answer.request.url) if answer.request is not None else url
        return FetchError(
            f"{self.source}: {answer.request.method} {full} answered HTTP "
            f"{answer.status_code}{said}. Fix: {hint}.",
            url=full,
            status=answer.status_code,
            service_message=msg,
        )

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.cache_dir / "http" / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def _read_cache(self, key: str) -> dict | None:
        meta_path, body_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta["content"] = body_path.read_bytes()
        except (OSError, json.JSONDecodeError):
            return None
        return meta

    def _write_cache(self, key: str, response: Response) -> None:
        meta_path, body_path = self._paths(key)
        meta = {
            "url": response.provenance.url,
            "method": response.provenance.method,
            "query": response.provenance.query,
            "status": response.status,
            "headers": {k: v for k, v in response.headers.items() if k == "content-type"},
            "fetched_at": response.provenance.fetched_at,
        }
        try:
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(body_path, response.content)
            _write_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        except OSError:  # a read-only or full cache must not fail the fetch
            pass


def _cache_key(method: str, url: str, params: Mapping[str, Any], body: Any) -> str:
    blob = json.dumps(
        [method.upper(), url, sorted((str(k), str(v)) for k, v in params.items()), body],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _status_of(text: str) -> int | None:
    parts = text.split()
    return int(parts[1]) if len(parts) > 1 and parts[0] == "HTTP" and parts[1].isdigit() else None
