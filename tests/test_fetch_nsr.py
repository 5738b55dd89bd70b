"""Udir NSR client: a kommune's schools as points in EPSG:25833; schools without coordinates kept
apart."""

from __future__ import annotations

import pandas as pd
import pytest
from _fetch_helpers import MockServer, http_options, nsr_server

from levekar.errors import DataError
from levekar.fetch import FetchError
from levekar.fetch.nsr import SCHOOL_COLUMNS, NsrClient

API = "/v4/"


def test_schools_as_points_and_the_rest_kept_apart(tmp_path):
    server = nsr_server()
    located, missing = NsrClient(**http_options(server, tmp_path)).schools("3107")
    assert tuple(located.columns) == (*SCHOOL_COLUMNS, "geometry")
    assert located.crs.to_epsg() == 25833
    assert located["name"].tolist() == ["Eksempel barneskole", "Eksempel ungdomsskole"]
    barneskole = located.iloc[0]
    assert barneskole["code"] == "900000001" and barneskole["kind"] == "grunnskole"
    assert (barneskole["grade_from"], barneskole["grade_to"], barneskole["pupils"]) == (1, 7, 412)
    assert barneskole["active"]
    assert (
        250_000 < barneskole.geometry.x < 290_000 and 6_550_000 < barneskole.geometry.y < 6_590_000
    )
    # Without usable coordinates: listed with a reason, never dropped.
    assert missing[["code", "reason"]].values.tolist() == [
        ["900000003", "no coordinates in NSR"],
        ["900000005", "coordinates 0, 0 in NSR (a placeholder)"],
    ]
    vgs = missing.set_index("code").loc["900000005"]
    assert (vgs["kind"], vgs["grade_from"], vgs["grade_to"], vgs["pupils"]) == (
        "videregående",
        11,
        13,
        780,
    )
    assert pd.isna(missing.set_index("code").loc["900000003", "pupils"])  # unknown, not 0
    # The owner (not a school) and the closed school are not fetched.
    fetched = {r.url.path for r in server.requests}
    assert f"{API}enhet/900000000" not in fetched and f"{API}enhet/900000004" not in fetched


def test_include_inactive(tmp_path):
    located, _ = NsrClient(**http_options(nsr_server(), tmp_path)).schools(
        "3107", include_inactive=True
    )
    closed = located.set_index("code").loc["900000004"]
    assert not closed["active"] and closed["name"] == "Eksempel nedlagt skole"


def test_kommune_must_be_four_digits(tmp_path):
    with pytest.raises(DataError, match="four-digit"):
        NsrClient(**http_options(nsr_server(), tmp_path)).schools("106")


def test_unknown_kommune_error(tmp_path):
    server = MockServer().json(
        "GET",
        API + "enheter/kommune/9998",
        {
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.4",
            "title": "Not Found",
            "status": 404,
        },
        status=404,
    )
    with pytest.raises(
        FetchError, match=r"enheter/kommune/9998 answered HTTP 404: «Not Found».*3107"
    ):
        NsrClient(**http_options(server, tmp_path)).schools("9998")
