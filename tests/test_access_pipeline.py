"""Accessibility end to end: the study's [accessibility] section, the pipeline stage, exactness."""

import io
import re

import numpy as np
import pandas as pd
import pytest

from levekar.catalogue import load_catalogue
from levekar.errors import ConfigError
from levekar.study import parse_config

STEMS = ("skole", "moteplass", "grontomrade", "buss")


def _access_ids(catalogue):
    return [i for i, d in catalogue.items() if d.exact]


def test_the_catalogue_has_the_accessibility_indicators_as_exact_counts():
    cat = load_catalogue()
    ids = _access_ids(cat)
    assert len(ids) == 16 and all(i.startswith(STEMS) for i in ids)
    assert all(cat[i].domain == "bomiljo" for i in ids)
    assert {cat[i].kind for i in ids} == {"share", "mean", "median"}
    scored = sorted(i for i in ids if cat[i].direction != "descriptive")
    assert scored == ["buss_innen_500m", "grontomrade_innen_200m", "skole_innen_1000m"]
    assert all(cat[i].direction == "descriptive" for i in ids if i.startswith("moteplass"))
    assert all("(m)" in cat[i].short_label for i in ids if "avstand" in i)  # metres shown
    assert cat["lavinntekt"].sampling == "random"


def test_demo_run_publishes_exact_accessibility_indicators_with_people_conserved(demo_results):
    from levekar.publish import processed_files

    files = processed_files(demo_results)
    pub = pd.read_csv(io.BytesIO(files["data/processed/indicators_lokalsamfunn.csv"]))
    ids = _access_ids(demo_results.study.catalogue)
    acc = pub[pub["indicator"].isin(ids)]
    assert set(acc["indicator"]) == set(ids)
    assert (acc["interval_method"] == "exact").all()
    assert acc[["ci_low", "ci_high"]].isna().all().all()  # no interval: exact counts
    assert not acc["significantly_worse"].any()
    assert acc["value"].notna().mean() > 0.95

    r = demo_results.rates
    year = demo_results.year
    ledger = demo_results.accounting.accessibility["destinations"]
    for stem in STEMS:
        shares = r[(r["year"] == year) & r["indicator"].str.match(rf"{stem}_innen_\d+m$")]
        wide = shares.pivot(index="code", columns="indicator", values="denominator")
        # One denominator per area for every threshold: the people living there ...
        assert np.allclose(wide.to_numpy(), wide.iloc[:, [0]].to_numpy())
        # ... summing, over the lokalsamfunn, to everyone in the population layer.
        people = ledger[stem]["people_in_areas"]
        assert ledger[stem]["people_total"] == people == pytest.approx(85_019)
        assert wide.iloc[:, 0].sum() == pytest.approx(people, rel=1e-9)
        assert (shares["numerator"] <= shares["denominator"] + 1e-9).all()
        # Within the larger threshold includes within the smaller one.
        nums = shares.pivot(index="code", columns="indicator", values="numerator")
        near, far = sorted(nums.columns, key=lambda c: int(re.findall(r"\d+", c)[0]))
        assert (nums[near] <= nums[far] + 1e-9).all()
    # Whole cells by their point vs cells split by the crosswalk: within 2 % of the index's people.
    pop = demo_results.index.set_index("code")["population"]
    den = r[(r["year"] == year) & (r["indicator"] == "skole_innen_1000m")].set_index("code")
    assert ((den["denominator"] - pop).abs() / pop).max() < 0.025
    # The disconnected islands are reported with their people, never dropped.
    found = [f for f in demo_results.findings.items if f.kind == "unreachable"]
    assert {f.source for f in found} == {
        "accessibility.destinations.skole",
        "accessibility.destinations.buss",
    }
    assert all(f.people == ledger["skole"]["people_unreachable"] == 68 for f in found)
    assert ledger["skole"]["max_origin_snap"] < 1000  # max_snap


