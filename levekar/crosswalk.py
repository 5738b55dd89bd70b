"""Crosswalks: from any source layer to any target layer, weighted by area or population.

A crosswalk is a table ``source, target, weight`` with the area and population
shares each weight came from. Each source's weights sum to 1, or to less with the
remainder listed in ``unassigned`` with a reason, so that summing any count over
the targets gives the source total minus what is reported as unassigned.

The overlay is computed on candidate pairs from an STR-tree with shapely's
vectorised ``intersection`` and ``area``; nothing is overlaid that does not touch.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import _html
from .errors import DataError
from .findings import Findings

__all__ = [
    "Crosswalk",
    "CrosswalkQuality",
    "apply_crosswalk",
    "coverage_findings",
    "crosswalk_disagreements",
    "crosswalk_from_codes",
    "crosswalk_from_overlay",
    "overlay_pairs",
    "population_by_target",
    "total_crosswalk",
]

WEIGHTINGS = ("area", "population")
CODE_METHODS = ("code_prefix", "lookup")


@dataclass
class CrosswalkQuality:
    """How well a crosswalk placed its sources.

    Attributes
    ----------
    weighting
        ``area``, ``population`` or ``total``.
    n_sources, n_targets
        Areas in the source and target layers.
    n_sources_split
        Sources shared between several targets; ``sources_split`` gives their weights
        (source → target → weight).
    n_slivers, n_gap_slivers
        Pieces below ``sliver_tolerance`` given to the source's other pieces, and
        remainders in gaps below it spread over the source's pieces.
    area_assigned_share
        Share of the source layer's area that reached a target.
    n_unassigned_sources
        Sources with a share that reached no target.
    targets_without_source
        Targets no source reaches.
    sources_in_overlapping_targets
        Sources whose targets overlap (their shares are scaled to 1).
    population_total, population_assigned, population_assigned_share
        People in the source layer, and how many of them reached a target (population
        weighting only; None otherwise).
    population_outside_source_layer
        People in the population layer outside every source area.
    sources_without_population
        Sources with nobody in them (they fall back to area weights).
    """

    weighting: str
    n_sources: int
    n_targets: int = 0
    n_sources_split: int = 0
    sources_split: dict[str, dict[str, float]] = field(default_factory=dict)
    n_slivers: int = 0
    sliver_tolerance: float = 0.0
    area_assigned_share: float = float("nan")
    n_unassigned_sources: int = 0
    targets_without_source: list[str] = field(default_factory=list)
    n_gap_slivers: int = 0
    sources_in_overlapping_targets: list[str] = field(default_factory=list)
    population_total: float | None = None
    population_assigned: float | None = None
    population_assigned_share: float | None = None
    population_outside_source_layer: float | None = None
    sources_without_population: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the figures as a plain dict (for run_report.json)."""
        from dataclasses import asdict

        return asdict(self)

    def figures(self) -> list[tuple[str, str]]:
        """Return the quality as labelled figures, formatted (what the displays show).

        Returns
        -------
        list of (str, str)
            Label and formatted value, in reading order; the population rows only when
            the crosswalk was weighted by population.
        """
        rows = [
            ("weighting", self.weighting),
            ("sources → targets", f"{self.n_sources:,} → {self.n_targets:,}"),
            ("sources split between targets", f"{self.n_sources_split:,}"),
            ("area assigned", _html.share(self.area_assigned_share, decimals=2)),
            ("sources with an unassigned share", f"{self.n_unassigned_sources:,}"),
            ("targets no source reaches", _html.codes(self.targets_without_source)),
            ("slivers re-assigned", f"{self.n_slivers:,} (+ {self.n_gap_slivers:,} in gaps)"),
        ]
        if self.sources_in_overlapping_targets:
            rows.append(
                ("sources in overlapping targets", _html.codes(self.sources_in_overlapping_targets))
            )
        if self.population_total is not None:
            rows += [
                (
                    "people assigned",
                    f"{_html.number(self.population_assigned)} of "
                    f"{_html.number(self.population_total)} "
                    f"({_html.share(self.population_assigned_share, decimals=2)})",
                ),
                (
                    "people outside the source layer",
                    _html.number(self.population_outside_source_layer),
                ),
                ("sources without people", _html.codes(self.sources_without_population)),
            ]
        return rows

    def __repr__(self) -> str:
        """Say the quality in one line (the full figures are in :meth:`as_dict`)."""
        people = ""
        if self.population_total is not None:
            people = (
                f", people assigned {_html.number(self.population_assigned)} of "
                f"{_html.number(self.population_total)}"
            )
        return (
            f"CrosswalkQuality({self.weighting}: {self.n_sources} sources → {self.n_targets} "
            f"targets, {self.n_sources_split} split, {self.n_unassigned_sources} with an "
            f"unassigned share{people})"
        )

    def _repr_html_(self) -> str:
        """Show the quality as a small table in Jupyter."""
        return _html.block("Crosswalk quality", _html.figures(self.figures()))


