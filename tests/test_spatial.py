import geopandas as gpd
import pandas as pd
import pytest
from conftest import box


def test_spatial_clusters_join_islands():
    pytest.importorskip("esda")
    from levekar.spatial import spatial_clusters

    cells = [box(x, y, x + 100, y + 100) for x in (0, 100, 200) for y in (0, 100, 200)]
    codes = [f"c{i}" for i in range(9)]
    layer = gpd.GeoDataFrame(
        {"code": [*codes, "øy"]}, geometry=[*cells, box(1000, 1000, 1100, 1100)], crs=25833
    )
    values = pd.Series([3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.5], index=[*codes, "øy"])
    sc = spatial_clusters(layer, values, permutations=199, seed=2)
    assert sc.islands_joined == ["øy"] and sc.n == 10
    assert sc.moran_i > 0.3
    again = spatial_clusters(layer, values, permutations=199, seed=2)
    assert again.as_dict() == sc.as_dict() and sc.local.equals(again.local)
    assert set(sc.local["cluster"]) <= {
        "high_high",
        "low_high",
        "low_low",
        "high_low",
        "not_significant",
    }
