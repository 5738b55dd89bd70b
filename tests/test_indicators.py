import numpy as np
import pandas as pd
import pytest
from conftest import box, layer

from levekar.catalogue import load_catalogue
from levekar.crosswalk import crosswalk_from_overlay
from levekar.errors import ConfigError, DataError
from levekar.indicators import (
    aggregate_observations,
    poisson_interval,
    rates_from_counts,
    validate_observations,
    wilson_interval,
)

CAT = load_catalogue()


def obs(rows):
    return pd.DataFrame(
        rows, columns=["code", "year", "indicator", "numerator", "denominator", "status"]
    )


def test_catalogue_has_the_standard_indicators():
    assert len(CAT) >= 19
    assert {
        "lavinntekt",
        "barn_lavinntekt",
        "grunnskole",
        "arbeidsledighet",
        "ufore",
        "sosialhjelp",
        "leie",
        "utflytting",
        "dodelighet",
    } <= set(CAT)
    assert CAT["grunnskole"].domain == "oppvekst" and CAT["grunnskole"].kind == "share"
    assert CAT["utflytting"].scale == 1000.0
    assert CAT["inntekt_forbruksenhet"].direction == "higher_is_better"


def test_custom_indicator_and_override():
    cat = load_catalogue(
        {
            "grunnskole": {"min_denominator": 80},
            "np_lesing": {
                "label": "Nasjonale prøver lesing",
                "short_label": "Lesing",
                "domain": "oppvekst",
                "direction": "higher_is_better",
                "kind": "mean",
                "numerator": "Skalapoeng",
                "denominator": "Elever",
                "source": "Udir",
            },
        }
    )
    assert cat["grunnskole"].min_denominator == 80
    assert cat["np_lesing"].kind == "mean"
    with pytest.raises(ConfigError, match=r"indicators.bad.domain"):
        load_catalogue({"bad": {**cat["np_lesing"].model_dump(exclude={"id"}), "domain": "skole"}})


def test_wilson_and_poisson_reference_values():
    lo, hi = wilson_interval(10, 100)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0552, 0.1744)
    lo, hi = wilson_interval(0, 20)
    assert float(lo) == 0.0 and round(float(hi), 4) == 0.1611
    lo, hi = poisson_interval(0, 1)
    assert float(lo) == 0.0 and round(float(hi), 4) == 3.6889


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ("g1", 2020, "ukjent", 1, 10, ""),
            r"row 0, column 'indicator': unknown indicator 'ukjent'",
        ),
        (("g1", 2020, "leie", -1, 10, ""), r"row 0, column 'numerator': negative count -1"),
        (("g1", 2020, "leie", 11, 10, ""), r"row 0: numerator 11 is above denominator 10"),
        (
            ("g1", 2030, "leie", 1, 10, ""),
            r"row 0, column 'year': 2030 is outside the study's years 2018–2023",
        ),
        (("g1", "20x0", "leie", 1, 10, ""), r"row 0, column 'year': '20x0' is not a year"),
        (("g1", 2020, "leie", 1, 10, "?"), r"row 0, column 'status': unknown symbol '\?'"),
    ],
)
def test_bad_observations_name_file_row_and_value(row, message):
    with pytest.raises(DataError, match=r"^ind\.csv: " + message):
        validate_observations(obs([row]), CAT, years=(2018, 2023), source="ind.csv")


def test_duplicate_rows_are_an_error():
    rows = [("g1", 2020, "leie", 1, 10, ""), ("g1", 2020, "leie", 2, 10, "")]
    with pytest.raises(
        DataError, match=r"duplicate rows for area 'g1', year 2020, indicator 'leie'"
    ):
        validate_observations(obs(rows), CAT, source="ind.csv")


def test_status_symbols_set_the_numerator():
    rows = [
        ("g1", 2020, "leie", 5, 10, "-"),
        ("g2", 2020, "leie", 3, 10, ":"),
        ("g3", 2020, "leie", None, 10, ""),
    ]
    out = validate_observations(obs(rows), CAT)
    assert out["numerator"].iloc[0] == 0.0
    assert np.isnan(out["numerator"].iloc[1])
    assert out["status"].tolist() == ["-", ":", ".."]


CW = crosswalk_from_overlay(
    layer(["g1", "g2", "g3"], [box(0, 0, 10, 10), box(10, 0, 20, 10), box(20, 0, 30, 10)]),
    layer(["A", "B"], [box(0, 0, 20, 10), box(20, 0, 30, 10)]),
)


