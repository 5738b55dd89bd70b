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

from levekar.demo import demo_study
from levekar.neighbours import moran_by_reach
from levekar.pipeline import run
from levekar.sensitivity import index_sobol


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--reaches", type=float, nargs="+", default=[0, 100, 300, 500, 1000, 2000])
    args = ap.parse_args()
    results = run(demo_study())
    data = results.data[results.year]
    scores = results.scores[results.year]
    eligible = scores.table.loc[scores.table["eligible"], "code"].tolist()
    names = results.names
    spec, k = results.spec, results.rule.k
    pd.set_option("display.width", 160)
    for output in ("rank", "top_k"):
        t0 = time.perf_counter()
        table = index_sobol(
            data,
            spec,
            results.study.catalogue,
            areas=eligible,
            options=scores.options,
            n=args.n,
            seed=1,
            output=output,
            k=k,
        )
        seconds = time.perf_counter() - t0
        print(
            f"\n{output}: {len(eligible)} areas x {len(spec.indicators)} "
            f"indicators, n = {args.n}, {table.attrs['evaluations']:,} index evaluations, "
            f"{seconds:.2f} s"
        )
        table.insert(1, "name", table["code"].map(names))
        wide = table.pivot_table(
            index=["code", "name", "mean"], columns="group", values=["s1", "st"]
        )
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
