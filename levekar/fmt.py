"""Number formatting in Norwegian bokmål: decimal comma, thin-space thousands.

>>> format_number(85123)
'85\u2009123'
>>> format_number(24.81, decimals=1)
'24,8'
>>> format_percent(0.2481)
'24,8\u00a0%'
>>> format_number(float("nan"))
'–'
"""

from __future__ import annotations

import math

__all__ = ["MISSING", "THIN_SPACE", "format_number", "format_percent", "format_value"]

THIN_SPACE = "\u2009"
NBSP = "\u00a0"
MISSING = "–"


def format_number(x: float | int | None, *, decimals: int = 0) -> str:
    """Format ``x`` with a decimal comma and thin-space thousands separators."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    text = f"{x:,.{decimals}f}"
    return text.replace(",", THIN_SPACE).replace(".", ",")


def format_percent(share: float | None, *, decimals: int = 1) -> str:
    """Format a share (0–1) as a percentage, e.g. ``0.248`` → ``'24,8 %'``."""
    if share is None or not math.isfinite(share):
        return MISSING
    return f"{format_number(100 * share, decimals=decimals)}{NBSP}%"


def format_value(x: float | None, kind: str, *, decimals: int | None = None) -> str:
    """Format an indicator value by its kind (``share``, ``rate_per_1000``, ``mean``, ``median``)."""
    if kind == "share":
        return format_percent(x, decimals=1 if decimals is None else decimals)
    if kind == "rate_per_1000":
        return format_number(x, decimals=1 if decimals is None else decimals) + f"{NBSP}‰"
    return format_number(x, decimals=0 if decimals is None else decimals)
