import numpy as np
import pandas as pd
import pytest

from levekar.catalogue import load_catalogue
from levekar.index import load_index_spec
from levekar.selection import select_areas, worse_than_reference
from levekar.uncertainty import rank_uncertainty

CAT = load_catalogue()


def toy_rates():
    rows = []
    for area, (v, lo, hi) in {"A": (0.30, 0.26, 0.34), "B": (0.22, 0.18, 0.26), "C": (0.10, 0.08, 0.12)}.items():
        rows.append({"area": area, "indicator": "leie", "value": v, "ci_low": lo, "ci_high": hi,
                     "kommune_value": 0.2, "norway_value": 0.21})
    return pd.DataFrame(rows)


def test_worse_than_reference_uses_the_whole_interval():
    r = toy_rates()
    r["significantly_worse"] = worse_than_reference(r, CAT)
    assert r["significantly_worse"].tolist() == [True, False, False]


def test_top_k_with_minimum_population_and_reasons():
    r = toy_rates()
    r["significantly_worse"] = worse_than_reference(r, CAT)
    index = pd.DataFrame({"code": ["A", "B", "C"], "name": ["Sentrum", "Seut", "Begby"],
                          "population": [500, 3000, 4000], "score": [2.0, 1.0, -1.0], "rank": [1, 2, 3]})
    sel = select_areas(index, r, CAT, k=1, min_population=1000, initiative=["Sentrum"]).set_index("code")
    assert sel["selected"].tolist() == [False, True, False]  # A is too small
    assert sel.loc["A", "agreement"] == "i satsingen, ikke valgt"
    assert sel.loc["A", "reasons"] == "Leier bolig 30,0\u00a0% (kommunen 20,0\u00a0%)"
    md = select_areas(index, r, CAT, rule="multiple_deprivation", min_indicators_worse=1).set_index("code")
    assert md["selected"].tolist() == [True, False, False]


def _counts(n):
    rows = []
    for area, p in {"A": 0.30, "B": 0.25, "C": 0.20, "D": 0.10}.items():
        for ind in ("leie", "sosialhjelp"):
            x = p * n
            rows.append({"area": area, "indicator": ind, "numerator": x, "numerator_low": x, "numerator_high": x,
                         "denominator": float(n)})
    return pd.DataFrame(rows)


SPEC = load_index_spec({"id": "code", "normalisation": "z", "aggregation": "weighted_mean",
                        "indicators": [{"column": "leie"}, {"column": "sosialhjelp"}]})


def test_bands_collapse_without_sampling_error():
    u = rank_uncertainty(_counts(100), SPEC, CAT, areas=list("ABCD"), k=2, draws=200, sampling=False).summary
    assert u["rank_p05"].tolist() == u["rank_p95"].tolist() == [1, 2, 3, 4]
    assert u["p_top_k"].tolist() == [1.0, 1.0, 0.0, 0.0]


def test_sampling_component_vanishes_with_huge_populations():
    u = rank_uncertainty(_counts(10_000_000), SPEC, CAT, areas=list("ABCD"), k=2, draws=300, seed=3).summary
    assert u["rank_p05"].tolist() == u["rank_p95"].tolist() == [1, 2, 3, 4]


def test_p_top_k_sums_to_k_and_is_seeded():
    a = rank_uncertainty(_counts(60), SPEC, CAT, areas=list("ABCD"), k=2, draws=500, seed=11)
    b = rank_uncertainty(_counts(60), SPEC, CAT, areas=list("ABCD"), k=2, draws=500, seed=11)
    assert a.summary["p_top_k"].sum() == pytest.approx(2.0)
    assert ((a.ranks <= 2).sum(axis=1) == 2).all()
    pd.testing.assert_frame_equal(a.summary, b.summary)
    assert a.summary["rank_p95"].max() > a.summary["rank_p05"].min()  # small counts do move ranks
    assert np.all(a.summary["rank_p05"] <= a.summary["rank_median"])


def test_contiguous_top_k_grows_one_region():
    from conftest import box, layer

    from levekar.selection import neighbours_of

    # A row of five areas; the two best-scoring are far apart (a and e).
    row = layer(list("abcde"), [box(100 * i, 0, 100 * (i + 1), 100) for i in range(5)])
    nb = neighbours_of(row)
    assert nb["a"] == {"b"} and nb["c"] == {"b", "d"}
    index = pd.DataFrame({"code": list("abcde"), "name": list("abcde"), "population": 5000,
                          "score": [3.0, 1.0, 0.5, 0.0, 2.5], "rank": [1, 3, 4, 5, 2]})
    rates = pd.DataFrame({"area": list("abcde"), "indicator": "leie", "value": 0.2, "ci_low": 0.1, "ci_high": 0.3,
                          "kommune_value": 0.2, "significantly_worse": False})
    plain = select_areas(index, rates, CAT, k=2).set_index("code")["selected"]
    assert set(plain[plain].index) == {"a", "e"}
    joined = select_areas(index, rates, CAT, k=2, neighbours=nb).set_index("code")["selected"]
    assert set(joined[joined].index) == {"a", "b"}