def test_counts_are_summed_then_rates_computed():
    rows = [
        ("g1", 2020, "leie", 10, 100, ""),
        ("g2", 2020, "leie", 30, 100, ""),
        ("g3", 2020, "leie", 5, 50, ""),
    ]
    counts, lost = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    a = counts.set_index("code").loc["A"]
    assert (a["numerator"], a["denominator"], a["status"]) == (40.0, 200.0, "")
    rates = rates_from_counts(counts, CAT).set_index("code")
    assert rates.loc["A", "value"] == 0.2  # (10 + 30) / 200, not the mean of 0.1 and 0.3 either way
    assert rates.loc["A", "interval_method"] == "wilson"
    assert lost.empty


def test_suppressed_cell_never_becomes_zero():
    rows = [("g1", 2020, "leie", 20, 200, ""), ("g2", 2020, "leie", None, 40, ":")]
    counts, _ = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    a = counts.set_index("code").loc["A"]
    assert (a["numerator_low"], a["numerator_high"]) == (20.0, 24.0)  # suppressed_max = 4
    assert a["numerator"] == 22.0 and a["status"] == "partly_suppressed"
    assert a["suppressed_share"] == pytest.approx(40 / 240)
    rates = rates_from_counts(counts, CAT).set_index("code")
    assert rates.loc["A", "value"] == pytest.approx(22 / 240)
    assert rates.loc["A", "publish_status"] == "estimated"
    # The interval spans both bounds.
    assert rates.loc["A", "ci_low"] == pytest.approx(float(wilson_interval(20, 240)[0]))
    assert rates.loc["A", "ci_high"] == pytest.approx(float(wilson_interval(24, 240)[1]))


def test_a_value_mostly_from_suppressed_cells_is_neither_published_nor_scored():
    rows = [("g1", 2020, "leie", 10, 100, ""), ("g2", 2020, "leie", None, 40, ":")]
    counts, _ = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    assert counts.set_index("code").loc["A", "suppressed_share"] == pytest.approx(40 / 140)
    rates = rates_from_counts(counts, CAT).set_index("code")  # 29 % suppressed > 20 %
    assert np.isnan(rates.loc["A", "value"]) and not rates.loc["A", "published"]
    assert rates.loc["A", "publish_status"] == "mostly_suppressed"
    assert np.isnan(rates.loc["A", "ci_low"]) and np.isnan(rates.loc["A", "value_published"])
    lenient = rates_from_counts(counts, CAT, max_suppressed_share=0.5).set_index("code")
    assert lenient.loc["A", "value"] == pytest.approx(12 / 140)
    assert lenient.loc["A", "publish_status"] == "estimated"


def test_missing_source_makes_target_missing():
    rows = [("g1", 2020, "leie", 10, 100, ""), ("g2", 2020, "leie", None, 40, "..")]
    counts, _ = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    a = counts.set_index("code").loc["A"]
    assert np.isnan(a["numerator"]) and a["status"] == ".."


def test_small_denominators_are_not_published():
    rows = [("g1", 2020, "leie", 1, 10, ""), ("g3", 2020, "leie", 5, 50, "")]
    counts, _ = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    rates = rates_from_counts(counts, CAT, min_denominator=20).set_index("code")
    assert not rates.loc["A", "published"] and np.isnan(rates.loc["A", "value_published"])
    assert rates.loc["A", "publish_status"] == "suppressed"
    assert rates.loc["B", "published"] and rates.loc["B", "value_published"] == 0.1


def test_medians_are_denominator_weighted_and_flagged():
    rows = [
        ("g1", 2020, "inntekt_forbruksenhet", 300_000, 100, ""),
        ("g2", 2020, "inntekt_forbruksenhet", 400_000, 300, ""),
    ]
    counts, _ = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    rates = rates_from_counts(counts, CAT).set_index("code")
    assert rates.loc["A", "value"] == 375_000.0
    assert bool(rates.loc["A", "approximate"]) is True


def test_wilson_interval_coverage_by_simulation():
    rng = np.random.default_rng(1)
    p, n = 0.12, 300
    x = rng.binomial(n, p, 2000)
    lo, hi = wilson_interval(x, n)
    coverage = np.mean((lo <= p) & (p <= hi))
    assert 0.93 <= coverage <= 0.97


