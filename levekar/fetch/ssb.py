"""SSB's statbank through PxWebApi v2: find tables, read metadata, fetch data as a tidy long table.

Base URL ``https://data.ssb.no/api/pxwebapi/v2/``; the API is described in SSB's user
guide (ssb.no/api) and the PxApiSpecs OpenAPI file. Limits (``/config``): 800,000 data
cells per query and 30 queries per minute per IP address. :meth:`SsbClient.data`
resolves the selection against the table's metadata, splits a query that would exceed
the cell limit into several along its largest dimension, and concatenates the answers.

The data come as JSON-stat2 and are read by levekar's one JSON-stat2 reader
(``read_jsonstat2``), so the status symbols (``..`` ``:`` ``.`` ``-``) are kept exactly
as in files downloaded by hand. Licence: CC BY 4.0, Statistisk sentralbyrå.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import DataError
from ._http import HttpClient

__all__ = [
    "MAX_CELLS",
    "SSB_BASE",
    "SSB_LICENCE",
    "TIDY_COLUMNS",
    "Dimension",
    "SsbClient",
    "TableMetadata",
    "resolve_selection",
    "split_selection",
]

SSB_BASE = "https://data.ssb.no/api/pxwebapi/v2/"
SSB_LICENCE = "CC BY 4.0 (Statistisk sentralbyrå, ssb.no)"
MAX_CELLS = 800_000  # SSB's documented limit per query (PxWebApi v2 /config: maxDataCells)
RATE_LIMIT = (30, 60.0)  # SSB: 30 queries per 60 seconds per IP address
TIDY_COLUMNS = ("code", "name", "year", "variable", "value", "status")
_FIX = {
    400: "a value code or variable is not in the table; list them with SsbClient.metadata(table)",
    403: "the query asks for more cells than SSB allows (800,000); lower max_cells so levekar "
    "splits it, or select fewer values",
    404: "no such table; find the 5-digit table id with SsbClient.search_tables('…')",
    429: "SSB allows 30 queries a minute per IP address (shared by your workplace); wait a minute",
}
_COMMA = re.compile(r",(?![^(]*\))")  # commas outside range(a,b)
_EXPR = re.compile(r"^(?P<fn>top|bottom|from|to|range)\((?P<args>[^)]*)\)$", re.IGNORECASE)


@dataclass(frozen=True)
class Dimension:
    """One variable of a statbank table.

    Attributes
    ----------
    id : str
        Variable code, e.g. ``Region``, ``ContentsCode``, ``Tid``.
    label : str
        Its label.
    values : list of (code, label)
        Its values in table order.
    codelists : list of (id, label)
        Code lists that can be applied (e.g. ``vs_Grunnkretser``, ``agg_KommSummer``).
    elimination : bool
        Whether the variable may be left out of a query.
    is_time : bool
        Whether this is the time variable.
    """

    id: str
    label: str
    values: list[tuple[str, str]]
    codelists: list[tuple[str, str]] = field(default_factory=list)
    elimination: bool = False
    is_time: bool = False

    @property
    def codes(self) -> list[str]:
        """The value codes in table order."""
        return [c for c, _ in self.values]


@dataclass(frozen=True)
class TableMetadata:
    """A table's id, label, dimensions (in order) and the raw JSON-stat2 metadata."""

    id: str
    label: str
    dimensions: dict[str, Dimension]
    raw: dict = field(repr=False, default_factory=dict)

    def values(self, dimension: str) -> pd.DataFrame:
        """Return the values of one dimension as a frame ``code, label``."""
        dim = self._dim(dimension)
        return pd.DataFrame(dim.values, columns=["code", "label"])

    def _dim(self, dimension: str) -> Dimension:
        if dimension not in self.dimensions:
            raise DataError(
                f"SSB table {self.id}: no variable {dimension!r}; the variables are "
                f"{list(self.dimensions)}."
            )
        return self.dimensions[dimension]


