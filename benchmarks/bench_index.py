"""Benchmark: `levekar index` on 100,000 rows × 30 indicators (CSV in, CSV out).

Run:  python benchmarks/bench_index.py [--rows 1000000] [--indicators 30] [--runs 3]
Times whole processes (wall, CPU, peak RSS; median and range of the runs, with the load
average): ``levekar index``, and beside it the floor: the same index core given
``pandas.read_csv``'s table and written with ``to_csv``, in a bare Python process.
Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import as_process, line, load

FLOOR = """
import sys, pandas as pd
from levekar.index import index_from_spec, load_index_spec
t = pd.read_csv(sys.argv[1])
index_from_spec(t, load_index_spec(sys.argv[2])).to_csv(sys.argv[3], index=False)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--indicators", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
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
        files = [str(tmp / "in.csv"), str(tmp / "spec.toml"), str(tmp / "out.csv")]
        cli = [sys.executable, "-m", "levekar.cli", "index", files[0], "--spec", files[1]]
        cli += ["--out", files[2]]
        floor = [sys.executable, "-c", FLOOR, *files]
        print(f"levekar index, {args.rows:,} rows x {args.indicators} indicators; {load()}")
        print(line("levekar index", as_process(cli, args.runs)))
        print(line("floor: pandas.read_csv + index core", as_process(floor, args.runs)))
        print(load())


if __name__ == "__main__":
    main()
