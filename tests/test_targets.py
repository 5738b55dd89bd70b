import numpy as np
import pandas as pd
import pytest

from levekar.catalogue import load_catalogue
from levekar.errors import ConfigError
from levekar.targets import detectable_change, targets_for_initiative, trajectory

CAT = load_catalogue()


def rates(values):
    rows = []
    for year, v in values.items():
        rows.append({"area": "A", "year": year, "indicator": "grunnskole", "value": v, "denominator": 400.0,
                     "kommune_value": 0.25, "norway_value": 0.20})
    return pd.DataFrame(rows)


def test_linear_and_logit_trajectories():
    np.testing.assert_allclose(trajectory(0.4, 0.3, [2023, 2024, 2025, 2026, 2027, 2028]),
                               [0.4, 0.38, 0.36, 0.34, 0.32, 0.30])
    path = trajectory(0.4, 0.3, [2023, 2028], scale="logit")
    np.testing.assert_allclose(path, [0.4, 0.3])
    mid = trajectory(0.4, 0.3, [0, 1, 2], scale="logit")[1]
    assert mid == pytest.approx(1 / (1 + np.exp(-(np.log(0.4 / 0.6) + np.log(0.3 / 0.7)) / 2)))


def test_close_half_the_gap_to_the_kommune():
    t = targets_for_initiative(rates({2021: 0.33, 2022: 0.35}), CAT, areas=["A"],
                               focus_areas={"oppvekst": ["grunnskole"]}, start=2023, years=5)
    row = t.iloc[0]
    assert row["baseline"] == 0.35 and row["target"] == pytest.approx(0.30)
    assert row["target_2023"] == 0.35 and row["target_2028"] == pytest.approx(0.30)
    assert row["target_2025"] == pytest.approx(0.33)


def test_mean_baseline_and_already_better_area_holds():
    t = targets_for_initiative(rates({2020: 0.20, 2021: 0.21, 2022: 0.22}), CAT, areas=["A"],
                               focus_areas={"oppvekst": ["grunnskole"]}, start=2023, years=5, baseline="mean")
    assert t.iloc[0]["baseline"] == pytest.approx(0.21)
    assert t.iloc[0]["target"] == pytest.approx(0.21)
    assert t.iloc[0]["baseline_years"] == "2020–2022"


def test_detectable_change_matches_simulation():
    p, n = 0.3, 400
    mdc = detectable_change(p, n)
    rng = np.random.default_rng(7)
    a = rng.binomial(n, p, 20000) / n
    b = rng.binomial(n, p - mdc, 20000) / n
    pooled = (a + b) / 2
    z = (a - b) / np.sqrt(2 * pooled * (1 - pooled) / n)
    power = np.mean(z > 1.959964)
    # The formula uses the baseline's variance, so it is slightly conservative (power a little above 80 %).
    assert 0.78 <= power <= 0.86


def test_bad_target_inputs():
    with pytest.raises(ConfigError, match=r"targets.focus_areas.oppvekst: indicator 'leie' is not in the study"):
        targets_for_initiative(rates({2022: 0.3}), CAT, areas=["A"], focus_areas={"oppvekst": ["leie"]},
                               start=2023, years=5)
    with pytest.raises(ConfigError, match=r"baseline year\(s\) \[2029\] have no data"):
        targets_for_initiative(rates({2022: 0.3}), CAT, areas=["A"], focus_areas={"oppvekst": ["grunnskole"]},
                               start=2030, years=5)