def test_exact_indicators_are_held_fixed_in_the_monte_carlo(demo_results):
    from levekar.uncertainty import _draw_values, _value_blocks

    data = demo_results.data[demo_results.year]
    spec = demo_results.spec
    cat = demo_results.study.catalogue
    exact = [k for k, i in enumerate(spec.indicators) if cat[i.column].exact]
    assert [spec.indicators[k].column for k in exact] == [
        "skole_innen_1000m",
        "grontomrade_innen_200m",
        "buss_innen_500m",
    ]
    rows = np.arange(len(data.codes))
    drawn = _draw_values(data, rows, spec, cat, 50, np.random.default_rng(1))
    for k in exact:
        np.testing.assert_array_equal(drawn[:, :, k], np.broadcast_to(data.value[:, k], (50, 21)))
    random_share = [i.column for i in spec.indicators].index("lavinntekt")
    assert np.nanstd(drawn[:, :, random_share], axis=0).max() > 0  # the others are re-drawn
    # Above one block too (each block from its own streams); they were re-drawn there.
    blocks = _value_blocks(data, rows, spec, cat, 50, np.random.default_rng(1), True, block=20)
    drawn = np.concatenate([v for *_, v in blocks])
    for k in exact:
        np.testing.assert_array_equal(drawn[:, :, k], np.broadcast_to(data.value[:, k], (50, 21)))
    assert np.nanstd(drawn[:, :, random_share], axis=0).max() > 0


def test_rates_from_counts_gives_exact_counts_no_interval():
    from levekar.indicators import rates_from_counts, shrink_rates

    counts = pd.DataFrame(
        {
            "code": ["A", "B", "A", "B"],
            "year": 2023,
            "indicator": ["skole_innen_500m"] * 2 + ["lavinntekt"] * 2,
            "numerator": [30.0, 80.0, 30.0, 80.0],
            "numerator_low": [30.0, 80.0, 30.0, 80.0],
            "numerator_high": [30.0, 80.0, 30.0, 80.0],
            "denominator": [100.0, 100.0, 100.0, 100.0],
            "status": "",
        }
    )
    rates = rates_from_counts(counts, load_catalogue(), min_denominator=0)
    exact = rates["indicator"] == "skole_innen_500m"
    assert rates.loc[exact, ["ci_low", "ci_high"]].isna().all().all()
    assert (rates.loc[exact, "interval_method"] == "exact").all()
    assert (rates.loc[~exact, "interval_method"] == "wilson").all()
    assert rates.loc[~exact, "ci_low"].notna().all()
    shrunk = shrink_rates(
        pd.concat([rates, rates.assign(code=rates["code"] + "2")]), load_catalogue()
    )
    ex = shrunk[shrunk["indicator"] == "skole_innen_500m"]
    assert (ex["value_shrunk"] == ex["value"]).all() and (ex["shrinkage"] == 0).all()


def test_the_accessibility_section_is_validated():
    base = {
        "study": {"kommune": "3107", "kommune_name": "F", "years": [2020, 2023], "data_label": "x"},
        "initiative": {"areas": ["a"]},
    }

    def cfg(acc):
        return parse_config({**base, "accessibility": acc}, source="s.toml")

    ok = cfg({"destinations": {"skole": {"path": "s.geojson", "thresholds": [300, 800]}}})
    assert ok.accessibility.kind == "euclidean" and ok.accessibility.max_snap == 1000
    for acc, message in [
        ({"destinations": {}}, "at least 1"),
        ({"destinations": {"Skole": {"path": "s"}}}, "lower-case"),
        ({"destinations": {"skole": {"path": "s", "kind": "network"}}}, "accessibility.network"),
        ({"destinations": {"skole": {"path": "s", "thresholds": [800, 300]}}}, "increasing"),
        ({"thresholds": [-5], "destinations": {"skole": {"path": "s"}}}, "positive"),
        ({"destinations": {"skole": {"path": "s", "radius": 5}}}, "radius"),
    ]:
        with pytest.raises(ConfigError, match=re.escape(message)):
            cfg(acc)


def test_demo_files_name_the_accessibility_layers(demo_dir):
    import tomllib

    from levekar.io.layers import read_features

    acc = tomllib.loads((demo_dir / "study.toml").read_text(encoding="utf-8"))["accessibility"]
    assert set(acc["destinations"]) == set(STEMS)
    for d in [*acc["destinations"].values(), acc["network"]]:
        assert (demo_dir / d["path"]).exists(), d["path"]
    places = read_features(demo_dir / "skoler_og_moteplasser.gpkg", where={"kind": "møteplass"})
    assert len(places) == 3 and places.crs.to_epsg() == 25833


