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
        rows.append(
            {
                "code": "A",
                "year": year,
                "indicator": "grunnskole",
                "value": v,
                "denominator": 400.0,
                "kommune_value": 0.25,
                "norway_value": 0.20,
            }
        )
    return pd.DataFrame(rows)


def test_linear_and_logit_trajectories():
    np.testing.assert_allclose(
        trajectory(0.4, 0.3, [2023, 2024, 2025, 2026, 2027, 2028]),
        [0.4, 0.38, 0.36, 0.34, 0.32, 0.30],
    )
    path = trajectory(0.4, 0.3, [2023, 2028], scale="logit")
    np.testing.assert_allclose(path, [0.4, 0.3])
    mid = trajectory(0.4, 0.3, [0, 1, 2], scale="logit")[1]
    assert mid == pytest.approx(1 / (1 + np.exp(-(np.log(0.4 / 0.6) + np.log(0.3 / 0.7)) / 2)))


def test_close_half_the_gap_to_the_kommune():
    t = targets_for_initiative(
        rates({2021: 0.33, 2022: 0.35}),
        CAT,
        areas=["A"],
        focus_areas={"oppvekst": ["grunnskole"]},
        start=2023,
        years=5,
    )
    row = t.iloc[0]
    assert row["baseline"] == 0.35 and row["target_value"] == pytest.approx(0.30)
    assert row["target_2023"] == 0.35 and row["target_2028"] == pytest.approx(0.30)
    assert row["target_2025"] == pytest.approx(0.33)


def test_mean_baseline_and_already_better_area_holds():
    t = targets_for_initiative(
        rates({2020: 0.20, 2021: 0.21, 2022: 0.22}),
        CAT,
        areas=["A"],
        focus_areas={"oppvekst": ["grunnskole"]},
        start=2023,
        years=5,
        baseline="mean",
    )
    assert t.iloc[0]["baseline"] == pytest.approx(0.21)
    assert t.iloc[0]["target_value"] == pytest.approx(0.21)
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
    # The formula uses the baseline's variance, so it is slightly conservative (power a little
    # above 80 %).
    assert 0.78 <= power <= 0.86


def test_bad_target_inputs():
    with pytest.raises(
        ConfigError, match=r"targets.focus_areas.oppvekst: indicator 'leie' is not in the study"
    ):
        targets_for_initiative(
            rates({2022: 0.3}),
            CAT,
            areas=["A"],
            focus_areas={"oppvekst": ["leie"]},
            start=2023,
            years=5,
        )
    with pytest.raises(ConfigError, match=r"baseline year\(s\) \[2029\] have no data"):
        targets_for_initiative(
            rates({2022: 0.3}),
            CAT,
            areas=["A"],
            focus_areas={"oppvekst": ["grunnskole"]},
            start=2030,
            years=5,
        )


def _target_row(**kw):
    base = {
        "code": "A",
        "indicator": "grunnskole",
        "baseline": 0.40,
        "target_value": 0.30,
        "measurable": True,
        **{f"target_{y}": 0.40 - 0.02 * (y - 2023) for y in range(2023, 2029)},
    }
    base.update(kw)
    return pd.DataFrame([base])


def _actual(year, value, lo, hi):
    return pd.DataFrame(
        [
            {
                "code": "A",
                "indicator": "grunnskole",
                "year": year,
                "value": value,
                "ci_low": lo,
                "ci_high": hi,
            }
        ]
    )


@pytest.mark.parametrize(
    ("actual", "measurable", "status", "label"),
    [
        ((2025, 0.29, 0.25, 0.33), True, "reached", "nådd"),
        ((2025, 0.35, 0.33, 0.37), True, "on_track", "på sporet"),  # expected 0.36: better
        # behind the path (0.36), but 0.36 is inside the interval: the numbers cannot yet tell
        ((2025, 0.37, 0.35, 0.39), True, "too_early", "for tidlig å si"),
        ((2025, 0.39, 0.37, 0.41), True, "behind", "bak skjema"),  # whole interval above 0.36
        ((2025, 0.39, 0.37, 0.41), False, "not_measurable", "ikke målbart"),
        ((2021, 0.39, 0.37, 0.41), True, "no_data", "ingen nye tall"),  # before the plan's years
    ],
)
def test_progress_status(actual, measurable, status, label):
    from levekar.render.presentation import STATUS_LABELS
    from levekar.targets import progress

    out = progress(_target_row(measurable=measurable), _actual(*actual), CAT).iloc[0]
    assert out["status"] == status and STATUS_LABELS[out["status"]] == label
    if status != "no_data":
        assert out["expected"] == pytest.approx(0.36) and out["latest_year"] == 2025
        assert (out["latest_ci_low"], out["latest_ci_high"]) == (actual[2], actual[3])


