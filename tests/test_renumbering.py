"""Kommune renumbering from the packaged KLASS snapshot (levekar/data/kommuneendringer.csv)."""

import pandas as pd
import pytest

from levekar.codes import (
    apply_code_changes,
    current_kommune,
    kommune_changes,
    kommune_renumbering,
)
from levekar.errors import DataError


def test_hvaler_and_baerum_through_both_reforms():
    assert [current_kommune(c) for c in ("0111", "3011", "3110")] == ["3110"] * 3
    assert [current_kommune(c) for c in ("0219", "3024", "3201")] == ["3201"] * 3
    # Asker was merged with Røyken and Hurum in 2020 (3025), renumbered 3203 in 2024.
    assert {current_kommune(c) for c in ("0220", "0627", "0628", "3025")} == {"3203"}
    assert current_kommune("0301") == "0301"  # Oslo was never renumbered


def test_the_snapshot_is_a_valid_change_table_with_dated_steps():
    t = kommune_changes()
    assert set(t["date"]) == {"2020-01-01", "2024-01-01"}
    assert not t.duplicated(["old_code", "date"]).any()
    obs = pd.DataFrame(
        {
            "code": ["0111", "3011", "3110", "0219"],
            "year": [2019, 2022, 2024, 2018],
            "numerator": [1.0, 2.0, 3.0, 4.0],
        }
    )
    carried, _ = apply_code_changes(obs, t)
    assert carried["code"].tolist() == ["3110", "3110", "3110", "3201"]


def test_grunnkrets_codes_follow_a_renumbered_kommune_but_not_a_merged_one():
    changes = kommune_renumbering(pd.Series(["01110101", "02190203"]))
    assert changes[["old_code", "new_code", "date"]].values.tolist() == [
        ["01110101", "30110101", "2020-01-01"],
        ["30110101", "31100101", "2024-01-01"],
        ["02190203", "30240203", "2020-01-01"],
        ["30240203", "32010203", "2024-01-01"],
    ]
    with pytest.raises(DataError, match="0220 was merged with 0627, 0628 into 3025"):
        kommune_renumbering(pd.Series(["02200101"]))
