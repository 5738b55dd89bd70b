"""The analysts' notebooks run top to bottom (a failing cell fails the suite) and stay paired.

Every notebook runs in one kernel, one after the other, with the namespace emptied
(``%reset -f``) before each: each notebook still starts from nothing, but the kernel, the
imports and the demo's generation are paid once. The kernel imports this checkout's levekar
(``PYTHONPATH``) and asks the notebooks for few Monte Carlo draws
(``LEVEKAR_NOTEBOOK_DRAWS``). The outputs are then read: the inline map, the rich displays
and bokmål sentences with the numbers the notebooks computed.
"""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
DRAWS = 200


def test_there_are_notebooks():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03"]


@pytest.mark.parametrize("script", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_paired_and_stripped(script):
    jupytext = pytest.importorskip("jupytext")
    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run `jupytext --sync {script.name}`"
    committed = jupytext.read(paired)
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code"), (
        "outputs not stripped"
    )
    nb = jupytext.read(script)
    assert [c.source for c in committed.cells] == [c.source for c in nb.cells], (
        "notebook and script differ"
    )


def _run_all(tmp_path):
    """Execute every notebook in one kernel; return each notebook's executed cells by stem."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    combined = nbformat.v4.new_notebook(metadata=jupytext.read(NOTEBOOKS[0]).metadata)
    spans = {}
    for script in NOTEBOOKS:
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        start = len(combined.cells)
        combined.cells.extend(jupytext.read(script).cells)
        spans[script.stem] = (start, len(combined.cells))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "LEVEKAR_NOTEBOOK_DRAWS": str(DRAWS),
        "TMPDIR": str(tmp_path),
    }
    client = nbclient.NotebookClient(
        combined,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=env)
    return {stem: combined.cells[a:b] for stem, (a, b) in spans.items()}


def _errors(cells):
    return [
        f"cell {i}: {o.ename}: {o.evalue}\n{cell.source}"
        for i, cell in enumerate(cells)
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.output_type == "error"
    ]


def _text(cells):
    """Everything the cells printed (streams)."""
    return "".join(
        o.text
        for cell in cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.output_type == "stream"
    )


def _html(cells):
    """Every rich HTML display of the cells."""
    return [
        o["data"]["text/html"]
        for cell in cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]


def _number(text):
    """A number as the bokmål formatting writes it (thin-space thousands, decimal comma)."""
    return float(text.replace("\u2009", "").replace("\xa0", "").replace(",", "."))


def test_notebooks_run_and_show_their_results(tmp_path):
    out = _run_all(tmp_path)
    for stem, cells in out.items():
        assert _errors(cells) == [], f"{stem} failed"
        assert all(c.get("execution_count") for c in cells if c.cell_type == "code" and c.source), (
            f"{stem}: a cell did not run"
        )

    # 01: the whole chain, with the rich displays and the map inline.
    html, text = _html(out["01_workflow_demo"]), _text(out["01_workflow_demo"])
    assert any("levekar results: Syntetiske demodata" in h for h in html)
    assert any("Crosswalk grunnkrets → lokalsamfunn (population weights)" in h for h in html)
    assert any(h.startswith('<div class="levekar-repr"><strong>Scores ') for h in html)
    maps = [h for h in html if "leaflet" in h and "<iframe" in h]
    assert len(maps) == 1 and "Sellebakk" in maps[0]
    n = r"(\d[\d\u2009]*)"
    split = re.search(rf"{n} av {n} grunnkretser er delt mellom lokalsamfunn", text)
    assert split and 0 < int(split[1]) < int(split[2]) == 176
    people = re.search(
        rf"Grunnkretsene har {n} innbyggere; de 21 lokalsamfunnene har til sammen {n}", text
    )
    assert people and _number(people[1]) == _number(people[2]) > 80_000
    band = re.search(
        r"mellom (\d+) og (\d+) i 90 % av trekningene; sannsynligheten .* er (\d+)", text
    )
    assert band and int(band[1]) <= 3 <= int(band[2]) and 0 < int(band[3]) <= 100
    assert re.search(r"\d+ av \d+ regler gir nøyaktig satsingens områder", text)
    assert re.search(r"Minste målbare endring er \d+,\d prosentpoeng", text)

    # 02: files read one by one, a configuration error said plainly, the crosswalk from the files.
    text = _text(out["02_your_own_files"])
    assert "176 grunnkretser lest fra EPSG:25833" in text
    assert "selection.rule" in text and "topp3" in text
    assert re.search(r"\d+ av 176 grunnkretser deles mellom lokalsamfunn; 100,0", text)
    assert any("<strong>levekar study</strong>" in h for h in _html(out["02_your_own_files"]))

    # 03: the sources of uncertainty compared, the choice year by year.
    text = _text(out["03_uncertainty_and_choice"])
    assert re.search(
        r"blant de 3 svakeste i \d+\xa0% av trekningene med bare utvalgsusikkerhet", text
    )
    assert re.search(r"Sentrum er valgt av regelen \d av 6 år", text)
    assert any("The rule year by year" in h for h in _html(out["03_uncertainty_and_choice"]))
