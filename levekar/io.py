"""Reading inputs and writing outputs (the edges of levekar).

Readers validate as data come in and name the file, column and value in every
error. Writers are atomic: everything is written to a staging folder first and
moved into place only when all of it succeeded, so a failed run leaves the
previous outputs intact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._files import parse_numbers, read_table, write_atomic
from .areas import LayerReport, lokalsamfunn_from_catchments, standardise_layer
from .catalogue import load_catalogue
from .config import Study, StudyConfig, default_demo_config, parse_config
from .errors import DataError

__all__ = [
    "demo_as_study",
    "read_area_layer",
    "read_layer",
    "read_population",
    "read_observations",
    "read_table",
    "read_study_inputs",
    "write_atomic",
    "write_demo_inputs",
]


def read_layer(path: Path, *, layer: str | None = None, source: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector layer (GeoPackage, GeoJSON, Shapefile, GML, FileGDB) with pyogrio."""
    src = source or str(path)
    if not Path(path).exists():
        raise DataError(f"{src}: file not found.")
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise DataError(f"{src}: could not read as a vector layer ({type(exc).__name__}: {exc}).") from None


# Column names as the national data sets spell them (Kartverket, SSB, kommuner).
# Shapefiles cut names to 10 characters: grunnkretsnummer → "grunnkrets", grunnkretsnavn → "grunnkre_1".
CODE_COLUMNS = ("code", "grunnkretsnummer", "grunnkrets", "delomradenummer", "kommunenummer", "skolekrets",
                "skolekretsnummer", "sone_nr", "kode", "id")
NAME_COLUMNS = ("name", "grunnkretsnavn", "grunnkre_1", "delomradenavn", "kommunenavn", "skolekretsnavn",
                "skolenavn", "sone_navn", "navn")
POPULATION_COLUMNS = ("popTot", "pop_tot", "poptot", "population", "befolkning", "antall", "personer")


def _pick(columns, candidates, path, what: str, required: bool = True) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    if required:
        raise DataError(f"{path}: no {what} column found among {list(columns)}; name it in the configuration "
                        f"(e.g. code_column = \"...\"). Looked for {list(candidates)}.")
    return None


def read_area_layer(
    path: Path,
    *,
    level: str,
    layer: str | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
    code_width: int | None = None,
    on_duplicate: str = "error",
) -> tuple[gpd.GeoDataFrame, LayerReport]:
    """Read and standardise an area layer from any vector format GDAL reads.

    Code and name columns are found by name when not given: the Kartverket
    grunnkrets schema (``grunnkretsnummer``, ``grunnkretsnavn``), ``code``/``name``,
    ``kommunenummer``, ``sone_nr`` and others. Grunnkrets codes are padded to 8 digits.
    """
    raw = read_layer(path, layer=layer)
    code = code_column or _pick(raw.columns, CODE_COLUMNS, path, "code")
    name = name_column or _pick(raw.columns, NAME_COLUMNS, path, "name", required=False)
    if code_width is None and code.lower() in ("grunnkretsnummer", "grunnkrets"):
        code_width = 8
    if code_width is None and code.lower() == "kommunenummer":
        code_width = 4
    return standardise_layer(raw, level=level, code_column=code, name_column=name, code_width=code_width,
                             on_duplicate=on_duplicate, source=str(path))


def read_population(path: Path, *, layer: str | None = None, column: str | None = None) -> gpd.GeoDataFrame:
    """Read a population layer: SSB's grid (``BefolkningPåRuter250m``/``1km`` GML or GeoPackage) or points.

    Returns the layer in EPSG:25833 with the count in column ``popTot``.
    """
    if layer is None and Path(path).suffix.lower() == ".gml":
        import pyogrio

        names = [n for n, _ in pyogrio.list_layers(path)]
        grids = [n for n in names if n.startswith("BefolkningPåRuter") and not n.endswith("Grense")]
        layer = grids[0] if grids else None
    raw = read_layer(path, layer=layer)
    col = column or _pick(raw.columns, POPULATION_COLUMNS, path, "population")
    if col not in raw.columns:
        raise DataError(f"{path}: no column {col!r}; columns are {list(raw.columns)}.")
    if raw.crs is None:
        raise DataError(f"{path}: the population layer has no CRS; set it (SSB's grid is EPSG:25833).")
    counts = pd.to_numeric(raw[col], errors="coerce")
    if counts.isna().any() or (counts < 0).any():
        row = int((counts.isna() | (counts < 0)).to_numpy().nonzero()[0][0])
        value = raw[col].iloc[row]
        shown = repr(value) if isinstance(value, str) else str(value)
        raise DataError(f"{path}: column {col!r}, feature {row}: {shown} is not a count of people.")
    out = gpd.GeoDataFrame({"popTot": counts.to_numpy(dtype=float)}, geometry=raw.geometry.to_numpy(), crs=raw.crs)
    return out.to_crs(25833) if out.crs.to_epsg() != 25833 else out


