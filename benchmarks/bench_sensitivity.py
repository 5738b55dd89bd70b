"""Benchmark and demo figures: Sobol indices of the ranks, and Moran's I by neighbour reach.

Run:  python benchmarks/bench_sensitivity.py [--n 1024] [--reaches 0 100 300 500 1000 2000]

On the demo study (selection year, the eligible areas, the demo's uncertainty settings:
sampling, Dirichlet weights (concentration 40), 3 normalisation methods, leave-one-out)
prints the time and the per-area first-order / total indices of the rank and of being
among the k worst for the areas near the boundary, then Moran's I of the index score with
neighbours within each reach.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from levekar.io import demo_as_study
from levekar.neighbours import moran_by_reach
from levekar.pipeline import run
from levekar.sensitivity import index_sobol


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--reaches", type=float, nargs="+", default=[0, 100, 300, 500, 1000, 2000])
    args = ap.parse_args()
    results = run(demo_as_study())
    sc = results.study.config.selection
    counts = results.counts[results.counts["year"] == results.year]
    index = results.index
    eligible = index.loc[index["population"].fillna(0) >= sc.min_population, "code"].tolist()
    names = results.index.set_index("code")["name"]
    opts = {"weight_concentration": sc.weight_concentration, "methods": sc.methods,
            "leave_one_out": sc.leave_one_out}
    pd.set_option("display.width", 160)
    for output in ("rank", "top_k"):
        t0 = time.perf_counter()
        table = index_sobol(counts, results.index_spec, results.study.catalogue, areas=eligible,
                            n=args.n, seed=1, output=output, k=sc.k, **opts)
        seconds = time.perf_counter() - t0
        print(f"\n{output}: {len(eligible)} areas x {len(results.index_spec.indicators)} "
              f"indicators, n = {args.n}, {table.attrs['evaluations']:,} index evaluations, "
              f"{seconds:.2f} s")
        table.insert(1, "name", table["area"].map(names))
        wide = table.pivot_table(index=["area", "name", "mean"], columns="group",
                                 values=["s1", "st"])
        wide.columns = [f"{a}_{b}" for a, b in wide.columns]
        wide = wide.reset_index().sort_values("mean", ascending=output == "rank")
        print(wide.head(8).round(2).to_string(index=False))
    score = results.index.set_index("code")["score"]
    t0 = time.perf_counter()
    moran = moran_by_reach(results.study.lokalsamfunn, score, reaches=args.reaches, seed=0)
    print(f"\nMoran's I of the index by reach ({time.perf_counter() - t0:.2f} s, 999 permutations)")
    print(moran.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
