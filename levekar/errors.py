"""Errors raised by levekar.

Every error that levekar raises on purpose is a :class:`LevekarError`. The CLI
turns these into one line on stderr and exit code 2; anything else is a bug.
Messages name the file, the column or key, the offending value and the fix.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CRSError",
    "DataError",
    "GeometryError",
    "LevekarError",
    "SpecError",
]


class LevekarError(Exception):
    """Base class for all errors levekar raises deliberately."""


class ConfigError(LevekarError):
    """A study configuration (TOML) is missing a key or has a wrong value."""


class DataError(LevekarError):
    """Input data are malformed: missing columns, bad codes, bad counts."""


class CRSError(DataError):
    """A layer has no CRS, an unsupported CRS, or coordinates outside Norway."""


class GeometryError(DataError):
    """A layer has geometries that cannot be used (empty, unrepairable)."""


class SpecError(ConfigError):
    """An index specification is invalid."""