@dataclass
class Crosswalk:
    """A source → target allocation with its quality report.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (``source_code``, ``target_code``) with ``weight`` (the share of the
        source's counts that goes to the target), ``area_share``, ``population_share``,
        ``population`` (people in the piece, when population-weighted) and ``area_m2``
        (the piece's area).
    unassigned : pandas.DataFrame
        One row per source with a share that goes to no target: ``source_code``,
        ``share``, ``population``, ``reason``.
    quality : CrosswalkQuality
        Summary figures: population and area assigned, split sources, slivers.
    source_level, target_level : str
        Names of the two layers' levels (their ``level`` column when they have one).
    weighting : str
        ``"area"``, ``"population"``, or ``"total"`` for :func:`total_crosswalk`.
    """

    table: pd.DataFrame
    unassigned: pd.DataFrame
    quality: CrosswalkQuality = field(
        default_factory=lambda: CrosswalkQuality(weighting="area", n_sources=0)
    )
    source_level: str = "source"
    target_level: str = "target"
    weighting: str = "area"

    def split_sources(self) -> pd.DataFrame:
        """Return the rows of the sources shared between several targets.

        Returns
        -------
        pandas.DataFrame
            The rows of :attr:`table` whose source reaches more than one target, sorted by
            source and falling weight.
        """
        t = self.table
        split = t["source_code"].map(t.groupby("source_code")["target_code"].nunique()) > 1
        return (
            t[split]
            .sort_values(["source_code", "weight"], ascending=[True, False])
            .reset_index(drop=True)
        )

    def __repr__(self) -> str:
        """Say what the crosswalk maps and how well, in one line."""
        return (
            f"Crosswalk({self.source_level} → {self.target_level}, {self.weighting} weights: "
            f"{len(self.table):,} rows; {self.quality!r})"
        )

    def _repr_html_(self) -> str:
        """Show the quality, the split sources and the unassigned shares in Jupyter."""
        cols = [
            c
            for c in ("source_code", "target_code", "weight", "population", "area_share")
            if c in self.table
        ]
        parts = [_html.figures(self.quality.figures())]
        split = self.split_sources()
        if len(split):
            parts.append(
                f"<p>Sources split between targets ({split['source_code'].nunique()}):</p>"
            )
            parts.append(_html.table(split[cols]))
        if len(self.unassigned):
            parts.append("<p>Shares that reach no target:</p>")
            parts.append(_html.table(self.unassigned))
        title = f"Crosswalk {self.source_level} → {self.target_level} ({self.weighting} weights)"
        return _html.block(title, *parts)

    def weights_by_source(self) -> pd.Series:
        """Return the sum of weights per source (1 unless part is unassigned).

        Returns
        -------
        pandas.Series
            Summed ``weight``, indexed by ``source_code``.
        """
        return self.table.groupby("source_code")["weight"].sum()


_PARALLEL_MIN_PAIRS = 20_000


