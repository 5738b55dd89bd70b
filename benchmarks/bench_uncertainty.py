"""Benchmark: Monte Carlo rank uncertainty on the demo study (21 areas × 19 scored indicators).

Run:  python benchmarks/bench_uncertainty.py [--draws 10000]
Prints draws per second and peak memory (tracemalloc) for sampling only and for all sources.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from levekar.demo import demo_study
from levekar.pipeline import run
from levekar.uncertainty import UncertaintyOptions, rank_uncertainty


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    args = ap.parse_args()
    results = run(demo_study())
    data = results.data[results.year]
    areas = results.index["code"].tolist()
    spec = results.spec
    variants = {
        "sampling only": {},
        "sampling + weights + 3 methods + leave-one-out": {
            "weight_concentration": 40.0,
            "methods": ("z/weighted_mean", "minmax/weighted_mean", "rank/weighted_mean"),
            "leave_one_out": True,
        },
    }
    print(f"{len(areas)} areas x {len(spec.indicators)} indicators, {args.draws:,} draws")
    for label, opts in variants.items():
        tracemalloc.start()
        t0 = time.perf_counter()
        options = UncertaintyOptions(draws=args.draws, seed=1, **opts)
        rank_uncertainty(
            data, spec, results.study.catalogue, rule=results.rule, areas=areas, options=options
        )
        seconds = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{label:<48} {seconds:6.2f} s  {args.draws / seconds:9,.0f} draws/s  "
            f"peak {peak / 2**20:6.0f} MiB"
        )


if __name__ == "__main__":
    main()
