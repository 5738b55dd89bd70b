"""Geonorge's download API (nedlastings-API, version 3): order a dataset, wait, download, unzip.

Base URL ``https://nedlasting.geonorge.no/api/``. The flow, as documented by Kartverket:

1. ``GET capabilities/{metadataUuid}`` says what the dataset supports and links the code lists;
2. ``GET codelists/area|projection|format/{metadataUuid}`` list the areas (with the
   projections and formats each offers), projections and formats;
3. ``POST order`` with ``orderLines`` (``metadataUuid``, ``areas``, ``projections``,
   ``formats``) returns a receipt with a ``referenceNumber`` and ``files``;
4. ``GET order/{referenceNumber}`` until every file's ``status`` is ``ReadyForDownload``
   (``WaitingForProcessing`` while it is being made, ``Error`` if it failed);
5. each file's ``downloadUrl`` gives a zip.

Orders and polling are never cached (they have side effects or change); capabilities
and code lists are. Licence of Kartverket's data: CC BY 4.0.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import DataError
from ._http import FetchError, HttpClient

__all__ = [
    "ADMINISTRATIVE_ENHETER_UUID",
    "GEONORGE_BASE",
    "GEONORGE_LICENCE",
    "GRUNNKRETSER_UUID",
    "GeonorgeClient",
    "Order",
]

GEONORGE_BASE = "https://nedlasting.geonorge.no/api/"
GEONORGE_LICENCE = "CC BY 4.0 (Kartverket, geonorge.no)"
# Metadata uuids in Geonorge's catalogue (kartkatalog.geonorge.no).
GRUNNKRETSER_UUID = "51d279f8-e2be-4f5e-9f72-1a53f7535ec1"  # Statistiske enheter grunnkretser
ADMINISTRATIVE_ENHETER_UUID = "041f1e6e-bdbc-4091-b48f-8a5990f3cc5b"  # Administrative enheter
_FORMAT_ALIASES = {"gpkg": "geopackage", "gdb": "fgdb", "filegdb": "fgdb"}
_FIX = {
    400: "the order is not valid; check the area code, projection and format against "
    "GeonorgeClient.areas(uuid)",
    404: "no such dataset or order; check the metadata uuid (kartkatalog.geonorge.no)",
    500: "Geonorge could not make the order; check the area, projection and format",
}


@dataclass
class Order:
    """A placed order: its reference number and files (``name``, ``status``, ``downloadUrl`` …)."""

    reference: str
    files: list[dict] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Whether every file is ready for download."""
        return bool(self.files) and all(f.get("status") == "ReadyForDownload" for f in self.files)


