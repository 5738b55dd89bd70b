"""SSB's classification database KLASS: codes valid at a date, changes, correspondences.

Base URL ``https://data.ssb.no/api/klass/v1/`` (the KLASS API guide). The classifications
levekar needs: **131** *Standard for kommuneinndeling* and **1** *Standard for delområde-
og grunnkretsinndeling* (level 1 delområder, level 2 grunnkretser). JSON is asked for with
the ``Accept`` header (the ``.json`` URL suffix is deprecated). Errors come as RFC 7807
problem details. Licence: CC BY 4.0, Statistisk sentralbyrå.
"""

from __future__ import annotations

from datetime import date as _date
from typing import Any

import pandas as pd

from ..errors import DataError
from ._http import HttpClient

__all__ = [
    "CLASSIFICATIONS",
    "GRUNNKRETS",
    "KLASS_BASE",
    "KLASS_LICENCE",
    "KOMMUNE",
    "KlassClient",
    "change_table_from_changes",
    "classification_id",
]

KLASS_BASE = "https://data.ssb.no/api/klass/v1/"
KLASS_LICENCE = "CC BY 4.0 (Statistisk sentralbyrå, KLASS)"
KOMMUNE = 131
GRUNNKRETS = 1
CLASSIFICATIONS = {
    "kommune": KOMMUNE,
    "kommuner": KOMMUNE,
    "grunnkrets": GRUNNKRETS,
    "grunnkretser": GRUNNKRETS,
}
CHANGE_COLUMNS = ("old_code", "new_code", "date", "share", "share_basis")
_FIX = {
    400: "check the dates (YYYY-MM-DD, 'from' before 'to') and the parameters",
    404: "no such classification or correspondence; kommuner are 131, grunnkretser 1",
}


def classification_id(name_or_id: str | int) -> int:
    """Return the KLASS id for ``"kommune"`` (131), ``"grunnkrets"`` (1) or a number.

    >>> classification_id("kommune"), classification_id("1"), classification_id(104)
    (131, 1, 104)
    """
    key = str(name_or_id).strip().lower()
    if key in CLASSIFICATIONS:
        return CLASSIFICATIONS[key]
    if key.isdigit():
        return int(key)
    raise DataError(
        f"unknown KLASS classification {name_or_id!r}; use 'kommune' (131), "
        "'grunnkrets' (1) or a KLASS id number."
    )