def test_poisson_interval_coverage_by_simulation():
    rng = np.random.default_rng(2)
    rate, exposure = 0.008, 2500
    x = rng.poisson(rate * exposure, 2000)
    lo, hi = poisson_interval(x, exposure)
    coverage = np.mean((lo <= rate) & (rate <= hi))
    assert 0.93 <= coverage <= 0.985  # exact intervals are conservative


def _published(rows):
    df = pd.DataFrame(
        rows,
        columns=[
            "code",
            "year",
            "indicator",
            "denominator",
            "value_published",
            "published",
            "publish_status",
        ],
    )
    return df


def test_secondary_suppression_hides_the_smallest_sibling():
    from levekar.indicators import secondary_suppression

    rows = [
        ("A", 2023, "leie", 12, np.nan, False, "suppressed"),
        ("B", 2023, "leie", 300, 0.2, True, "ok"),
        ("C", 2023, "leie", 80, 0.3, True, "ok"),
        ("A", 2022, "leie", 12, np.nan, False, "suppressed"),
        ("B", 2022, "leie", 10, np.nan, False, "suppressed"),
        ("C", 2022, "leie", 80, 0.3, True, "ok"),
    ]
    out = secondary_suppression(_published(rows)).set_index(["code", "year"])
    assert out.loc[("C", 2023), "publish_status"] == "suppressed_secondary"
    assert np.isnan(out.loc[("C", 2023), "value_published"])
    assert out.loc[("B", 2023), "published"]
    # Two hidden cells already protect each other.
    assert out.loc[("C", 2022), "publish_status"] == "ok"


def test_shrinkage_by_hand():
    from levekar.indicators import shrink_rates

    rates = pd.DataFrame(
        {
            "code": list("ABC"),
            "year": 2023,
            "indicator": "leie",
            "value": [0.1, 0.2, 0.45],
            "denominator": [100.0, 400.0, 50.0],
            "kommune_value": 0.2,
        }
    )
    out = shrink_rates(rates, CAT).set_index("code")
    p, n = np.array([0.1, 0.2, 0.45]), np.array([100.0, 400.0, 50.0])
    v = 0.2 * 0.8 / n
    tau2 = np.var(p, ddof=1) - v.mean()
    b = v / (v + tau2)
    np.testing.assert_allclose(out["shrinkage"].to_numpy(), b)
    np.testing.assert_allclose(out["value_shrunk"].to_numpy(), b * 0.2 + (1 - b) * p)
    assert out.loc["C", "shrinkage"] > out.loc["B", "shrinkage"]  # the smallest area moves most


def test_rates_only_table_is_marked_approximate():
    from levekar.indicators import observations_from_rates

    table = pd.DataFrame({"Ident": ["01", "02"], "År": [2016, 2016], "Variabel": ["7,5", 12.0]})
    obs = observations_from_rates(
        table,
        indicator="grunnskole",
        code="Ident",
        year="År",
        rate="Variabel",
        population=pd.Series({"01": 400.0, "02": 200.0}),
        source="stavanger.json",
    )
    assert obs["numerator"].tolist() == [30.0, 24.0] and obs["approximate"].all()
    tidy = validate_observations(obs, CAT)
    counts, _ = aggregate_observations(
        tidy,
        crosswalk_from_overlay(
            layer(["01", "02"], [box(0, 0, 10, 10), box(10, 0, 20, 10)]),
            layer(["Z"], [box(0, 0, 20, 10)]),
        ),
        CAT,
    )
    rates = rates_from_counts(counts, CAT)
    assert rates["value"].iloc[0] == pytest.approx(54 / 600) and bool(rates["approximate"].iloc[0])
    with pytest.raises(DataError, match="stavanger.json: no population for area '02'"):
        observations_from_rates(
            table,
            indicator="grunnskole",
            code="Ident",
            year="År",
            rate="Variabel",
            population=pd.Series({"01": 400.0}),
            source="stavanger.json",
        )


