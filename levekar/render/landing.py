"""The landing page ``index.html``: one page linking every output of a run, in bokmål."""

from __future__ import annotations

from pathlib import PurePosixPath

__all__ = ["landing_page"]

# Known outputs: path → (section, link text); everything else is grouped by folder.
_KNOWN = {
    "maps/levekar_kart.html": ("Kart og rapporter", "Interaktivt kart over levekårene"),
    "reports/levekar_rapport.html": ("Kart og rapporter", "Rapporten: levekår og valg av områder"),
    "reports/levekar_rapport.pdf": ("Kart og rapporter", "Rapporten som PDF (A4)"),
    "reports/utvelgelse_over_tid.html": ("Kart og rapporter", "Utvelgelse år for år"),
    "reports/handlingsplan.xlsx": ("Handlingsplan", "Handlingsplanen som regneark (Excel)"),
    "reports/handlingsplan.csv": ("Handlingsplan", "Handlingsplanen som CSV (semikolon)"),
    "reports/faktaark.pdf": ("Faktaark", "Alle faktaark som én PDF (A4)"),
    "data/processed/run_report.json": ("Datatabeller", "Kjøringsrapport (JSON): alt som er talt"),
}
_SECTIONS = (
    "Kart og rapporter",
    "Kart per kommune",
    "Kart per fylke",
    "Faktaark",
    "Handlingsplan",
    "Figurer",
    "Datatabeller",
)


def landing_page(
    paths: list[str],
    *,
    title: str,
    label: str,
    synthetic: bool,
    names: dict[str, str] | None = None,
) -> str:
    """Render ``index.html``: links to the map, reports, fact sheets, handlingsplan and tables.

    Parameters
    ----------
    paths : list of str
        The run's output files, relative to the output folder (POSIX separators).
    title : str
        The study's name.
    label : str
        The data label ("Syntetiske demodata" for the demo).
    synthetic : bool
        Show the red banner.
    names : dict of str to str, optional
        Link texts by path (the fact sheets' area names, the kommune maps' kommuner),
        also replacing the usual text of a known output.

    Returns
    -------
    str
        The HTML page; every text from data is escaped.
    """
    from .report import _env

    names = names or {}
    sections: dict[str, list[dict]] = {s: [] for s in _SECTIONS}
    for path in sorted(set(paths) - {"index.html"}):
        p = PurePosixPath(path)
        if path in _KNOWN:
            section, text = _KNOWN[path]
            text = names.get(path, text)
        elif path.startswith("maps/kommuner/"):
            section, text = "Kart per kommune", names.get(path, p.stem)
        elif path.startswith("maps/fylker/"):
            section, text = "Kart per fylke", names.get(path, p.stem)
        elif path.startswith("reports/faktaark/"):
            section, text = "Faktaark", names.get(path, p.stem)
        elif path.startswith("reports/figurer/"):
            kind = "vektorgrafikk for Word" if p.suffix == ".svg" else "bilde"
            section, text = "Figurer", f"{p.stem} ({p.suffix[1:].upper()}, {kind})"
        elif path.startswith("data/processed/"):
            section, text = "Datatabeller", p.name
        else:
            section, text = "Datatabeller", path
        sections[section].append({"href": path, "text": text})
    return (
        _env()
        .get_template("index.html.j2")
        .render(
            title=title,
            label=label,
            synthetic=synthetic,
            sections=[(s, links) for s, links in sections.items() if links],
        )
    )