class KlassClient:
    """Client for KLASS.

    Parameters
    ----------
    http : HttpClient, optional
        A configured client; by default one is made from ``http_options``.
    base_url : str
        API root (default :data:`KLASS_BASE`).
    language : str
        ``"nb"``, ``"nn"`` or ``"en"``.
    **http_options
        Passed to :class:`~levekar.fetch._http.HttpClient`.
    """

    def __init__(
        self,
        *,
        http: HttpClient | None = None,
        base_url: str = KLASS_BASE,
        language: str = "nb",
        **http_options: Any,
    ) -> None:
        self.http = http or HttpClient(
            source="SSB KLASS", licence=KLASS_LICENCE, fix_hints=_FIX, **http_options
        )
        self.base_url = base_url.rstrip("/") + "/"
        self.language = language

    def codes_at(
        self, classification: str | int, date: str | _date, *, level: int | None = None
    ) -> pd.DataFrame:
        """Codes valid at a date (``classifications/{id}/codesAt``).

        Parameters
        ----------
        classification : str or int
            ``"kommune"``, ``"grunnkrets"`` or a KLASS id.
        date : str or datetime.date
            ``YYYY-MM-DD``.
        level : int, optional
            Keep one level only (for grunnkretser: 1 delområde, 2 grunnkrets).

        Returns
        -------
        pandas.DataFrame
            ``code, name, level, parent_code, valid_from, valid_to``.
        """
        cid = classification_id(classification)
        data = self.http.get_json(
            f"{self.base_url}classifications/{cid}/codesAt",
            params={"date": str(date), "language": self.language},
        )
        rows = [
            (
                c.get("code"),
                c.get("name"),
                _int(c.get("level")),
                c.get("parentCode"),
                c.get("validFrom") or c.get("validFromInRequestedRange"),
                c.get("validTo") or c.get("validToInRequestedRange"),
            )
            for c in _items(data, "codes", cid)
        ]
        out = pd.DataFrame(
            rows, columns=["code", "name", "level", "parent_code", "valid_from", "valid_to"]
        )
        return out if level is None else out[out["level"] == level].reset_index(drop=True)

    def changes(
        self,
        classification: str | int,
        from_date: str | _date,
        to_date: str | _date | None = None,
        *,
        include_future: bool = False,
    ) -> pd.DataFrame:
        """Code changes between two dates (``classifications/{id}/changes``), as KLASS gives them.

        Parameters
        ----------
        classification : str or int
            ``"kommune"``, ``"grunnkrets"`` or a KLASS id.
        from_date, to_date : str or datetime.date
            ``YYYY-MM-DD``; ``to_date`` defaults to today.
        include_future : bool
            Include changes already decided for future dates.

        Returns
        -------
        pandas.DataFrame
            ``old_code, old_name, new_code, new_name, date``. A missing ``old_code``
            means the new code started to exist; a missing ``new_code`` that the old
            code ceased to exist (KLASS API guide).
        """
        cid = classification_id(classification)
        params = {"from": str(from_date), "language": self.language}
        if to_date is not None:
            params["to"] = str(to_date)
        if include_future:
            params["includeFuture"] = "true"
        data = self.http.get_json(f"{self.base_url}classifications/{cid}/changes", params=params)
        rows = [
            (
                c.get("oldCode"),
                c.get("oldName"),
                c.get("newCode"),
                c.get("newName"),
                c.get("changeOccurred"),
            )
            for c in _items(data, "codeChanges", cid)
        ]
        return pd.DataFrame(rows, columns=["old_code", "old_name", "new_code", "new_name", "date"])

    def change_table(
        self,
        classification: str | int,
        from_date: str | _date,
        to_date: str | _date | None = None,
        *,
        include_future: bool = False,
    ) -> pd.DataFrame:
        """Build levekar's code-change table from KLASS changes.

        See :func:`change_table_from_changes`.

        Parameters
        ----------
        classification : str or int
            ``"kommune"``, ``"grunnkrets"`` or a KLASS id.
        from_date, to_date : str or datetime.date
            ``YYYY-MM-DD``.
        include_future : bool
            Include changes already decided for future dates.

        Returns
        -------
        pandas.DataFrame
            ``old_code, new_code, date, share, share_basis``.
        """
        return change_table_from_changes(
            self.changes(classification, from_date, to_date, include_future=include_future)
        )

    def correspondence(
        self, source: str | int, target: str | int, date: str | _date
    ) -> pd.DataFrame:
        """How two classifications correspond at a date (``classifications/{id}/correspondsAt``).

        Parameters
        ----------
        source, target : str or int
            Classifications (names or KLASS ids), e.g. grunnkrets (1) → kommune (131).
        date : str or datetime.date
            ``YYYY-MM-DD``.

        Returns
        -------
        pandas.DataFrame
            ``source_code, source_name, target_code, target_name``.
        """
        sid, tid = classification_id(source), classification_id(target)
        data = self.http.get_json(
            f"{self.base_url}classifications/{sid}/correspondsAt",
            params={"targetClassificationId": tid, "date": str(date), "language": self.language},
        )
        return _correspondence_frame(_items(data, "correspondenceItems", sid))

    def correspondence_table(self, table_id: int | str) -> pd.DataFrame:
        """Fetch a published correspondence table (``correspondencetables/{id}``).

        Parameters
        ----------
        table_id : int or str
            The correspondence table's id (from the KLASS web pages).

        Returns
        -------
        pandas.DataFrame
            ``source_code, source_name, target_code, target_name``.
        """
        data = self.http.get_json(
            f"{self.base_url}correspondencetables/{table_id}", params={"language": self.language}
        )
        return _correspondence_frame(_items(data, "correspondenceMaps", table_id))


def change_table_from_changes(changes: pd.DataFrame) -> pd.DataFrame:
    """Turn KLASS changes into levekar's change table ``old_code, new_code, date, share``.

    One old code going to one new code gets ``share`` 1 (``share_basis`` ``"exact"``).
    When one old code goes to several new codes on a date (a split or a boundary
    adjustment), KLASS says nothing about how people or counts divide, so each new
    code gets an **equal share** (``share_basis`` ``"equal"``): replace these shares
    with population or address shares where they are known. Rows without an old code
    (a code that started) or without a new code (a code that ceased) cannot move counts
    and are left out; they stay visible in :meth:`KlassClient.changes`.

    Parameters
    ----------
    changes : pandas.DataFrame
        As returned by :meth:`KlassClient.changes`.

    Returns
    -------
    pandas.DataFrame
        ``old_code, new_code, date, share, share_basis``, sorted by date and codes.
    """
    ok = changes["old_code"].notna() & changes["new_code"].notna()
    table = changes.loc[ok, ["old_code", "new_code", "date"]].astype(str).drop_duplicates()
    n = table.groupby(["old_code", "date"])["new_code"].transform("size")
    table["share"] = 1.0 / n
    table["share_basis"] = (n > 1).map({True: "equal", False: "exact"})
    return table.sort_values(["date", "old_code", "new_code"]).reset_index(drop=True)[
        list(CHANGE_COLUMNS)
    ]


def _items(data: Any, key: str, what: Any) -> list[dict]:
    if not isinstance(data, dict) or not isinstance(data.get(key, []), list):
        raise DataError(
            f"KLASS {what}: expected a JSON object with a list {key!r}; got "
            f"{type(data).__name__}. Has the API changed?"
        )
    return data.get(key, [])


def _correspondence_frame(items: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (i.get("sourceCode"), i.get("sourceName"), i.get("targetCode"), i.get("targetName"))
            for i in items
        ],
        columns=["source_code", "source_name", "target_code", "target_name"],
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
