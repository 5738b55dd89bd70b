"""levekar: geospatial living-conditions (levekår) analysis for Norwegian municipalities.

Heavy submodules (geopandas, folium, matplotlib) are imported lazily, so
``import levekar`` stays fast; ``levekar.run`` and friends load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = [
    "__version__",
    "apply_crosswalk",
    "crosswalk_from_overlay",
    "index_from_spec",
    "load_study",
    "make_demo_study",
    "run",
    "write",
]

_LAZY = {
    "apply_crosswalk": "levekar.crosswalk",
    "crosswalk_from_overlay": "levekar.crosswalk",
    "index_from_spec": "levekar.index",
    "load_study": "levekar.config",
    "make_demo_study": "levekar.demo",
    "run": "levekar.pipeline",
    "write": "levekar.pipeline",
}

if TYPE_CHECKING:  # pragma: no cover
    from .config import load_study
    from .crosswalk import apply_crosswalk, crosswalk_from_overlay
    from .demo import make_demo_study
    from .index import index_from_spec
    from .pipeline import run, write


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'levekar' has no attribute {name!r}")
