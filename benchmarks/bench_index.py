"""Benchmark: `levekar index` on 100,000 rows × 30 indicators (CSV in, CSV out).

Run:  python benchmarks/bench_index.py [--rows 100000] [--indicators 30]
Prints wall time of the whole command (process start, read, compute, write) and of
index_from_spec alone. Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--indicators", type=int, default=30)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    cols = [f"ind{k:02d}" for k in range(args.indicators)]
    table = pd.DataFrame(rng.random((args.rows, args.indicators)), columns=cols)
    table.insert(0, "code", [f"A{i:07d}" for i in range(args.rows)])
    domains = ["inntekt", "sysselsetting", "oppvekst", "helse", "bomiljo"]
    spec_lines = [
        "[index]",
        'id = "code"',
        'normalisation = "z"',
        'aggregation = "weighted_mean"',
        "",
        "[index.domains]",
        'normalisation = "exponential"',
        'aggregation = "weighted_sum"',
        "",
    ]
    for k, c in enumerate(cols):
        spec_lines += [
            "[[index.indicators]]",
            f'column = "{c}"',
            f"higher_is_worse = {'true' if k % 3 else 'false'}",
            f'domain = "{domains[k % len(domains)]}"',
            "",
        ]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        table.to_csv(tmp / "in.csv", index=False)
        (tmp / "spec.toml").write_text("\n".join(spec_lines), encoding="utf-8")
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "levekar.cli",
                "index",
                str(tmp / "in.csv"),
                "--spec",
                str(tmp / "spec.toml"),
                "--out",
                str(tmp / "out.csv"),
            ],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - t0
        from levekar.index import index_from_spec, load_index_spec

        spec = load_index_spec(tmp / "spec.toml")
        t0 = time.perf_counter()
        index_from_spec(table, spec)
        core = time.perf_counter() - t0
    print(
        f"levekar index, {args.rows:,} rows x {args.indicators} indicators: {wall:.2f} s wall "
        f"(index_from_spec alone {core:.2f} s)"
    )


if __name__ == "__main__":
    main()
