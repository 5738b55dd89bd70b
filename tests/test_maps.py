import numpy as np
import pandas as pd
import pytest

from levekar.maps import class_breaks, legend_labels


@pytest.mark.parametrize("k", [3, 5, 7])
def test_quantile_breaks_match_mapclassify(k):
    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(k)
    values = pd.Series(rng.normal(size=21))
    np.testing.assert_allclose(class_breaks(values, k=k), mapclassify.Quantiles(values.to_numpy(), k=k).bins)


def test_natural_breaks_use_mapclassify():
    values = pd.Series([1.0, 1.1, 1.2, 5.0, 5.1, 9.0, 9.2])
    assert class_breaks(values, k=3, scheme="natural_breaks")[-1] == 9.2


def test_legend_ranges_neither_overlap_nor_gap():
    labels = legend_labels([-0.5, 0.25, 1.0])
    assert labels == ["til og med -0,50", "over -0,50 til og med 0,25", "over 0,25 til og med 1,00"]


def test_map_escapes_names_and_shows_banner(demo_results):
    from levekar.maps import index_map

    evil = "<script>alert(1)</script>"
    study = demo_results.study
    original = study.lokalsamfunn
    try:
        study.lokalsamfunn = original.assign(name=original["name"].where(original["code"] != "LS01", evil))
        page = index_map(demo_results).get_root().render()
    finally:
        study.lokalsamfunn = original
    assert evil not in page
    # In the GeoJSON the escaped name is itself JSON-escaped: &lt; becomes \u0026lt;
    assert "\\u0026lt;script\\u0026gt;alert(1)" in page
    assert "Syntetiske demodata" in page
    assert "cdn.jsdelivr.net" not in page
