"""Benchmark: Monte Carlo rank uncertainty on the demo study (21 areas × 19 scored indicators).

Run:  PYTHONPATH=. python benchmarks/bench_uncertainty.py [--draws 100000] [--runs 3]

(from the checkout to measure: without PYTHONPATH the script's own folder comes first on
``sys.path`` and ``levekar`` is whichever copy is installed; the first line names it.)

For sampling only and for every source, wall and CPU time (median and range of the runs)
and the peak of numpy's allocations (tracemalloc, in a run of its own so that it does not
slow the timed ones); beside them a minimal numpy version of the sampling-only model
(binomial or Poisson counts, z-scores, weighted mean, ranks; no suppressed bounds, no
rule), the floor of what the Monte Carlo can cost. The demo's run and all imports happen
before any timer.
"""

from __future__ import annotations

import argparse
import tracemalloc

import numpy as np
from _timing import in_process, line, load

import levekar
from levekar.demo import demo_study
from levekar.pipeline import run
from levekar.uncertainty import UncertaintyOptions, rank_uncertainty


def minimal_numpy(data, spec, catalogue, draws: int, seed: int, block: int = 10_000):
    """The sampling-only model in plain numpy, in blocks of draws: the floor."""
    rng = np.random.default_rng(seed)
    kinds = [catalogue[i.column].kind for i in spec.indicators]
    sign = np.array([1.0 if i.higher_is_worse else -1.0 for i in spec.indicators])
    w = np.array([i.weight for i in spec.indicators])
    den = np.nan_to_num(data.denominator)
    mid = np.nan_to_num((data.numerator_low + data.numerator_high) / 2)
    ranks = np.empty((draws, den.shape[0]), dtype=np.int64)
    for a in range(0, draws, block):
        b = min(a + block, draws)
        vals = np.empty((b - a, *den.shape))
        for k, kind in enumerate(kinds):
            n = np.round(den[:, k]).astype(np.int64)
            if kind == "share":
                p = np.clip(mid[:, k] / np.maximum(den[:, k], 1), 0, 1)
                vals[:, :, k] = rng.binomial(n, p, size=(b - a, len(n))) / np.maximum(n, 1)
            elif kind == "rate":
                x = rng.poisson(mid[:, k], size=(b - a, len(n)))
                vals[:, :, k] = 1000.0 * x / np.maximum(den[:, k], 1)
            else:
                vals[:, :, k] = np.nan_to_num(data.value[:, k])
        z = (vals - vals.mean(axis=1, keepdims=True)) / (vals.std(axis=1, keepdims=True) + 1e-12)
        score = (z * sign) @ w / w.sum()
        ranks[a:b] = np.argsort(np.argsort(-score, axis=1), axis=1) + 1
    return ranks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    results = run(demo_study())
    data = results.data[results.year]
    areas = results.index["code"].tolist()
    spec, cat, rule = results.spec, results.study.catalogue, results.rule
    variants = {
        "sampling only": {},
        "sampling + weights + 3 methods + leave-one-out": {
            "weight_concentration": 40.0,
            "methods": ("z/weighted_mean", "minmax/weighted_mean", "rank/weighted_mean"),
            "leave_one_out": True,
        },
    }
    print(f"levekar from {levekar.__file__}")
    print(f"{len(areas)} areas x {len(spec.indicators)} indicators, {args.draws:,} draws; {load()}")
    jobs = {
        label: (
            lambda o=opts: rank_uncertainty(
                data,
                spec,
                cat,
                rule=rule,
                areas=areas,
                options=UncertaintyOptions(draws=args.draws, seed=1, **o),
            )
        )
        for label, opts in variants.items()
    }
    jobs["minimal numpy (sampling only; the floor)"] = lambda: minimal_numpy(
        data, spec, cat, args.draws, 1
    )
    for label, fn in jobs.items():
        m = in_process(fn, runs=args.runs)
        tracemalloc.start()
        fn()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{line(label, m)}  peak {peak / 2**20:.0f} MiB (tracemalloc)")
    print(load())


if __name__ == "__main__":
    main()
