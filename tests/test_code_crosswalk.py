"""Crosswalks by code for nested hierarchies (levekar.crosswalk.crosswalk_from_codes)."""

import json

import pandas as pd
import pytest

from levekar.crosswalk import (
    apply_crosswalk,
    crosswalk_disagreements,
    crosswalk_from_codes,
    crosswalk_from_overlay,
)
from levekar.errors import DataError
from levekar.io.layers import read_area_layer


def test_code_prefix_and_lookup_are_exact_and_report_what_they_cannot_place():
    cw = crosswalk_from_codes(["01110101", "01110102", "01110201"], ["011101"], prefix_length=6)
    assert cw.table["target_code"].tolist() == ["011101", "011101"]
    assert cw.unassigned[["source_code", "reason"]].values.tolist() == [
        ["01110201", "no target area with code 011102"]
    ]
    lookup = pd.DataFrame(
        {"source_code": ["a", "a", "b"], "target_code": ["X", "Y", "X"], "weight": [0.5, 0.5, 1]}
    )
    cw = crosswalk_from_codes(["a", "b", "c"], method="lookup", lookup=lookup)
    assert cw.weights_by_source().to_dict() == {"a": 1.0, "b": 1.0}
    assert cw.unassigned["source_code"].tolist() == ["c"]
    with pytest.raises(DataError, match="sum to 1.5, more than 1"):
        crosswalk_from_codes(["a"], method="lookup", lookup=lookup.assign(weight=0.75))
    with pytest.raises(DataError, match="prefix length"):
        crosswalk_from_codes(["0111"], ["01", "011"])


@pytest.mark.realdata
def test_asker_baerum_grunnkretser_to_delomrader_by_code_conserve_every_count(real_data):
    folder = real_data / "asker_baerum_grunnkrets"
    gk, _ = read_area_layer(folder / "grunnkretser_asker_baerum_25833.geojson", level="grunnkrets")
    counts = json.loads((folder / "innvandrere_per_grunnkrets.json").read_text(encoding="utf-8"))
    values = pd.DataFrame(
        {
            "code": list(counts),
            "non_western": [v["non-western-count"] for v in counts.values()],
            "western": [v["western-count"] for v in counts.values()],
        }
    ).replace("-", 0)
    values = values.astype({"non_western": float, "western": float})
    values = values[values["code"].isin(set(gk["code"]))]
    delomrader = gk.assign(code=gk["code"].str[:6]).dissolve("code").reset_index()
    cw = crosswalk_from_codes(gk["code"], delomrader["code"], source_level="grunnkrets")
    assert cw.unassigned.empty and (cw.table["weight"] == 1.0).all()
    out, lost = apply_crosswalk(values, cw, value_columns=["non_western", "western"])
    assert lost.empty
    for col in ("non_western", "western"):
        assert out[col].sum() == values[col].sum()  # exactly
        by_prefix = values.groupby(values["code"].str[:6])[col].sum()
        assert (out.set_index("code")[col] == by_prefix.reindex(out["code"]).to_numpy()).all()
    # The polygons disagree with the codes (Kartverket's grunnkretser overlap and leave gaps):
    # reported as a finding, the codes used.
    overlay = crosswalk_from_overlay(gk, delomrader)
    table, findings = crosswalk_disagreements(cw, overlay)
    assert len(table) > 0 and [f.kind for f in findings.items] == ["crosswalk_disagreement"]