def test_wrong_encoding_and_binary_files(tmp_path):
    from levekar.io.observations import read_observations

    good = "area;year;indicator;numerator;denominator\n31071203;2022;leie;12;100\n"
    (tmp_path / "utf16.csv").write_bytes(good.encode("utf-16-le"))  # no BOM, as Udir writes
    assert read_observations(tmp_path / "utf16.csv")["numerator"].tolist() == [12.0]
    (tmp_path / "latin1.csv").write_bytes(good.replace("leie", "leie").encode("latin-1"))
    assert read_observations(tmp_path / "latin1.csv")["code"].tolist() == ["31071203"]
    (tmp_path / "book.csv").write_bytes(b"PK\x03\x04\x00\x00binary\x00\x00")
    with pytest.raises(DataError, match=r"book.csv: a binary file, not text"):
        read_observations(tmp_path / "book.csv")


def test_user_named_columns_in_csv_and_xlsx(tmp_path):
    from levekar.io.observations import read_observations

    table = pd.DataFrame(
        {
            "grunnkrets": ["31071203"],
            "aar": [2022],
            "ind": ["leie"],
            "antall": ["1 234,0"],
            "i_alt": [4001],
        }
    )
    cols = {
        "code": "grunnkrets",
        "year": "aar",
        "indicator": "ind",
        "numerator": "antall",
        "denominator": "i_alt",
    }
    table.to_excel(tmp_path / "tabell.xlsx", index=False)
    table.to_csv(tmp_path / "tabell.csv", sep=";", index=False)
    for name in ("tabell.xlsx", "tabell.csv"):
        obs = read_observations(tmp_path / name, columns=cols)
        assert obs["numerator"].tolist() == [1234.0] and obs["code"].tolist() == ["31071203"], name
    with pytest.raises(
        DataError, match=r"tabell.csv: column\(s\) \['teller'\] named in the configuration"
    ):
        read_observations(tmp_path / "tabell.csv", columns={**cols, "numerator": "teller"})


def test_suppressed_medians_are_left_out_of_the_weighted_mean():
    rows = [
        ("g1", 2020, "inntekt_forbruksenhet", 300_000, 100, ""),
        ("g2", 2020, "inntekt_forbruksenhet", None, 15, ":"),
    ]
    counts, _ = aggregate_observations(validate_observations(obs(rows), CAT), CW, CAT)
    a = counts.set_index("code").loc["A"]
    assert a["status"] == "partly_suppressed" and a["denominator"] == 100.0
    rates = rates_from_counts(counts, CAT, min_denominator=0).set_index("code")
    assert rates.loc["A", "value"] == 300_000.0 and rates.loc["A", "publish_status"] == "estimated"
    only = [("g2", 2020, "inntekt_forbruksenhet", None, 15, ":")]
    counts, _ = aggregate_observations(validate_observations(obs(only), CAT), CW, CAT)
    assert counts.set_index("code").loc["A", "status"] == ":"


def test_a_split_is_found_with_its_people_and_equal_shares_called_a_guess():
    from levekar.catalogue import load_catalogue
    from levekar.indicators import current_observations

    cat = load_catalogue()
    obs = pd.DataFrame(
        {
            "code": ["01060101", "01060101", "01060102"],
            "year": [2019, 2019, 2019],
            "indicator": ["barn_lavinntekt", "leie", "leie"],
            "numerator": [10.0, 40.0, 30.0],
            "denominator": [100.0, 200.0, 150.0],
        }
    )

    def changes(share_basis):
        return pd.DataFrame(
            {
                "old_code": ["01060101", "01060101", "01060102"],
                "new_code": ["30040101", "30040103", "30040102"],
                "date": ["2020-01-01"] * 3,
                "share": [0.5, 0.5, 1.0],
                "share_basis": [share_basis, share_basis, "exact"],
            }
        )

    valid = {"30040101", "30040102", "30040103"}
    carried, _, found = current_observations(
        obs, cat, valid_codes=valid, code_changes=changes("equal")
    )
    # Nothing lost: the split's counts are divided, and their sum is what came in.
    assert carried.groupby("indicator")["denominator"].sum().to_dict() == {
        "barn_lavinntekt": 100.0,
        "leie": 350.0,
    }
    (split,) = [f for f in found.items if f.kind == "code_change_split"]
    assert "01060101" in split.message and "a guess" in split.message
    assert split.rows == 4 and split.severity == "warning"
    assert "give the split's real shares" in split.fix
    _, _, found = current_observations(obs, cat, valid_codes=valid, code_changes=changes("exact"))
    (split,) = [f for f in found.items if f.kind == "code_change_split"]
    assert "a guess" not in split.message and "check them" in split.fix
