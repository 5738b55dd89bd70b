"""Calls to the live services: skipped unless LEVEKAR_LIVE=1 (never in CI).

Each makes 1–3 requests.
"""

from __future__ import annotations

import os

import pytest

from levekar.fetch.geonorge import GRUNNKRETSER_UUID, GeonorgeClient
from levekar.fetch.klass import KlassClient
from levekar.fetch.nsr import NsrClient
from levekar.fetch.ssb import SsbClient

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        os.environ.get("LEVEKAR_LIVE") != "1",
        reason="calls the live services; set LEVEKAR_LIVE=1 to run",
    ),
]


def test_ssb_config_and_a_small_query(tmp_path):
    ssb = SsbClient(cache_dir=tmp_path)
    assert ssb.config()["maxDataCells"] >= 1
    tidy = ssb.data(
        "07459",
        {
            "Region": "3107",
            "Kjonn": "*",
            "Alder": "*",
            "ContentsCode": "Personer1",
            "Tid": "top(1)",
        },
    )
    assert set(tidy["code"]) == {"3107"} and len(tidy) > 0


def test_klass_fredrikstad(tmp_path):
    klass = KlassClient(cache_dir=tmp_path)
    assert "3107" in set(klass.codes_at("kommune", "2024-06-01")["code"])
    table = klass.change_table("kommune", "2019-01-01", "2024-06-01")
    assert {("0106", "3004"), ("3004", "3107")} <= set(
        zip(table["old_code"], table["new_code"], strict=True)
    )


def test_geonorge_offers_fredrikstad(tmp_path):
    areas = GeonorgeClient(cache_dir=tmp_path).areas(GRUNNKRETSER_UUID)
    assert any(a.get("type") == "kommune" and a.get("code") == "3107" for a in areas)


def test_nsr_lists_schools_in_fredrikstad(tmp_path):
    units = NsrClient(cache_dir=tmp_path).units_in_kommune("3107")
    assert any(u.get("ErSkole") for u in units)
