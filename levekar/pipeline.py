"""The whole chain: areas → crosswalk → indicators → index → selection → targets → outputs.

``run(study)`` computes everything in memory and returns :class:`Results`;
``write(results, out_dir)`` writes processed data, the map and the report
atomically. Nothing is dropped silently: ``Results.accounting`` counts every
grunnkrets, person and observation row through each step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .codes import apply_code_changes, normalise_codes
from .config import Study
from .counterfactual import counterfactuals
from .crosswalk import Crosswalk, crosswalk_from_overlay, total_crosswalk
from .errors import ConfigError, DataError
from .index import IndexSpec, index_from_spec, load_index_spec
from .indicators import (
    aggregate_observations,
    rates_from_counts,
    secondary_suppression,
    shrink_rates,
    validate_observations,
)
from .reselection import Reselection, reselect
from .selection import neighbours_of, select_areas, worse_than_reference
from .targets import progress as target_progress
from .targets import targets_for_initiative
from .uncertainty import rank_uncertainty, uncertainty_sources

__all__ = ["Results", "build_index_spec", "run", "write"]

Progress = Callable[[str], None]


@dataclass
class Results:
    """Everything a run computes, in memory."""

    study: Study
    crosswalk: Crosswalk
    observations: pd.DataFrame
    counts: pd.DataFrame
    rates: pd.DataFrame
    kommune: pd.DataFrame
    index_spec: IndexSpec
    index: pd.DataFrame
    selection: pd.DataFrame
    targets: pd.DataFrame
    comparison: pd.DataFrame
    agreement: pd.DataFrame
    counterfactuals: pd.DataFrame
    reselection: Reselection
    year: int
    unmatched: pd.DataFrame
    accounting: dict = field(default_factory=dict)
    spatial: tuple[dict, pd.DataFrame] | None = None

    @property
    def label(self) -> str:
        return self.study.config.study.data_label

    @property
    def synthetic(self) -> bool:
        return self.study.config.study.synthetic


def build_index_spec(study: Study, indicators: list[str]) -> IndexSpec:
    """The study's index spec; indicators default to every scored indicator, grouped by domain."""
    raw = dict(study.config.index or {"normalisation": "z", "aggregation": "weighted_mean", "missing": "reweight",
                                      "domains": {"normalisation": "none", "aggregation": "weighted_mean"}})
    raw.setdefault("id", "code")
    if "indicators" not in raw:
        raw["indicators"] = [
            {"column": i, "higher_is_worse": study.catalogue[i].direction == "higher_is_worse", "weight": 1.0,
             "domain": study.catalogue[i].domain, "label": study.catalogue[i].short_label}
            for i in indicators if study.catalogue[i].direction != "descriptive"
        ]
    spec = load_index_spec(raw, source=f"{study.source}: [index]")
    unknown = [i.column for i in spec.indicators if i.column not in indicators]
    if unknown:
        raise ConfigError(f"{study.source}: index.indicators: {unknown} have no data in this study; "
                          f"available: {indicators}.")
    return spec


def _prepare_observations(study: Study) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    cfg = study.config
    src = str(cfg.indicators.path) if cfg.indicators is not None else "demo observations"
    obs = study.observations.copy()
    obs["area"] = normalise_codes(obs["area"], width=8, source=src, column="area")
    obs = validate_observations(obs, study.catalogue, years=tuple(cfg.study.years), source=src)
    if cfg.indicators is not None and cfg.indicators.use:
        for ind in cfg.indicators.use:
            study.catalogue.get_indicator(ind, source=study.source)
        obs = obs[obs["indicator"].isin(cfg.indicators.use)]
    n_rows = len(obs)
    valid = set(study.grunnkretser["code"])
    if study.code_changes is not None:
        carried, unmatched = apply_code_changes(obs, study.code_changes, valid_codes=valid,
                                                source=f"{study.source}: code changes")
        carried = carried.drop(columns="code_change_share")
    else:
        known = obs["area"].isin(valid)
        carried, unmatched = obs[known], obs[~known]
    unmatched = unmatched.assign(reason="code matches no grunnkrets after code changes")
    acc = {"observation_rows_read": n_rows, "observation_rows_unmatched": int(len(unmatched)),
           "unmatched_codes": sorted(unmatched["area"].unique().tolist())[:50]}
    return carried.reset_index(drop=True), unmatched.reset_index(drop=True), acc