class SsbClient:
    """Client for SSB's PxWebApi v2.

    Parameters
    ----------
    http : HttpClient, optional
        A configured client; by default one is made from ``http_options``.
    base_url : str
        API root (default :data:`SSB_BASE`).
    lang : str
        ``"no"`` or ``"en"`` (labels).
    max_cells : int
        Cells per query above which a query is split (default :data:`MAX_CELLS`).
    **http_options
        Passed to :class:`~levekar.fetch._http.HttpClient` (``transport``, ``cache_dir``,
        ``sleep``, ``rate_limit`` …). The rate limit defaults to SSB's 30 queries a minute.
    """

    def __init__(
        self,
        *,
        http: HttpClient | None = None,
        base_url: str = SSB_BASE,
        lang: str = "no",
        max_cells: int = MAX_CELLS,
        **http_options: Any,
    ) -> None:
        http_options.setdefault("rate_limit", RATE_LIMIT)
        self.http = http or HttpClient(
            source="SSB PxWebApi v2", licence=SSB_LICENCE, fix_hints=_FIX, **http_options
        )
        self.base_url = base_url.rstrip("/") + "/"
        self.lang, self.max_cells = lang, max_cells

    def config(self) -> dict:
        """Fetch the API's own configuration (``maxDataCells``, ``maxCallsPerTimeWindow`` …).

        Returns
        -------
        dict
            The ``/config`` answer as documented in PxApiSpecs (``ConfigResponse``).
        """
        return self.http.get_json(self.base_url + "config")

    def search_tables(
        self, query: str, *, page_size: int = 100, max_pages: int = 10
    ) -> pd.DataFrame:
        """Find tables whose title, variables or values match ``query``.

        Parameters
        ----------
        query : str
            Search text as on ssb.no (``"grunnkrets"``, ``"title:04317"``, ``"trend AND anlegg*"``).
        page_size : int
            Tables per page.
        max_pages : int
            At most this many pages are read.

        Returns
        -------
        pandas.DataFrame
            ``id, label, first_period, last_period, updated, time_unit, variables, discontinued``.
        """
        rows: list[dict] = []
        for page in range(1, max_pages + 1):
            data = self.http.get_json(
                self.base_url + "tables",
                params={
                    "query": query,
                    "lang": self.lang,
                    "pageSize": page_size,
                    "pageNumber": page,
                },
            )
            for t in data.get("tables", []):
                rows.append(
                    {
                        "id": t.get("id"),
                        "label": t.get("label"),
                        "first_period": t.get("firstPeriod"),
                        "last_period": t.get("lastPeriod"),
                        "updated": t.get("updated"),
                        "time_unit": t.get("timeUnit"),
                        "variables": ", ".join(t.get("variableNames") or []),
                        "discontinued": bool(t.get("discontinued")),
                    }
                )
            if page >= int((data.get("page") or {}).get("totalPages") or 1):
                break
        return pd.DataFrame(
            rows,
            columns=[
                "id",
                "label",
                "first_period",
                "last_period",
                "updated",
                "time_unit",
                "variables",
                "discontinued",
            ],
        )

    def metadata(self, table: str) -> TableMetadata:
        """Fetch a table's variables, their values and code lists.

        Parameters
        ----------
        table : str
            Table id, e.g. ``"04317"``.

        Returns
        -------
        TableMetadata
        """
        raw = self.http.get_json(
            f"{self.base_url}tables/{table}/metadata",
            params={"lang": self.lang, "outputFormat": "json-stat2"},
        )
        return metadata_from_jsonstat2(raw, table)

    def codelist(self, codelist: str) -> pd.DataFrame:
        """Fetch the values of a code list (e.g. ``vs_Grunnkretser``).

        Parameters
        ----------
        codelist : str
            Code list id from :attr:`Dimension.codelists`.

        Returns
        -------
        pandas.DataFrame
            ``code, label, value_map`` (``value_map``: the table's codes it stands for).
        """
        raw = self.http.get_json(f"{self.base_url}codelists/{codelist}", params={"lang": self.lang})
        return pd.DataFrame(
            [
                (v.get("code"), v.get("label"), list(v.get("valueMap") or []))
                for v in raw.get("values", [])
            ],
            columns=["code", "label", "value_map"],
        )

    def data(
        self,
        table: str,
        selection: Mapping[str, str | Sequence[str]],
        *,
        codelists: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """Fetch data for a selection as a tidy long table, splitting large queries.

        Parameters
        ----------
        table : str
            Table id, e.g. ``"04317"``.
        selection : mapping
            Variable → value codes or expressions, as in the API: a list of codes, a
            comma-separated string, ``"*"``, globs (``"3107*"``, ``"31071???"``),
            ``top(n)``, ``bottom(n)``, ``from(c)``, ``to(c)``, ``range(a,b)``. Variables
            left out must be eliminable.
        codelists : mapping, optional
            Variable → code list id (e.g. ``{"Region": "vs_Grunnkretser"}``); the
            selection for that variable then refers to the code list's values.

        Returns
        -------
        pandas.DataFrame
            ``code, name, year, variable, value, status`` (see :data:`TIDY_COLUMNS`): ``code``
            and ``name`` are the region's, ``variable`` joins the labels of the remaining
            variables with " | ", ``status`` keeps SSB's symbols.
        """
        meta = self.metadata(table)
        codelists = dict(codelists or {})
        lists = {d: self.codelist(c)["code"].tolist() for d, c in codelists.items()}
        resolved = resolve_selection(meta, selection, codelist_values=lists)
        parts = split_selection(resolved, self.max_cells)
        frames = []
        for k, part in enumerate(parts, start=1):
            body = {
                "selection": [
                    {
                        "variableCode": d,
                        "valueCodes": codes,
                        **({"codelist": codelists[d]} if d in codelists else {}),
                    }
                    for d, codes in part.items()
                ]
            }
            answer = self.http.post_json(
                f"{self.base_url}tables/{table}/data",
                body,
                params={"lang": self.lang, "outputFormat": "json-stat2"},
            )
            frames.append(
                tidy_from_jsonstat2(answer, source=f"SSB table {table}, part {k} of {len(parts)}")
            )
        return pd.concat(frames, ignore_index=True) if frames else _empty_tidy()


def metadata_from_jsonstat2(raw: Mapping, table: str) -> TableMetadata:
    """Build :class:`TableMetadata` from a ``/tables/{id}/metadata`` answer (JSON-stat2)."""
    if "id" not in raw or "dimension" not in raw:
        raise DataError(
            f"SSB table {table}: the metadata has no 'id'/'dimension'; is this "
            "PxWebApi v2 JSON-stat2 metadata?"
        )
    time_ids = set((raw.get("role") or {}).get("time") or []) | {"Tid"}
    dims = {}
    for d in raw["id"]:
        spec = raw["dimension"][d]
        cat = spec.get("category", {})
        index, labels = cat.get("index", {}), cat.get("label", {})
        codes = sorted(index, key=index.get) if isinstance(index, dict) else list(index or labels)
        ext = spec.get("extension") or {}
        lists = [(c.get("id"), c.get("label", "")) for c in ext.get("codelists") or []]
        dims[d] = Dimension(
            d,
            spec.get("label", d),
            [(c, labels.get(c, c)) for c in codes],
            lists,
            bool(ext.get("elimination", False)),
            d in time_ids,
        )
    return TableMetadata(str(table), raw.get("label", ""), dims, dict(raw))


def resolve_selection(
    meta: TableMetadata,
    selection: Mapping[str, str | Sequence[str]],
    *,
    codelist_values: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, list[str]]:
    """Turn a selection with expressions into explicit value codes, checked against the metadata.

    Parameters
    ----------
    meta : TableMetadata
        The table's metadata.
    selection : mapping
        Variable → codes or expressions (see :meth:`SsbClient.data`).
    codelist_values : mapping, optional
        Variable → the values of the code list applied to it.

    Returns
    -------
    dict
        Variable → list of codes, in table order, for every selected variable.
    """
    codelist_values = codelist_values or {}
    unknown = [d for d in selection if d not in meta.dimensions]
    if unknown:
        raise DataError(
            f"SSB table {meta.id}: no variable(s) {unknown}; the variables are "
            f"{list(meta.dimensions)}."
        )
    missing = [
        d for d, dim in meta.dimensions.items() if d not in selection and not dim.elimination
    ]
    if missing:
        raise DataError(
            f"SSB table {meta.id}: variable(s) {missing} must be selected (they cannot be "
            "eliminated); e.g. "
            + ", ".join(f"{d}={meta.dimensions[d].codes[0]}" for d in missing)
            + ", or '*' for all."
        )
    out = {}
    for d, spec in selection.items():
        dim = meta.dimensions[d]
        available = list(codelist_values.get(d, dim.codes))
        items = [s.strip() for s in (_COMMA.split(spec) if isinstance(spec, str) else spec)]
        chosen: list[str] = []
        for item in filter(None, items):
            chosen += _resolve_item(item, available, time=dim.is_time, where=f"{meta.id}, {d}")
        if not chosen:
            raise DataError(
                f"SSB table {meta.id}: the selection for {d} ({spec!r}) matches no value."
            )
        keep = set(chosen)
        out[d] = [c for c in available if c in keep]
    return out


def _resolve_item(item: str, codes: list[str], *, time: bool, where: str) -> list[str]:
    m = _EXPR.match(item)
    if m is None:
        if any(ch in item for ch in "*?"):
            return [c for c in codes if fnmatch.fnmatchcase(c, item)]
        if item not in codes:
            close = [c for c in codes if c.startswith(item[:4])][:5]
            raise DataError(
                f"SSB table {where}: {item!r} is not a value code"
                + (f"; similar: {close}" if close else "")
                + "."
            )
        return [item]
    fn, args = m["fn"].lower(), [a.strip() for a in m["args"].split(",")]
    if fn in ("top", "bottom"):
        n = int(args[0])
        # For time, top(n) is the n latest periods; otherwise the first n values.
        first = (fn == "top") != time
        return codes[:n] if first else codes[-n:]
    pos = {c: k for k, c in enumerate(codes)}
    for a in args:
        if a not in pos:
            raise DataError(f"SSB table {where}: {a!r} in {item!r} is not a value code.")
    if fn == "from":
        return codes[pos[args[0]] :]
    if fn == "to":
        return codes[: pos[args[0]] + 1]
    lo, hi = sorted((pos[args[0]], pos[args[1]]))
    return codes[lo : hi + 1]


def split_selection(
    selection: Mapping[str, list[str]], max_cells: int
) -> list[dict[str, list[str]]]:
    """Split a resolved selection into parts of at most ``max_cells`` cells each.

    The largest variable is cut into consecutive chunks; if one value of it still gives
    too many cells, the next largest is cut too. Concatenating the parts' answers gives
    the whole selection, each cell once.

    Parameters
    ----------
    selection : mapping
        Variable → explicit value codes.
    max_cells : int
        The limit per query.

    Returns
    -------
    list of dict
        The parts, in order.
    """
    if max_cells < 1:
        raise DataError(f"max_cells must be at least 1, got {max_cells}.")
    cells = math.prod(len(v) for v in selection.values())
    if cells <= max_cells:
        return [dict(selection)]
    largest = max(selection, key=lambda d: len(selection[d]))
    rest = cells // len(selection[largest])
    per_chunk = max(1, max_cells // rest)
    parts = []
    codes = selection[largest]
    for start in range(0, len(codes), per_chunk):
        sub = {**selection, largest: codes[start : start + per_chunk]}
        parts += split_selection(sub, max_cells) if rest > max_cells else [sub]
    return parts


def tidy_from_jsonstat2(data: Mapping, *, source: str = "SSB PxWebApi v2") -> pd.DataFrame:
    """Read a JSON-stat2 answer as the tidy table, with levekar's one JSON-stat2 reader."""
    from ..io.ssb import long_from_jsonstat2

    return long_from_jsonstat2(dict(data), source=source)[list(TIDY_COLUMNS)]


def _empty_tidy() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TIDY_COLUMNS})
