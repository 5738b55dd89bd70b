"""Study configuration: a TOML file validated by pydantic, and the loaded study.

A study names its inputs (area layers, population, indicator files), the choices
(indicators, index, selection rule, initiative and targets) and the outputs.
Paths are relative to the TOML file. Errors name the key and what was expected::

    study.toml: selection.k: Input should be greater than or equal to 1 (got 0)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError, DataError
from .findings import Findings

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pandas as pd

    from .areas import LayerReport
    from .catalogue import Catalogue

__all__ = [
    "AreaInput",
    "IndicatorSource",
    "PointLayer",
    "Study",
    "StudyConfig",
    "load_study",
    "parse_config",
    "study_from_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StudyMeta(_Strict):
    """The ``[study]`` table: the kommune, the years, the data label and the seed."""

    name: str = "Levekårsanalyse"
    kommune: str = Field(pattern=r"^\d{4}$")
    kommune_name: str
    years: tuple[int, int] | None = Field(
        default=None, description="[first, last]; taken from the data when left out."
    )
    data_label: str = Field(
        description="Shown on every output: the data's source, or 'Syntetiske demodata'."
    )
    synthetic: bool = False
    min_denominator: int = Field(default=30, ge=0)
    seed: int = 2023

    @model_validator(mode="after")
    def _years(self) -> StudyMeta:
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError(
                f"years must be [first, last] with first ≤ last, got {list(self.years)}"
            )
        if self.synthetic and "Syntetiske demodata" not in self.data_label:
            raise ValueError("a synthetic study's data_label must say 'Syntetiske demodata'")
        return self


class AreaInput(_Strict):
    """One area layer of ``[areas]`` (grunnkretser, skolekretser or lokalsamfunn).

    Attributes
    ----------
    path : pathlib.Path, optional
        The layer's file (GeoPackage, shapefile, GeoJSON, …); relative to the TOML file.
    layer : str, optional
        The layer within a multi-layer file.
    code_column, name_column : str, optional
        The columns holding the area codes and names.
    catchment_table : pathlib.Path, optional
        For lokalsamfunn only: a catchment → lokalsamfunn table, used instead of
        ``path`` to dissolve the skolekretser.
    dissolve_duplicates : bool, default False
        Merge the features of one code instead of rejecting the layer.
    code_width : int, optional
        Digits of a code, zero-padded (grunnkretser: 8). Give it for other small
        areas (levekårssoner ``2``), whose codes are then not taken for kommune codes.
    """

    path: Path | None = None
    layer: str | None = None
    code_column: str | None = None
    name_column: str | None = None
    catchment_table: Path | None = None
    dissolve_duplicates: bool = False
    code_width: int | None = Field(default=None, ge=1, le=12)


class Areas(_Strict):
    """The ``[areas]`` tables: grunnkretser, lokalsamfunn and optionally skolekretser."""

    grunnkretser: AreaInput
    skolekretser: AreaInput | None = None
    lokalsamfunn: AreaInput

    @model_validator(mode="after")
    def _ls(self) -> Areas:
        ls = self.lokalsamfunn
        if ls.path is None and ls.catchment_table is None:
            raise ValueError(
                "lokalsamfunn needs either 'path' (a layer) or 'catchment_table' "
                "(with skolekretser)"
            )
        if ls.catchment_table is not None and self.skolekretser is None:
            raise ValueError("lokalsamfunn.catchment_table needs an [areas.skolekretser] layer")
        return self


class PopulationInput(_Strict):
    """The ``[population]`` table: a point or grid layer with people."""

    path: Path
    layer: str | None = None
    column: str | None = None


class CrosswalkConfig(_Strict):
    """The ``[crosswalk]`` table: how grunnkretser go to lokalsamfunn.

    ``method = "overlay"`` (default) overlays the polygons, weighted by area or people;
    ``"code_prefix"`` (the lokalsamfunn's code is the start of the grunnkrets code, as
    delområde ``021901`` of grunnkrets ``02190101``) and ``"lookup"`` (a table
    ``source_code, target_code[, weight]``) are exact for nested hierarchies; the
    polygons then only check them (disagreements are findings).
    """

    method: Literal["overlay", "code_prefix", "lookup"] = "overlay"
    prefix_length: int | None = Field(default=None, ge=1, le=12)
    lookup: Path | None = None
    weighting: Literal["area", "population"] = "population"
    sliver_tolerance: float = Field(default=0.001, ge=0, lt=0.5)
    max_unassigned_share: float = Field(
        default=0.005,
        ge=0,
        le=1,
        description="Gaps or overlaps between target areas holding more of the people are errors.",
    )


SourceFormat = Literal["tidy", "ssb-csv", "jsonstat2", "udir", "rates"]
ColumnRole = Literal[
    "code", "area", "year", "indicator", "numerator", "denominator", "status", "rate"
]


class IndicatorSource(_Strict):
    """One indicator file and how to read it (``[[indicators.sources]]``, or ``[indicators]``).

    Attributes
    ----------
    path : pathlib.Path
        The file.
    format : {"tidy", "ssb-csv", "jsonstat2", "udir", "rates"}
        ``tidy``: ``code, year, indicator, numerator, denominator[, status]``;
        ``ssb-csv``: a statbank CSV download; ``jsonstat2``: a PxWebApi v2 answer (or
        ``levekar fetch ssb`` output as CSV with ``ssb-csv``); ``udir``: a Skoleporten
        national-test export; ``rates``: a published rate table (CSV, XLSX or JSON).
    columns : dict
        levekar's column names → the file's (``tidy`` and ``rates``; ``rate`` for the
        rate column).
    mapping : dict
        ``ssb-csv``/``jsonstat2``: indicator id → ``{numerator = "...", denominator =
        "..."}`` (the table's ``variable`` values).
    indicator : str, optional
        ``rates``: the indicator every row of the file is (else ``columns.indicator``).
    per : float, default 100
        ``rates``: what the rate is per (100 per cent, 1000 per thousand; 1 for means and
        medians).
    denominator : str or float, optional
        ``rates``: the column with the published population or denominator, or a
        number assumed for every area (the values are then flagged ``approximate``).
    population : pathlib.Path, optional
        ``rates``: a table ``code[, year], population`` giving the denominator.
    schools : str, optional
        ``udir``: the ``[points.<name>]`` layer holding the schools.
    org_column : str, default "organisasjonsnummer"
        ``udir``: the schools' organisation-number column.
    """

    path: Path
    format: SourceFormat = "tidy"
    columns: dict[ColumnRole, str] = Field(
        default_factory=dict, description="levekar's column name → the file's"
    )
    mapping: dict[str, dict[Literal["numerator", "denominator"], str]] = Field(default_factory=dict)
    indicator: str | None = None
    per: float = Field(default=100.0, gt=0)
    denominator: str | float | None = None
    population: Path | None = None
    schools: str | None = None
    org_column: str = "organisasjonsnummer"

    @model_validator(mode="after")
    def _needs(self) -> IndicatorSource:
        f = self.format
        if f in ("ssb-csv", "jsonstat2") and not self.mapping:
            raise ValueError(
                f"format '{f}' needs 'mapping': indicator → {{numerator = ..., denominator = ...}}"
            )
        if f == "rates":
            if self.indicator is None and "indicator" not in self.columns:
                raise ValueError("format 'rates' needs 'indicator' or columns.indicator")
            if "rate" not in self.columns:
                raise ValueError("format 'rates' needs columns.rate (the column with the rates)")
            if self.denominator is None and self.population is None:
                raise ValueError(
                    "format 'rates' needs 'denominator' (a column, or a number assumed for "
                    "every area) or 'population' (a file)"
                )
        if f == "udir" and self.schools is None:
            raise ValueError("format 'udir' needs 'schools': the [points.<name>] school layer")
        return self


class IndicatorInputs(_Strict):
    """The ``[indicators]`` table: the observation files, references, code changes, choices.

    One file is named by ``path`` (and ``format`` with what it needs, as in
    :class:`IndicatorSource`); several by ``[[indicators.sources]]``.
    """

    path: Path | None = None
    format: SourceFormat = "tidy"
    columns: dict[ColumnRole, str] = Field(
        default_factory=dict, description="levekar's column name → the file's"
    )
    mapping: dict[str, dict[Literal["numerator", "denominator"], str]] = Field(default_factory=dict)
    indicator: str | None = None
    per: float = Field(default=100.0, gt=0)
    denominator: str | float | None = None
    population: Path | None = None
    schools: str | None = None
    org_column: str = "organisasjonsnummer"
    sources: list[IndicatorSource] = Field(default_factory=list)
    reference: Path | None = None
    code_changes: Path | None = None
    use: list[str] | None = None
    custom: dict[str, dict[str, Any]] = Field(default_factory=dict)
    shrinkage: bool = Field(
        default=False, description="Score the index on empirical-Bayes-smoothed values."
    )
    max_suppressed_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="A value with more of its denominator in suppressed cells is not published "
        "or scored.",
    )

    @model_validator(mode="after")
    def _sources(self) -> IndicatorInputs:
        if self.path is None and not self.sources:
            raise ValueError("give 'path' (one file) or [[indicators.sources]] (several)")
        if self.path is not None:
            self.own_source()
        return self

    def own_source(self) -> IndicatorSource | None:
        """Return the file named by ``path`` as a source (None without ``path``)."""
        if self.path is None:
            return None
        return IndicatorSource.model_validate(
            {k: getattr(self, k) for k in IndicatorSource.model_fields}
        )

    def all_sources(self) -> list[IndicatorSource]:
        """Every indicator source: ``path`` first (when given), then ``[[indicators.sources]]``."""
        own = self.own_source()
        return ([own] if own is not None else []) + list(self.sources)

    def source_names(self) -> str:
        """Return the source files' names, for messages."""
        return ", ".join(str(s.path) for s in self.all_sources())


class PointLayer(_Strict):
    """One ``[points.<name>]`` layer: schools, meeting places, contacts, organisations.

    Attributes
    ----------
    path : pathlib.Path
        A vector file of points (any format and CRS the area layers accept).
    layer : str, optional
        The layer, for files with several.
    name_column : str, optional
        The column with each point's name (found by name when left out).
    title : str, optional
        The bokmål title on the map and in tables (default: the table's name).
    symbol : str, default "circle"
        The map symbol (a name the map knows, e.g. ``school``, ``home``, ``users``).
    """

    path: Path
    layer: str | None = None
    name_column: str | None = None
    title: str | None = None
    symbol: str = "circle"


class SelectionConfig(_Strict):
    """The ``[selection]`` table: the rule, the year and the Monte Carlo's sources."""

    rule: Literal["top_k", "multiple_deprivation"] = "top_k"
    k: int = Field(default=3, ge=1)
    min_indicators_worse: int = Field(default=5, ge=1)
    min_population: int = Field(default=0, ge=0)
    exclude: list[str] = Field(
        default_factory=list,
        description=(
            "Areas (codes or unique names) scored and shown but never chosen, e.g. an "
            "'unknown address' zone."
        ),
    )
    year: int | None = None
    draws: int = Field(default=2000, ge=0, le=200_000)
    weight_concentration: float | None = Field(default=None, gt=0)
    methods: list[str] = Field(default_factory=list)
    leave_one_out: bool = False
    spatial: bool = False
    contiguous: bool = False
    mappings: int = Field(
        default=1, ge=1, description="Score areas over the latest N mappings (years with data)."
    )
    combine: Literal["mean_score", "mean_rank", "pooled"] = "mean_score"
    trend_weight: float = Field(
        default=0.0, ge=0, description="Weight on the change in score over the mappings."
    )
    neighbour_reach_m: float = Field(
        default=300.0,
        ge=0,
        description="Areas this close count as neighbours (across rivers and to islands).",
    )

    @model_validator(mode="after")
    def _methods(self) -> SelectionConfig:
        from .index import AGGREGATIONS, NORMALISATIONS

        for m in self.methods:
            norm, _, agg = m.partition("/")
            if norm not in NORMALISATIONS or (agg and agg not in AGGREGATIONS):
                raise ValueError(
                    f"method {m!r} is not 'normalisation/aggregation' (e.g. 'rank/weighted_mean')"
                )
        return self


class InitiativeConfig(_Strict):
    """The ``[initiative]`` table: the initiative's areas, start and length."""

    name: str = "Områdesatsing"
    areas: list[str] = Field(min_length=1)
    start: int = 2023
    years: int = Field(default=5, ge=1, le=20)
    end: int | None = None

    @model_validator(mode="after")
    def _end(self) -> InitiativeConfig:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    @property
    def end_year(self) -> int:
        """The last year of the plan: ``end``, or ``start + years`` (2023 + 5 → 2028)."""
        return self.end if self.end is not None else self.start + self.years


class TargetRule(_Strict):
    """The target rule for one indicator (overrides the study-wide rule)."""

    rule: Literal["close_gap", "reach_value", "relative_change", "manual"]
    gap_share: float | None = Field(default=None, gt=0, le=1)
    reference: Literal["kommune", "norway"] | None = None
    value: float | None = None
    relative_change: float | None = None
    values: dict[str, float] | None = None

    @model_validator(mode="after")
    def _needs(self) -> TargetRule:
        need = {
            "reach_value": "value",
            "relative_change": "relative_change",
            "manual": "values",
        }.get(self.rule)
        if need and getattr(self, need) is None:
            raise ValueError(f"rule '{self.rule}' needs '{need}'")
        return self


class TargetsConfig(_Strict):
    """The ``[targets]`` table: baseline, rule, trajectory and focus areas."""

    baseline: Literal["last_year", "mean"] = "mean"
    baseline_years: int = Field(default=3, ge=1)
    rule: Literal["close_gap", "relative_change"] = "close_gap"
    gap_share: float = Field(default=0.5, gt=0, le=1)
    relative_change: float = -0.1
    reference: Literal["kommune", "norway"] = "kommune"
    trajectory: Literal["linear", "logit"] = "linear"
    rules: dict[str, TargetRule] = Field(default_factory=dict)
    focus_areas: dict[Literal["oppvekst", "sysselsetting", "bomiljo"], list[str]] = Field(
        default_factory=lambda: {
            "oppvekst": ["barn_lavinntekt", "grunnskole"],
            "sysselsetting": ["sysselsetting", "arbeidsledighet", "ufore_unge"],
            "bomiljo": ["utflytting", "trangbodd"],
        }
    )


class ComparisonConfig(_Strict):
    """Peer methods run side by side with the study's index (see docs/index-spec.md)."""

    presets: list[Literal["ssb_score10", "rank_sum", "imd", "oecd_z_mean"]] = Field(
        default_factory=lambda: ["ssb_score10", "rank_sum", "imd", "oecd_z_mean"]
    )


class AccessNetworkInput(_Strict):
    """The ``[accessibility.network]`` table: a line layer of roads and paths (a file)."""

    path: Path
    layer: str | None = None
    tolerance: float = Field(default=0.5, ge=0, description="Vertices this close are one node.")


class AccessDestination(_Strict):
    """One ``[accessibility.destinations.<stem>]`` table: a point or polygon layer.

    Attributes
    ----------
    path : pathlib.Path, optional
        The layer's file; relative to the TOML file. Required when the study is read
        from files (the embedded demo passes its layers in memory).
    layer : str, optional
        The layer within a multi-layer file.
    where : dict, optional
        Keep the features whose columns equal these values (``{ kind = "barneskole" }``).
    thresholds : list of float, optional
        Distances in metres (overrides ``[accessibility] thresholds``).
    kind : {"euclidean", "network"}, optional
        Straight line or along the network (overrides ``[accessibility] kind``).
    """

    path: Path | None = None
    layer: str | None = None
    where: dict[str, str | int | float | bool] = Field(default_factory=dict)
    thresholds: list[float] | None = None
    kind: Literal["euclidean", "network"] | None = None

    @model_validator(mode="after")
    def _thresholds(self) -> AccessDestination:
        _check_thresholds(self.thresholds)
        return self


def _check_thresholds(thresholds: list[float] | None) -> None:
    if thresholds is None:
        return
    if not thresholds or any(t <= 0 for t in thresholds):
        raise ValueError(f"thresholds must be positive distances in metres, got {thresholds}")
    if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
        raise ValueError(f"thresholds must be increasing and distinct, got {thresholds}")


class AccessibilityConfig(_Strict):
    """The ``[accessibility]`` table: destinations, an optional network and the distances.

    See ``docs/accessibility.md``. Each destination ``<stem>`` gives the indicators
    ``<stem>_avstand_snitt``, ``<stem>_avstand_median`` and ``<stem>_innen_<t>m``.
    """

    kind: Literal["euclidean", "network"] = "euclidean"
    thresholds: list[float] = Field(default_factory=lambda: [500.0, 1000.0])
    max_snap: float = Field(
        default=1000.0, gt=0, description="Origins farther from the network are unreachable."
    )
    spacing: float = Field(
        default=10.0, gt=0, description="Metres between entry points along polygon outlines."
    )
    land_from_areas: bool = Field(
        default=True,
        description="Represent a cell whose centre is in water by a point on land (grunnkretser).",
    )
    years: tuple[int, int] | None = Field(
        default=None,
        description="Years the layers describe (default: every year the indicator table has).",
    )
    network: AccessNetworkInput | None = None
    destinations: dict[str, AccessDestination] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> AccessibilityConfig:
        import re

        _check_thresholds(self.thresholds)
        for stem, d in self.destinations.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", stem):
                raise ValueError(
                    f"destination {stem!r}: the name must be lower-case letters, digits and "
                    "'_', starting with a letter (it starts the indicator ids)"
                )
            if (d.kind or self.kind) == "network" and self.network is None:
                raise ValueError(
                    f"destination {stem!r} uses kind = 'network': give [accessibility.network]"
                )
        if self.years is not None and self.years[0] > self.years[1]:
            raise ValueError(f"years must be [first, last], got {list(self.years)}")
        return self


class OutputConfig(_Strict):
    """The ``[output]`` table: which outputs to write and how maps are classified."""

    map: bool = True
    report: bool = True
    classification: Literal["quantiles", "natural_breaks", "equal_interval", "fisher_jenks"] = (
        "quantiles"
    )
    classes: int = Field(default=5, ge=2, le=5)
    tiles: Literal["auto", "none", "OpenStreetMap", "CartoDB positron"] = "auto"
    pdf: bool = False  # print the report and fact sheets to PDF with headless Chromium
    # A study of several kommuner: one map per kommune (or fylke) and an overview map.
    map_per: Literal["kommune", "fylke", "none"] = "kommune"
    # With [accessibility]: the distance grid as layers of the map (off until ticked).
    access_grid: bool = True


class StudyConfig(_Strict):
    """A whole study configuration, validated (unknown keys are errors).

    Attributes
    ----------
    study : StudyMeta
        ``[study]``.
    areas : Areas, optional
        ``[areas]``; required to load a study from files.
    population : PopulationInput, optional
        ``[population]``.
    crosswalk : CrosswalkConfig
        ``[crosswalk]``.
    indicators : IndicatorInputs, optional
        ``[indicators]``; required to load a study from files.
    index : dict, optional
        ``[index]`` as given (validated later by :func:`levekar.index.index_spec_for`).
    index_comparison : ComparisonConfig
        ``[index_comparison]``.
    selection : SelectionConfig
        ``[selection]``.
    initiative : InitiativeConfig
        ``[initiative]`` (required).
    targets : TargetsConfig
        ``[targets]``.
    output : OutputConfig
        ``[output]``.
    accessibility : AccessibilityConfig, optional
        ``[accessibility]``: accessibility indicators from the population layer.
    points : dict of str to PointLayer
        ``[points.<name>]`` layers to draw and count per lokalsamfunn.
    """

    study: StudyMeta
    areas: Areas | None = None
    population: PopulationInput | None = None
    crosswalk: CrosswalkConfig = CrosswalkConfig()
    indicators: IndicatorInputs | None = None
    index: dict[str, Any] | None = None
    index_comparison: ComparisonConfig = ComparisonConfig()
    selection: SelectionConfig = SelectionConfig()
    initiative: InitiativeConfig
    targets: TargetsConfig = TargetsConfig()
    output: OutputConfig = OutputConfig()
    accessibility: AccessibilityConfig | None = None
    points: dict[str, PointLayer] = Field(default_factory=dict)


def _format_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        got = err.get("input")
        got_text = (
            "" if isinstance(got, dict | list) or err["type"] == "missing" else f" (got {got!r})"
        )
        lines.append(f"{loc}: {err['msg']}{got_text}")
    more = f" (+{len(exc.errors()) - 3} more)" if len(exc.errors()) > 3 else ""
    return f"{source}: " + "; ".join(lines) + more


def parse_config(
    data: dict, *, source: str = "study configuration", base_dir: Path | None = None
) -> StudyConfig:
    """Validate a configuration dict; relative paths are resolved against ``base_dir``.

    Parameters
    ----------
    data : dict
        The configuration as read from TOML.
    source : str, default "study configuration"
        Where it came from, for error messages.
    base_dir : pathlib.Path, optional
        Folder that relative paths are resolved against; paths are left as they are
        when None.

    Returns
    -------
    StudyConfig
        The validated configuration.

    Raises
    ------
    ConfigError
        If the configuration does not validate (the first three problems are named).
    """
    try:
        cfg = StudyConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc, source)) from None
    if base_dir is not None:
        _resolve_paths(cfg, base_dir)
    return cfg


