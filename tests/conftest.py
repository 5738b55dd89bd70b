from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
# Inside Fredrikstad, EPSG:25833, for toy geometries that pass the "inside Norway" check.
X0, Y0 = 267_000.0, 6_571_000.0


def box(x0, y0, x1, y1):
    """A box in metres relative to a point in Fredrikstad."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def layer(codes, geoms, *, names=None, level="test", crs=25833):
    return gpd.GeoDataFrame(
        {"code": codes, "name": names or codes, "level": level}, geometry=geoms, crs=crs
    )


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not SHARED_REAL.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data folder {SHARED_REAL} is missing in CI")
        pytest.skip(
            f"real open data not available: {SHARED_REAL} does not exist (../shared is absent)"
        )
    return SHARED_REAL


def cli(capsys, *args):
    """Run ``levekar ARGS`` in this process through the real entry point.

    Returns (exit code, stdout, stderr).
    """
    from levekar.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """The demo's input files, written once.

    Tests add their own files beside them, never change these.
    """
    from levekar.demo import write_demo_inputs

    folder = tmp_path_factory.mktemp("demo_inputs")
    write_demo_inputs(folder)
    return folder


def edited_study(demo_dir, name, edit):
    """A copy of the demo's study.toml, edited, beside the demo's files (which stay untouched)."""
    cfg = demo_dir / f"{name}.toml"
    cfg.write_text(edit((demo_dir / "study.toml").read_text(encoding="utf-8")), encoding="utf-8")
    return cfg


@pytest.fixture(scope="session")
def demo_study():
    from levekar.demo import demo_study as demo_as_study

    return demo_as_study()


def _session_root(tmp_path_factory) -> Path:
    """A folder shared by every xdist worker of this test session (its base temp otherwise)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _once_per_session(tmp_path_factory, name, make):
    """``make()`` computed by one worker of the session; the others wait and unpickle it.

    The first worker to create ``NAME.lock`` computes; a failure there leaves ``NAME.failed``
    and the others compute for themselves (and fail with the same error, in their own test).
    Callers must treat the value as read-only.
    """
    root = _session_root(tmp_path_factory)
    done, failed = root / f"{name}.pickle", root / f"{name}.failed"
    try:
        os.close(os.open(root / f"{name}.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        deadline = time.monotonic() + 900
        while not done.exists() and not failed.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if done.exists():
            return pickle.loads(done.read_bytes())
        return make()
    try:
        value = make()
    except BaseException:
        failed.touch()
        raise
    partial = root / f"{name}.partial"
    partial.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(partial, done)
    return value


@pytest.fixture(scope="session")
def demo_results(demo_study, tmp_path_factory):
    """The demo run with its own settings, computed once for the whole session (read-only)."""
    from levekar.pipeline import run

    return _once_per_session(tmp_path_factory, "demo_results", lambda: run(demo_study))


@pytest.fixture(scope="session")
def demo_results_again(demo_study, tmp_path_factory):
    """The same demo run computed a second time (on another worker when there is one)."""
    from levekar.pipeline import run

    return _once_per_session(tmp_path_factory, "demo_results_again", lambda: run(demo_study))


@pytest.fixture(scope="session")
def demo_outputs(demo_results, tmp_path_factory) -> Path:
    """The demo run written once for the whole session: read it, never change it.

    A test that changes outputs copies the folder first (:func:`copy_outputs`).
    """
    from levekar.pipeline import write

    root = _session_root(tmp_path_factory)

    def make():
        out = root / "demo_outputs"
        write(demo_results, out)
        return out

    return _once_per_session(tmp_path_factory, "demo_outputs", make)


def copy_outputs(outputs: Path, dest: Path) -> Path:
    """A private copy of written outputs, for a test that changes them."""
    import shutil

    shutil.copytree(outputs, dest)
    return dest


def year_from_shares(
    shares: dict, n: float | dict, *, year: int = 2023, kommune: dict | None = None, catalogue=None
):
    """One year's data (levekar.indicators.YearData) from shares per area and indicator.

    ``shares`` maps a code to ``{indicator: share}``; ``n`` is every area's denominator
    (or one per code). The kommune's value defaults to the denominator-weighted mean.
    """
    import pandas as pd

    from levekar.catalogue import load_catalogue
    from levekar.indicators import rates_from_counts, significantly_worse, year_data

    cat = catalogue or load_catalogue()
    rows = []
    for code, values in shares.items():
        for ind, p in values.items():
            den = float(n[code] if isinstance(n, dict) else n)
            x = p * den / cat[ind].scale
            rows.append(
                {
                    "code": code,
                    "year": year,
                    "indicator": ind,
                    "numerator": x,
                    "numerator_low": x,
                    "numerator_high": x,
                    "denominator": den,
                    "status": "",
                    "n_approximate": 0.0,
                }
            )
    counts = pd.DataFrame(rows)
    rates = rates_from_counts(counts, cat, min_denominator=0)
    grouped = counts.groupby("indicator")
    kom = (
        kommune
        or (
            grouped["numerator"].sum()
            / grouped["denominator"].sum()
            * pd.Series({i: cat[i].scale for i in grouped.groups})
        ).to_dict()
    )
    rates["kommune_value"] = rates["indicator"].map(kom)
    rates["significantly_worse"] = significantly_worse(rates, cat)
    inds = list(dict.fromkeys(counts["indicator"]))
    return year_data(rates, year, inds, codes=list(shares))


# Five areas on three indicators in two domains: the toy of the selection-rule tests
# (counterfactuals, reselection).
THREE_SPEC = {
    "id": "code",
    "normalisation": "z",
    "aggregation": "weighted_mean",
    "indicators": [
        {"column": "leie", "domain": "bomiljo"},
        {"column": "trangbodd", "domain": "bomiljo"},
        {"column": "sosialhjelp", "domain": "inntekt"},
    ],
    "domains": {"normalisation": "none", "aggregation": "weighted_mean"},
}
FIVE_AREAS = {
    "A": (0.30, 0.12, 0.08),
    "B": (0.26, 0.10, 0.07),
    "C": (0.25, 0.09, 0.06),
    "D": (0.15, 0.05, 0.03),
    "E": (0.12, 0.04, 0.02),
}
THREE_INDICATORS = ("leie", "trangbodd", "sosialhjelp")


def page_data(page: str) -> dict:
    """The data a map page carries (``var levekar = {...};``), as Python objects."""
    import json

    start = page.index("var levekar = ") + len("var levekar = ")
    return json.JSONDecoder().raw_decode(page[start:])[0]


def tooltip(data: dict, theme: int, area: int) -> str:
    """A theme's tooltip of one area, as the map page builds it."""
    return "<br>".join(data["lines"][n] for n in data["themes"][theme]["t"][area])
