"""The chain as named stages: areas → crosswalk → indicators → scores → choice → plan → outputs.

``run(study)`` composes the stages of the core modules and returns :class:`Results`
in memory; ``write(results, out_dir)`` writes the processed data, the map and the
reports atomically. Each rule lives in its module (eligibility and the choice in
:class:`~levekar.selection.SelectionRule`, publishability in
:func:`~levekar.indicators.disclosure_threshold`, ...); this module only wires them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import _html
from .crosswalk import (
    Crosswalk,
    coverage_findings,
    crosswalk_disagreements,
    crosswalk_from_codes,
    crosswalk_from_overlay,
    population_by_target,
)
from .errors import ConfigError, DataError
from .findings import Findings
from .index import IndexSpec, index_spec_for
from .indicators import (
    IndicatorTables,
    YearData,
    current_observations,
    disclosure_threshold,
    indicator_tables,
    population_from_denominators,
    year_data,
)
from .reselection import Reselection, reselect
from .selection import SelectionRule, boundary_areas, select_areas
from .spatial import SpatialClusters
from .study import Study
from .uncertainty import UncertaintyOptions, YearScores, score_year, uncertainty_sources

__all__ = ["Accounting", "Results", "run", "selection_rule", "write"]

Progress = Callable[[str], None]


@dataclass
class Results:
    """Everything a run computes, in memory.

    The selection year's row of :attr:`reselection` and :attr:`selection` come from the
    same :class:`~levekar.uncertainty.YearScores` (``scores[year]``).

    Attributes
    ----------
    study : Study
        The study the run was made on.
    crosswalk : Crosswalk
        Grunnkretser → lokalsamfunn.
    observations : pandas.DataFrame
        Validated observations on today's codes.
    unmatched : pandas.DataFrame
        Observations whose code matched no grunnkrets, with ``reason``.
    tables : IndicatorTables
        Counts, rates, the kommune's rates and lost counts.
    spec : IndexSpec
        The index specification used.
    rule : SelectionRule
        The selection rule.
    year : int
        The selection year.
    data : dict of int to YearData
        Each scored year's data.
    scores : dict of int to YearScores
        Each scored year's index, choice and Monte Carlo.
    selection : pandas.DataFrame
        The selection table (:func:`~levekar.selection.select_areas`) with ``name`` and,
        when the Monte Carlo ran, the uncertainty-source shares.
    counterfactuals : pandas.DataFrame
        Smallest changes for the areas near the boundary.
    reselection : Reselection
        The rule year by year.
    targets : pandas.DataFrame
        Targets with progress and ``published``.
    comparison, agreement : pandas.DataFrame
        Ranks under the peer presets beside the study's index, and their agreement.
    spatial : SpatialClusters or None
        Moran's I and LISA clusters, when asked for.
    names : dict of str to str
        Lokalsamfunn names by code.
    accounting : Accounting
        Counts of what was read, kept and lost, for run_report.json.
    access_grid : geopandas.GeoDataFrame or None
        With ``[accessibility]``: the population layer's cells (or points) with their
        grunnkrets ``code``, ``people`` and, per destination ``<stem>``,
        ``<stem>_distance_m`` and ``<stem>_status`` (a map layer of the distance to
        the nearest destination).
    findings : Findings
        Everything moved, dropped, repaired or left out.
    years : (int, int)
        The study's first and last year: ``[study] years``, or the data's.
    without_data : list of str
        Lokalsamfunn with no observation at all: not scored, listed as "ingen data" in
        the published selection table (``has_data`` False).
    explained : bool
        Whether the run computed why these areas (:func:`run`'s ``explain``); results
        without it are a check and cannot be written.
    """

    study: Study
    crosswalk: Crosswalk
    observations: pd.DataFrame
    unmatched: pd.DataFrame
    tables: IndicatorTables
    spec: IndexSpec
    rule: SelectionRule
    year: int
    data: dict[int, YearData]
    scores: dict[int, YearScores]
    selection: pd.DataFrame
    counterfactuals: pd.DataFrame
    reselection: Reselection
    targets: pd.DataFrame
    comparison: pd.DataFrame
    agreement: pd.DataFrame
    spatial: SpatialClusters | None
    names: dict[str, str]
    accounting: Accounting | None = None
    findings: Findings = field(default_factory=Findings)
    rule_family: pd.DataFrame = field(default_factory=pd.DataFrame)
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    choice: dict = field(default_factory=dict)
    access_grid: gpd.GeoDataFrame | None = None
    years: tuple[int, int] | None = None
    without_data: list[str] = field(default_factory=list)
    explained: bool = True

    @property
    def label(self) -> str:
        """The data label every output shows."""
        return self.study.label

    def _names(self, codes: list[str]) -> str:
        return _html.codes(self.names.get(c, c) for c in codes)

    def _summary(self) -> list[tuple[str, str]]:
        """Return the run in labelled figures (what the displays show above the selection)."""
        sel = self.selection
        chosen = sel.loc[sel["selected"].astype(bool), "code"].tolist()
        initiative = sel.loc[sel["in_initiative"].astype(bool), "code"].tolist()
        first, last = self.study_years
        rows = [
            ("data", self.label),
            ("study", self.study.source),
            ("years", f"{first}–{last}, selection year {self.year}"),
            ("areas scored", f"{len(sel) - len(self.without_data)} of {len(sel)}"),
            ("rule", self.rule.id),
            ("selected", self._names(chosen)),
            ("initiative", self._names(initiative)),
        ]
        p = self.choice.get("p_exact_set")
        if p is not None and np.isfinite(p):
            rows.append((f"P(initiative = the {self.rule.k} worst)", _html.share(p)))
        q = self.crosswalk.quality
        rows.append(
            (
                "crosswalk",
                f"{q.n_sources} → {q.n_targets}, {q.n_sources_split} split"
                + (
                    f", {_html.share(q.population_assigned_share, decimals=2)} of people assigned"
                    if q.population_assigned_share is not None
                    else ""
                ),
            )
        )
        rows.append(("findings", self.findings.summary()))
        return rows

    def __repr__(self) -> str:
        """Say the run in one line: data, years, rule, the choice and the findings."""
        sel = self.selection
        chosen = sel.loc[sel["selected"].astype(bool), "code"].tolist()
        return (
            f"Results({self.label}: {len(sel)} areas, {self.year}, {self.rule.id}; selected "
            f"{self._names(chosen)}; {self.findings.summary()})"
        )

    def _repr_html_(self) -> str:
        """Show the run's summary and the areas nearest the top with their bands in Jupyter."""
        scores = self.scores.get(self.year)
        top = self.rule.k + 3
        parts = [_html.figures(self._summary())]
        if scores is not None:
            bands = scores.bands()
            bands.insert(1, "name", bands["code"].map(self.names))
            inside = set(self.selection.loc[self.selection["in_initiative"], "code"])
            bands["in_initiative"] = bands["code"].isin(inside)
            parts.append(f"<p>The {top} areas ranked most deprived in {self.year}:</p>")
            parts.append(
                _html.table(bands.head(top), max_rows=top, percent=("p_top_k", "p_selected"))
            )
        return _html.block(f"levekar results: {self.label}", *parts)

    @property
    def synthetic(self) -> bool:
        """Whether the data are synthetic."""
        return self.study.synthetic

    @property
    def study_years(self) -> tuple[int, int]:
        """The study's first and last year (configured, or taken from the data)."""
        if self.years is not None:
            return self.years
        return tuple(self.study.config.study.years or (min(self.data), max(self.data)))

    @property
    def rates(self) -> pd.DataFrame:
        """Indicator values by area and year (all of them, for analysis; see ``published``)."""
        return self.tables.rates

    @property
    def kommune(self) -> pd.DataFrame:
        """The kommune's indicator values by year."""
        return self.tables.kommune

    @property
    def counts(self) -> pd.DataFrame:
        """Indicator counts by area and year."""
        return self.tables.counts

    @property
    def index(self) -> pd.DataFrame:
        """The index in the selection year.

        Columns ``code, name, population, domain_*, score, rank, decile``, sorted by code.
        """
        cols = [
            "code",
            "name",
            "population",
            *[c for c in self.selection if c.startswith("domain_")],
            "score",
            "rank",
            "decile",
        ]
        return self.selection[cols].sort_values("code").reset_index(drop=True)


def selection_rule(study: Study) -> SelectionRule:
    """Build the study's selection rule (with the lokalsamfunn's neighbours if contiguous).

    Parameters
    ----------
    study : Study
        The loaded study; ``[selection]`` gives the rule. ``contiguous = true`` turns a
        ``top_k`` rule into ``contiguous``.

    Returns
    -------
    SelectionRule
        The rule.
    """
    sc = study.config.selection
    kind = "contiguous" if (sc.contiguous and sc.rule == "top_k") else sc.rule
    neighbours = _neighbours(study) if kind == "contiguous" else None
    return SelectionRule(
        kind=kind,
        k=sc.k,
        min_indicators_worse=sc.min_indicators_worse,
        min_population=sc.min_population,
        neighbours=neighbours,
        mappings=sc.mappings,
        combine=sc.combine,
        trend_weight=sc.trend_weight,
        exclude=frozenset(
            _resolve_areas(sc.exclude, study.lokalsamfunn, study.source, key="selection.exclude")
        ),
    )


def _neighbours(study: Study) -> dict[str, frozenset[str]]:
    """Each lokalsamfunn's neighbours: areas within ``selection.neighbour_reach_m`` metres."""
    from .neighbours import neighbours_within

    reach = study.config.selection.neighbour_reach_m
    found = neighbours_within(study.lokalsamfunn, reach=reach)
    return {c: frozenset(v) for c, v in found.items()}


def _crosswalk(study: Study, findings: Findings) -> Crosswalk:
    cfg = study.config
    cc = cfg.crosswalk
    if cc.method != "overlay":
        lookup = None
        if cc.method == "lookup":
            if cc.lookup is None:
                raise ConfigError(
                    f"{study.source}: crosswalk.method = 'lookup' needs crosswalk.lookup, a table "
                    "source_code, target_code[, weight]."
                )
            from .io.tables import read_table

            lookup, _ = read_table(cc.lookup)
        by_code = crosswalk_from_codes(
            study.grunnkretser["code"],
            study.lokalsamfunn["code"],
            method=cc.method,
            prefix_length=cc.prefix_length,
            lookup=lookup,
            source_level="grunnkrets",
            target_level="lokalsamfunn",
            source=f"{study.source}: crosswalk",
        )
        if _same_layer(study):
            return by_code  # one layer in both roles: its polygons cannot disagree with it
        # The polygons are given too: say where they disagree with the codes.
        by_geometry = crosswalk_from_overlay(
            study.grunnkretser,
            study.lokalsamfunn,
            weighting="area",
            sliver_tolerance=cc.sliver_tolerance,
        )
        _, found = crosswalk_disagreements(by_code, by_geometry)
        findings.extend(found)
        return by_code
    if cc.weighting == "population" and study.population is None:
        raise ConfigError(
            f"{study.source}: crosswalk.weighting = 'population' needs a [population] layer "
            "(SSB's population grid or address points); or set weighting = 'area'."
        )
    return crosswalk_from_overlay(
        study.grunnkretser,
        study.lokalsamfunn,
        weighting=cc.weighting,
        population=study.population,
        population_column="popTot",
        sliver_tolerance=cc.sliver_tolerance,
    )


def _same_layer(study: Study) -> bool:
    """Whether the grunnkretser and the lokalsamfunn are read from the same layer."""
    a = study.config.areas
    if a is None or a.lokalsamfunn.path is None:
        return False
    gk, ls = a.grunnkretser, a.lokalsamfunn
    return (gk.path, gk.layer, gk.code_column) == (ls.path, ls.layer, ls.code_column)


def _options(study: Study) -> UncertaintyOptions:
    sc = study.config.selection
    return UncertaintyOptions(
        draws=sc.draws,
        seed=study.config.study.seed,
        weight_concentration=sc.weight_concentration,
        methods=tuple(sc.methods),
        leave_one_out=sc.leave_one_out,
    )


def _worse(rates: pd.DataFrame, year: int, spec: IndexSpec) -> pd.DataFrame:
    """Return published cells significantly worse than the kommune, with their relative gap."""
    r = rates[
        (rates["year"] == year)
        & rates["published"]
        & rates["significantly_worse"]
        & rates["indicator"].isin([i.column for i in spec.indicators])
    ]
    gap = (r["value"] - r["kommune_value"]).abs() / r["kommune_value"].abs()
    return r[["code", "indicator"]].assign(gap=gap.to_numpy())


def run(
    study: Study,
    *,
    progress: Progress | None = None,
    reselect_years: list[int] | None = None,
    strict: bool = False,
    explain: bool = True,
) -> Results:
    """Run the whole analysis on a loaded study and return the results in memory.

    Four stages, each a function of what the earlier ones gave: the inputs (crosswalk,
    observations on today's codes, accessibility, indicator tables), the scores (the
    index and its uncertainty for every year, under the one selection rule), the choice
    (selection, reselection and why these areas) and the plan (targets, peer methods,
    accounting).

    Parameters
    ----------
    study : Study
        A loaded study (:func:`levekar.load_study` or :func:`levekar.demo_study`).
    progress : callable, optional
        Called with a short bokmål message as each stage starts.
    reselect_years : list of int, optional
        Years for the year-by-year reselection (default: every year with data); the
        selection year is always included.
    strict : bool, default False
        Treat every warning as an error.
    explain : bool, default True
        Also compute why these areas: the sources of uncertainty, Sobol indices,
        counterfactuals and the family of rules (``levekar check`` leaves them out; such
        results cannot be written).

    Returns
    -------
    Results
        Everything the run computed, with :attr:`Results.findings`: everything moved,
        dropped, repaired or left out.

    Raises
    ------
    ConfigError
        If the configuration does not fit the data (e.g. an initiative area that is
        neither a code nor a unique name, a population weighting without a population
        layer, or a minimum population that leaves too few areas).
    DataError, SpecError
        Every error found in the inputs at once (and, when ``strict``, every warning);
        an index specification that does not validate.
    """
    say = progress or (lambda _msg: None)
    findings = _layer_findings(study)
    findings.extend(study.findings)
    inputs = _inputs_stage(study, findings, say)
    findings.raise_errors(strict=strict, source=study.source)
    say("Indeks og usikkerhet")
    scored = _scores_stage(study, inputs, reselect_years, findings)
    say("Utvelgelse og mål")
    chosen = _choice_stage(study, inputs, scored, findings, say, explain=explain)
    # An initiative area without any data gets no targets (it is warned of as "ingen data").
    rates, initiative = inputs.tables.rates, inputs.initiative
    with_data = set(rates["code"])
    areas = [a for a in initiative if a in with_data]
    targets = _targets(study, rates, areas, inputs.names, findings)
    comparison, agreement = _compare(
        scored.data[scored.year].wide(),
        scored.spec,
        scored.scores[scored.year].table,
        scored.rule.k,
        study.config.index_comparison.presets,
        findings,
    )
    findings.raise_errors(strict=strict, source=study.source)
    return Results(
        study=study,
        crosswalk=inputs.crosswalk,
        observations=inputs.observations,
        unmatched=pd.concat([inputs.unmatched, inputs.tables.lost], ignore_index=True),
        tables=inputs.tables,
        spec=scored.spec,
        rule=scored.rule,
        year=scored.year,
        data=scored.data,
        scores=scored.scores,
        selection=chosen.selection,
        counterfactuals=chosen.counterfactuals,
        reselection=chosen.reselection,
        targets=targets,
        comparison=comparison,
        agreement=agreement,
        spatial=chosen.spatial,
        names=inputs.names,
        accounting=_accounting(
            inputs.crosswalk,
            study,
            inputs.observations,
            inputs.unmatched,
            inputs.tables,
            inputs.topology,
            inputs.access,
        ),
        findings=findings,
        access_grid=inputs.access.grid,
        rule_family=chosen.family,
        evidence=chosen.evidence,
        choice=chosen.overall,
        sobol=chosen.sobol,
        years=inputs.study_years,
        without_data=chosen.without_data,
        explained=explain,
    )


@dataclass
class _Inputs:
    """The inputs stage: the study's files on today's codes, as indicator tables."""

    names: dict[str, str]
    initiative: list[str]
    crosswalk: Crosswalk
    topology: dict
    observations: pd.DataFrame
    unmatched: pd.DataFrame
    access: AccessStage
    tables: IndicatorTables
    study_years: tuple[int, int]


def _inputs_stage(study: Study, findings: Findings, say: Progress) -> _Inputs:
    """Crosswalk, observations on today's codes, accessibility and the indicator tables."""
    cfg = study.config
    names = dict(zip(study.lokalsamfunn["code"], study.lokalsamfunn["name"], strict=True))
    initiative = _resolve_areas(cfg.initiative.areas, study.lokalsamfunn, study.source)
    _check_targets(study, initiative, names)
    say("Krysstabell grunnkretser → lokalsamfunn")
    cw = _crosswalk(study, findings)
    topology = _topology(study)
    findings.extend(
        coverage_findings(
            cw,
            topology["lokalsamfunn"]["overlap_table"],
            max_share=cfg.crosswalk.max_unassigned_share,
            names=names,
        )
    )
    say("Indikatorer")
    src = cfg.indicators.source_names() if cfg.indicators is not None else "demo observations"
    width = 8
    if cfg.areas is not None and cfg.areas.grunnkretser.code_width:
        width = cfg.areas.grunnkretser.code_width
    obs, unmatched, found = current_observations(
        study.observations,
        study.catalogue,
        valid_codes=set(study.grunnkretser["code"]),
        code_changes=study.code_changes,
        years=tuple(cfg.study.years) if cfg.study.years else None,
        source=src,
        use=cfg.indicators.use if cfg.indicators is not None else None,
        changes_source=f"{study.source}: code changes",
        code_width=width,
    )
    study_years = (
        tuple(cfg.study.years)
        if cfg.study.years
        else (int(obs["year"].min()), int(obs["year"].max()))
    )
    findings.extend(found)
    access = _accessibility(study, sorted(set(obs["year"])), findings)
    obs = pd.concat([obs, access.observations], ignore_index=True)
    max_supp = cfg.indicators.max_suppressed_share if cfg.indicators is not None else 0.2
    tables = indicator_tables(
        obs,
        cw,
        study.catalogue,
        kommune=cfg.study.kommune,
        norway=study.reference,
        min_denominator=cfg.study.min_denominator,
        max_suppressed_share=max_supp,
        names=names,
    )
    findings.extend(tables.findings)
    return _Inputs(names, initiative, cw, topology, obs, unmatched, access, tables, study_years)


@dataclass
class _Scored:
    """The scores stage: the index and its uncertainty for every year, under one rule."""

    year: int
    years_with_data: list[int]
    spec: IndexSpec
    rule: SelectionRule
    population: pd.Series
    data: dict[int, YearData]
    scores: dict[int, YearScores]
    options: UncertaintyOptions


def _scores_stage(
    study: Study, inputs: _Inputs, reselect_years: list[int] | None, findings: Findings
) -> _Scored:
    """Score every year the reselection needs, with the same sources of uncertainty."""
    cfg = study.config
    rates, cw = inputs.tables.rates, inputs.crosswalk
    year = cfg.selection.year or inputs.study_years[1]
    years_with_data = sorted(int(y) for y in rates["year"].unique())
    if year not in years_with_data:
        raise ConfigError(
            f"{study.source}: selection.year {year} has no data; "
            f"years with data: {years_with_data}."
        )
    indicators = _scorable_indicators(study, rates, year, findings)
    spec = index_spec_for(cfg.index, study.catalogue, indicators, source=study.source)
    rule = selection_rule(study)
    src_pop = population_from_denominators(inputs.observations, study.catalogue)
    # Without a population layer or population denominators, people are unknown (not 0).
    known = cw.weighting == "population" or len(src_pop)
    population = population_by_target(cw, src_pop) if known else pd.Series(dtype=float)
    codes = sorted(rates["code"].unique())
    _check_enough_eligible(study, rule, codes, population)
    shrink = cfg.indicators is not None and cfg.indicators.shrinkage
    value_column = "value_shrunk" if shrink else "value"
    years = sorted(set(reselect_years or years_with_data) & set(years_with_data) | {year})
    years, kept = _stable_indicators(rates, years, year, [i.column for i in spec.indicators])
    findings.extend(kept.findings)
    if len(kept) < len(spec.indicators):
        spec = index_spec_for(cfg.index, study.catalogue, list(kept), source=study.source)
    spec_ids = [i.column for i in spec.indicators]
    # Every year with data is reshaped (a rule over several mappings looks back over them);
    # the reselection scores the requested years.
    data = {
        y: year_data(rates, y, spec_ids, codes=codes, value_column=value_column)
        for y in years_with_data
    }
    _years_without({y: data[y] for y in years}, year, findings)
    opts = _options(study)
    # Every year varies the same sources; years other than the selection year use fewer draws.
    other = replace(opts, draws=min(opts.draws, 200))
    scores = {
        y: score_year(
            [data[w] for w in years_with_data if w <= y],
            spec,
            study.catalogue,
            rule=rule,
            population=population,
            options=opts if y == year else replace(other, seed=opts.seed + y),
        )
        for y in years
    }
    for y in years:
        _mark_approximate(scores[y].table, rates, y, spec_ids)
    return _Scored(year, years_with_data, spec, rule, population, data, scores, opts)


def _check_enough_eligible(study: Study, rule: SelectionRule, codes: list[str], population):
    """Refuse a rule whose eligibility leaves no more areas than it chooses."""
    ok = rule.eligible(pd.Series(codes).map(population), codes)
    if rule.kind != "multiple_deprivation" and int(ok.sum()) <= rule.k:
        why = f"selection.min_population = {rule.min_population}"
        if rule.exclude:
            why += f" with selection.exclude ({len(rule.exclude)} areas)"
        raise ConfigError(
            f"{study.source}: {why} leaves {int(ok.sum())} lokalsamfunn, not more than "
            f"k = {rule.k}; lower it, or give a population layer ([population])."
        )


@dataclass
class _Chosen:
    """The choice stage: the selection, the reselection and why these areas."""

    selection: pd.DataFrame
    without_data: list[str]
    reselection: Reselection
    spatial: SpatialClusters | None = None
    counterfactuals: pd.DataFrame = field(default_factory=pd.DataFrame)
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)
    family: pd.DataFrame = field(default_factory=pd.DataFrame)
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    overall: dict = field(default_factory=dict)


