"""Online clients: SSB PxWebApi v2, KLASS, Geonorge's download API and Udir's school register (NSR).

This is an *edge* of levekar: the only place that talks to the network. Every client
goes through one :class:`~levekar.fetch._http.HttpClient` (timeouts, retries with
backoff, a polite rate limit, an on-disk cache and provenance records). The analysis
core never imports this package; ``levekar run`` never touches the network.

Everything is imported lazily, so that mounting ``levekar fetch`` on the CLI costs no
httpx import until a command runs:

- :mod:`levekar.fetch.ssb` — :class:`SsbClient` (tables, metadata, data → tidy long table)
- :mod:`levekar.fetch.klass` — :class:`KlassClient` (codes at a date, changes, correspondences)
- :mod:`levekar.fetch.geonorge` — :class:`GeonorgeClient` (order, wait, download, unzip)
- :mod:`levekar.fetch.nsr` — :class:`NsrClient` (schools of a kommune → point layer)
- :mod:`levekar.fetch.cli` — ``fetch_app``, the ``levekar fetch …`` commands
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "FetchError",
    "GeonorgeClient",
    "HttpClient",
    "KlassClient",
    "NsrClient",
    "Provenance",
    "SsbClient",
]

_LAZY = {
    "FetchError": "levekar.fetch._http",
    "HttpClient": "levekar.fetch._http",
    "Provenance": "levekar.fetch._http",
    "GeonorgeClient": "levekar.fetch.geonorge",
    "KlassClient": "levekar.fetch.klass",
    "NsrClient": "levekar.fetch.nsr",
    "SsbClient": "levekar.fetch.ssb",
}

if TYPE_CHECKING:  # pragma: no cover
    from ._http import FetchError, HttpClient, Provenance
    from .geonorge import GeonorgeClient
    from .klass import KlassClient
    from .nsr import NsrClient
    from .ssb import SsbClient


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'levekar.fetch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