def _intersection_areas(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the areas of ``a[k] ∩ b[k]``.

    Shapely releases the GIL, so large batches are split over threads.
    """
    n = len(a)
    workers = min(os.cpu_count() or 1, 8)
    if n < _PARALLEL_MIN_PAIRS or workers == 1:
        return shapely.area(shapely.intersection(a, b))
    bounds = np.linspace(0, n, workers + 1).astype(int)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = pool.map(
            lambda k: shapely.area(
                shapely.intersection(a[bounds[k] : bounds[k + 1]], b[bounds[k] : bounds[k + 1]])
            ),
            range(workers),
        )
        return np.concatenate(list(parts))


def _pair_areas(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return positions ``(i, j)`` and intersection areas of overlapping pairs from ``a`` and ``b``.

    Only pairs that overlap with positive area are kept. Pairs where ``a[i]`` lies
    wholly inside ``b[j]`` need no intersection: their area is ``a[i]``'s.
    """
    i, j = shapely.STRtree(b).query(a, predicate="intersects")
    area = np.empty(len(i))
    if len(i):
        inside = shapely.contains_properly(b[j], a[i])
        area[inside] = shapely.area(a[i[inside]])
        rest = ~inside
        area[rest] = _intersection_areas(a[i[rest]], b[j[rest]])
    keep = area > 0
    return i[keep].astype(np.int64), j[keep].astype(np.int64), area[keep]


def overlay_pairs(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame) -> pd.DataFrame:
    """Intersect every touching (source, target) pair, as integer positions and area.

    Parameters
    ----------
    source, target : geopandas.GeoDataFrame
        Polygon layers in the same projected CRS (areas are in its units, m² in
        EPSG:25833).

    Returns
    -------
    pandas.DataFrame
        Columns ``i`` (source position), ``j`` (target position), ``area`` (m² of the
        intersection); pairs that meet only along an edge are dropped.
    """
    i, j, area = _pair_areas(source.geometry.to_numpy(), target.geometry.to_numpy())
    return pd.DataFrame({"i": i, "j": j, "area": area})


def _check_pair(source: gpd.GeoDataFrame, target: gpd.GeoDataFrame) -> None:
    for name, layer in (("source", source), ("target", target)):
        if "code" not in layer.columns:
            raise DataError(
                f"crosswalk: the {name} layer has no 'code' column; standardise it first."
            )
        if layer.crs is None:
            raise DataError(f"crosswalk: the {name} layer has no CRS.")
        if layer["code"].duplicated().any():
            dup = layer.loc[layer["code"].duplicated(), "code"].iloc[0]
            raise DataError(f"crosswalk: the {name} layer has duplicate code {dup!r}.")
    if not source.crs.equals(target.crs):
        raise DataError(
            f"crosswalk: source CRS {source.crs.to_string()} differs from target CRS "
            f"{target.crs.to_string()}; use target.to_crs(source.crs) "
            "(levekar works in EPSG:25833)."
        )


def _population_pieces(source, target, population, population_column, pairs=None):
    """Count people per (source, target) piece, and per source, from points or grid cells.

    Points count wholly where they lie (a point on a shared edge counts once).
    A polygon's people are spread over the part of it that lies in the source
    layer, in proportion to area, so a 250 m cell half in the river puts all its
    people on the land half.
    """
    if population_column not in population.columns:
        raise DataError(
            f"crosswalk: the population layer has no column {population_column!r}; "
            f"columns are {list(population.columns)}."
        )
    if population.crs is None:
        raise DataError("crosswalk: the population layer has no CRS.")
    if not population.crs.equals(source.crs):
        population = population.to_crs(source.crs)
    counts = pd.to_numeric(population[population_column], errors="coerce").to_numpy(dtype=float)
    if np.isnan(counts).any() or (counts < 0).any():
        raise DataError(
            f"crosswalk: population column {population_column!r} has missing or negative values."
        )
    geom = population.geometry.to_numpy()
    if (shapely.get_type_id(geom) == 0).all():  # points
        src = _first_hit(geom, source.geometry.to_numpy())
        tgt = _first_hit(geom, target.geometry.to_numpy())
        frame = pd.DataFrame({"i": src, "j": tgt, "pop": counts})
        outside_source = float(frame.loc[frame["i"] < 0, "pop"].sum())
        frame = frame[frame["i"] >= 0]
        by_source = frame.groupby("i")["pop"].sum()
        pieces = frame[frame["j"] >= 0].groupby(["i", "j"], as_index=False)["pop"].sum()
        return pieces, by_source, outside_source
    return _polygon_population(source, target, geom, counts, pairs)


def _polygon_population(source, target, cells, counts, pairs=None):
    s_geom = source.geometry.to_numpy()
    # Each cell's people go to the land part of it that the source layer covers.
    c_idx, s_idx, a_cs = _pair_areas(cells, s_geom)
    covered = np.bincount(c_idx, weights=a_cs, minlength=len(cells))
    density = np.divide(counts, covered, out=np.zeros_like(counts), where=covered > 0)
    outside_source = float(counts[covered <= 0].sum())
    by_source = pd.Series(density[c_idx] * a_cs).groupby(s_idx).sum()
    # Pieces source ∩ target (the crosswalk's own overlay when it is given), then cells ∩ pieces.
    if pairs is None:
        pairs = overlay_pairs(source, target)
    piece_geom = shapely.intersection(
        s_geom[pairs["i"].to_numpy()], target.geometry.to_numpy()[pairs["j"].to_numpy()]
    )
    c2, p_idx, a_cp = _pair_areas(cells, piece_geom)
    pop = pd.Series(density[c2] * a_cp).groupby(p_idx).sum()
    pieces = (
        pairs.iloc[pop.index.to_numpy()][["i", "j"]]
        .assign(pop=pop.to_numpy())
        .reset_index(drop=True)
    )
    return pieces, by_source, outside_source


def _first_hit(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Return the position of the first polygon that each point intersects, or -1.

    A point on an edge shared by two polygons counts once.
    """
    tree = shapely.STRtree(polygons)
    p, q = tree.query(points, predicate="intersects")
    hit = np.full(len(points), -1, dtype=np.int64)
    order = np.lexsort((q, p))
    p, q = p[order], q[order]
    first = np.ones(len(p), dtype=bool)
    first[1:] = p[1:] != p[:-1]
    hit[p[first]] = q[first]
    return hit


def crosswalk_from_overlay(
    source: gpd.GeoDataFrame,
    target: gpd.GeoDataFrame,
    *,
    weighting: str = "area",
    population: gpd.GeoDataFrame | None = None,
    population_column: str = "population",
    sliver_tolerance: float = 0.0,
) -> Crosswalk:
    """Build a crosswalk from ``source`` areas to ``target`` areas.

    Parameters
    ----------
    source, target : geopandas.GeoDataFrame
        Standardised area layers (``code``, ``geometry``) in the same CRS; codes
        unique within each layer.
    weighting : {"area", "population"}, default "area"
        ``"area"``: a source's counts go to targets in proportion to the area they
        share (as :func:`tobler.area_weighted.area_interpolate` does).
        ``"population"``: in proportion to the people living in each piece, from
        ``population``: address or building points with counts (each counted where
        it lies), or polygons such as SSB's 250 m grid cells (each cell's people
        spread by area over the part of the cell inside the source layer). A source
        with nobody in it falls back to area weights, and the quality report says so.
    population : geopandas.GeoDataFrame, optional
        Points or polygons with people; needed for ``weighting="population"`` (ignored
        otherwise). Reprojected to the source's CRS when it differs.
    population_column : str, default "population"
        The column of ``population`` holding the number of people.
    sliver_tolerance : float, default 0.0
        Pieces whose share of the source (area or population) is below this are
        treated as digitising noise: dropped and their share given to the source's
        other pieces in proportion. Likewise a share below this that falls in a gap
        between target areas. Both are counted in the quality report.

    Returns
    -------
    Crosswalk
        The allocation (``table`` sorted by source and target code), the unassigned
        shares (``"outside every target area"`` or ``"partly outside every target
        area"``) and the quality report. Where overlapping targets claim more than a
        whole source, its weights are scaled down to sum to 1 and the source is listed
        under ``sources_in_overlapping_targets``.

    Raises
    ------
    DataError
        If ``weighting`` is unknown or needs a missing population layer; if a layer has
        no ``code`` column, no CRS or a duplicate code; if the CRSs differ; or if the
        population column is missing or has missing or negative values.
    """
    if weighting not in WEIGHTINGS:
        raise DataError(f"crosswalk: weighting must be one of {WEIGHTINGS}, got {weighting!r}.")
    if weighting == "population" and population is None:
        raise DataError(
            "crosswalk: weighting='population' needs a population layer (points or grid cells)."
        )
    _check_pair(source, target)
    source = source.reset_index(drop=True)
    target = target.reset_index(drop=True)
    pairs = overlay_pairs(source, target)
    s_area = source.geometry.area.to_numpy()
    pairs["area_share"] = pairs["area"].to_numpy() / s_area[pairs["i"].to_numpy()]
    n = len(source)
    pop_total = np.zeros(n)
    outside_source_pop = 0.0
    if weighting == "population":
        pieces, by_source, outside_source_pop = _population_pieces(
            source, target, population, population_column, pairs[["i", "j"]]
        )
        pop_total[by_source.index.to_numpy()] = by_source.to_numpy()
        pairs = pairs.merge(pieces, on=["i", "j"], how="outer").fillna(
            {"area": 0.0, "area_share": 0.0, "pop": 0.0}
        )
        has_pop = pop_total[pairs["i"].to_numpy()] > 0
        pairs["population_share"] = np.where(
            has_pop, pairs["pop"] / np.where(has_pop, pop_total[pairs["i"]], 1), np.nan
        )
        pairs["weight"] = np.where(has_pop, pairs["population_share"], pairs["area_share"])
        no_pop_sources = np.flatnonzero(pop_total == 0)
    else:
        pairs["pop"] = np.nan
        pairs["population_share"] = np.nan
        pairs["weight"] = pairs["area_share"]
        no_pop_sources = np.array([], dtype=np.int64)

    slivers = pairs[(pairs["weight"] > 0) & (pairs["weight"] < sliver_tolerance)]
    if len(slivers):
        pairs = pairs.drop(index=slivers.index)
        kept = pairs.groupby("i")["weight"].transform("sum")
        lost = slivers.groupby("i")["weight"].sum()
        scale = 1 + pairs["i"].map(lost).fillna(0.0) / kept
        pairs["weight"] = pairs["weight"] * scale
    pairs = pairs[pairs["weight"] > 0]

    codes_s = source["code"].to_numpy()
    codes_t = target["code"].to_numpy()
    table = (
        pd.DataFrame(
            {
                "source_code": codes_s[pairs["i"].to_numpy()],
                "target_code": codes_t[pairs["j"].to_numpy()],
                "weight": pairs["weight"].to_numpy(),
                "area_share": pairs["area_share"].to_numpy(),
                "population_share": pairs["population_share"].to_numpy(),
                "population": pairs["pop"].to_numpy(),
                "area_m2": pairs["area"].to_numpy(),
            }
        )
        .sort_values(["source_code", "target_code"], kind="stable")
        .reset_index(drop=True)
    )

    assigned = table.groupby("source_code")["weight"].sum().reindex(codes_s, fill_value=0.0)
    # Overlapping targets claim more than the whole source: share it out in proportion, and say so.
    over = assigned > 1.0 + 1e-9
    if over.any():
        table["weight"] = table["weight"] / table["source_code"].map(assigned.where(over, 1.0))
        assigned[over] = 1.0
    # A remainder below the tolerance is a gap sliver between layers: give it to the source's
    # pieces.
    gap = (assigned > 0) & (1.0 - assigned > 1e-12) & (1.0 - assigned < sliver_tolerance)
    if gap.any():
        table["weight"] = table["weight"] / table["source_code"].map(assigned.where(gap, 1.0))
        assigned[gap] = 1.0
    remainder = (1.0 - assigned).clip(lower=0.0)
    remainder[remainder < 1e-12] = 0.0
    un = remainder[remainder > 0]
    pop_by_code = pd.Series(pop_total, index=codes_s)
    unassigned = pd.DataFrame(
        {
            "source_code": un.index.to_numpy(),
            "share": un.to_numpy(),
            "population": (un * pop_by_code.reindex(un.index)).to_numpy()
            if weighting == "population"
            else np.nan,
            "reason": np.where(
                un.to_numpy() >= 1 - 1e-12,
                "outside every target area",
                "partly outside every target area",
            ),
        }
    )
    quality = _quality(
        source,
        target,
        table,
        unassigned,
        slivers,
        codes_s,
        pop_total,
        weighting,
        no_pop_sources,
        outside_source_pop,
        sliver_tolerance,
    )
    quality.n_gap_slivers = int(gap.sum())
    quality.sources_in_overlapping_targets = sorted(map(str, assigned.index[over]))
    return Crosswalk(
        table=table,
        unassigned=unassigned.reset_index(drop=True),
        quality=quality,
        source_level=str(source["level"].iloc[0])
        if "level" in source and len(source)
        else "source",
        target_level=str(target["level"].iloc[0])
        if "level" in target and len(target)
        else "target",
        weighting=weighting,
    )


def _quality(
    source,
    target,
    table,
    unassigned,
    slivers,
    codes_s,
    pop_total,
    weighting,
    no_pop_sources,
    outside_source_pop,
    tol,
) -> CrosswalkQuality:
    # Codes as integer labels: counting and grouping on them is far cheaper than on strings.
    src_ids, src_codes = pd.factorize(table["source_code"])
    pairs = pd.unique(src_ids * (len(target) + 1) + pd.factorize(table["target_code"])[0])
    n_targets = np.bincount(pairs // (len(target) + 1), minlength=len(src_codes))
    is_split = n_targets[src_ids] > 1
    split_detail: dict[str, dict[str, float]] = {}
    # Weights rounded for the report (numpy's rounding: Python's round() per value cost
    # a third of the report at national size).
    for s, t, w in zip(
        src_codes.to_numpy(dtype=object)[src_ids[is_split]].tolist(),
        table["target_code"].to_numpy(dtype=object)[is_split].tolist(),
        np.round(table["weight"].to_numpy(dtype=float)[is_split], 6).tolist(),
        strict=True,
    ):
        split_detail.setdefault(str(s), {})[str(t)] = w
    total_area = float(source.geometry.area.sum())
    q = CrosswalkQuality(
        weighting=weighting,
        n_sources=len(source),
        n_targets=len(target),
        n_sources_split=len(split_detail),
        sources_split=split_detail,
        n_slivers=len(slivers),
        sliver_tolerance=tol,
        area_assigned_share=float(table["area_m2"].sum() / total_area)
        if total_area
        else float("nan"),
        n_unassigned_sources=len(unassigned),
        targets_without_source=sorted(
            set(target["code"].to_numpy(dtype=object))
            - set(table["target_code"].to_numpy(dtype=object))
        ),
    )
    if weighting == "population":
        total_pop = float(pop_total.sum())
        pop_assigned = float(
            (table["weight"] * table["source_code"].map(pd.Series(pop_total, index=codes_s))).sum()
        )
        q.population_total = total_pop
        q.population_assigned = pop_assigned
        q.population_assigned_share = pop_assigned / total_pop if total_pop else float("nan")
        q.population_outside_source_layer = outside_source_pop
        q.sources_without_population = [str(codes_s[k]) for k in no_pop_sources]
    return q


def apply_crosswalk(
    values: pd.DataFrame,
    crosswalk: Crosswalk,
    *,
    value_columns: tuple[str, ...] | list[str],
    by: tuple[str, ...] | list[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Move extensive values (counts) from source areas to target areas.

    Values are multiplied by the weights and summed per target (and per ``by``
    columns such as year and indicator). Missing values stay missing: a target
    that receives a missing value from any source gets a missing sum (never 0).

    Parameters
    ----------
    values : pandas.DataFrame
        One row per source area (column ``code``) and ``by`` keys, with the counts.
    crosswalk : Crosswalk
        The allocation from the sources' codes to the targets'.
    value_columns : tuple or list of str
        The counts to move (numbers, or text that reads as numbers).
    by : tuple or list of str, default ()
        Keys kept apart while summing (e.g. ``("year", "indicator")``).

    Returns
    -------
    by_target : pandas.DataFrame
        ``code`` (the target's), the ``by`` keys and the summed counts.
    lost : pandas.DataFrame
        Per source ``code`` (and ``by`` keys), the counts that reach no target, with
        ``share`` and ``reason``: ``unknown code`` for sources not in the crosswalk,
        or the unassigned reason.

    Raises
    ------
    DataError
        If a column is missing or a value column holds text that is not a number.
    """
    by = list(by)
    missing = [c for c in ["code", *value_columns, *by] if c not in values.columns]
    if missing:
        raise DataError(f"apply_crosswalk: missing column(s) {missing}.")
    for col in value_columns:
        if not pd.api.types.is_numeric_dtype(values[col]):
            num = pd.to_numeric(values[col], errors="coerce")
            bad = num.isna() & values[col].notna()
            if bad.any():
                row = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(
                    f"apply_crosswalk: column {col!r}, row {row} "
                    f"(code {values['code'].iloc[row]!r}): "
                    f"{values[col].iloc[row]!r} is not a number. Convert SSB symbols first "
                    "(levekar.indicators.validate_observations does)."
                )
    table = crosswalk.table[["source_code", "target_code", "weight"]]
    vals = values[["code", *by, *value_columns]].copy()
    for col in value_columns:
        vals[col] = pd.to_numeric(vals[col])
    vals["code"] = vals["code"].astype(str)
    known = vals["code"].isin(table["source_code"].unique())
    unknown = vals[~known].assign(share=1.0, reason="unknown code")
    merged = vals[known].merge(table, left_on="code", right_on="source_code", how="inner")
    for col in value_columns:
        merged[col] = merged[col] * merged["weight"]
    keys = [merged["target_code"], *[merged[b] for b in by]]
    summed = merged.groupby(keys, sort=True, dropna=False)[list(value_columns)].sum(min_count=1)
    # A single missing contribution makes the whole sum missing.
    has_na = merged[list(value_columns)].isna().groupby(keys).any()
    summed = summed.mask(has_na.reindex(summed.index))
    by_target = summed.reset_index().rename(columns={"target_code": "code"})
    un = crosswalk.unassigned
    lost_un = vals[known].merge(
        un[["source_code", "share", "reason"]], left_on="code", right_on="source_code"
    )
    for col in value_columns:
        lost_un[col] = lost_un[col] * lost_un["share"]
    lost = pd.concat([unknown, lost_un.drop(columns=["source_code"])], ignore_index=True)
    return by_target, lost


def population_by_target(
    crosswalk: Crosswalk, source_population: pd.Series | None = None
) -> pd.Series:
    """People per target area: each source's people split by the crosswalk's weights.

    Parameters
    ----------
    crosswalk : Crosswalk
        A crosswalk; when population-weighted it carries the people of every piece.
    source_population : pandas.Series, optional
        People per source code, used when the crosswalk has none (area-weighted):
        e.g. the population denominators of the indicator data. Sources missing from
        it count 0.

    Returns
    -------
    pandas.Series
        People per target code (empty when neither is available).
    """
    t = crosswalk.table
    if crosswalk.weighting == "population":
        share = t.groupby("source_code")["population_share"].sum()
        pop_src = t.groupby("source_code")["population"].sum() / share.where(share > 0)
    elif source_population is not None:
        pop_src = source_population
    else:
        return pd.Series(dtype=float)
    return (t["weight"] * t["source_code"].map(pop_src).fillna(0)).groupby(t["target_code"]).sum()


def total_crosswalk(
    codes, target: str, *, source_level: str = "source", target_level: str = "total"
) -> Crosswalk:
    """Build a crosswalk that sends every source wholly to one target.

    For example all grunnkretser → the kommune.

    Parameters
    ----------
    codes : array_like
        The source codes (converted to strings; duplicates dropped).
    target : str
        The one target code.
    source_level : str, default "source"
        Name of the source level.
    target_level : str, default "total"
        Name of the target level.

    Returns
    -------
    Crosswalk
        Weight 1 for every source, nothing unassigned, ``weighting = "total"``.
    """
    codes = pd.Index(codes).astype(str).unique()
    table = pd.DataFrame(
        {
            "source_code": codes,
            "target_code": target,
            "weight": 1.0,
            "area_share": 1.0,
            "population_share": np.nan,
            "population": np.nan,
            "area_m2": np.nan,
        }
    )
    unassigned = pd.DataFrame(
        {
            "source_code": pd.Series([], dtype=object),
            "share": [],
            "population": [],
            "reason": pd.Series([], dtype=object),
        }
    )
    return Crosswalk(
        table=table,
        unassigned=unassigned,
        quality=CrosswalkQuality(weighting="total", n_sources=len(codes), n_targets=1),
        source_level=source_level,
        target_level=target_level,
        weighting="total",
    )


def coverage_findings(
    crosswalk: Crosswalk,
    overlaps: pd.DataFrame | None = None,
    *,
    max_share: float = 0.005,
    names: dict[str, str] | None = None,
) -> Findings:
    """Report what the crosswalk could not place: people in gaps, claimed twice or outside.

    Parameters
    ----------
    crosswalk
        A crosswalk from grunnkretser to target areas.
    overlaps
        Overlaps between the target areas (:func:`levekar.areas.layer_topology`):
        ``code_a, code_b, area_m2, population``.
    max_share
        Gaps or overlaps holding more than this share of the people (or, without a
        population layer, of the area) are errors; smaller ones are warnings.
    names
        Target names by code, for the messages.

    Returns
    -------
    Findings
        ``coverage_gap``, ``coverage_overlap`` and ``people_outside_grunnkretser``.
    """
    names = names or {}
    findings = Findings()
    q = crosswalk.quality
    total_pop = q.population_total
    un = crosswalk.unassigned
    if len(un):
        people = float(un["population"].fillna(0).sum()) if total_pop else None
        share = people / total_pop if total_pop else float(un["share"].sum() / max(q.n_sources, 1))
        listed = ", ".join(f"{r.source_code} ({r.share:.0%})" for r in un.head(8).itertuples())
        more = f" and {len(un) - 8} more" if len(un) > 8 else ""
        add = findings.error if share > max_share else findings.warn
        add(
            "coverage_gap",
            f"{len(un)} grunnkrets(er) lie wholly or partly outside every target area: "
            f"{listed}{more}; their people and counts reach no area ({share:.2%} of "
            f"{'the people' if total_pop else 'the grunnkretser'})",
            people=people,
            fix="close the gaps between the catchments (or add the missing catchment), or raise "
            "crosswalk.max_unassigned_share",
        )
    if overlaps is not None and len(overlaps):
        people = (
            float(overlaps["population"].fillna(0).sum())
            if overlaps["population"].notna().any()
            else None
        )
        share = (people / total_pop) if (people is not None and total_pop) else 0.0
        pairs = ", ".join(
            f"{names.get(r.code_a, r.code_a)}/{names.get(r.code_b, r.code_b)} ({r.area_m2:,.0f} m²)"
            for r in overlaps.head(8).itertuples()
        )
        add = findings.error if share > max_share else findings.warn
        add(
            "coverage_overlap",
            f"{len(overlaps)} pair(s) of target areas overlap: {pairs}; the people there "
            "are shared out between them in proportion",
            people=people,
            fix="make the catchments meet edge to edge (no area in two)",
        )
    outside = q.population_outside_source_layer
    if outside:
        findings.warn(
            "people_outside_grunnkretser",
            "people in the population layer lie outside every grunnkrets and are not counted",
            people=float(outside),
            fix="check that the grunnkrets layer covers the kommune (repaired polygons can "
            "lose slivers)",
        )
    return findings


def _empty_unassigned() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_code": pd.Series([], dtype=object),
            "share": pd.Series([], dtype=float),
            "population": pd.Series([], dtype=float),
            "reason": pd.Series([], dtype=object),
        }
    )


