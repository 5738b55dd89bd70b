import math

import numpy as np
import pandas as pd
import pytest

from levekar.index import index_from_spec
from levekar.presets import IMD_2019_WEIGHTS, PRESETS, compare_presets, preset_spec


def published_domain_ranks(n=40, seed=5):
    """A national-style table of domain ranks (1 = most deprived), as the English IoD publishes
    them."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    table = {"code": [f"E{i:05d}" for i in range(n)]}
    for d in IMD_2019_WEIGHTS:
        score = latent + rng.normal(scale=0.7, size=n)
        table[f"{d}_rank"] = (-score).argsort().argsort() + 1  # rank 1 = highest deprivation score
    return pd.DataFrame(table)


def expected_overall_ranks(table):
    """The published method, written out independently.

    Ranks → exponential → weighted sum → rank.
    """
    n = len(table)
    total = np.zeros(n)
    for d, w in IMD_2019_WEIGHTS.items():
        r = (n + 1 - table[f"{d}_rank"].to_numpy()) / n  # most deprived gets R = 1
        total += w * (-23 * np.log(1 - r * (1 - math.exp(-100 / 23))))
    return (-total).argsort().argsort() + 1


def test_imd_preset_reproduces_overall_ranks_from_domain_ranks():
    table = published_domain_ranks()
    base = {
        "id": "code",
        "indicators": [
            {"column": f"{d}_rank", "higher_is_worse": False, "domain": d, "weight": w}
            for d, w in IMD_2019_WEIGHTS.items()
        ],
        "domains": {"weights": IMD_2019_WEIGHTS},
    }
    out = index_from_spec(table, preset_spec("imd", base))
    np.testing.assert_array_equal(out["rank"].to_numpy(dtype=int), expected_overall_ranks(table))


def test_minimal_exponential_weighted_sum_spec_does_the_same():
    table = published_domain_ranks()
    spec = {
        "id": "code",
        "normalisation": "exponential",
        "aggregation": "weighted_sum",
        "indicators": [
            {"column": f"{d}_rank", "higher_is_worse": False, "weight": w}
            for d, w in IMD_2019_WEIGHTS.items()
        ],
    }
    out = index_from_spec(table, spec)
    np.testing.assert_array_equal(out["rank"].to_numpy(dtype=int), expected_overall_ranks(table))


TABLE = pd.DataFrame(
    {
        "code": list("abcdef"),
        "low_income": [0.10, 0.30, 0.20, 0.40, 0.15, 0.35],
        "employment": [0.80, 0.70, 0.75, 0.60, 0.78, 0.66],
        "low_education": [0.15, 0.35, 0.20, 0.30, 0.10, 0.40],
    }
)
BASE = {
    "id": "code",
    "indicators": [
        {"column": "low_income", "domain": "inntekt"},
        {"column": "employment", "higher_is_worse": False, "domain": "sysselsetting"},
        {"column": "low_education", "domain": "oppvekst"},
    ],
}


def test_rank_sum_and_score10_presets_exact():
    rs = index_from_spec(TABLE, preset_spec("rank_sum", BASE))
    # ranks (most deprived = 6): low_income 1,4,3,6,2,5; employment 1,4,3,6,2,5;
    # education 2,5,3,4,1,6
    assert rs["score"].tolist() == [4.0, 13.0, 9.0, 16.0, 5.0, 16.0]
    s10 = index_from_spec(TABLE, preset_spec("ssb_score10", BASE))
    assert s10["score"].iloc[3] == pytest.approx((10 + 10 + 7) / 3)


def test_compare_presets_reports_agreement():
    ranks, agreement = compare_presets(TABLE, BASE, k=2)
    assert list(ranks.columns) == ["code", *PRESETS]
    assert len(agreement) == len(PRESETS) * (len(PRESETS) - 1) // 2
    assert agreement["spearman"].between(0.7, 1.0).all()
    assert agreement["overlap_top_k"].between(1, 2).all()
