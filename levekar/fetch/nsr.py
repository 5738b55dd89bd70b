"""Udir's national school register (Nasjonalt skoleregister, NSR), API v4: schools as a point layer.

Base URL ``https://data-nsr.udir.no/v4/``. ``GET enheter/kommune/{kommunenummer}`` lists a
kommune's units (owners and closed units included) in the slim list model
(``Organisasjonsnummer``, ``Navn``, ``ErAktiv``, ``ErSkole``, ``ErGrunnskole`` …);
``GET enhet/{organisasjonsnummer}`` gives one unit in full, with ``Koordinat``
(``Breddegrad``/``Lengdegrad`` in WGS 84), ``Elevtall`` and the grades
``SkoletrinnGSFra``/``SkoletrinnGSTil`` (``SkoletrinnVGSFra``/``…Til`` for upper secondary).
No authentication; licence NLOD (Utdanningsdirektoratet).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import DataError
from ._http import HttpClient

__all__ = ["NSR_BASE", "NSR_LICENCE", "SCHOOL_COLUMNS", "NsrClient", "schools_from_units"]

NSR_BASE = "https://data-nsr.udir.no/v4/"
NSR_LICENCE = "NLOD 2.0 (Utdanningsdirektoratet, Nasjonalt skoleregister)"
SCHOOL_COLUMNS = ("code", "name", "kind", "active", "grade_from", "grade_to", "pupils")
_FIX = {
    404: "no such kommune or organisation number in NSR; use today's four-digit kommune "
    "number (Fredrikstad is 3107)"
}
# A generous box around mainland Norway, Svalbard and Jan Mayen (WGS 84).
_LAT, _LON = (57.0, 81.5), (-10.0, 35.0)


class NsrClient:
    """Client for NSR v4.

    Parameters
    ----------
    http : HttpClient, optional
        A configured client; by default one is made from ``http_options``.
    base_url : str
        API root (default :data:`NSR_BASE`).
    **http_options
        Passed to :class:`~levekar.fetch._http.HttpClient`. The rate limit defaults to
        5 requests a second (NSR documents none; one detail request is made per school).
    """

    def __init__(
        self, *, http: HttpClient | None = None, base_url: str = NSR_BASE, **http_options: Any
    ) -> None:
        http_options.setdefault("rate_limit", (5, 1.0))
        self.http = http or HttpClient(
            source="Udir NSR", licence=NSR_LICENCE, fix_hints=_FIX, **http_options
        )
        self.base_url = base_url.rstrip("/") + "/"

    def units_in_kommune(self, kommune: str) -> list[dict]:
        """Every unit NSR lists for a kommune (slim list model).

        Parameters
        ----------
        kommune : str
            Four-digit kommune number.

        Returns
        -------
        list of dict
        """
        _check_kommune(kommune)
        data = self.http.get_json(f"{self.base_url}enheter/kommune/{kommune}")
        if not isinstance(data, dict) or not isinstance(data.get("EnhetListe"), list):
            raise DataError(
                f"NSR: enheter/kommune/{kommune} did not return an 'EnhetListe'; has "
                "the API changed?"
            )
        return data["EnhetListe"]

    def unit(self, orgnr: str) -> dict:
        """One unit in full (``enhet/{organisasjonsnummer}``)."""
        return self.http.get_json(f"{self.base_url}enhet/{orgnr}")

    def schools(
        self, kommune: str, *, include_inactive: bool = False
    ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
        """Fetch the schools of a kommune as points in EPSG:25833, and those without coordinates.

        Parameters
        ----------
        kommune : str
            Four-digit kommune number, e.g. ``"3107"``.
        include_inactive : bool
            Also closed schools (``ErAktiv`` false); their ``active`` column is ``False``.

        Returns
        -------
        located : geopandas.GeoDataFrame
            ``code`` (organisation number), ``name``, ``kind``, ``active``, ``grade_from``,
            ``grade_to``, ``pupils``, geometry (EPSG:25833).
        without_coordinates : pandas.DataFrame
            The same columns without geometry, plus ``reason``: schools NSR gives no usable
            position for. They are never dropped silently.
        """
        listed = [
            u
            for u in self.units_in_kommune(kommune)
            if u.get("ErSkole") and (include_inactive or u.get("ErAktiv"))
        ]
        details = [self.unit(_orgnr(u)) for u in listed]
        return schools_from_units(details)


def schools_from_units(units: list[dict]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Schools from NSR's full unit records (see :meth:`NsrClient.schools`).

    Parameters
    ----------
    units : list of dict
        ``enhet/{orgnr}`` answers.

    Returns
    -------
    tuple of (geopandas.GeoDataFrame, pandas.DataFrame)
        The located schools (EPSG:25833) and the rest with a ``reason``.
    """
    rows, points, reasons = [], [], []
    for u in units:
        gs = (u.get("SkoletrinnGSFra"), u.get("SkoletrinnGSTil"))
        vgs = (u.get("SkoletrinnVGSFra"), u.get("SkoletrinnVGSTil"))
        rows.append(
            {
                "code": _orgnr(u),
                "name": (u.get("Navn") or "").strip(),
                "kind": _kind(u),
                "active": bool(u.get("ErAktiv")),
                "grade_from": gs[0] if gs[0] is not None else vgs[0],
                "grade_to": vgs[1] if vgs[1] is not None else gs[1],
                "pupils": u.get("Elevtall"),
            }
        )
        point, reason = _position(u.get("Koordinat"))
        points.append(point)
        reasons.append(reason)
    frame = pd.DataFrame(rows, columns=list(SCHOOL_COLUMNS))
    for col in ("grade_from", "grade_to", "pupils"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
    frame["active"] = frame["active"].astype(bool)
    has = pd.Series([p is not None for p in points], dtype=bool)
    located = gpd.GeoDataFrame(
        frame[has.to_numpy()].reset_index(drop=True),
        geometry=[p for p in points if p is not None],
        crs=4326,
    )
    located = located.to_crs(25833)
    missing = frame[~has.to_numpy()].reset_index(drop=True)
    missing["reason"] = [r for r in reasons if r]
    return located, missing


def _orgnr(unit: dict) -> str:
    value = unit.get("Organisasjonsnummer") or unit.get("Orgnr")
    if not value:
        raise DataError(f"NSR: a unit has no organisation number: {str(unit)[:120]}")
    return str(value).strip()


def _kind(u: dict) -> str:
    gs, vgs = bool(u.get("ErGrunnskole")), bool(u.get("ErVideregaaendeSkole"))
    if gs and vgs:
        return "grunnskole og videregående"
    return "grunnskole" if gs else "videregående" if vgs else "annen skole"


def _position(coord: Any) -> tuple[shapely.Point | None, str]:
    if not isinstance(coord, dict):
        return None, "no coordinates in NSR"
    try:
        lat, lon = float(coord.get("Breddegrad")), float(coord.get("Lengdegrad"))
    except (TypeError, ValueError):
        return None, "no coordinates in NSR"
    if lat == 0 and lon == 0:
        return None, "coordinates 0, 0 in NSR (a placeholder)"
    if not (_LAT[0] <= lat <= _LAT[1] and _LON[0] <= lon <= _LON[1]):
        return None, f"coordinates outside Norway in NSR ({lat}, {lon})"
    return shapely.Point(lon, lat), ""


def _check_kommune(kommune: str) -> None:
    if not (isinstance(kommune, str) and len(kommune) == 4 and kommune.isdigit()):
        raise DataError(
            f"kommune must be a four-digit number as text, e.g. '3107'; got {kommune!r}."
        )