@pytest.mark.realdata
def test_a_study_with_the_real_fredrikstad_schools_runs(real_data, demo_dir):
    """The demo's files with the real geocoded schools as the [accessibility] destination."""
    from levekar.pipeline import run
    from levekar.study import load_study

    schools = real_data / "skoler_fredrikstad_geokodet.geojson"
    if not schools.exists():
        pytest.skip(f"real data missing: {schools.name} not in {real_data}")
    text = (demo_dir / "study.toml").read_text(encoding="utf-8")
    head = text[: text.index("[accessibility]")]
    tail = text[text.index("[initiative]") :]
    section = (
        "[accessibility]\nthresholds = [500, 1000]\n\n"
        f'[accessibility.destinations.skole]\npath = "{schools.as_posix()}"\n\n'
    )
    cfg = demo_dir / "real_schools.toml"
    cfg.write_text(head.replace("draws = 2000", "draws = 0") + section + tail, encoding="utf-8")
    study = load_study(cfg)
    assert len(study.destinations["skole"]) == 32 and study.network is None
    results = run(study, reselect_years=[2023])
    r = results.rates[
        (results.rates["year"] == 2023) & results.rates["indicator"].eq("skole_innen_1000m")
    ]
    ledger = results.accounting.accessibility["destinations"]["skole"]
    assert len(r) == 21 and ledger["n_destinations"] == 32 and ledger["people_unreachable"] == 0
    assert r["denominator"].sum() == pytest.approx(ledger["people_total"], rel=1e-9)
    assert (r["numerator"] <= r["denominator"]).all()
    assert 0.2 < r["numerator"].sum() / r["denominator"].sum() < 0.9
    assert "skole_innen_1000m" in [i.column for i in results.spec.indicators]


def test_accessibility_without_population_or_layers_is_a_clear_error(demo_study):
    from dataclasses import replace

    from levekar.findings import Findings
    from levekar.pipeline import _accessibility

    with pytest.raises(ConfigError, match=r"\[accessibility\] needs a \[population\] layer"):
        _accessibility(replace(demo_study, population=None), [2023], Findings())
    with pytest.raises(ConfigError, match=r"no layer loaded for \['buss'\]"):
        layers = {k: v for k, v in demo_study.destinations.items() if k != "buss"}
        _accessibility(replace(demo_study, destinations=layers), [2023], Findings())


def test_read_features_names_what_is_wrong(demo_dir):
    from levekar.errors import DataError
    from levekar.io.layers import read_features

    path = demo_dir / "bussholdeplasser.gpkg"
    with pytest.raises(DataError, match=r"where: no column 'type'; columns are \['name', 'kind'\]"):
        read_features(path, where={"type": "buss"})
    with pytest.raises(DataError, match=r"no feature where \{'kind': 'tog'\}"):
        read_features(path, where={"kind": "tog"})


def test_a_target_on_an_exact_indicator_needs_no_detectable_change():
    from levekar.targets import targets_for_initiative

    rates = pd.DataFrame(
        {
            "code": ["A", "B"] * 2,
            "year": [2022, 2022, 2023, 2023],
            "indicator": "skole_innen_1000m",
            "value": [0.30, 0.60, 0.31, 0.60],
            "numerator": [30.0, 60.0, 31.0, 60.0],
            "denominator": 100.0,
            "kommune_value": [0.45, 0.45, 0.455, 0.455],
            "norway_value": np.nan,
            "published": True,
        }
    )
    t = targets_for_initiative(
        rates,
        load_catalogue(),
        areas=["A"],
        focus_areas={"bomiljo": ["skole_innen_1000m"]},
        start=2023,
        years=5,
    )
    row = t.iloc[0]
    assert row["detectable_change"] == 0 and row["measurable_change"] == 0
    assert row["measurable"] and row["measurable_if_areas_pooled"]
