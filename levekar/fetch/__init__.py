"""Online clients: SSB PxWebApi v2, KLASS, Geonorge's download API and Udir's school register (NSR).

This is an *edge* of levekar: the only place that talks to the network. Every client
goes through one :class:`~levekar.fetch._http.HttpClient` (timeouts, retries with
backoff, a polite rate limit, an on-disk cache and provenance records). The analysis
core never imports this package; ``levekar run`` never touches the network.

Submodules are imported lazily so that ``import levekar.fetch`` stays cheap:

- :mod:`levekar.fetch.ssb` — :class:`SsbClient` (tables, metadata, data → tidy long table)
- :mod:`levekar.fetch.klass` — :class:`KlassClient` (codes at a date, changes, correspondences)
- :mod:`levekar.fetch.geonorge` — :class:`GeonorgeClient` (order, wait, download, unzip)
- :mod:`levekar.fetch.nsr` — :class:`NsrClient` (schools of a kommune → point layer)
- :mod:`levekar.fetch.cli` — ``fetch_app``, the ``levekar fetch …`` commands
"""

from __future__ import annotations

import importlib
from typing import Any

from ._http import FetchError, HttpClient, Provenance

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
    "GeonorgeClient": "levekar.fetch.geonorge",
    "KlassClient": "levekar.fetch.klass",
    "NsrClient": "levekar.fetch.nsr",
    "SsbClient": "levekar.fetch.ssb",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'levekar.fetch' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
