"""Saving matplotlib figures as PNG or SVG bytes, the same bytes every run."""

from __future__ import annotations

import io

__all__ = ["save_figure"]


def save_figure(fig, fmt: str = "png", *, close: bool = True) -> bytes:
    """Save a figure as PNG or SVG bytes, with no date or software in it (same bytes every run).

    SVG keeps its text as text (``svg.fonttype = "none"``), so it stays editable in Word.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "levekar"}):
        fig.savefig(buf, format=fmt, metadata=meta)
    if close:
        plt.close(fig)
    return buf.getvalue()