def _norway(study: Study) -> pd.DataFrame:
    if study.reference is None:
        return pd.DataFrame(columns=["year", "indicator", "norway_value"])
    ref = study.reference
    ref = ref[ref["area"].astype(str).isin(["0", "00", "0000"])]
    return ref.rename(columns={"value": "norway_value"})[["year", "indicator", "norway_value"]].astype(
        {"year": int})


def run(study: Study, *, progress: Progress | None = None, reselect_years: list[int] | None = None) -> Results:
    """Run the whole analysis on a loaded study and return the results in memory.

    ``reselect_years`` limits the year-by-year reselection (default: every year with data).
    """
    say = progress or (lambda _msg: None)
    cfg = study.config
    say("Krysstabell grunnkretser → lokalsamfunn")
    if cfg.crosswalk.weighting == "population" and study.population is None:
        raise ConfigError(f"{study.source}: crosswalk.weighting = 'population' needs a [population] layer "
                          "(SSB's population grid or address points); or set weighting = 'area'.")
    cw = crosswalk_from_overlay(
        study.grunnkretser, study.lokalsamfunn,
        weighting=cfg.crosswalk.weighting,
        population=study.population,
        population_column="popTot",
        sliver_tolerance=cfg.crosswalk.sliver_tolerance,
    )
    say("Indikatorer")
    obs, unmatched, acc = _prepare_observations(study)
    counts, lost = aggregate_observations(obs, cw, study.catalogue)
    kom_counts, _ = aggregate_observations(obs, total_crosswalk(study.grunnkretser["code"], cfg.study.kommune),
                                           study.catalogue)
    kommune = rates_from_counts(kom_counts, study.catalogue, min_denominator=0)
    rates = rates_from_counts(counts, study.catalogue, min_denominator=cfg.study.min_denominator)
    rates = rates.merge(kommune[["year", "indicator", "value"]].rename(columns={"value": "kommune_value"}),
                        on=["year", "indicator"], how="left")
    rates = rates.merge(_norway(study), on=["year", "indicator"], how="left")
    rates["significantly_worse"] = worse_than_reference(rates, study.catalogue)
    rates = shrink_rates(rates, study.catalogue)
    rates = secondary_suppression(rates)
    names = study.lokalsamfunn.set_index("code")["name"]
    rates.insert(1, "name", rates["area"].map(names))

    say("Indeks og usikkerhet")
    year = cfg.selection.year or cfg.study.years[1]
    if year not in set(rates["year"]):
        raise ConfigError(f"{study.source}: selection.year {year} has no data; years with data: "
                          f"{sorted(set(rates['year']))}.")
    indicators = list(dict.fromkeys(i for i in study.catalogue if i in set(rates["indicator"])))
    spec = build_index_spec(study, indicators)
    this = rates[rates["year"] == year]
    use_shrunk = cfg.indicators is not None and cfg.indicators.shrinkage
    wide = this.pivot(index="area", columns="indicator", values="value_shrunk" if use_shrunk else "value")
    wide = wide.reset_index().rename(columns={"area": "code"})
    pop_by_ls = _population_by_target(cw, study, obs)
    index = index_from_spec(wide, spec, source=f"{study.source}: index")
    comparison, agreement = _compare(wide, spec, index, cfg)
    index.insert(1, "name", index["code"].map(names))
    index.insert(2, "population", index["code"].map(pop_by_ls).round().astype("Int64"))
    eligible = index.loc[index["population"].fillna(0) >= cfg.selection.min_population, "code"].tolist()
    if len(eligible) <= cfg.selection.k:
        raise ConfigError(f"{study.source}: selection.min_population = {cfg.selection.min_population} leaves "
                          f"{len(eligible)} lokalsamfunn, not more than k = {cfg.selection.k}; lower it, or give a "
                          "population layer ([population]).")
    unc = None
    sc = cfg.selection
    if sc.draws > 0:
        this_counts = counts[counts["year"] == year]
        opts = {"weight_concentration": sc.weight_concentration, "methods": sc.methods,
                "leave_one_out": sc.leave_one_out}
        unc = rank_uncertainty(this_counts, spec, study.catalogue, areas=eligible, k=sc.k, draws=sc.draws,
                               seed=cfg.study.seed, **opts).summary
        sources = uncertainty_sources(this_counts, spec, study.catalogue, areas=eligible,
                                      draws=max(200, sc.draws // 8), seed=cfg.study.seed, **opts)
        unc = unc.merge(sources, on="area", how="left")
    say("Utvelgelse og mål")
    initiative_codes = _resolve_areas(cfg.initiative.areas, study.lokalsamfunn, study.source)
    # Reasons and counts of "worse than the kommune" are published: they rest on published values only.
    selection = select_areas(index, this[this["published"]], study.catalogue, rule=cfg.selection.rule, k=cfg.selection.k,
                             min_indicators_worse=cfg.selection.min_indicators_worse,
                             min_population=cfg.selection.min_population, initiative=initiative_codes,
                             uncertainty=unc,
                             neighbours=neighbours_of(study.lokalsamfunn) if cfg.selection.contiguous else None)
    boundary = _boundary_areas(selection, sc.k)
    hidden = set(zip(this.loc[~this["published"], "area"], this.loc[~this["published"], "indicator"], strict=True))
    cf = counterfactuals(wide[wide["code"].isin(eligible)].reset_index(drop=True), spec, study.catalogue,
                         areas=boundary, k=sc.k, names=names.to_dict(), hidden=hidden)
    say("Utvelgelse år for år")
    years = reselect_years or sorted(int(y) for y in rates["year"].unique())
    resel = reselect(rates, counts, spec, study.catalogue, years=years, areas=eligible, names=names.to_dict(),
                     initiative=initiative_codes, k=sc.k, draws=min(sc.draws, 200) if sc.draws else 200,
                     seed=cfg.study.seed, value_column="value_shrunk" if use_shrunk else "value")
    spatial = None
    if sc.spatial:
        from .spatial import spatial_clusters

        spatial = spatial_clusters(study.lokalsamfunn, index.set_index("code")["score"], seed=cfg.study.seed)
    t = cfg.targets
    targets = targets_for_initiative(
        rates, study.catalogue, areas=initiative_codes, focus_areas=t.focus_areas, start=cfg.initiative.start,
        years=cfg.initiative.end_year - cfg.initiative.start, baseline=t.baseline, baseline_years=t.baseline_years, rule=t.rule,
        gap_share=t.gap_share, relative_change=t.relative_change, reference=t.reference, scale=t.trajectory,
        rules={k: v.model_dump(exclude_none=True) for k, v in t.rules.items()}, area_names=names.to_dict())
    targets.insert(2, "name", targets["area"].map(names))
    targets = target_progress(targets, rates, study.catalogue)
    min_den = targets["indicator"].map(lambda i: max(study.catalogue[i].min_denominator, cfg.study.min_denominator))
    targets["published"] = targets["denominator"] >= min_den
    acc.update(_accounting(cw, study, lost, counts))
    acc["topology"] = _topology(study)
    return Results(study=study, crosswalk=cw, observations=obs, counts=counts, rates=rates, kommune=kommune,
                   index_spec=spec, index=index, selection=selection, targets=targets, comparison=comparison,
                   agreement=agreement, counterfactuals=cf, reselection=resel, spatial=spatial, year=year,
                   unmatched=pd.concat([unmatched, lost], ignore_index=True),
                   accounting=acc)


def _boundary_areas(selection: pd.DataFrame, k: int) -> list[str]:
    """Areas near the top-k boundary: uncertain membership, or ranked k-1 to k+2."""
    if "p_top_k" in selection.columns:
        near = selection[selection["p_top_k"].between(0.05, 0.95)]
        if len(near):
            return near["code"].tolist()
    return selection[selection["rank"].between(k - 1, k + 2)]["code"].tolist()


def _compare(wide: pd.DataFrame, spec: IndexSpec, index: pd.DataFrame, cfg) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The study's index beside the peer methods' presets, with their agreement."""
    from .presets import compare_presets

    presets = list(cfg.index_comparison.presets)
    if not presets:
        return pd.DataFrame(), pd.DataFrame()
    ranks, _ = compare_presets(wide, spec, presets, k=cfg.selection.k)
    ranks.insert(1, "study_index", index["rank"].to_numpy(dtype=float))
    rows = []
    for p in presets:
        rho = ranks[["study_index", p]].corr(method="spearman").iloc[0, 1]
        top_a = set(ranks.loc[ranks["study_index"] <= cfg.selection.k, "code"])
        top_b = set(ranks.loc[ranks[p] <= cfg.selection.k, "code"])
        rows.append({"preset": p, "spearman_with_study_index": float(rho),
                     "overlap_top_k": len(top_a & top_b), "k": cfg.selection.k,
                     "top_k": ", ".join(sorted(top_b))})
    return ranks, pd.DataFrame(rows)


def _resolve_areas(wanted: list[str], layer, source: str) -> list[str]:
    by_name = dict(zip(layer["name"], layer["code"], strict=True))
    codes = set(layer["code"])
    out = []
    for a in wanted:
        if a in codes:
            out.append(a)
        elif a in by_name:
            out.append(by_name[a])
        else:
            raise ConfigError(f"{source}: initiative.areas: {a!r} is neither a code nor a name of a lokalsamfunn; "
                              f"names are {sorted(by_name)}.")
    return out


def _population_by_target(cw: Crosswalk, study: Study, obs: pd.DataFrame) -> pd.Series:
    """People per lokalsamfunn: each grunnkrets's population split by the crosswalk's weights."""
    if cw.weighting == "population":
        t = cw.table
        pop_src = t.groupby("source")["population"].sum() / t.groupby("source")["population_share"].sum()
        return (t["weight"] * t["source"].map(pop_src).fillna(0)).groupby(t["target"]).sum()
    # No population layer: use the largest "Folkemengde" denominator in the data (latest year),
    # from the observations carried onto today's codes.
    by_pop = [i for i, d in study.catalogue.items() if d.denominator.startswith("Folkemengde")]
    pop = obs[obs["indicator"].isin(by_pop)]
    if pop.empty:
        return pd.Series(dtype=float)
    last = pop[pop["year"] == pop["year"].max()].groupby("area")["denominator"].max()
    t = cw.table
    return (t["weight"] * t["source"].map(last).fillna(0)).groupby(t["target"]).sum()


def _topology(study: Study) -> dict:
    """Overlaps and gaps within each area layer, with area and population (nothing silent)."""
    from .areas import layer_topology

    out = {}
    layers = {"grunnkretser": study.grunnkretser, "skolekretser": study.skolekretser,
              "lokalsamfunn": study.lokalsamfunn}
    for name, layer in layers.items():
        if layer is None:
            continue
        overlaps, gaps = layer_topology(layer, population=study.population)
        out[name] = {
            "overlaps": int(len(overlaps)), "overlap_area_m2": float(overlaps["area_m2"].sum()),
            "overlap_population": float(overlaps["population"].sum()) if study.population is not None else None,
            "overlap_pairs": overlaps.head(20).to_dict("records"),
            "gaps": int(len(gaps)), "gap_area_m2": float(gaps["area_m2"].sum()),
            "gap_population": float(gaps["population"].sum()) if study.population is not None else None,
        }
    return out


def _accounting(cw: Crosswalk, study: Study, lost: pd.DataFrame, counts: pd.DataFrame) -> dict:
    q = cw.quality
    gk = set(study.grunnkretser["code"])
    in_cw = set(cw.table["source"])
    return {
        "grunnkretser": len(gk),
        "grunnkretser_in_crosswalk": len(in_cw & gk),
        "grunnkretser_wholly_unassigned": sorted(gk - in_cw),
        "lokalsamfunn": int(study.lokalsamfunn["code"].nunique()),
        "lokalsamfunn_with_data": int(counts["area"].nunique()),
        "population_total": q.get("population_total"),
        "population_assigned": q.get("population_assigned"),
        "population_unassigned": (None if q.get("population_total") is None
                                  else q["population_total"] - q["population_assigned"]),
        "population_outside_grunnkretser": q.get("population_outside_source_layer"),
        "observation_rows_lost_in_crosswalk": int(len(lost)),
    }


# --------------------------------------------------------------------------------------------- writing


def _csv(df: pd.DataFrame, label: str) -> bytes:
    out = df.copy()
    out.insert(0, "data_label", label)
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def published_indicators(results: Results) -> pd.DataFrame:
    """Indicator values by lokalsamfunn and year as they may be published (small cells hidden)."""
    r = results.rates
    cols = ["area", "name", "year", "indicator", "value_published", "ci_low", "ci_high", "interval_method",
            "numerator", "denominator", "publish_status", "status", "n_suppressed", "approximate",
            "kommune_value", "norway_value", "significantly_worse", "value_shrunk", "shrinkage"]
    out = r[cols].rename(columns={"value_published": "value"}).copy()
    hidden = ~r["published"]
    out.loc[hidden, ["ci_low", "ci_high", "numerator", "denominator", "value_shrunk"]] = np.nan
    out.loc[hidden, "significantly_worse"] = False
    return out.sort_values(["indicator", "year", "area"]).reset_index(drop=True)


def processed_files(results: Results) -> dict[str, bytes]:
    """The processed data files, by path relative to the output folder."""
    label = results.label
    cw = results.crosswalk
    files = {
        "data/processed/crosswalk_grunnkrets_lokalsamfunn.csv": _csv(cw.table, label),
        "data/processed/crosswalk_unassigned.csv": _csv(cw.unassigned, label),
        "data/processed/indicators_lokalsamfunn.csv": _csv(published_indicators(results), label),
        "data/processed/index_lokalsamfunn.csv": _csv(results.index, label),
        "data/processed/selection.csv": _csv(results.selection, label),
        "data/processed/targets.csv": _csv(results.targets, label),
        "data/processed/index_comparison.csv": _csv(results.comparison, label),
        "data/processed/index_agreement.csv": _csv(results.agreement, label),
        "data/processed/counterfactuals.csv": _csv(results.counterfactuals, label),
        "data/processed/reselection.csv": _csv(results.reselection.table, label),
        "data/processed/reselection_summary.csv": _csv(results.reselection.summary, label),
        "data/processed/unmatched_observations.csv": _csv(results.unmatched, label),
    }
    meta = {
        "data_label": label,
        "synthetic": results.synthetic,
        "study": results.study.config.study.name,
        "selection_year": results.year,
        "crosswalk_quality": cw.quality,
        "accounting": results.accounting,
        "layer_reports": [r.as_dict() for r in results.study.reports],
    }
    if results.spatial is not None:
        files["data/processed/spatial_clusters.csv"] = _csv(results.spatial[1], label)
        meta["spatial"] = results.spatial[0]
    files["data/processed/run_report.json"] = (json.dumps(meta, ensure_ascii=False, indent=2, default=_json_default)
                                               + "\n").encode("utf-8")
    return files


def _json_default(o):
    if isinstance(o, np.integer | np.floating):
        return o.item()
    raise TypeError(type(o))


def reselection_files(results: Results) -> dict[str, bytes]:
    """The reselection table, its summary and a bokmål report section, for ``levekar reselect``."""
    from .report import render_reselection

    label = results.label
    files = {
        "data/processed/reselection.csv": _csv(results.reselection.table, label),
        "data/processed/reselection_summary.csv": _csv(results.reselection.summary, label),
        "reports/utvelgelse_over_tid.html": render_reselection(results).encode("utf-8"),
    }
    if results.spatial is not None:
        files["data/processed/spatial_clusters.csv"] = _csv(results.spatial[1], label)
    return files


_FORKED: Results | None = None


def _figures_job() -> dict[str, bytes]:
    from .report import report_figures

    assert _FORKED is not None
    return report_figures(_FORKED)


def _render(results: Results, say: Progress) -> dict[str, bytes]:
    """The map (folium), the report's figures (matplotlib) and pages (jinja2, openpyxl).

    Where the machine has more than one core and can fork, the figures are drawn in a helper
    process while this one builds the map, the fact sheets and the handlingsplan; otherwise
    everything runs here, one after the other.
    """
    import multiprocessing
    import os

    global _FORKED
    cfg = results.study.config.output
    files: dict[str, bytes] = {}
    pool = None
    job = None
    if cfg.report and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods():
        _FORKED = results
        pool = multiprocessing.get_context("fork").Pool(1)
        job = pool.apply_async(_figures_job)
    try:
        if cfg.map:
            say("Kart")
            from .maps import index_map

            files["maps/levekar_kart.html"] = index_map(results).get_root().render().encode("utf-8")
        if cfg.report:
            say("Rapport")
            from .report import report_files

            files.update(report_files(results, figures=job.get if job is not None else None))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
            _FORKED = None
    return files


def write(results: Results, out_dir: str | Path = ".", *, progress: Progress | None = None) -> list[Path]:
    """Write processed data, the interactive map and the report under ``out_dir``, atomically."""
    from ._files import write_atomic

    say = progress or (lambda _msg: None)
    files: dict = dict(processed_files(results))
    files.update(_render(results, say))
    say("Skriver filer")
    try:
        return write_atomic(files, Path(out_dir))
    except OSError as exc:
        raise DataError(f"{out_dir}: could not write outputs ({exc.strerror}).") from None
