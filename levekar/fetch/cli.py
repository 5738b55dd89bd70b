"""``levekar fetch …``: download SSB tables, KLASS code changes, grunnkretser and schools to files.

Each command writes a file a study can name (CSV for tables, GeoPackage for layers) and
a provenance file beside it (``<name>.provenance.json``: URLs, queries, times fetched in
UTC, licences, cache hits). Mounted on the main app with
``app.add_typer(fetch_app, name="fetch")``.

Tests (and anyone who needs to) can set :data:`HTTP_OPTIONS` — e.g. a mock ``transport``
and a no-op ``sleep`` — which every command passes to its client.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from .._version import __version__
from ..errors import DataError

__all__ = ["HTTP_OPTIONS", "fetch_app", "provenance_path"]

HTTP_OPTIONS: dict[str, Any] = {}
"""Extra keyword arguments for every client's HttpClient (``transport``, ``sleep`` …)."""

fetch_app = typer.Typer(
    name="fetch",
    help="Download open data (SSB, KLASS, Geonorge, Udir NSR) into files a study can name.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CacheDir = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Cache folder (default: $LEVEKAR_CACHE or ~/.cache/levekar)."),
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
Refresh = Annotated[bool, typer.Option("--refresh", help="Fetch again even if cached.")]
Out = Annotated[Path, typer.Option("--out", "-o", help="File to write.")]


def provenance_path(out: Path) -> Path:
    """Where the provenance of ``out`` is written: ``<out without suffix>.provenance.json``."""
    return out.with_name(out.stem + ".provenance.json")


