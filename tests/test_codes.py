import pandas as pd
import pytest

from levekar.codes import apply_code_changes, normalise_codes
from levekar.errors import DataError


def test_normalise_codes_pads_and_strips():
    out = normalise_codes(pd.Series([106, "3004", " 3107 ", 106.0]), width=4)
    assert out.tolist() == ["0106", "3004", "3107", "0106"]


def test_normalise_codes_names_bad_value():
    with pytest.raises(DataError, match=r"grk\.csv: column 'code'.*'31O71203'"):
        normalise_codes(
            pd.Series(["31071203", "31O71203"]), width=8, source="grk.csv", column="code"
        )


CHANGES = pd.DataFrame(
    {
        "old_code": ["01060101", "01060102", "01060102", "30040101", "30040103", "30040104"],
        "new_code": ["30040101", "30040103", "30040104", "31070101", "31070103", "31070104"],
        "date": [
            "2020-01-01",
            "2020-01-01",
            "2020-01-01",
            "2024-01-01",
            "2024-01-01",
            "2024-01-01",
        ],
        "share": [1.0, 0.25, 0.75, 1.0, 1.0, 1.0],
    }
)


def test_chain_and_split_carry_counts_forward():
    obs = pd.DataFrame(
        {
            "code": ["01060101", "01060102", "30040103", "99999999"],
            "year": [2019, 2019, 2021, 2021],
            "numerator": [10.0, 8.0, 3.0, 5.0],
            "denominator": [100.0, 40.0, 30.0, 50.0],
        }
    )
    valid = {"31070101", "31070103", "31070104"}
    carried, unmatched = apply_code_changes(obs, CHANGES, valid_codes=valid)
    got = carried.groupby(["code", "year"])[["numerator", "denominator"]].sum()
    assert got.loc[("31070101", 2019)].tolist() == [10.0, 100.0]
    assert got.loc[("31070103", 2019)].tolist() == [2.0, 10.0]
    assert got.loc[("31070104", 2019)].tolist() == [6.0, 30.0]
    assert got.loc[("31070103", 2021)].tolist() == [3.0, 30.0]
    # Nothing silently dropped: the unknown code is returned with its counts.
    assert unmatched["code"].tolist() == ["99999999"]
    assert unmatched["numerator"].tolist() == [5.0]
    assert carried["numerator"].sum() + unmatched["numerator"].sum() == obs["numerator"].sum()


def test_changes_after_the_data_year_do_not_apply_backwards():
    obs = pd.DataFrame(
        {"code": ["31070101"], "year": [2024], "numerator": [1.0], "denominator": [2.0]}
    )
    carried, unmatched = apply_code_changes(obs, CHANGES, valid_codes={"31070101"})
    assert carried["code"].tolist() == ["31070101"]
    assert unmatched.empty


def test_split_shares_must_sum_to_one():
    bad = CHANGES.copy()
    bad.loc[2, "share"] = 0.5
    with pytest.raises(DataError, match=r"shares for old code '01060102'.*sum to 0.75"):
        apply_code_changes(
            pd.DataFrame({"code": [], "year": [], "numerator": [], "denominator": []}), bad
        )


def test_change_table_with_bad_date_names_value():
    bad = CHANGES.copy()
    bad["date"] = bad["date"].astype(object)
    bad.loc[0, "date"] = "1. januar"
    with pytest.raises(DataError, match="line 2, column 'date': '1. januar' is not a date"):
        apply_code_changes(
            pd.DataFrame({"code": [], "year": [], "numerator": [], "denominator": []}), bad
        )
