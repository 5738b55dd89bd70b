"""The embedded demo study: synthetic, Fredrikstad-like, deterministic for its seed.

Everything made from it says "Syntetiske demodata". :func:`make_demo_study` builds
the layers and tables in memory; :func:`demo_study` loads them as a
:class:`~levekar.study.Study`; :func:`write_demo_inputs` writes them as files with
a ``study.toml`` to copy and edit.
"""

from __future__ import annotations

from .config import demo_config
from .files import demo_study, write_demo_inputs
from .generator import DEMO_LABEL, INITIATIVE_AREAS, DemoStudy, make_demo_study

__all__ = [
    "DEMO_LABEL",
    "INITIATIVE_AREAS",
    "DemoStudy",
    "demo_config",
    "demo_study",
    "make_demo_study",
    "write_demo_inputs",
]