def _resolve_paths(cfg: StudyConfig, base: Path) -> None:
    def fix(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else (base / p))

    if cfg.areas is not None:
        for a in (cfg.areas.grunnkretser, cfg.areas.skolekretser, cfg.areas.lokalsamfunn):
            if a is not None:
                a.path = fix(a.path)
                a.catchment_table = fix(a.catchment_table)
    if cfg.population is not None:
        cfg.population.path = fix(cfg.population.path)
    cfg.crosswalk.lookup = fix(cfg.crosswalk.lookup)
    if cfg.indicators is not None:
        cfg.indicators.path = fix(cfg.indicators.path)
        cfg.indicators.reference = fix(cfg.indicators.reference)
        cfg.indicators.code_changes = fix(cfg.indicators.code_changes)
        cfg.indicators.population = fix(cfg.indicators.population)
        for src in cfg.indicators.sources:
            src.path = fix(src.path)
            src.population = fix(src.population)
    for pts in cfg.points.values():
        pts.path = fix(pts.path)
    if cfg.accessibility is not None:
        if cfg.accessibility.network is not None:
            cfg.accessibility.network.path = fix(cfg.accessibility.network.path)
        for d in cfg.accessibility.destinations.values():
            d.path = fix(d.path)


@dataclass
class Study:
    """A validated configuration with its inputs loaded into memory.

    Attributes
    ----------
    config : StudyConfig
        The validated study configuration.
    grunnkretser, lokalsamfunn : geopandas.GeoDataFrame
        Standardised area layers (``code, name, level, geometry`` in EPSG:25833).
    skolekretser : geopandas.GeoDataFrame or None
        The catchment layer, when the study has one.
    population : geopandas.GeoDataFrame or None
        People as points or grid cells with a ``popTot`` column, or None.
    observations : pandas.DataFrame
        The tidy indicator table as read from every source (``code, year, indicator,
        numerator, denominator, status[, approximate]``), before validation and code
        changes.
    reference : pandas.DataFrame or None
        Reference values (``code, year, indicator, value``; code ``0`` is Norway), or None.
    code_changes : pandas.DataFrame or None
        A KLASS-style change table (``old_code, new_code, date[, share]``), or None.
    catalogue : Catalogue
        Indicator definitions (the packaged ones plus the study's own).
    points : dict of str to geopandas.GeoDataFrame
        Point layers to draw and count (schools, meeting places), by their bokmål title:
        ``name, kind, symbol, geometry`` in EPSG:25833.
    destinations : dict of str to geopandas.GeoDataFrame
        The ``[accessibility]`` destination layers by stem, in EPSG:25833.
    network : geopandas.GeoDataFrame or None
        The ``[accessibility.network]`` line layer in EPSG:25833, or None.
    source : str, default "study"
        Where the study came from (the TOML path), for error messages.
    reports : list of LayerReport
        What reading each layer found and did (:class:`~levekar.areas.LayerReport`).
    findings : Findings
        What reading the inputs left out (e.g. schools placed in no area).
    """

    config: StudyConfig
    grunnkretser: gpd.GeoDataFrame
    lokalsamfunn: gpd.GeoDataFrame
    skolekretser: gpd.GeoDataFrame | None
    population: gpd.GeoDataFrame | None
    observations: pd.DataFrame
    reference: pd.DataFrame | None
    code_changes: pd.DataFrame | None
    catalogue: Catalogue
    points: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    destinations: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    network: gpd.GeoDataFrame | None = None
    source: str = "study"
    reports: list[LayerReport] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)

    @property
    def label(self) -> str:
        """The data label every output shows (e.g. "Syntetiske demodata")."""
        return self.config.study.data_label

    def _figures(self) -> list[tuple[str, str]]:
        """Return what the study holds, as labelled figures."""
        from . import _html

        obs = self.observations
        years = (
            f"{int(obs['year'].min())}–{int(obs['year'].max())}"
            if len(obs) and "year" in obs
            else "none"
        )
        n_ind = obs["indicator"].nunique() if "indicator" in obs else 0
        rows = [
            ("data", self.label),
            ("source", self.source),
            ("kommune", f"{self.config.study.kommune} {self.config.study.kommune_name}"),
            ("grunnkretser", f"{len(self.grunnkretser):,}"),
            ("lokalsamfunn", f"{len(self.lokalsamfunn):,}"),
            ("observations", f"{len(obs):,} rows, {n_ind} indicators, {years}"),
        ]
        if self.population is not None:
            col = "popTot" if "popTot" in self.population else None
            people = _html.number(float(self.population[col].sum())) if col else "?"
            rows.append(("population", f"{people} people in {len(self.population):,} features"))
        if self.points or self.destinations:
            layers = list(self.points) + [f"{d} (accessibility)" for d in self.destinations]
            rows.append(("point layers", _html.codes(layers)))
        rows.append(("findings", self.findings.summary()))
        return rows

    def __repr__(self) -> str:
        """Say what the study holds in one line (the frames are in the attributes)."""
        return (
            f"Study({self.source!r}, {self.label}: {len(self.grunnkretser)} grunnkretser, "
            f"{len(self.lokalsamfunn)} lokalsamfunn, {len(self.observations):,} observation rows)"
        )

    def _repr_html_(self) -> str:
        """Show what the study holds in Jupyter."""
        from . import _html

        return _html.block("levekar study", _html.figures(self._figures()))

    @property
    def synthetic(self) -> bool:
        """Whether the study's data are synthetic."""
        return self.config.study.synthetic