def read_observations(path: Path, *, columns: Mapping[str, str] | None = None,
                      source: str | None = None) -> pd.DataFrame:
    """Read a tidy observation table (CSV or XLSX): ``area, year, indicator, numerator, denominator[, status]``.

    ``columns`` maps levekar's names to the file's, e.g. ``{"area": "grunnkrets",
    "numerator": "antall"}``. Decimal commas and thin-space or space thousands
    separators are accepted; an SSB symbol in a count column (``..``, ``:``, ``.``,
    ``-``) becomes the row's status when no status is given.
    """
    src = source or str(path)
    table, _ = read_table(path, source=src)
    if columns:
        absent = [theirs for theirs in columns.values() if theirs not in table.columns]
        if absent:
            raise DataError(f"{src}: column(s) {absent} named in the configuration are not in the file; "
                            f"the file has {list(table.columns)}.")
        table = table.rename(columns={theirs: ours for ours, theirs in columns.items()})
    need = ["area", "year", "indicator", "numerator", "denominator"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise DataError(f"{src}: missing column(s) {missing}; the file has {list(table.columns)}. "
                        "Expected a tidy table: area, year, indicator, numerator, denominator, status.")
    out = table.copy()
    if "status" not in out.columns:
        raw = out["numerator"].astype(str).str.strip()
        out["status"] = raw.where(raw.isin(["..", ":", ".", "-"]), "")
    out["status"] = out["status"].fillna("").astype(str).str.strip()
    for col in ("numerator", "denominator"):
        out[col], _ = parse_numbers(out[col], source=src, column=col)
    return out[need + ["status"]]


def _layer(ai, level: str, width: int | None, src: str, reports: list[LayerReport]) -> gpd.GeoDataFrame:
    gdf, rep = read_area_layer(ai.path, level=level, layer=ai.layer, code_column=ai.code_column,
                               name_column=ai.name_column, code_width=width,
                               on_duplicate="dissolve" if ai.dissolve_duplicates else "error")
    reports.append(rep)
    return gdf


def read_study_inputs(cfg: StudyConfig, *, source: str) -> Study:
    """Read and validate every input a configuration names."""
    if cfg.areas is None or cfg.indicators is None:
        raise DataError(f"{source}: a study needs [areas] and [indicators] sections (see `levekar demo`).")
    reports: list[LayerReport] = []
    gk = _layer(cfg.areas.grunnkretser, "grunnkrets", 8, source, reports)
    sk = None
    if cfg.areas.skolekretser is not None:
        sk = _layer(cfg.areas.skolekretser, "skolekrets", None, source, reports)
    ls_in = cfg.areas.lokalsamfunn
    if ls_in.path is not None:
        ls = _layer(ls_in, "lokalsamfunn", None, source, reports)
    else:
        table, _ = read_table(ls_in.catchment_table)
        ls = lokalsamfunn_from_catchments(sk, table, source=str(ls_in.catchment_table))
    population = None
    if cfg.population is not None:
        population = read_population(cfg.population.path, layer=cfg.population.layer,
                                     column=cfg.population.column)
    obs = read_observations(cfg.indicators.path, columns=cfg.indicators.columns)
    reference = None
    if cfg.indicators.reference is not None:
        ref, _ = read_table(cfg.indicators.reference)
        for col in ("area", "year", "indicator", "value"):
            if col not in ref.columns:
                raise DataError(f"{cfg.indicators.reference}: missing column {col!r}.")
        ref["value"], _ = parse_numbers(ref["value"], source=str(cfg.indicators.reference), column="value")
        ref["year"] = pd.to_numeric(ref["year"], errors="coerce").astype("Int64")
        reference = ref
    changes = None
    if cfg.indicators.code_changes is not None:
        changes, _ = read_table(cfg.indicators.code_changes)
    catalogue = load_catalogue(cfg.indicators.custom, source=source)
    return Study(config=cfg, grunnkretser=gk, lokalsamfunn=ls, skolekretser=sk, population=population,
                 observations=obs, reference=reference, code_changes=changes, catalogue=catalogue,
                 source=source, reports=reports)


def demo_as_study(seed: int = 2023) -> Study:
    """The embedded synthetic demo study, in memory (what ``levekar run`` uses with no config)."""
    from .demo import make_demo_study

    demo = make_demo_study(seed)
    cfg = parse_config(default_demo_config(), source="demo study")
    cfg.study.seed = seed
    gk, rep = standardise_layer(demo.grunnkretser, level="grunnkrets", code_column="grunnkretsnummer",
                                name_column="grunnkretsnavn", code_width=8, source="demo grunnkretser")
    sk, _ = standardise_layer(demo.skolekretser, level="skolekrets", source="demo skolekretser")
    ls = lokalsamfunn_from_catchments(sk, demo.catchment_table, source="demo catchment table")
    obs = demo.observations.copy()
    return Study(config=cfg, grunnkretser=gk, lokalsamfunn=ls, skolekretser=sk, population=demo.population,
                 observations=obs, reference=demo.reference, code_changes=demo.code_changes,
                 catalogue=load_catalogue(), points={"Skoler": demo.schools, "Møteplasser": demo.places},
                 source="demo study", reports=[rep])


def write_demo_inputs(out_dir: Path, *, seed: int = 2023) -> list[Path]:
    """Write the demo study's input files and its ``study.toml`` into ``out_dir``."""
    from .demo import make_demo_study

    demo = make_demo_study(seed)
    cfg = default_demo_config()
    cfg["study"]["seed"] = seed

    def gpkg(gdf: gpd.GeoDataFrame, layer: str) -> Callable[[Path], None]:
        return lambda p: gdf.to_file(p, layer=layer, driver="GPKG", engine="pyogrio")

    def csv_(df: pd.DataFrame) -> Callable[[Path], None]:
        return lambda p: df.to_csv(p, index=False, lineterminator="\n")

    files: dict[str, Callable[[Path], None] | bytes | str] = {
        "grunnkretser.gpkg": gpkg(demo.grunnkretser, "grunnkretser"),
        "skolekretser.gpkg": gpkg(demo.skolekretser, "skolekretser"),
        "befolkning_250m.gpkg": gpkg(demo.population, "befolkning_250m"),
        "skoler_og_moteplasser.gpkg": gpkg(pd.concat([demo.schools, demo.places], ignore_index=True), "steder"),
        "skolekrets_lokalsamfunn.csv": csv_(demo.catchment_table),
        "indikatorer_grunnkrets.csv": csv_(demo.observations),
        "referanse_norge.csv": csv_(demo.reference),
        "kodeendringer.csv": csv_(demo.code_changes),
        "study.toml": _to_toml(cfg),
        "LESMEG.txt": (
            "Syntetiske demodata\n\nDisse filene er laget av levekar (levekar demo) og er IKKE ekte data.\n"
            "Geografien ligner Fredrikstad, men grensene og tallene er syntetiske.\n"
            "Kjør: levekar run --config study.toml --out <mappe>\n"
        ),
    }
    return write_atomic(files, Path(out_dir))


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def _to_toml(data: Mapping, prefix: str = "") -> str:
    """A small TOML writer for nested tables of scalars and lists (enough for study files)."""
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, Mapping)]
    out = []
    if prefix and scalars:
        out.append(f"[{prefix}]")
    out += [f"{k} = {_toml_value(v)}" for k, v in scalars]
    if scalars:
        out.append("")
    for k, v in tables:
        out.append(_to_toml(v, f"{prefix}.{k}" if prefix else k))
    return "\n".join(out)
