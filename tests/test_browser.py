"""The demo map and report opened in a real headless Chromium from file://.

Skipped with a reason when Chromium or Playwright is missing; under CI (CI=true) a
missing browser is a failure, since .ci/run installs both.
"""

import os
import shutil

import pytest

from levekar.pipeline import write

IN_CI = os.environ.get("CI") == "true"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if IN_CI:
            pytest.fail(
                "Chromium is missing in CI; .ci/run should install Debian's chromium package"
            )
        pytest.skip(
            "no Chromium on this machine (install Debian's chromium package to run browser tests)"
        )
    return path


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if IN_CI:
            pytest.fail("playwright is missing in CI; it is in the test extra")
        pytest.skip("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def outputs(demo_results, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_out")
    write(demo_results, out)
    return out


def _open(browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on(
        "console",
        lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def test_map_in_a_real_browser(browser, outputs, tmp_path):
    page, problems = _open(browser, outputs / "maps" / "levekar_kart.html")
    page.wait_for_selector(".leaflet-control-layers")
    labels = [t.strip() for t in page.locator(".leaflet-control-layers label").all_inner_texts()]
    for expected in (
        "Levekårsindeks",
        "Domene: Inntekt",
        "Barn i lavinntekt",
        "Områdesatsing Fredrikstad",
        "Skoler",
        "Møteplasser",
    ):
        assert expected in labels, labels
    assert page.locator(".levekar-banner").inner_text().startswith("Syntetiske demodata")
    # Hover the middle of an area: its tooltip appears with the name and the index.
    paths = page.locator("path.leaflet-interactive")
    assert paths.count() >= 21
    box = paths.nth(5).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.first.wait_for(state="visible", timeout=5000)
    assert "Indeks:" in tooltip.first.inner_text()
    # Switching the theme switches the legend.
    page.get_by_label("Barn i lavinntekt").check()
    visible = [el.inner_text() for el in page.locator(".levekar-legend").all() if el.is_visible()]
    assert len(visible) == 1 and visible[0].startswith("Barn i lavinntekt")
    page.screenshot(path=str(tmp_path / "kart.png"))
    assert (tmp_path / "kart.png").stat().st_size > 10_000
    assert problems == []


def test_report_and_fact_sheet_in_a_real_browser(browser, outputs, tmp_path):
    page, problems = _open(browser, outputs / "reports" / "levekar_rapport.html")
    assert page.title().startswith("Levekår i Fredrikstad (demo)")
    assert "Syntetiske demodata" in page.locator(".banner").inner_text()
    assert page.locator("img").count() >= 3
    assert all(
        page.evaluate("(img) => img.naturalWidth > 0", img.element_handle())
        for img in page.locator("img").all()
    )
    page.locator("a", has_text="Lisleby").first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Lisleby"
    page.screenshot(path=str(tmp_path / "faktaark.png"), full_page=True)
    assert problems == []