def crosswalk_from_codes(
    source_codes,
    target_codes=None,
    *,
    method: str = "code_prefix",
    prefix_length: int | None = None,
    lookup: pd.DataFrame | None = None,
    source_level: str = "grunnkrets",
    target_level: str = "target",
    source: str = "crosswalk",
) -> Crosswalk:
    """Build an exact crosswalk from codes alone, for nested hierarchies.

    SSB's codes nest: grunnkrets ``02190101`` lies in delområde ``021901``, which lies
    in kommune ``0219``. Going up the hierarchy by code moves every count wholly
    (weight 1) to one target, so nothing is split and every total is kept exactly,
    whatever the polygons say (Kartverket's grunnkrets polygons overlap and leave gaps).

    Parameters
    ----------
    source_codes : array_like
        The source areas' codes (duplicates are dropped).
    target_codes : array_like, optional
        The target areas' codes. A source whose target is not among them is listed in
        ``unassigned``; without them every prefix (or lookup target) is a target.
    method : {"code_prefix", "lookup"}, default "code_prefix"
        ``code_prefix``: the target is the source code's first ``prefix_length``
        characters. ``lookup``: the target comes from ``lookup``.
    prefix_length : int, optional
        For ``code_prefix``: how many leading characters name the target (6 for
        delområde, 4 for kommune). Default: the length of the target codes, which must
        then all have the same length.
    lookup : pandas.DataFrame, optional
        For ``lookup``: ``source_code, target_code[, weight]``; a source's weights must
        sum to at most 1 (1 when absent).
    source_level, target_level : str
        Names of the two levels.
    source : str, default "crosswalk"
        Name used in error messages.

    Returns
    -------
    Crosswalk
        ``weighting = "code"``; ``table`` with ``area_share``, ``population_share``,
        ``population`` and ``area_m2`` missing (no geometry was used).

    Raises
    ------
    DataError
        If the method is unknown, the prefix length cannot be told, or the lookup
        table lacks columns, has weights outside (0, 1] or sums above 1 per source.

    Examples
    --------
    >>> cw = crosswalk_from_codes(["02190101", "02190102", "02200301"], prefix_length=6)
    >>> cw.table[["source_code", "target_code", "weight"]].values.tolist()[0]
    ['02190101', '021901', 1.0]
    """
    src = pd.Index(pd.Series(list(source_codes), dtype=object).astype(str)).unique()
    targets = (
        None
        if target_codes is None
        else pd.Index(pd.Series(list(target_codes), dtype=object).astype(str)).unique()
    )
    if method == "code_prefix":
        if prefix_length is None:
            lengths = set(targets.str.len()) if targets is not None else set()
            if len(lengths) != 1:
                raise DataError(
                    f"{source}: code_prefix needs the prefix length (crosswalk.prefix_length), "
                    f"or target codes of one length; target code lengths are {sorted(lengths)}."
                )
            prefix_length = lengths.pop()
        pairs = pd.DataFrame(
            {"source_code": src, "target_code": src.str[:prefix_length], "weight": 1.0}
        )
    elif method == "lookup":
        if lookup is None:
            raise DataError(f"{source}: method 'lookup' needs a lookup table.")
        missing = [c for c in ("source_code", "target_code") if c not in lookup.columns]
        if missing:
            raise DataError(
                f"{source}: the lookup table lacks column(s) {missing}; it has "
                f"{list(lookup.columns)}. Expected source_code, target_code[, weight]."
            )
        pairs = lookup.copy()
        pairs["source_code"] = pairs["source_code"].astype(str).str.strip()
        pairs["target_code"] = pairs["target_code"].astype(str).str.strip()
        weight = pd.to_numeric(pairs["weight"], errors="coerce") if "weight" in pairs else 1.0
        pairs["weight"] = weight
        problems = [
            f"line {k + 2}: weight {lookup['weight'].iloc[k]!r} is not in (0, 1]"
            for k in np.flatnonzero(
                (pairs["weight"].isna() | (pairs["weight"] <= 0) | (pairs["weight"] > 1)).to_numpy()
            )
        ]
        sums = pairs.groupby("source_code")["weight"].sum()
        problems += [
            f"the weights of source {c!r} sum to {w:.6g}, more than 1"
            for c, w in sums[sums > 1 + 1e-9].items()
        ]
        if problems:
            from .findings import problems_text

            raise DataError(problems_text(problems, source=source))
        pairs = pairs[pairs["source_code"].isin(set(src))][["source_code", "target_code", "weight"]]
    else:
        raise DataError(f"{source}: unknown method {method!r}; expected one of {CODE_METHODS}.")
    reasons = []
    if targets is not None:
        no_target = ~pairs["target_code"].isin(set(targets))
        for c, t, w in pairs.loc[no_target, ["source_code", "target_code", "weight"]].itertuples(
            index=False
        ):
            reasons.append((c, w, f"no target area with code {t}"))
        pairs = pairs[~no_target]
    placed = pairs.groupby("source_code")["weight"].sum()
    for c in src:
        rest = 1.0 - float(placed.get(c, 0.0))
        if rest > 1e-9 and not any(r[0] == c for r in reasons):
            reasons.append((c, rest, "not in the lookup table" if method == "lookup" else ""))
    table = pairs.assign(
        area_share=np.nan, population_share=np.nan, population=np.nan, area_m2=np.nan
    )
    table = table.sort_values(["source_code", "target_code"]).reset_index(drop=True)
    unassigned = _empty_unassigned()
    if reasons:
        unassigned = pd.DataFrame(
            {
                "source_code": [r[0] for r in reasons],
                "share": [float(r[1]) for r in reasons],
                "population": np.nan,
                "reason": [r[2] for r in reasons],
            }
        )
    n_targets = table.groupby("source_code")["target_code"].nunique()
    all_targets = set(targets) if targets is not None else set(table["target_code"])
    quality = CrosswalkQuality(
        weighting="code",
        n_sources=len(src),
        n_targets=len(all_targets),
        n_sources_split=int((n_targets > 1).sum()),
        n_unassigned_sources=len(unassigned),
        targets_without_source=sorted(all_targets - set(table["target_code"])),
    )
    return Crosswalk(
        table=table,
        unassigned=unassigned,
        quality=quality,
        source_level=source_level,
        target_level=target_level,
        weighting="code",
    )


