"""Benchmark: a national-size crosswalk (about 14,000 grunnkretser onto 2,800 catchments).

Compares levekar's area-weighted crosswalk (build + apply) with tobler's area_interpolate,
geopandas.overlay + groupby, and bare shapely (STR-tree + vectorised intersection areas) on the
same synthetic Voronoi tessellations, in one process: every library (tobler too) is imported
and the inputs are built before any timer starts; the methods take turns, run after run, and
each is reported as wall and CPU time (median and range of the runs) with the load average.
CPU time counts both of levekar's threads; ``--threads 1`` takes them away.

Run:  python benchmarks/bench_crosswalk.py [--sources 14000] [--targets 2800] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from _timing import fmt, in_process, load


def tessellation(n: int, seed: int, size: float = 600_000.0):
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, size, (n, 2)) + [0.0, 6_500_000.0]
    frame = shapely.box(0, 6_500_000, size, 6_500_000 + size)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=frame))
    cells = shapely.intersection(cells, frame)
    return gpd.GeoDataFrame(
        {"code": [f"{seed}-{i}" for i in range(len(cells))]}, geometry=cells, crs=25833
    )


def methods(src, tgt) -> dict:
    """The four ways to move ``n`` from ``src`` onto ``tgt``; each returns the total moved."""
    import geopandas as gpd
    import shapely
    from tobler.area_weighted import area_interpolate

    from levekar.crosswalk import apply_crosswalk, crosswalk_from_overlay

    def levekar_():
        cw = crosswalk_from_overlay(src, tgt)
        out, _ = apply_crosswalk(src[["code", "n"]], cw, value_columns=["n"])
        return float(out["n"].sum())

    def tobler_():
        out = area_interpolate(src, tgt, extensive_variables=["n"], allocate_total=False)
        return float(out["n"].sum())

    def overlay_():
        s = src.assign(src_area=src.geometry.area)
        ov = gpd.overlay(s, tgt, how="intersection", keep_geom_type=True)
        ov["w"] = ov.geometry.area / ov["src_area"]
        return float((ov["n"] * ov["w"]).groupby(ov["code_2"]).sum().sum())

    def bare_():
        s = src.geometry.to_numpy()
        t = tgt.geometry.to_numpy()
        i, j = shapely.STRtree(t).query(s, predicate="intersects")
        a = shapely.area(shapely.intersection(s[i], t[j]))
        w = a / shapely.area(s[i])
        return float(np.bincount(j, weights=src["n"].to_numpy()[i] * w).sum())

    return {
        "bare_shapely": bare_,
        "levekar": levekar_,
        "tobler": tobler_,
        "geopandas_overlay": overlay_,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=14_000)
    ap.add_argument("--targets", type=int, default=2_800)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, help="levekar's intersection threads (default: cores)")
    args = ap.parse_args()
    if args.threads:
        import os

        os.cpu_count = lambda: args.threads  # what levekar.crosswalk asks for its threads
    src = tessellation(args.sources, 1)
    tgt = tessellation(args.targets, 2)
    src["n"] = np.random.default_rng(3).integers(0, 2000, len(src)).astype(float)
    funcs = methods(src, tgt)
    totals = {name: f() for name, f in funcs.items()}  # warm-up, and the totals to compare
    times: dict[str, dict] = {name: {"wall": [], "cpu": []} for name in funcs}
    print(f"{args.sources:,} sources onto {args.targets:,} targets; {load()}")
    for _ in range(args.runs):
        for name, f in funcs.items():
            m = in_process(f, runs=1)
            times[name]["wall"] += m["wall"]
            times[name]["cpu"] += m["cpu"]
    base = {k: statistics.median(times["bare_shapely"][k]) for k in ("wall", "cpu")}
    print(f"{'method':<20}{'wall':>22}{'CPU':>22}  wall/bare CPU/bare  total")
    for name, m in times.items():
        print(
            f"{name:<20}{fmt(m['wall']):>22}{fmt(m['cpu']):>22}"
            f"  {statistics.median(m['wall']) / base['wall']:9.2f}"
            f" {statistics.median(m['cpu']) / base['cpu']:8.2f}  {totals[name]:.6f}"
        )
    print(load())


if __name__ == "__main__":
    main()
