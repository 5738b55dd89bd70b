"""Small, safe HTML for the rich displays (``_repr_html_``) of the objects an analyst holds.

Everything that comes from data (codes, names, messages) is escaped: tables through
pandas' ``DataFrame.to_html(escape=True)``, everything else through :func:`html.escape`.
No template engine: the core may not import one.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__: list[str] = []

#: Rows a table shows before saying how many more there are.
MAX_ROWS = 12


def esc(value: object) -> str:
    """Return ``value`` as text, HTML-escaped (quotes too)."""
    return html.escape(str(value), quote=True)


def number(value: float | int | None, *, decimals: int = 0) -> str:
    """Format a number with thousands separators; ``–`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}"


def share(value: float | None, *, decimals: int = 1) -> str:
    """Format a share as a percentage; ``–`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.{decimals}f} %"


def codes(values: Iterable[object], *, limit: int = 8) -> str:
    """Join codes with ", ", at most ``limit`` of them and then how many more (not escaped)."""
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    more = len(values) - limit
    return f"{shown} … (+{more})" if more > 0 else (shown or "none")


def figures(rows: Iterable[tuple[str, object]]) -> str:
    """Return a two-column table of labelled figures, every cell escaped."""
    body = "".join(
        f'<tr><th style="text-align: left">{esc(label)}</th><td>{esc(value)}</td></tr>'
        for label, value in rows
    )
    return f'<table class="levekar-figures">{body}</table>'


def _float(x: float) -> str:
    """Three significant digits below 100, whole numbers with separators above."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def table(frame: pd.DataFrame, *, max_rows: int = MAX_ROWS, percent: Iterable[str] = ()) -> str:
    """Return ``frame`` as an escaped HTML table, cut to ``max_rows`` with a note of the rest.

    Columns named in ``percent`` (shares, probabilities) are shown as percentages.
    """
    shown = frame.head(max_rows).copy()
    for col in percent:
        if col in shown:
            shown[col] = [share(v, decimals=1) for v in shown[col].astype(float)]
    out = shown.to_html(
        index=False,
        escape=True,
        na_rep="–",
        border=0,
        float_format=_float,
        classes="levekar-table",
    )
    if len(frame) > max_rows:
        out += f"<p><small>… and {len(frame) - max_rows} more rows</small></p>"
    return out


def block(title: str, *parts: str) -> str:
    """Wrap already-safe HTML ``parts`` under an escaped ``title``."""
    return f'<div class="levekar-repr"><strong>{esc(title)}</strong>{"".join(parts)}</div>'
