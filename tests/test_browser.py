"""The demo map and report opened in a real headless Chromium from file://.

Skipped with a reason when Chromium or Playwright is missing; under CI (CI=true) a
missing browser is a failure, since .ci/run installs both.
"""

import os
import shutil

import pytest

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
def outputs(demo_outputs):
    return demo_outputs


def _open(browser, path, viewport=None):
    page = browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
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
    page.hover(".leaflet-control-layers")  # collapsed: it opens on hover (or a tap)
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
    assert "Levekårsindeks: rang" in tooltip.first.inner_text()
    # Switching the theme switches the legend.
    page.hover(".leaflet-control-layers")
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
    # No sideways scroll of the page on a laptop or a phone (wide tables scroll in their box).
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        scroll, client = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client, (width, scroll, client)
    # Printed: A4 less the margins is 186 mm ≈ 703 CSS px; the targets table fits in it.
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    width = page.evaluate("() => document.querySelector('table.targets').scrollWidth")
    assert width <= 703, width
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("a", has_text="Lisleby").first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Lisleby"
    page.screenshot(path=str(tmp_path / "faktaark.png"), full_page=True)
    assert problems == []


def _last_paths_dashed(page, n):
    return page.evaluate(
        """(n) => [...document.querySelectorAll('.leaflet-overlay-pane path')].slice(-n)
              .map((p) => p.getAttribute('stroke-dasharray'))""",
        n,
    )


def test_map_outline_on_top_domain_tooltips_and_phone(browser, outputs, demo_results):
    """After every theme switch the outline is drawn last; a domain's tooltip shows its score."""
    from levekar.render.presentation import format_number

    sel = demo_results.selection
    n_init = int(sel["in_initiative"].sum())
    phone = {"width": 390, "height": 844}
    page, problems = _open(browser, outputs / "maps" / "levekar_kart.html", viewport=phone)
    page.wait_for_selector(".leaflet-control-layers")
    assert page.locator("html").get_attribute("lang") == "nb"
    # The layer list opens collapsed (behind its icon), so the map can be seen.
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    assert not page.locator(".leaflet-control-layers-list").is_visible()
    themes = page.evaluate(
        """(n) => [...document.querySelectorAll('.leaflet-control-layers-base input')].map(
               (input) => { input.click();
                 const ps = [...document.querySelectorAll('.leaflet-overlay-pane path')];
                 return ps.slice(-n).every((p) => p.getAttribute('stroke-dasharray') === '6 4');
               })""",
        n_init,
    )
    # index, 5 domains, 20 register and 16 accessibility indicators
    assert len(themes) == 42 and all(themes), themes
    # The legend has the outline (a dashed line) and "ingen data".
    legend = page.locator(".levekar-legend:visible").inner_text()
    assert "Områdesatsing Fredrikstad" in legend and "ingen data" in legend
    page.hover(".leaflet-control-layers")
    page.get_by_label("Domene: Inntekt").check()
    assert _last_paths_dashed(page, n_init) == ["6 4"] * n_init
    page.mouse.move(200, 835)  # off the layer list, which closes again
    box = page.locator(".leaflet-overlay-pane path").nth(5).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".leaflet-tooltip").first
    tooltip.wait_for(state="visible", timeout=5000)
    text = tooltip.inner_text()
    name = text.splitlines()[0].strip()
    z = format_number(float(sel.loc[sel["name"] == name, "domain_inntekt"].iloc[0]), decimals=2)
    assert "Domene: Inntekt: rang" in text and f"z-skår: {z}" in text, text
    assert problems == []


def test_background_tiles_survive_a_theme_switch(browser, demo_results, tmp_path):
    """A local tile layer (a data: URL, no network) stays after switching the theme."""
    from dataclasses import replace

    from levekar.publish import map_options
    from levekar.render.maps import index_map

    tile = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mN8"
        "z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==#{z}/{x}/{y}"
    )
    rates = demo_results.rates
    rates = rates[(rates["year"] == demo_results.year) & (rates["indicator"] == "barn_lavinntekt")]
    m = index_map(
        demo_results.study.lokalsamfunn,
        demo_results.selection,
        rates,
        demo_results.study.catalogue,
        options=replace(map_options(demo_results), tiles=tile, tiles_attr="Testfliser"),
    )
    path = tmp_path / "kart_med_fliser.html"
    path.write_text(m.get_root().render(), encoding="utf-8")
    page, problems = _open(browser, path)
    page.wait_for_selector(".leaflet-tile-pane img.leaflet-tile")
    page.hover(".leaflet-control-layers")
    page.get_by_label("Domene: Helse").check()
    page.get_by_label("Barn i lavinntekt").check()
    assert page.locator(".leaflet-tile-pane img.leaflet-tile").count() > 0
    assert page.get_by_label("Bakgrunnskart").is_checked()
    bars = page.locator(".leaflet-control-attribution")
    assert bars.count() == 1 and "Testfliser" in bars.inner_text()
    assert problems == []


def test_access_grid_layer_in_a_real_browser(browser, outputs):
    """A distance layer switched on shows cells with distance tooltips and its legend; off,
    its canvas goes, so the themes' tooltips work again."""
    page, problems = _open(browser, outputs / "maps" / "levekar_kart.html")
    page.wait_for_selector(".leaflet-control-layers")
    assert not page.locator(".levekar-grid-legend").first.is_visible()  # off at first
    page.hover(".leaflet-control-layers")
    page.get_by_label("Avstand til nærmeste skole", exact=True).check()
    legend = page.locator("#levekar-grid-legend-0")
    assert legend.is_visible() and "ikke nåbar" in legend.inner_text()
    assert page.locator(".leaflet-overlay-pane canvas").count() == 1
    page.mouse.move(640, 450)  # the middle of the kommune: inhabited cells
    tooltip = page.locator(".leaflet-tooltip").first
    tooltip.wait_for(state="visible", timeout=5000)
    assert tooltip.inner_text().startswith("Avstand til nærmeste skole: ")
    page.hover(".leaflet-control-layers")
    page.get_by_label("Avstand til nærmeste skole", exact=True).uncheck()
    assert not legend.is_visible()
    assert page.locator(".leaflet-overlay-pane canvas").count() == 0
    page.mouse.move(0, 0)
    box = page.locator(".leaflet-overlay-pane path").nth(5).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".leaflet-tooltip", has_text="Levekårsindeks: rang").wait_for(timeout=5000)
    assert problems == []
