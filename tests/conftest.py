from __future__ import annotations

import os
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
    return gpd.GeoDataFrame({"code": codes, "name": names or codes, "level": level}, geometry=geoms, crs=crs)


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not SHARED_REAL.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data folder {SHARED_REAL} is missing in CI")
        pytest.skip(f"real open data not available: {SHARED_REAL} does not exist (../shared is absent)")
    return SHARED_REAL


@pytest.fixture(scope="session")
def demo_study():
    from levekar.io import demo_as_study

    return demo_as_study()


@pytest.fixture(scope="session")
def demo_results(demo_study):
    from levekar.pipeline import run

    return run(demo_study)
