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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError

__all__ = [
    "AreaInput",
    "Study",
    "StudyConfig",
    "default_demo_config",
    "load_study",
    "parse_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StudyMeta(_Strict):
    name: str = "Levekårsanalyse"
    kommune: str = Field(pattern=r"^\d{4}$")
    kommune_name: str
    years: tuple[int, int]
    data_label: str = Field(description="Shown on every output: the data's source, or 'Syntetiske demodata'.")
    synthetic: bool = False
    min_denominator: int = Field(default=30, ge=0)
    seed: int = 2023

    @model_validator(mode="after")
    def _years(self) -> StudyMeta:
        if self.years[0] > self.years[1]:
            raise ValueError(f"years must be [first, last] with first ≤ last, got {list(self.years)}")
        if self.synthetic and "Syntetiske demodata" not in self.data_label:
            raise ValueError("a synthetic study's data_label must say 'Syntetiske demodata'")
        return self


class AreaInput(_Strict):
    path: Path | None = None
    layer: str | None = None
    code_column: str | None = None
    name_column: str | None = None
    catchment_table: Path | None = None
    dissolve_duplicates: bool = False


class Areas(_Strict):
    grunnkretser: AreaInput
    skolekretser: AreaInput | None = None
    lokalsamfunn: AreaInput

    @model_validator(mode="after")
    def _ls(self) -> Areas:
        ls = self.lokalsamfunn
        if ls.path is None and ls.catchment_table is None:
            raise ValueError("lokalsamfunn needs either 'path' (a layer) or 'catchment_table' (with skolekretser)")
        if ls.catchment_table is not None and self.skolekretser is None:
            raise ValueError("lokalsamfunn.catchment_table needs an [areas.skolekretser] layer")
        return self


class PopulationInput(_Strict):
    path: Path
    layer: str | None = None
    column: str | None = None


class CrosswalkConfig(_Strict):
    weighting: Literal["area", "population"] = "population"
    sliver_tolerance: float = Field(default=0.001, ge=0, lt=0.5)


class IndicatorInputs(_Strict):
    path: Path
    columns: dict[Literal["area", "year", "indicator", "numerator", "denominator", "status"], str] = Field(
        default_factory=dict, description="levekar's column name → the file's")
    reference: Path | None = None
    code_changes: Path | None = None
    use: list[str] | None = None
    custom: dict[str, dict[str, Any]] = Field(default_factory=dict)
    shrinkage: bool = Field(default=False, description="Score the index on empirical-Bayes-smoothed values.")


class SelectionConfig(_Strict):
    rule: Literal["top_k", "multiple_deprivation"] = "top_k"
    k: int = Field(default=3, ge=1)
    min_indicators_worse: int = Field(default=5, ge=1)
    min_population: int = Field(default=0, ge=0)
    year: int | None = None
    draws: int = Field(default=2000, ge=0, le=200_000)
    weight_concentration: float | None = Field(default=None, gt=0)
    methods: list[str] = Field(default_factory=list)
    leave_one_out: bool = False
    spatial: bool = False
    contiguous: bool = False

    @model_validator(mode="after")
    def _methods(self) -> SelectionConfig:
        from .index import AGGREGATIONS, NORMALISATIONS

        for m in self.methods:
            norm, _, agg = m.partition("/")
            if norm not in NORMALISATIONS or (agg and agg not in AGGREGATIONS):
                raise ValueError(f"method {m!r} is not 'normalisation/aggregation' (e.g. 'rank/weighted_mean')")
        return self


class InitiativeConfig(_Strict):
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
        need = {"reach_value": "value", "relative_change": "relative_change", "manual": "values"}.get(self.rule)
        if need and getattr(self, need) is None:
            raise ValueError(f"rule '{self.rule}' needs '{need}'")
        return self


class TargetsConfig(_Strict):
    baseline: Literal["last_year", "mean"] = "last_year"
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
        })