class GeonorgeClient:
    """Client for Geonorge's download API.

    Parameters
    ----------
    http : HttpClient, optional
        A configured client; by default one is made from ``http_options``.
    base_url : str
        API root (default :data:`GEONORGE_BASE`).
    **http_options
        Passed to :class:`~levekar.fetch._http.HttpClient` (``transport``, ``sleep`` …).
    """

    def __init__(
        self, *, http: HttpClient | None = None, base_url: str = GEONORGE_BASE, **http_options: Any
    ) -> None:
        self.http = http or HttpClient(
            source="Geonorge nedlasting", licence=GEONORGE_LICENCE, fix_hints=_FIX, **http_options
        )
        self.base_url = base_url.rstrip("/") + "/"

    def capabilities(self, uuid: str) -> dict:
        """Describe what a dataset supports (area, projection, format, polygon selection); links.

        Parameters
        ----------
        uuid : str
            The dataset's metadata uuid.

        Returns
        -------
        dict
            The ``capabilities/{uuid}`` answer.
        """
        return self.http.get_json(f"{self.base_url}capabilities/{uuid}")

    def areas(self, uuid: str) -> list[dict]:
        """List the areas a dataset can be ordered for.

        Each has ``type`` (``kommune``, ``fylke``, ``landsdekkende``), ``code``,
        ``name``, and the ``projections``/``formats`` it offers.

        Parameters
        ----------
        uuid : str
            The dataset's metadata uuid.

        Returns
        -------
        list of dict
        """
        return self.http.get_json(f"{self.base_url}codelists/area/{uuid}")

    def projections(self, uuid: str) -> list[dict]:
        """Projections (``code`` = EPSG code, ``name``, ``codespace``) of a dataset."""
        return self.http.get_json(f"{self.base_url}codelists/projection/{uuid}")

    def formats(self, uuid: str) -> list[dict]:
        """List the formats of a dataset (``name``, e.g. ``"GML 3.2.1"``, ``"FGDB 10.0"``)."""
        return self.http.get_json(f"{self.base_url}codelists/format/{uuid}")

    def order(
        self,
        uuid: str,
        *,
        kommune: str,
        epsg: int = 25833,
        file_format: str = "GML",
        email: str = "",
    ) -> Order:
        """Place an order for one kommune, checking area, projection and format first.

        Parameters
        ----------
        uuid : str
            The dataset's metadata uuid (e.g. :data:`GRUNNKRETSER_UUID`).
        kommune : str
            Four-digit kommune number, e.g. ``"3107"``.
        epsg : int
            EPSG code of the projection (default 25833).
        file_format : str
            Format name or its start: ``"GML"``, ``"FGDB"``, ``"GeoPackage"``, ``"SOSI"``.
        email : str
            Only needed for datasets that deliver by e-mail.

        Returns
        -------
        Order
        """
        area, projection, fmt = self._choose(uuid, kommune, epsg, file_format)
        body = {
            "email": email,
            "softwareClient": "levekar",
            "softwareClientVersion": __version__,
            "orderLines": [
                {
                    "metadataUuid": uuid,
                    "areas": [{k: area[k] for k in ("code", "name", "type") if k in area}],
                    "projections": [
                        {k: projection[k] for k in ("code", "name", "codespace") if k in projection}
                    ],
                    "formats": [{k: fmt[k] for k in ("name", "version") if k in fmt}],
                }
            ],
        }
        receipt = self.http.post_json(self.base_url + "order", body, cache=False)
        return _order_from_receipt(receipt, self.base_url + "order")

    def status(self, reference: str) -> Order:
        """Return the current state of an order (``GET order/{referenceNumber}``, never cached)."""
        receipt = self.http.get_json(f"{self.base_url}order/{reference}", cache=False)
        return _order_from_receipt(receipt, f"{self.base_url}order/{reference}")

    def wait(self, order: Order, *, poll_every: float = 10.0, timeout: float = 900.0) -> Order:
        """Poll until every file is ready.

        Parameters
        ----------
        order : Order
            As returned by :meth:`order`.
        poll_every : float
            Seconds between polls.
        timeout : float
            Give up after this many seconds (a :class:`FetchError`).

        Returns
        -------
        Order
            The order with every file ``ReadyForDownload``.
        """
        waited = 0.0
        while True:
            failed = [f for f in order.files if f.get("status") == "Error"]
            if failed:
                raise FetchError(
                    f"Geonorge: order {order.reference}: file(s) "
                    f"{[f.get('name') for f in failed]} failed (status 'Error'). Try "
                    "another format or projection, or order again later.",
                    url=f"{self.base_url}order/{order.reference}",
                    status=200,
                    service_message="Error",
                )
            if order.ready:
                return order
            if waited >= timeout:
                raise FetchError(
                    f"Geonorge: order {order.reference} was not ready after "
                    f"{timeout:.0f} s. Raise the timeout, or fetch it later with "
                    f"GeonorgeClient.status('{order.reference}').",
                    url=f"{self.base_url}order/{order.reference}",
                )
            self.http.sleep(poll_every)
            waited += poll_every
            order = self.status(order.reference)

    def download(self, order: Order, dest: str | Path) -> list[Path]:
        """Download every file of a ready order into ``dest`` and unzip the zips.

        Parameters
        ----------
        order : Order
            A ready order.
        dest : path
            Folder; created if missing. Each zip is unpacked into a folder named after it.

        Returns
        -------
        list of Path
            The unpacked files (or the downloaded file itself when it is not a zip).
        """
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        out: list[Path] = []
        for f in order.files:
            url = f.get("downloadUrl")
            if not url:
                raise FetchError(
                    f"Geonorge: order {order.reference}: file {f.get('name')!r} has no "
                    "downloadUrl; wait for the order first (GeonorgeClient.wait).",
                    url=f"{self.base_url}order/{order.reference}",
                )
            content = self.http.request("GET", url, cache=False).content
            name = Path(f.get("name") or f"{f.get('fileId', 'download')}.zip").name
            target = dest / name
            target.write_bytes(content)
            out += _unzip(target, dest / target.stem) if zipfile.is_zipfile(target) else [target]
        return out

    def fetch(
        self,
        uuid: str,
        *,
        kommune: str,
        dest: str | Path,
        epsg: int = 25833,
        file_format: str = "GML",
        poll_every: float = 10.0,
        timeout: float = 900.0,
    ) -> list[Path]:
        """Order, wait, download and unzip in one call.

        Parameters
        ----------
        uuid : str
            The dataset's metadata uuid.
        kommune : str
            Four-digit kommune number.
        dest : path
            Folder for the download.
        epsg : int
            EPSG code (default 25833).
        file_format : str
            Format (see :meth:`order`).
        poll_every, timeout : float
            See :meth:`wait`.

        Returns
        -------
        list of Path
            The unpacked files.
        """
        order = self.order(uuid, kommune=kommune, epsg=epsg, file_format=file_format)
        order = self.wait(order, poll_every=poll_every, timeout=timeout)
        return self.download(order, dest)

    def _choose(
        self, uuid: str, kommune: str, epsg: int, file_format: str
    ) -> tuple[dict, dict, dict]:
        areas = self.areas(uuid)
        area = next(
            (a for a in areas if a.get("type") == "kommune" and a.get("code") == kommune), None
        )
        if area is None:
            kommuner = sorted(a.get("code") for a in areas if a.get("type") == "kommune")
            raise DataError(
                f"Geonorge dataset {uuid}: kommune {kommune!r} is not offered; "
                f"{len(kommuner)} kommuner are, e.g. {kommuner[:8]}. Use today's "
                "four-digit number (Fredrikstad is 3107)."
            )
        projections = area.get("projections") or self.projections(uuid)
        projection = next((p for p in projections if str(p.get("code")) == str(epsg)), None)
        if projection is None:
            raise DataError(
                f"Geonorge dataset {uuid}: EPSG:{epsg} is not offered for {kommune}; "
                f"choose one of {[p.get('code') for p in projections]}."
            )
        formats = projection.get("formats") or area.get("formats") or self.formats(uuid)
        wanted = _FORMAT_ALIASES.get(file_format.lower(), file_format.lower())
        fmt = next((f for f in formats if str(f.get("name", "")).lower().startswith(wanted)), None)
        if fmt is None:
            raise DataError(
                f"Geonorge dataset {uuid}: format {file_format!r} is not offered for "
                f"{kommune} in EPSG:{epsg}; choose one of "
                f"{[f.get('name') for f in formats]}."
            )
        return area, projection, fmt


def _order_from_receipt(receipt: Any, url: str) -> Order:
    if not isinstance(receipt, dict) or not receipt.get("referenceNumber"):
        raise FetchError(
            f"Geonorge: {url} answered without a referenceNumber; the order was not "
            "placed. Try again later.",
            url=url,
            status=200,
        )
    return Order(str(receipt["referenceNumber"]), list(receipt.get("files") or []))


def _unzip(path: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    out = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            target = (folder / info.filename).resolve()
            if not target.is_relative_to(root):
                raise DataError(
                    f"{path}: the zip holds a path outside its folder "
                    f"({info.filename!r}); refusing to unpack it."
                )
            if info.is_dir():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            out.append(target)
    return sorted(out)