def _choice_stage(
    study: Study,
    inputs: _Inputs,
    scored: _Scored,
    findings: Findings,
    say: Progress,
    *,
    explain: bool,
) -> _Chosen:
    """Apply the rule to the selection year, re-run it year by year, and explain the choice."""
    cfg, rates = study.config, inputs.tables.rates
    year, spec, rule, data, opts = (
        scored.year,
        scored.spec,
        scored.rule,
        scored.data,
        scored.options,
    )
    this = scored.scores[year]
    table = this.table.copy()
    table.insert(1, "name", table["code"].map(inputs.names))
    selection = select_areas(
        table, _worse(rates, year, spec), rule=rule, initiative=inputs.initiative
    )
    selection = selection.assign(has_data=True)
    without_data = _areas_without_data(selection, study.lokalsamfunn, findings)
    # Unknown people are NaN (not pd.NA), also after a merge, so that every reader can test them.
    selection["population"] = selection["population"].astype(float)
    if explain and this.uncertainty is not None and opts.sources:
        shares = uncertainty_sources(
            data[year],
            spec,
            study.catalogue,
            rule=rule,
            areas=this.uncertainty.summary["code"].tolist(),
            options=replace(opts, draws=max(200, opts.draws // 8)),
        )
        selection = selection.merge(shares, on="code", how="left")
    out = _Chosen(selection, without_data, reselection=None)  # type: ignore[arg-type]
    if explain:
        out.sobol = _sobol(data[year], spec, study, rule, selection, opts)
        out.counterfactuals = _counterfactuals_of_year(study, rates, scored, selection)
    say("Utvelgelse år for år")
    years = sorted(scored.scores)
    out.reselection = reselect(
        scored.scores, {y: data[y] for y in years}, spec, initiative=inputs.initiative, k=rule.k
    )
    if cfg.selection.spatial:
        out.spatial = _spatial(study, this.table)
    if explain:
        say("Hvilke regler gir valget")
        out.family, out.evidence, out.overall = _why_these(
            study,
            rule,
            spec,
            [data[y] for y in scored.years_with_data],
            scored.population,
            opts,
            inputs.initiative,
            selection,
            out.reselection,
            this,
        )
    return out


def _counterfactuals_of_year(
    study: Study, rates: pd.DataFrame, scored: _Scored, selection: pd.DataFrame
) -> pd.DataFrame:
    """Counterfactuals on the selection year, within the published range, hiding no value."""
    year, spec = scored.year, scored.spec
    this_rates = rates[rates["year"] == year]
    unpublished = this_rates[~this_rates["published"]]
    hidden = set(zip(unpublished["code"], unpublished["indicator"], strict=True))
    seen = rates[rates["published"]].groupby("indicator")["value_published"]
    spec_ids = [i.column for i in spec.indicators]
    bounds = (seen.min().reindex(spec_ids).to_numpy(), seen.max().reindex(spec_ids).to_numpy())
    return counterfactuals_for(
        scored.data[year],
        spec,
        study,
        scored.rule,
        scored.scores[year].table,
        selection,
        hidden,
        bounds,
    )


def _spatial(study: Study, scores: pd.DataFrame) -> SpatialClusters:
    """Moran's I and LISA clusters of the selection year's index, at several reaches."""
    from .neighbours import moran_by_reach
    from .spatial import spatial_clusters

    cfg = study.config
    score = scores.set_index("code")["score"]
    reach = cfg.selection.neighbour_reach_m
    spatial = spatial_clusters(study.lokalsamfunn, score, seed=cfg.study.seed, reach=reach)
    reaches = sorted({0.0, 100.0, reach, 1000.0})
    spatial.by_reach = moran_by_reach(
        study.lokalsamfunn, score, reaches=reaches, permutations=199, seed=cfg.study.seed
    )
    return spatial


@dataclass
class AccessStage:
    """What the accessibility stage gives the run.

    Attributes
    ----------
    observations : pandas.DataFrame
        Tidy observations on the grunnkretser (``code, year, indicator, numerator,
        denominator, status``), for every year the layers describe.
    grid : geopandas.GeoDataFrame or None
        The population layer with each destination's distance and status.
    accounting : dict
        For run_report.json: level, years, rows, and each destination's ledger.
    """

    observations: pd.DataFrame
    grid: gpd.GeoDataFrame | None = None
    accounting: dict = field(default_factory=dict)


def _accessibility(study: Study, years: list[int], findings: Findings) -> AccessStage:
    """Compute accessibility per grunnkrets, as observations that go through the crosswalk.

    Computed on the grunnkretser (each cell or point in the grunnkrets its point lies in),
    so that the counts travel to the lokalsamfunn and the kommune by the same crosswalk
    as every other count: numerator = people within, denominator = people. The layers are
    one snapshot: the same values are given to every year they describe
    (``[accessibility] years``, default every year of the indicator table). Unreachable
    people, people outside every grunnkrets and unusable destinations are findings.
    """
    from .access import accessibility_by_area, network_from_lines, origin_points

    acc = study.config.accessibility
    empty = pd.DataFrame(columns=["code", "year", "indicator", "numerator", "denominator"])
    if acc is None:
        return AccessStage(observations=empty)
    if study.population is None:
        raise ConfigError(
            f"{study.source}: [accessibility] needs a [population] layer (SSB's population "
            "grid or address points): the indicators count people."
        )
    missing = [stem for stem in acc.destinations if stem not in study.destinations]
    if missing:
        raise ConfigError(
            f"{study.source}: accessibility.destinations: no layer loaded for {missing}."
        )
    if acc.years is not None:
        first, last = study.config.study.years or (min(years), max(years))
        wanted = range(max(acc.years[0], first), min(acc.years[1], last) + 1)
        if not wanted:
            raise ConfigError(
                f"{study.source}: accessibility.years {list(acc.years)} lie outside the "
                f"study's years {[first, last]}."
            )
        years = [y for y in years if y in wanted] or list(wanted)
    gk = study.grunnkretser
    land = None
    if acc.land_from_areas:
        import shapely

        land = shapely.union_all(np.asarray(gk.geometry, dtype=object), grid_size=0.01)
    # Each cell's point (on land) once, for every destination layer.
    people = gpd.GeoDataFrame(
        {"popTot": study.population["popTot"].to_numpy()},
        geometry=origin_points(study.population, land=land).to_numpy(),
        crs=study.population.crs,
        index=study.population.index,
    )
    kinds = {stem: d.kind or acc.kind for stem, d in acc.destinations.items()}
    net = None
    if "network" in kinds.values():
        if study.network is None:
            raise ConfigError(f"{study.source}: accessibility.network: no network layer loaded.")
        net = network_from_lines(study.network, tolerance=acc.network.tolerance)
    obs, ledgers = [], {}
    grid = study.population[[]].copy()
    use = study.config.indicators.use if study.config.indicators is not None else None
    for stem, d in acc.destinations.items():
        res = accessibility_by_area(
            people,
            study.destinations[stem],
            gk,
            name=stem,
            thresholds=d.thresholds or acc.thresholds,
            kind=kinds[stem],
            network=net,
            max_snap=acc.max_snap,
            spacing=acc.spacing,
            year=years[0],
        )
        if "code" not in grid:
            grid["code"] = res.grid["code"]
            grid["people"] = res.grid["people"]
        grid[f"{stem}_distance_m"] = res.grid["distance_m"]
        grid[f"{stem}_status"] = res.grid["status"]
        ledgers[stem] = res.accounting.as_dict()
        _access_findings(res.accounting, stem, acc.max_snap, findings)
        o = res.observations
        unknown = sorted(set(o["indicator"]) - set(study.catalogue))
        if unknown:
            findings.warn(
                "unknown_indicator",
                f"accessibility: {', '.join(unknown)} are not in the indicator catalogue; "
                "they are left out",
                source=f"accessibility.destinations.{stem}",
                value=", ".join(unknown),
                fix="define them under [indicators.custom.<id>] (label, direction, kind, "
                'sampling = "exact"), or change the thresholds',
            )
        o = o[o["indicator"].isin(study.catalogue)]
        # A grunnkrets where nobody lives (or nobody reaches a destination) counts 0 of 0
        # people: exact, not unknown (".." would make every sum over it unknown).
        nobody = o["denominator"] == 0
        o = o.assign(
            numerator=o["numerator"].mask(nobody, 0.0), status=o["status"].mask(nobody, "")
        )
        if use:
            o = o[o["indicator"].isin(use)]
        obs.extend(o.assign(year=y) for y in years)
    found = pd.concat(obs, ignore_index=True) if obs else empty
    given = study.observations["indicator"].astype(str).unique()
    clash = sorted(set(found["indicator"].unique()) & set(given))
    if clash:
        raise DataError(
            f"{study.source}: {clash} are both in the indicator table and computed by "
            "[accessibility]; remove them from one of the two."
        )
    grid = gpd.GeoDataFrame(grid, geometry=study.population.geometry, crs=study.population.crs)
    return AccessStage(
        observations=found,
        grid=grid,
        accounting={
            "level": "grunnkrets",
            "years": years,
            "rows": len(found),
            "destinations": ledgers,
        },
    )


def _access_findings(ledger, stem: str, max_snap: float, findings: Findings) -> None:
    """Say who the accessibility of one destination layer could not count as near."""
    where = f"accessibility.destinations.{stem}"
    if ledger.people_unreachable > 0:
        reasons = ", ".join(
            f"{reason} {people:,.0f}"
            for reason, people in ledger.people_unreachable_by_reason.items()
            if people > 0
        )
        findings.warn(
            "unreachable",
            f"{stem}: {ledger.people_unreachable:,.0f} people cannot reach a destination "
            f"({reasons}); they count as not within any distance and are left out of the "
            f"mean and median. Largest snapping distance to the network "
            f"{ledger.max_origin_snap:,.0f} m (max_snap {max_snap:,.0f} m)",
            source=where,
            people=ledger.people_unreachable,
            fix="complete the network (bridges, ferries, paths) or raise max_snap",
        )
    if ledger.n_destinations_unusable > 0:
        findings.warn(
            "unreachable",
            f"{stem}: {ledger.n_destinations_unusable} of {ledger.n_destinations} destinations "
            f"are unusable (no geometry, or farther than {max_snap:,.0f} m from the network)",
            source=where,
            rows=ledger.n_destinations_unusable,
            fix="check the destinations' positions and the network's extent",
        )
    if ledger.people_outside_areas > 0:
        findings.warn(
            "people_outside_grunnkretser",
            f"{stem}: {ledger.people_outside_areas:,.0f} people live in cells whose point lies "
            "outside every grunnkrets; no accessibility indicator counts them",
            source=where,
            people=ledger.people_outside_areas,
            fix="check that the population layer and the grunnkretser cover the same kommune",
        )


class _Kept(list):
    """The indicators kept for every year, with the findings of what was left out."""

    findings: Findings


def _stable_indicators(
    rates: pd.DataFrame, years: list[int], year: int, indicators: list[str]
) -> tuple[list[int], _Kept]:
    """Choose the years and the one indicator set the index uses in every one of them.

    A year in which most of the selection year's indicators have no value is left out
    of the year-by-year choice; an indicator without a value in one of the remaining
    years is left out of every year's index, so that the years compare like with like.
    Both are warnings.
    """
    findings = Findings()
    valued = rates[rates["value"].notna() & rates["indicator"].isin(indicators)]
    have = valued.groupby("year")["indicator"].agg(set).to_dict()
    kept_years = []
    for y in years:
        n = len(have.get(y, set()))
        if y != year and n * 2 < len(indicators):
            findings.warn(
                "year_left_out",
                f"{y} has values for {n} of the {len(indicators)} index indicators of {year}; "
                "it is left out of the year-by-year choice",
                value=str(y),
                fix="give the year's data, or choose the years with [study] years",
            )
            continue
        kept_years.append(y)
    left_out = {}
    for ind in indicators:
        missing = [y for y in kept_years if ind not in have.get(y, set())]
        if missing:
            left_out[ind] = missing
    for ind, missing in left_out.items():
        findings.warn(
            "indicator_left_out",
            f"{ind} has no value in {', '.join(map(str, missing))}; it is left out of every "
            "year's index so that the years compare like with like",
            value=ind,
            fix="give the missing years' data, or choose the years with [study] years",
        )
    kept = _Kept(i for i in indicators if i not in left_out)
    kept.findings = findings
    if not kept:
        raise ConfigError(
            f"no index indicator has a value in every year of {kept_years}; choose the years "
            "with [study] years or selection.year."
        )
    return kept_years, kept


def _mark_approximate(table: pd.DataFrame, rates: pd.DataFrame, year: int, ids: list[str]) -> None:
    """Add ``approximate``: the area's score rests on a value rebuilt from a published rate."""
    r = rates[(rates["year"] == year) & rates["indicator"].isin(ids) & rates["value"].notna()]
    rebuilt = r["n_approximate"].fillna(0) > 0 if "n_approximate" in r else r["value"].isna()
    flagged = set(r.loc[rebuilt.to_numpy(), "code"])
    table["approximate"] = table["code"].isin(flagged).to_numpy()


def _areas_without_data(selection: pd.DataFrame, layer, findings: Findings) -> list[str]:
    """Return the lokalsamfunn with no observation at all (listed as "ingen data"), warned."""
    missing = sorted(set(layer["code"]) - set(selection["code"]))
    if missing:
        names = dict(zip(layer["code"], layer["name"], strict=True))
        findings.warn(
            "area_without_data",
            f"{len(missing)} lokalsamfunn have no observation at all and are listed as 'ingen "
            f"data': {', '.join(f'{names[c]} ({c})' for c in missing[:8])}"
            + (f" and {len(missing) - 8} more" if len(missing) > 8 else ""),
            rows=len(missing),
            fix="check that the indicator files cover these areas (or that their codes match)",
        )
    return missing


def _layer_findings(study: Study) -> Findings:
    """Repairs made while reading the area layers."""
    findings = Findings()
    for rep in study.reports:
        if rep.repaired:
            findings.warn(
                "geometry_repaired",
                f"{len(rep.repaired)} invalid polygon(s) repaired with make_valid: "
                + "; ".join(rep.repaired[:5]),
                source=rep.source,
                fix="check the repaired areas; people the repair leaves outside are reported",
            )
    return findings


def _check_targets(study: Study, initiative: list[str], names: dict[str, str]) -> None:
    from .targets import check_target_rules

    t = study.config.targets
    rules = {k: v.model_dump(exclude_none=True) for k, v in t.rules.items()}
    check_target_rules(rules, t.focus_areas, areas=initiative, names=names, source=study.source)


def _scorable_indicators(
    study: Study, rates: pd.DataFrame, year: int, findings: Findings
) -> list[str]:
    """Return the indicators with a value in the selection year; warn of the others."""
    seen = set(rates["indicator"].unique())
    present = [i for i in study.catalogue if i in seen]
    this = rates[rates["year"] == year]
    has_value = set(this.loc[this["value"].notna(), "indicator"])
    for ind in present:
        if ind not in has_value and study.catalogue[ind].direction != "descriptive":
            findings.warn(
                "indicator_without_data",
                f"{ind} has no usable value in {year} (missing, or mostly suppressed, everywhere); "
                "it is left out of the index",
                value=ind,
                fix="give the indicator's data for the year, or leave it out with indicators.use",
            )
    return [i for i in present if i in has_value]


def _years_without(data: dict[int, YearData], year: int, findings: Findings) -> None:
    """Index indicators with no value in another year: that year's index uses the others."""
    for y, d in sorted(data.items()):
        if y == year:
            continue
        empty = [ind for k, ind in enumerate(d.indicators) if pd.isna(d.value[:, k]).all()]
        if empty:
            findings.warn(
                "indicator_without_data",
                f"{y}: {', '.join(empty)} have no value; that year's index and choice use the "
                "other indicators",
                value=", ".join(empty),
                fix="compare years with care, or give the missing data",
            )


def _sobol(
    data: YearData,
    spec: IndexSpec,
    study: Study,
    rule: SelectionRule,
    selection: pd.DataFrame,
    opts: UncertaintyOptions,
) -> pd.DataFrame:
    """First-order and total Sobol indices of P(among the k worst) for the areas near the boundary.

    Over the run's sources of uncertainty (sampling, weights, method, indicator set) on the
    selection year's index; empty when fewer than two sources vary or no area is near the
    boundary.
    """
    from .sensitivity import index_sobol

    if len(opts.sources) < 2 or opts.draws == 0:
        return pd.DataFrame()
    eligible = selection.loc[selection["eligible"] & selection["score"].notna(), "code"].tolist()
    near = set(boundary_areas(selection, rule))
    if not near:
        return pd.DataFrame()
    table = index_sobol(
        data,
        spec,
        study.catalogue,
        areas=eligible,
        options=opts,
        output="top_k",
        k=rule.k,
        n=128,
        resamples=100,
    )
    return table[table["code"].isin(near)].reset_index(drop=True)


def _why_these(
    study: Study,
    rule: SelectionRule,
    spec: IndexSpec,
    window: list[YearData],
    population: pd.Series,
    opts: UncertaintyOptions,
    initiative: list[str],
    selection: pd.DataFrame,
    resel: Reselection,
    this: YearScores,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Test the initiative's choice as a claim: which rules give it, and the evidence per area."""
    from .choice import choice_evidence, rule_family, rules_giving

    presets = tuple(p for p in study.config.index_comparison.presets if p != "imd" or spec.domains)
    candidates = rule_family(
        rule, years=len(window), presets=presets, neighbours=_neighbours(study)
    )
    family_opts = replace(opts, draws=min(opts.draws, 100))
    family = rules_giving(
        initiative,
        window,
        spec,
        study.catalogue,
        candidates=candidates,
        population=population,
        options=family_opts,
    )
    unc = this.uncertainty
    # "The k worst" are the k worst of the areas the rule may choose from.
    ranked, ranks = (
        unc.ranks_among(selection.loc[selection["eligible"], "code"])
        if unc is not None
        else ([], None)
    )
    evidence, overall = choice_evidence(
        selection, resel.table, family, ranks=ranks, ranked=ranked, k=rule.k
    )
    overall["study_rule"] = rule.id
    return family, evidence, overall


def counterfactuals_for(
    data: YearData,
    spec: IndexSpec,
    study: Study,
    rule: SelectionRule,
    scores: pd.DataFrame,
    selection: pd.DataFrame,
    hidden: set[tuple[str, str]],
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Compute counterfactuals for the areas near the rule's boundary.

    Parameters
    ----------
    data : YearData
        The selection year's data.
    spec : IndexSpec
        The index specification.
    study : Study
        The study (its catalogue).
    rule : SelectionRule
        The selection rule.
    scores : pandas.DataFrame
        The year's score table (``code``, ``eligible``).
    selection : pandas.DataFrame
        The selection table; :func:`~levekar.selection.boundary_areas` picks the areas.
    hidden : set of (str, str)
        ``(code, indicator)`` cells that may not be published.
    bounds : (numpy.ndarray, numpy.ndarray), optional
        The plausible range of each indicator (the lowest and highest published value
        seen across areas and years).

    Returns
    -------
    pandas.DataFrame
        As :func:`levekar.counterfactual.counterfactuals`.
    """
    from .counterfactual import counterfactuals

    eligible = (
        scores.set_index("code")["eligible"].reindex(list(data.codes)).fillna(False).to_numpy(bool)
    )
    return counterfactuals(
        data,
        spec,
        study.catalogue,
        rule=rule,
        eligible=eligible,
        areas=boundary_areas(selection, rule),
        hidden=hidden,
        bounds=bounds,
    )


def _targets(
    study: Study,
    rates: pd.DataFrame,
    initiative: list[str],
    names: dict[str, str],
    findings: Findings,
) -> pd.DataFrame:
    from .targets import progress, targets_for_initiative

    cfg = study.config
    t = cfg.targets
    targets = targets_for_initiative(
        rates,
        study.catalogue,
        areas=initiative,
        focus_areas=t.focus_areas,
        start=cfg.initiative.start,
        years=cfg.initiative.end_year - cfg.initiative.start,
        baseline=t.baseline,
        baseline_years=t.baseline_years,
        rule=t.rule,
        gap_share=t.gap_share,
        relative_change=t.relative_change,
        reference=t.reference,
        scale=t.trajectory,
        rules={k: v.model_dump(exclude_none=True) for k, v in t.rules.items()},
        area_names=names,
    )
    targets.insert(2, "name", targets["code"].map(names))
    targets = progress(targets, rates, study.catalogue)
    no_base = targets[~np.isfinite(targets["target_value"].astype(float))]
    if len(no_base):
        findings.warn(
            "target_without_baseline",
            f"{len(no_base)} target(s) cannot be set: no usable baseline value ("
            + ", ".join(f"{r.indicator} in {r.name}" for r in no_base.head(8).itertuples())
            + ")",
            rows=len(no_base),
            fix="give the baseline years' data, or choose another indicator for the focus area",
        )
    threshold = disclosure_threshold(
        targets["indicator"], study.catalogue, min_denominator=cfg.study.min_denominator
    )
    targets["published"] = targets["denominator"] >= threshold
    return targets


def _compare(
    wide: pd.DataFrame,
    spec: IndexSpec,
    scores: pd.DataFrame,
    k: int,
    presets: list[str],
    findings: Findings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank the study's index beside the peer methods' presets, with their agreement."""
    from .presets import compare_presets

    presets = list(presets)
    if "imd" in presets and spec.domains is None:
        presets.remove("imd")
        findings.warn(
            "comparison_skipped",
            "the IMD preset needs the index's indicators grouped in domains ([index.domains]); "
            "the study's index has none, so IMD is left out of the comparison",
            source="index_comparison.presets",
            fix="add domains to the index, or remove 'imd' from index_comparison.presets",
        )
    if not presets:
        return pd.DataFrame(), pd.DataFrame()
    ranks, _ = compare_presets(wide, spec, list(presets), k=k)
    ranks.insert(
        1, "study_index", ranks["code"].map(scores.set_index("code")["rank"]).astype(float)
    )
    rows = []
    for p in presets:
        rho = ranks[["study_index", p]].corr(method="spearman").iloc[0, 1]
        top_a = set(ranks.loc[ranks["study_index"] <= k, "code"])
        top_b = set(ranks.loc[ranks[p] <= k, "code"])
        rows.append(
            {
                "preset": p,
                "spearman_with_study_index": float(rho),
                "overlap_top_k": len(top_a & top_b),
                "k": k,
                "top_k": ", ".join(sorted(top_b)),
            }
        )
    return ranks, pd.DataFrame(rows)


def _resolve_areas(
    wanted: list[str], layer, source: str, *, key: str = "initiative.areas"
) -> list[str]:
    """Resolve initiative areas given by code or by name; a name must be unique."""
    codes = set(layer["code"])
    out = []
    for a in wanted:
        if a in codes:
            out.append(a)
            continue
        hits = layer.loc[layer["name"] == a, "code"].tolist()
        if len(hits) == 1:
            out.append(hits[0])
        elif len(hits) > 1:
            raise ConfigError(
                f"{source}: {key}: the name {a!r} belongs to {len(hits)} lokalsamfunn "
                f"(codes {sorted(hits)}); give the code instead."
            )
        else:
            raise ConfigError(
                f"{source}: {key}: {a!r} is neither a code nor a name of a "
                "lokalsamfunn; "
                f"names are {sorted(layer['name'])}."
            )
    return out


def _topology(study: Study) -> dict:
    """Overlaps and gaps within each area layer, with area and population (nothing silent)."""
    import shapely

    from .areas import coverage_gaps, layer_topology

    out = {}
    layers = {
        "grunnkretser": study.grunnkretser,
        "skolekretser": study.skolekretser,
        "lokalsamfunn": study.lokalsamfunn,
    }
    # Each layer's union once: its own holes and what it leaves of the grunnkretser use it.
    unions = {
        name: shapely.union_all(layer.geometry.to_numpy())
        for name, layer in layers.items()
        if layer is not None and not (name == "lokalsamfunn" and _same_layer(study))
    }
    for name, layer in layers.items():
        if layer is None:
            continue
        if name == "lokalsamfunn" and _same_layer(study):
            out[name] = out["grunnkretser"]
            continue
        overlaps, gaps = layer_topology(layer, population=study.population, union=unions[name])
        uncovered = coverage_gaps(
            layer,
            study.grunnkretser,
            population=study.population,
            unions=(unions["grunnkretser"], unions[name]),
        )
        out[name] = {
            "overlaps": int(len(overlaps)),
            "overlap_area_m2": float(overlaps["area_m2"].sum()),
            "overlap_population": float(overlaps["population"].sum())
            if study.population is not None
            else None,
            "overlap_pairs": overlaps.head(20).to_dict("records"),
            "gaps": int(len(gaps)),
            "gap_area_m2": float(gaps["area_m2"].sum()),
            "gap_population": float(gaps["population"].sum())
            if study.population is not None
            else None,
            "uncovered_area_m2": float(uncovered["area_m2"].sum()),
            "uncovered_population": float(uncovered["population"].sum())
            if study.population is not None
            else None,
            "overlap_table": overlaps,
        }
    return out


@dataclass
class Accounting:
    """Every grunnkrets, person and observation row of a run, accounted for.

    Attributes
    ----------
    grunnkretser, grunnkretser_in_crosswalk
        Grunnkretser in the layer, and how many reach a target area.
    grunnkretser_wholly_unassigned
        Codes of grunnkretser that reach no target area at all.
    lokalsamfunn, lokalsamfunn_with_data
        Target areas, and how many got data.
    population_total, population_assigned, population_unassigned
        People in the grunnkretser and where they went (population weighting only).
    population_outside_grunnkretser
        People in the population layer outside every grunnkrets.
    observation_rows_read, observation_rows_unmatched, observation_rows_lost_in_crosswalk
        Rows of the indicator table, those whose codes matched no grunnkrets, and those
        (or their parts) that reached no target area.
    unmatched_codes
        The first 50 unmatched codes (as published).
    topology
        Overlaps, gaps and uncovered parts of each area layer, with area and people.
    accessibility
        With ``[accessibility]``: the level, years and computed rows, and per
        destination where every person went (:class:`~levekar.access.AccessAccounting`:
        people reachable and unreachable by reason, largest snapping distances).
    """

    grunnkretser: int
    grunnkretser_in_crosswalk: int
    grunnkretser_wholly_unassigned: list[str]
    lokalsamfunn: int
    lokalsamfunn_with_data: int
    population_total: float | None
    population_assigned: float | None
    population_unassigned: float | None
    population_outside_grunnkretser: float | None
    observation_rows_read: int
    observation_rows_unmatched: int
    unmatched_codes: list[str]
    observation_rows_lost_in_crosswalk: int
    topology: dict = field(default_factory=dict)
    accessibility: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Return the accounting as a plain dict (for run_report.json and the report)."""
        from dataclasses import asdict

        return asdict(self)


def _accounting(
    cw: Crosswalk,
    study: Study,
    obs: pd.DataFrame,
    unmatched: pd.DataFrame,
    tables: IndicatorTables,
    topology: dict,
    access: AccessStage,
) -> Accounting:
    q = cw.quality
    gk = set(study.grunnkretser["code"])
    in_cw = set(cw.table["source_code"])
    unmatched_codes = unmatched.get("code_as_published", unmatched["code"])
    return Accounting(
        grunnkretser=len(gk),
        grunnkretser_in_crosswalk=len(in_cw & gk),
        grunnkretser_wholly_unassigned=sorted(gk - in_cw),
        lokalsamfunn=int(study.lokalsamfunn["code"].nunique()),
        lokalsamfunn_with_data=int(tables.counts["code"].nunique()),
        population_total=q.population_total,
        population_assigned=q.population_assigned,
        population_unassigned=(
            None if q.population_total is None else q.population_total - q.population_assigned
        ),
        population_outside_grunnkretser=q.population_outside_source_layer,
        observation_rows_read=int(len(obs) - len(access.observations) + len(unmatched)),
        observation_rows_unmatched=int(len(unmatched)),
        unmatched_codes=sorted(map(str, unmatched_codes.unique()))[:50],
        observation_rows_lost_in_crosswalk=int(len(tables.lost)),
        topology={
            name: {k: v for k, v in t.items() if k != "overlap_table"}
            for name, t in topology.items()
        },
        accessibility=access.accounting,
    )


# ---------------------------------------------------------------------------------------- writing


def write(
    results: Results, out_dir: str | Path = ".", *, progress: Progress | None = None
) -> list[Path]:
    """Write processed data, the interactive map and the reports under ``out_dir``, atomically.

    Parameters
    ----------
    results : Results
        What :func:`run` returned.
    out_dir : str or pathlib.Path, default "."
        The output folder (created if needed).
    progress : callable, optional
        Called with a short bokmål message per step.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ConfigError
        If the results come from a check (``run(..., explain=False)``): the report's
        reasons for the choice are missing, so nothing is written.
    DataError
        If the files cannot be written (the OS error's reason is named).
    """
    from .io.atomic import write_atomic
    from .publish import output_files, previous_outputs

    if not results.explained:
        raise ConfigError(
            "these results come from a check (run(..., explain=False)): they lack the "
            "reasons for the choice and are not written; run with explain=True."
        )
    say = progress or (lambda _msg: None)
    files = output_files(results, say)
    say("Skriver filer")
    stale = [p for p in previous_outputs(out_dir) if p not in files]
    try:
        return write_atomic(files, Path(out_dir), remove=stale)
    except OSError as exc:
        raise DataError(f"{out_dir}: could not write outputs ({exc.strerror}).") from None