class ComparisonConfig(_Strict):
    """Peer methods run side by side with the study's index (see docs/index-spec.md)."""

    presets: list[Literal["ssb_score10", "rank_sum", "imd", "oecd_z_mean"]] = Field(
        default_factory=lambda: ["ssb_score10", "rank_sum", "imd", "oecd_z_mean"])


class OutputConfig(_Strict):
    map: bool = True
    report: bool = True
    classification: Literal["quantiles", "natural_breaks", "equal_interval", "fisher_jenks"] = "quantiles"
    classes: int = Field(default=5, ge=2, le=5)
    tiles: Literal["auto", "none", "OpenStreetMap", "CartoDB positron"] = "auto"


class StudyConfig(_Strict):
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


def _format_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        got = err.get("input")
        got_text = "" if isinstance(got, dict | list) or err["type"] == "missing" else f" (got {got!r})"
        lines.append(f"{loc}: {err['msg']}{got_text}")
    more = f" (+{len(exc.errors()) - 3} more)" if len(exc.errors()) > 3 else ""
    return f"{source}: " + "; ".join(lines) + more


def parse_config(data: dict, *, source: str = "study configuration", base_dir: Path | None = None) -> StudyConfig:
    """Validate a configuration dict; relative paths are resolved against ``base_dir``."""
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
    if cfg.indicators is not None:
        cfg.indicators.path = fix(cfg.indicators.path)
        cfg.indicators.reference = fix(cfg.indicators.reference)
        cfg.indicators.code_changes = fix(cfg.indicators.code_changes)


@dataclass
class Study:
    """A validated configuration with its inputs loaded into memory."""

    config: StudyConfig
    grunnkretser: Any
    lokalsamfunn: Any
    skolekretser: Any | None
    population: Any | None
    observations: Any
    reference: Any | None
    code_changes: Any | None
    catalogue: Any
    points: dict[str, Any] = field(default_factory=dict)
    source: str = "study"
    reports: list = field(default_factory=list)


def default_demo_config() -> dict:
    """The demo study's configuration, as written by ``levekar demo``."""
    return {
        "study": {
            "name": "Levekår i Fredrikstad (demo)",
            "kommune": "3107",
            "kommune_name": "Fredrikstad",
            "years": [2018, 2023],
            "data_label": "Syntetiske demodata",
            "synthetic": True,
            "min_denominator": 30,
            "seed": 2023,
        },
        "areas": {
            "grunnkretser": {"path": "grunnkretser.gpkg", "code_column": "grunnkretsnummer",
                             "name_column": "grunnkretsnavn"},
            "skolekretser": {"path": "skolekretser.gpkg", "code_column": "code", "name_column": "name"},
            "lokalsamfunn": {"catchment_table": "skolekrets_lokalsamfunn.csv"},
        },
        "population": {"path": "befolkning_250m.gpkg", "column": "popTot"},
        "crosswalk": {"weighting": "population", "sliver_tolerance": 0.001},
        "indicators": {"path": "indikatorer_grunnkrets.csv", "reference": "referanse_norge.csv",
                       "code_changes": "kodeendringer.csv"},
        "index": {
            "id": "code",
            "name": "Levekårsindeks",
            "normalisation": "z",
            "aggregation": "weighted_mean",
            "missing": "reweight",
            "domains": {"normalisation": "none", "aggregation": "weighted_mean"},
        },
        "selection": {"rule": "top_k", "k": 3, "min_population": 1000, "draws": 2000,
                      "weight_concentration": 40.0, "methods": ["z/weighted_mean", "minmax/weighted_mean",
                                                                "rank/weighted_mean"], "leave_one_out": True},
        "initiative": {"name": "Områdesatsing Fredrikstad", "areas": ["Sentrum", "Sellebakk", "Lisleby"],
                       "start": 2023, "years": 5},
    }


def load_study(path: str | Path | None = None) -> Study:
    """Load a study from a TOML file, or the embedded demo study when ``path`` is None."""
    from . import io

    if path is None:
        return io.demo_as_study()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the TOML file as UTF-8.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    cfg = parse_config(data, source=str(path), base_dir=path.parent)
    return io.read_study_inputs(cfg, source=str(path))