def crosswalk_disagreements(
    by_code: Crosswalk,
    by_geometry: Crosswalk,
    *,
    tolerance: float = 0.01,
    names: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, Findings]:
    """Compare a crosswalk by codes with one from the polygons of the same areas.

    Parameters
    ----------
    by_code : Crosswalk
        The exact crosswalk (:func:`crosswalk_from_codes`).
    by_geometry : Crosswalk
        The overlay of the same layers (:func:`crosswalk_from_overlay`).
    tolerance : float, default 0.01
        Weights closer than this are taken to agree (digitising noise).
    names : dict of str to str, optional
        Target names by code, for the message.

    Returns
    -------
    disagreements : pandas.DataFrame
        ``source_code, target_code, weight_by_code, weight_by_geometry, difference`` for
        every pair whose weights differ by more than ``tolerance``.
    findings : Findings
        One ``crosswalk_disagreement`` warning when there are any (the codes are used).
    """
    names = names or {}
    a = by_code.table[["source_code", "target_code", "weight"]].rename(
        columns={"weight": "weight_by_code"}
    )
    b = by_geometry.table[["source_code", "target_code", "weight"]].rename(
        columns={"weight": "weight_by_geometry"}
    )
    both = a.merge(b, on=["source_code", "target_code"], how="outer").fillna(
        {"weight_by_code": 0.0, "weight_by_geometry": 0.0}
    )
    both["difference"] = both["weight_by_geometry"] - both["weight_by_code"]
    out = both[both["difference"].abs() > tolerance].sort_values(["source_code", "target_code"])
    out = out.reset_index(drop=True)
    findings = Findings()
    if len(out):
        sources = sorted(set(out["source_code"]))
        listed = ", ".join(sources[:8]) + (
            f" and {len(sources) - 8} more" if len(sources) > 8 else ""
        )
        findings.warn(
            "crosswalk_disagreement",
            f"the polygons would place {len(sources)} of {by_code.quality.n_sources} "
            f"{by_code.source_level} area(s) differently from their codes ({listed}); the "
            "codes are used (they nest exactly), the polygons only for maps",
            rows=len(sources),
            fix="nothing to do when the polygons are known to be generalised; otherwise check "
            "the code lists against the layers",
        )
    return out, findings