@fetch_app.command("ssb")
def ssb(
    table: Annotated[str, typer.Argument(help="Statbank table id, e.g. 04317.")],
    out: Out,
    select: Annotated[
        list[str],
        typer.Option(
            "--select",
            "-s",
            help="VARIABLE=codes, e.g. Region=3107* or Tid=top(5) or "
            "ContentsCode=Personer; repeat for each variable.",
        ),
    ],
    codelist: Annotated[
        list[str] | None,
        typer.Option("--codelist", help="VARIABLE=codelist id, e.g. Region=vs_Grunnkretser."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Label language: no or en.")] = "no",
    max_cells: Annotated[
        int,
        typer.Option(
            "--max-cells", help="Split queries above this many cells (SSB allows 800,000)."
        ),
    ] = 800_000,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
) -> None:
    """Fetch a statbank table as a tidy CSV: code, name, year, variable, value, status."""
    from .ssb import SsbClient

    client = SsbClient(
        lang=lang, max_cells=max_cells, **_http_options(cache_dir, no_cache, refresh)
    )
    selection, codelists = _pairs(select, "--select"), _pairs(codelist or [], "--codelist")
    tidy = client.data(table, selection, codelists=codelists)
    _write_outputs(
        out,
        lambda p: tidy.to_csv(p, index=False),
        client.http,
        {
            "command": "ssb",
            "table": table,
            "selection": selection,
            "codelists": codelists,
            "rows": len(tidy),
            "status_counts": tidy["status"].value_counts().to_dict(),
        },
    )
    typer.echo(f"{out}: {len(tidy)} rows from SSB table {table}")


@fetch_app.command("klass")
def klass(
    classification: Annotated[
        str, typer.Argument(help="kommune (131), grunnkrets (1) or a KLASS id.")
    ],
    out: Out,
    from_date: Annotated[
        str | None, typer.Option("--from", help="Changes from this date (YYYY-MM-DD).")
    ] = None,
    to_date: Annotated[str | None, typer.Option("--to", help="… up to this date.")] = None,
    codes_at: Annotated[
        str | None,
        typer.Option("--codes-at", help="Instead of changes: the codes valid at this date."),
    ] = None,
    level: Annotated[
        int | None,
        typer.Option(
            "--level",
            help="With --codes-at: one level only (grunnkrets: 1 delområde, 2 grunnkrets).",
        ),
    ] = None,
    include_future: Annotated[
        bool,
        typer.Option("--include-future", help="Include changes already decided for future dates."),
    ] = False,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
) -> None:
    """Write a code-change table (old_code, new_code, date, share) or the codes valid at a date."""
    from .klass import KlassClient, change_table_from_changes

    if (from_date is None) == (codes_at is None):
        raise DataError(
            "levekar fetch klass: give either --from DATE (a change table) or "
            "--codes-at DATE (the codes valid then)."
        )
    client = KlassClient(**_http_options(cache_dir, no_cache, refresh))
    if codes_at is not None:
        table = client.codes_at(classification, codes_at, level=level)
        info: dict[str, Any] = {"codes_at": codes_at, "level": level}
    else:
        changes = client.changes(classification, from_date, to_date, include_future=include_future)
        table = change_table_from_changes(changes)
        left_out = changes[changes["old_code"].isna() | changes["new_code"].isna()]
        info = {
            "from": from_date,
            "to": to_date,
            "changes_from_klass": len(changes),
            "left_out_started_or_ceased": left_out.fillna("").to_dict("records"),
            "split_rows_with_equal_shares": int((table["share_basis"] == "equal").sum()),
        }
    _write_outputs(
        out,
        lambda p: table.to_csv(p, index=False),
        client.http,
        {"command": "klass", "classification": classification, "rows": len(table), **info},
    )
    typer.echo(f"{out}: {len(table)} rows from KLASS")


@fetch_app.command("grunnkretser")
def grunnkretser(
    kommune: Annotated[str, typer.Argument(help="Four-digit kommune number, e.g. 3107.")],
    out: Out,
    epsg: Annotated[int, typer.Option("--epsg", help="Projection of the order.")] = 25833,
    file_format: Annotated[
        str, typer.Option("--format", help="GML, FGDB, GeoPackage or SOSI (as the dataset offers).")
    ] = "GML",
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", help="Geonorge metadata uuid (default: Statistiske enheter grunnkretser)."
        ),
    ] = "51d279f8-e2be-4f5e-9f72-1a53f7535ec1",
    layer: Annotated[str | None, typer.Option("--layer", help="Layer in the download.")] = None,
    code_column: Annotated[str | None, typer.Option("--code-column")] = None,
    name_column: Annotated[str | None, typer.Option("--name-column")] = None,
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the raw download in this folder.")
    ] = None,
    poll_every: Annotated[
        float, typer.Option("--poll-every", help="Seconds between polls.")
    ] = 10.0,
    timeout: Annotated[float, typer.Option("--timeout", help="Give up after seconds.")] = 900.0,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
) -> None:
    """Order grunnkretser for a kommune from Geonorge and write them as a GeoPackage.

    The GeoPackage has ``code``, ``name`` and ``level``.
    """
    from .geonorge import GeonorgeClient

    client = GeonorgeClient(**_http_options(cache_dir, no_cache, refresh))
    with tempfile.TemporaryDirectory(prefix="levekar-geonorge-") as tmp:
        folder = keep or Path(tmp)
        files = client.fetch(
            dataset,
            kommune=kommune,
            dest=folder,
            epsg=epsg,
            file_format=file_format,
            poll_every=poll_every,
            timeout=timeout,
        )
        source, layer_name = _vector_source(files, layer)
        areas, report = _read_area_layer()(
            source,
            level="grunnkrets",
            layer=layer_name,
            code_column=code_column,
            name_column=name_column,
            code_width=8,
            on_duplicate="dissolve",
        )
    _write_outputs(
        out,
        lambda p: areas.to_file(p, layer="grunnkretser", driver="GPKG", engine="pyogrio"),
        client.http,
        {
            "command": "grunnkretser",
            "kommune": kommune,
            "dataset": dataset,
            "epsg": epsg,
            "format": file_format,
            "downloaded": [f.name for f in files],
            "read": source.name,
            "layer": layer_name,
            "features": len(areas),
            "layer_report": report.as_dict(),
        },
    )
    typer.echo(f"{out}: {len(areas)} grunnkretser for {kommune}")