def load_study(path: str | Path) -> Study:
    """Load a study from a TOML file and read every input it names.

    Parameters
    ----------
    path : str or pathlib.Path
        The study's TOML file (UTF-8); relative paths in it are relative to the file.

    Returns
    -------
    Study
        The validated configuration with its inputs in memory. The embedded demo
        study is :func:`levekar.demo.demo_study`.

    Raises
    ------
    ConfigError
        If the file is missing, a folder, not UTF-8 or not valid TOML, or the
        configuration does not validate.
    DataError, CRSError, GeometryError
        As :func:`study_from_config`.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found.") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; give the study's TOML file.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the TOML file as UTF-8.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    cfg = parse_config(data, source=str(path), base_dir=path.parent)
    return study_from_config(cfg, source=str(path))


def _layer(ai: AreaInput, level: str, width: int | None, reports: list) -> gpd.GeoDataFrame:
    from .io.layers import read_area_layer

    gdf, rep = read_area_layer(
        ai.path,
        level=level,
        layer=ai.layer,
        code_column=ai.code_column,
        name_column=ai.name_column,
        code_width=ai.code_width or width,
        on_duplicate="dissolve" if ai.dissolve_duplicates else "error",
    )
    reports.append(rep)
    return gdf


def study_from_config(cfg: StudyConfig, *, source: str) -> Study:
    """Read and validate every input a configuration names.

    Parameters
    ----------
    cfg : StudyConfig
        A validated configuration whose paths are absolute (see :func:`parse_config`).
    source : str
        Where the configuration came from, for error messages.

    Returns
    -------
    Study
        The configuration with its inputs loaded: grunnkretser with 8-digit codes,
        lokalsamfunn from their layer or dissolved from the skolekretser.

    Raises
    ------
    DataError
        If ``[areas]`` or ``[indicators]`` is missing (a configuration problem raised
        as a DataError), or an input does not read or validate.
    CRSError, GeometryError
        If an area layer's CRS or geometries are not usable.
    """
    from .areas import lokalsamfunn_from_catchments
    from .catalogue import load_catalogue
    from .io.layers import read_point_layer, read_population
    from .io.observations import read_code_changes, read_reference
    from .io.sources import read_indicator_sources
    from .io.tables import read_table

    if cfg.areas is None or cfg.indicators is None:
        raise DataError(
            f"{source}: a study needs [areas] and [indicators] sections (see `levekar demo`)."
        )
    reports: list = []
    gk = _layer(cfg.areas.grunnkretser, "grunnkrets", 8, reports)
    sk = None
    if cfg.areas.skolekretser is not None:
        sk = _layer(cfg.areas.skolekretser, "skolekrets", None, reports)
    ls_in = cfg.areas.lokalsamfunn
    if ls_in.path is not None:
        ls = _layer(ls_in, "lokalsamfunn", None, reports)
    else:
        table, _ = read_table(ls_in.catchment_table)
        ls = lokalsamfunn_from_catchments(sk, table, source=str(ls_in.catchment_table))
    population = None
    if cfg.population is not None:
        population = read_population(
            cfg.population.path, layer=cfg.population.layer, column=cfg.population.column
        )
    points = {}
    for key, pl in cfg.points.items():
        points[pl.title or key] = read_point_layer(
            pl.path, layer=pl.layer, name_column=pl.name_column, symbol=pl.symbol, kind=key
        )
    catalogue = load_catalogue(cfg.indicators.custom, source=source)
    layers_by_key = {k: points[pl.title or k] for k, pl in cfg.points.items()}
    obs, notes = read_indicator_sources(
        [s.model_dump() for s in cfg.indicators.all_sources()],
        catalogue=catalogue,
        areas=gk,
        points=layers_by_key,
    )
    findings = Findings()
    for kind, message, fix in notes:
        findings.warn(kind, message, source=cfg.indicators.source_names(), fix=fix)
    reference = None
    if cfg.indicators.reference is not None:
        reference = read_reference(cfg.indicators.reference)
    changes = None
    if cfg.indicators.code_changes is not None:
        changes = read_code_changes(cfg.indicators.code_changes)
    destinations, network = _access_layers(cfg, source)
    return Study(
        config=cfg,
        grunnkretser=gk,
        lokalsamfunn=ls,
        skolekretser=sk,
        population=population,
        observations=obs,
        reference=reference,
        code_changes=changes,
        catalogue=catalogue,
        destinations=destinations,
        network=network,
        points=points,
        source=source,
        reports=reports,
        findings=findings,
    )


def _access_layers(
    cfg: StudyConfig, source: str
) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame | None]:
    """Read the ``[accessibility]`` destination layers and the network, if any."""
    from .io.layers import read_features

    acc = cfg.accessibility
    if acc is None:
        return {}, None
    layers = {}
    for stem, d in acc.destinations.items():
        if d.path is None:
            raise ConfigError(
                f"{source}: accessibility.destinations.{stem}.path: give the layer's file."
            )
        layers[stem] = read_features(d.path, layer=d.layer, where=d.where)
    network = None
    if acc.network is not None:
        network = read_features(acc.network.path, layer=acc.network.layer)
    return layers, network
