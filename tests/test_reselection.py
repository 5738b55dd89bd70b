import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import box

from levekar.catalogue import load_catalogue
from levekar.counterfactual import counterfactuals
from levekar.index import index_from_spec, load_index_spec
from levekar.reselection import reselect
from levekar.uncertainty import uncertainty_sources

CAT = load_catalogue()
SPEC = load_index_spec({"id": "code", "normalisation": "z", "aggregation": "weighted_mean",
                        "indicators": [{"column": "leie", "domain": "bomiljo"},
                                       {"column": "trangbodd", "domain": "bomiljo"},
                                       {"column": "sosialhjelp", "domain": "inntekt"}],
                        "domains": {"normalisation": "none", "aggregation": "weighted_mean"}})
P = {"A": (0.30, 0.12, 0.08), "B": (0.26, 0.10, 0.07), "C": (0.25, 0.09, 0.06), "D": (0.15, 0.05, 0.03),
     "E": (0.12, 0.04, 0.02)}


def _data(years, n=400):
    rates, counts = [], []
    for year in years:
        for area, ps in P.items():
            for ind, p in zip(("leie", "trangbodd", "sosialhjelp"), ps, strict=True):
                x = p * n
                rates.append({"area": area, "year": year, "indicator": ind, "value": p})
                counts.append({"area": area, "year": year, "indicator": ind, "numerator": x, "numerator_low": x,
                               "numerator_high": x, "denominator": float(n)})
    return pd.DataFrame(rates), pd.DataFrame(counts)


def test_unchanged_data_reports_no_change():
    rates, counts = _data([2021, 2022, 2023])
    r = reselect(rates, counts, SPEC, CAT, years=[2021, 2022, 2023], areas=list(P), names={a: a for a in P},
                 initiative=["A", "B", "C"], k=2, draws=300, seed=1)
    assert (r.table["change"] == "").all() and not r.table["clear_change"].any()
    assert r.summary["selected"].tolist() == ["A, B"] * 3
    assert r.summary["initiative_not_selected"].tolist() == ["C"] * 3
    assert r.summary["entered"].eq("").all() and r.summary["left"].eq("").all()


def test_a_real_change_is_found_with_its_driver():
    rates, counts = _data([2022, 2023], n=20_000)
    moved = (rates["year"] == 2023) & (rates["area"] == "C") & (rates["indicator"] == "sosialhjelp")
    rates.loc[moved, "value"] = 0.20
    cmoved = (counts["year"] == 2023) & (counts["area"] == "C") & (counts["indicator"] == "sosialhjelp")
    counts.loc[cmoved, ["numerator", "numerator_low", "numerator_high"]] = 0.20 * 20_000
    r = reselect(rates, counts, SPEC, CAT, years=[2022, 2023], areas=list(P), names={a: a for a in P},
                 initiative=["A", "B"], k=2, draws=300, seed=1)
    row = r.table[(r.table["year"] == 2023) & (r.table["area"] == "C")].iloc[0]
    assert row["change"] == "kom inn" and row["clear_change"]
    assert row["drivers"].startswith("Sosialhjelp")
    assert r.summary.set_index("year").loc[2023, "left"] == "B"


def test_counterfactual_changes_really_flip_the_choice():
    wide = pd.DataFrame({"code": list(P), **{ind: [P[a][k] for a in P]
                                              for k, ind in enumerate(("leie", "trangbodd", "sosialhjelp"))}})
    cf = counterfactuals(wide, SPEC, CAT, areas=["B", "C"], k=2, names={"B": "Bydel B"})
    assert set(cf["area"]) == {"B", "C"}
    for row in cf[cf["kind"] == "value"].to_dict("records"):
        changed = wide.copy()
        changed.loc[changed["code"] == row["area"], row["indicator"]] = row["to"]
        before = index_from_spec(wide, SPEC).set_index("code").loc[row["area"], "rank"] <= 2
        after = index_from_spec(changed, SPEC).set_index("code").loc[row["area"], "rank"] <= 2
        assert before != after
        # A change 1 % smaller does not flip it: the counterfactual is (nearly) the smallest.
        almost = wide.copy()
        almost.loc[almost["code"] == row["area"], row["indicator"]] = row["from"] + 0.99 * (row["to"] - row["from"])
        assert (index_from_spec(almost, SPEC).set_index("code").loc[row["area"], "rank"] <= 2) == before
    assert cf.loc[cf["area"] == "B", "text"].iloc[0].startswith("Bydel B ville gått ut av de 2 svakeste")


def test_variance_shares_sum_to_one():
    _, counts = _data([2023], n=80)
    out = uncertainty_sources(counts, SPEC, CAT, areas=list(P), draws=300, seed=3, weight_concentration=20,
                              methods=["z/weighted_mean", "rank/weighted_mean"], leave_one_out=True)
    shares = out[[c for c in out.columns if c.startswith("share_")]]
    moved = shares.notna().all(axis=1)
    np.testing.assert_allclose(shares[moved].sum(axis=1), 1.0)
    assert set(out.loc[moved, "main_source"]) <= {"sampling", "weights", "methods", "leave_one_out"}


def test_spatial_clusters_join_islands():
    pytest.importorskip("esda")
    from levekar.spatial import spatial_clusters

    cells = [box(x, y, x + 100, y + 100) for x in (0, 100, 200) for y in (0, 100, 200)]
    codes = [f"c{i}" for i in range(9)]
    layer = gpd.GeoDataFrame({"code": [*codes, "øy"]}, geometry=[*cells, box(1000, 1000, 1100, 1100)], crs=25833)
    values = pd.Series([3.0, 3.0, 3.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.5], index=[*codes, "øy"])
    glob, local = spatial_clusters(layer, values, permutations=199, seed=2)
    assert glob["islands_joined"] == ["øy"] and glob["n"] == 10
    assert glob["moran_i"] > 0.3
    again, local2 = spatial_clusters(layer, values, permutations=199, seed=2)
    assert again == glob and local.equals(local2)


def test_counterfactuals_never_reveal_hidden_values():
    wide = pd.DataFrame({"code": list(P), **{ind: [P[a][k] for a in P]
                                              for k, ind in enumerate(("leie", "trangbodd", "sosialhjelp"))}})
    everything = counterfactuals(wide, SPEC, CAT, areas=["B"], k=2)
    shown = everything[everything["kind"] == "value"]["indicator"].iloc[0]
    hidden = counterfactuals(wide, SPEC, CAT, areas=["B"], k=2, hidden={("B", shown)})
    assert shown not in hidden.loc[hidden["kind"] == "value", "indicator"].tolist()
