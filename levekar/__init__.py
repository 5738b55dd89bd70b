"""levekar: geospatial living-conditions (levekår) analysis for Norwegian municipalities.

Heavy submodules (geopandas, folium, matplotlib) are imported lazily, so
``import levekar`` stays fast; ``levekar.run`` and friends load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import ConfigError, CRSError, DataError, GeometryError, LevekarError, SpecError

__all__ = [
    "CRSError",
    "ConfigError",
    "DataError",
    "GeometryError",
    "LevekarError",
    "SelectionRule",
    "SpecError",
    "__version__",
    "apply_crosswalk",
    "crosswalk_from_overlay",
    "demo_study",
    "index_from_spec",
    "load_study",
    "make_demo_study",
    "run",
    "write",
]

_LAZY = {
    "SelectionRule": "levekar.selection",
    "apply_crosswalk": "levekar.crosswalk",
    "crosswalk_from_overlay": "levekar.crosswalk",
    "demo_study": "levekar.demo",
    "index_from_spec": "levekar.index",
    "load_study": "levekar.study",
    "make_demo_study": "levekar.demo",
    "run": "levekar.pipeline",
    "write": "levekar.pipeline",
}

if TYPE_CHECKING:  # pragma: no cover
    from .crosswalk import apply_crosswalk, crosswalk_from_overlay
    from .demo import demo_study, make_demo_study
    from .index import index_from_spec
    from .pipeline import run, write
    from .selection import SelectionRule
    from .study import load_study


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'levekar' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