def test_progress_for_an_indicator_where_higher_is_better():
    from levekar.targets import progress

    row = _target_row(
        indicator="sysselsetting",
        baseline=0.70,
        target_value=0.75,
        **{f"target_{y}": 0.70 + 0.01 * (y - 2023) for y in range(2023, 2029)},
    )
    actual = _actual(2026, 0.74, 0.73, 0.75).assign(indicator="sysselsetting")
    assert progress(row, actual, CAT).iloc[0]["status"] == "on_track"  # expected 0.73
    actual = _actual(2026, 0.71, 0.70, 0.72).assign(indicator="sysselsetting")
    assert progress(row, actual, CAT).iloc[0]["status"] == "behind"


def test_initiative_end_before_start_is_an_error():
    from levekar.demo import demo_config as default_demo_config
    from levekar.study import parse_config

    cfg = default_demo_config()
    cfg["initiative"]["end"] = 2022
    with pytest.raises(
        ConfigError, match=r"initiative: Value error, end \(2022\) must be after start \(2023\)"
    ):
        parse_config(cfg, source="study.toml")


@pytest.mark.parametrize(
    ("rule", "target"),
    [
        ({"rule": "reach_value", "value": 0.28}, 0.28),
        ({"rule": "relative_change", "relative_change": 0.2}, 0.28),
        ({"rule": "manual", "values": {"Sentrum": 0.31}}, 0.31),
        ({"rule": "close_gap", "gap_share": 1.0, "reference": "norway"}, 0.20),
    ],
)
def test_rules_per_indicator(rule, target):
    t = targets_for_initiative(
        rates({2022: 0.35}),
        CAT,
        areas=["A"],
        focus_areas={"oppvekst": ["grunnskole"]},
        start=2023,
        years=5,
        rules={"grunnskole": rule},
        area_names={"A": "Sentrum"},
    )
    assert t.iloc[0]["target_value"] == pytest.approx(target)


def test_manual_rule_without_the_area_is_an_error():
    with pytest.raises(
        ConfigError,
        match=r"targets.rules.grunnskole: rule 'manual' has no value for area 'Sentrum'",
    ):
        targets_for_initiative(
            rates({2022: 0.35}),
            CAT,
            areas=["A"],
            focus_areas={"oppvekst": ["grunnskole"]},
            start=2023,
            years=5,
            rules={"grunnskole": {"rule": "manual", "values": {"X": 1}}},
            area_names={"A": "Sentrum"},
        )


def test_targets_on_too_few_people_are_not_published(demo_results):
    from levekar.render.handlingsplan import handlingsplan_table

    assert demo_results.targets["published"].all()  # the demo's initiative areas are large enough
    t = demo_results.targets.copy()
    t.loc[t.index[0], "published"] = False
    table = handlingsplan_table(t, demo_results.study.catalogue, label=demo_results.label)
    row = table.iloc[0]
    assert row["Status"] == "ikke publisert" and row["Mål"].startswith("ikke publisert")
    assert pd.isna(row["Utgangsverdi"])


@pytest.mark.parametrize(
    ("lo", "hi", "status"), [(0.39, 0.45, "too_early"), (0.41, 0.43, "behind")]
)
def test_a_value_that_got_worse_is_never_on_track(lo, hi, status):
    from levekar.targets import progress

    # Baseline 0.40, lower is better; the latest value 0.42 moved the wrong way.
    out = progress(_target_row(), _actual(2024, 0.42, lo, hi), CAT).iloc[0]
    assert out["status"] == status != "on_track"


def test_baselines_are_pooled_over_years_by_default_and_say_so(demo_results):
    t = demo_results.targets
    assert (t["baseline_years"] == "2020–2022").all()
    assert demo_results.study.config.targets.baseline == "mean"
    cols = {"measurable_change", "measurable_if_years_pooled", "measurable_if_areas_pooled"}
    assert cols <= set(t.columns)
    hard = t[~t["measurable"] & t["target_value"].notna()]
    change = (hard["target_value"] - hard["baseline"]).abs()
    assert len(hard) and (hard["measurable_change"] > change).all()
    r = demo_results.rates
    row = t.iloc[0]
    base = r[
        (r["code"] == row["code"])
        & (r["indicator"] == row["indicator"])
        & r["year"].between(2020, 2022)
    ]
    scale = demo_results.study.catalogue[row["indicator"]].scale
    assert row["baseline"] == pytest.approx(
        base["numerator"].sum() / base["denominator"].sum() * scale
    )