@fetch_app.command("skoler")
def skoler(
    kommune: Annotated[str, typer.Argument(help="Four-digit kommune number, e.g. 3107.")],
    out: Out,
    include_inactive: Annotated[
        bool, typer.Option("--include-inactive", help="Also closed schools.")
    ] = False,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    refresh: Refresh = False,
) -> None:
    """Write a kommune's schools from Udir's NSR as a GeoPackage point layer (EPSG:25833).

    Schools without usable coordinates go to ``<out>.uten_koordinater.csv`` with a reason.
    """
    from .nsr import NsrClient

    client = NsrClient(**_http_options(cache_dir, no_cache, refresh))
    located, missing = client.schools(kommune, include_inactive=include_inactive)
    extra = out.with_name(out.stem + ".uten_koordinater.csv")

    def write(p: Path) -> None:
        located.to_file(p, layer="skoler", driver="GPKG", engine="pyogrio")

    _write_outputs(
        out,
        write,
        client.http,
        {
            "command": "skoler",
            "kommune": kommune,
            "include_inactive": include_inactive,
            "schools": len(located) + len(missing),
            "with_coordinates": len(located),
            "without_coordinates": missing[["code", "name", "reason"]].to_dict("records"),
            "without_coordinates_file": extra.name if len(missing) else None,
        },
    )
    if len(missing):
        _atomic(extra, lambda p: missing.to_csv(p, index=False))
        typer.echo(f"{extra}: {len(missing)} school(s) without coordinates", err=True)
    typer.echo(f"{out}: {len(located)} schools in {kommune}")


# -- helpers ------------------------------------------------------------------------------------


def _http_options(cache_dir: Path | None, no_cache: bool, refresh: bool) -> dict[str, Any]:
    opts: dict[str, Any] = {"use_cache": not no_cache, "refresh": refresh}
    if cache_dir is not None:
        opts["cache_dir"] = cache_dir
    return {**opts, **HTTP_OPTIONS}


def _pairs(items: list[str], option: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise DataError(f"{option} {item!r}: write VARIABLE=VALUES, e.g. Region=3107*.")
        out[key.strip()] = value.strip()
    return out


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_outputs(out: Path, write: Callable[[Path], None], http: Any, details: dict) -> None:
    sources = [p.as_dict() for p in http.provenance]
    record = {
        "written_by": f"levekar {__version__}",
        "written_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "output": out.name,
        "source": http.source,
        "licence": http.licence,
        "requests_sent": http.requests_sent,
        "answers_from_cache": sum(s["from_cache"] for s in sources),
        **details,
        "requests": sources,
    }
    _atomic(out, write)
    text = json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n"
    _atomic(provenance_path(out), lambda p: p.write_text(text, encoding="utf-8"))


_VECTOR_SUFFIXES = (".gpkg", ".gml", ".geojson", ".json", ".shp", ".sos")


def _vector_source(files: list[Path], layer: str | None) -> tuple[Path, str | None]:
    """Find the readable vector data set among downloaded files, and the grunnkrets layer in it."""
    import pyogrio

    gdbs = sorted({p for f in files for p in f.parents if p.suffix.lower() == ".gdb"})
    candidates = gdbs + [f for f in files if f.suffix.lower() in _VECTOR_SUFFIXES]
    if not candidates:
        raise DataError(
            f"Geonorge download: no vector file among {[f.name for f in files]}; "
            "order another format (--format GML or FGDB)."
        )
    source = candidates[0]
    if layer is not None:
        return source, layer
    layers = [str(name) for name, _ in pyogrio.list_layers(source)]
    named = [n for n in layers if "grunnkrets" in n.lower() and "grense" not in n.lower()]
    if named:
        return source, named[0]
    if len(layers) == 1:
        return source, layers[0]
    raise DataError(
        f"{source.name}: several layers {layers} and none named like 'grunnkrets'; "
        "choose one with --layer."
    )


def _read_area_layer():
    from ..io.layers import read_area_layer

    return read_area_layer
