"""Benchmark: a national-size crosswalk (about 14,000 grunnkretser onto 2,800 catchments).

Compares levekar's area-weighted crosswalk (build + apply) with tobler's area_interpolate,
geopandas.overlay + groupby, and bare shapely (STR-tree + vectorised intersection areas) on the
same synthetic Voronoi tessellations, each in its own process so that peak memory is its own.

Run:  python benchmarks/bench_crosswalk.py [--sources 14000] [--targets 2800]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


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


def run_method(method: str, n_src: int, n_tgt: int) -> dict:
    src = tessellation(n_src, 1)
    tgt = tessellation(n_tgt, 2)
    src["n"] = np.random.default_rng(3).integers(0, 2000, len(src)).astype(float)
    t0 = time.perf_counter()
    if method == "levekar":
        from levekar.crosswalk import apply_crosswalk, crosswalk_from_overlay

        cw = crosswalk_from_overlay(src, tgt)
        out, _ = apply_crosswalk(
            src[["code", "n"]], cw, value_columns=["n"]
        )
        total = float(out["n"].sum())
    elif method == "tobler":
        from tobler.area_weighted import area_interpolate

        out = area_interpolate(src, tgt, extensive_variables=["n"], allocate_total=False)
        total = float(out["n"].sum())
    elif method == "geopandas_overlay":
        import geopandas as gpd

        src["src_area"] = src.geometry.area
        ov = gpd.overlay(src, tgt, how="intersection", keep_geom_type=True)
        ov["w"] = ov.geometry.area / ov["src_area"]
        total = float((ov["n"] * ov["w"]).groupby(ov["code_2"]).sum().sum())
    elif method == "bare_shapely":
        import shapely

        s = src.geometry.to_numpy()
        t = tgt.geometry.to_numpy()
        i, j = shapely.STRtree(t).query(s, predicate="intersects")
        a = shapely.area(shapely.intersection(s[i], t[j]))
        w = a / shapely.area(s[i])
        total = float(np.bincount(j, weights=src["n"].to_numpy()[i] * w).sum())
    else:
        raise ValueError(method)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "seconds": seconds, "peak_mb": peak_mb, "total": total}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=14_000)
    ap.add_argument("--targets", type=int, default=2_800)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_method(args.one, args.sources, args.targets)))
        return
    rows = []
    for method in ("bare_shapely", "levekar", "tobler", "geopandas_overlay"):
        res = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                method,
                "--sources",
                str(args.sources),
                "--targets",
                str(args.targets),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    base = next(r for r in rows if r["method"] == "levekar")["seconds"]
    print(
        f"{args.sources:,} sources onto {args.targets:,} targets "
        "(same inputs; time excludes building them)"
    )
    print(f"{'method':<20}{'seconds':>9}{'x levekar':>11}{'peak MB':>9}  total")
    for r in rows:
        print(
            f"{r['method']:<20}{r['seconds']:>9.2f}{r['seconds'] / base:>11.2f}"
            f"{r['peak_mb']:>9.0f}  {r['total']:.6f}"
        )


if __name__ == "__main__":
    main()
