"""PDF from the HTML reports, printed by headless Chromium where it is installed.

WeasyPrint is not used: from PyPI it needs the system's Pango libraries. Chromium
prints the pages with their print styles (A4, page breaks, the synthetic banner on
every page).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import ConfigError

__all__ = ["CHROMIUM_NAMES", "NO_CHROMIUM", "find_chromium", "html_to_pdf"]

CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
)

NO_CHROMIUM = (
    "[output] pdf = true, but no Chromium was found to print the PDF "
    f"(looked for {', '.join(CHROMIUM_NAMES)} on PATH, and LEVEKAR_CHROMIUM). "
    "Install Chromium (Debian/Ubuntu: apt install chromium) or set pdf = false; "
    "the HTML reports can also be printed to PDF from any browser."
)


def find_chromium() -> str | None:
    """Return the path of a Chromium-based browser, or None.

    ``LEVEKAR_CHROMIUM`` names one explicitly; otherwise the usual names are looked
    up on ``PATH``.

    Returns
    -------
    str or None
        The executable, or None when none is found.
    """
    explicit = os.environ.get("LEVEKAR_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else shutil.which(explicit)
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def html_to_pdf(
    html_path: str | Path,
    pdf_path: str | Path,
    *,
    chromium: str | None = None,
    timeout: float = 120.0,
) -> Path:
    """Print an HTML file to PDF (A4, as its print styles say) with headless Chromium.

    Parameters
    ----------
    html_path : str or pathlib.Path
        The page (its figures embedded or next to it; links stay relative).
    pdf_path : str or pathlib.Path
        Where to write the PDF.
    chromium : str, optional
        The browser's executable (default: :func:`find_chromium`).
    timeout : float, default 120
        Seconds before giving up.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Raises
    ------
    ConfigError
        When no Chromium is found (the message says how to get one), or when it fails
        or writes no PDF.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise ConfigError(NO_CHROMIUM)
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="levekar-chromium-") as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            "--print-to-pdf-no-header",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"{exe}: could not print {html_path.name} to PDF ({exc}).") from None
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise ConfigError(
            f"{exe}: printed no PDF for {html_path.name} (exit {done.returncode}"
            + (f": {' / '.join(tail)}" if tail else "")
            + ")."
        )
    return pdf_path
