"""Benchmark: where the demo's ``levekar run`` spends its CPU time, stage by stage.

One process, as ``levekar run`` is: the imports, generating the demo study, each stage of
``pipeline.run`` (its progress messages) and writing the outputs, with the CPU time of the
helper process that draws the report's figures counted apart. Run it from the repository
root so that this checkout's ``levekar`` is imported:

    PYTHONPATH=. python benchmarks/bench_demo.py [--out DIR] [--runs 3]

With ``--runs N`` the whole thing is timed N times in fresh processes (the median and range
of the total CPU, user + sys with the helper, and the peak RSS), as
``/usr/bin/time -f "%e s %U+%S %M KB" levekar run`` would.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

from _timing import as_process, fmt, load


def _clock() -> tuple[float, float, float]:
    t = os.times()
    return time.perf_counter(), t.user + t.system, t.children_user + t.children_system


def stages(out: str) -> None:
    """Print the CPU seconds of each part of one demo run in this process."""
    t0 = _clock()
    import levekar.cli  # noqa: F401  (what `levekar run` imports before the first step)
    import levekar.pipeline as pipeline
    from levekar.demo import demo_study

    t1 = _clock()
    study = demo_study()
    t2 = _clock()
    print(f"  {'imports':<45} {t1[1] - t0[1]:6.2f} s CPU")
    print(f"  {'demo study (generated)':<45} {t2[1] - t1[1]:6.2f} s CPU")
    marks: list[tuple[str, float, float, float]] = []
    results = pipeline.run(study, progress=lambda msg: marks.append((msg, *_clock())))
    marks.append(("(end of run)", *_clock()))
    for (msg, _, c, _), (_, _, cn, _) in zip(marks, marks[1:], strict=False):
        print(f"  {msg:<45} {cn - c:6.2f} s CPU")
    shutil.rmtree(out, ignore_errors=True)
    w0 = _clock()
    pipeline.write(results, out)
    w1 = _clock()
    print(f"  {'write (map, report, tables)':<45} {w1[1] - w0[1]:6.2f} s CPU")
    print(f"  {'  figures in the helper process':<45} {w1[2] - w0[2]:6.2f} s CPU")
    total = (w1[1] - t0[1]) + (w1[2] - t0[2])
    print(f"total {total:.2f} s CPU (after the interpreter's start); {load()}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None, help="output folder (default: a temporary one)")
    ap.add_argument("--runs", type=int, default=0, help="also time N whole `levekar run`s")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="levekar-bench-") as tmp:
        out = args.out or os.path.join(tmp, "out")
        stages(out)
        if args.runs:
            cmd = [sys.executable, "-m", "levekar.cli", "run", "--out", out]
            m = as_process(cmd, runs=args.runs)
            print(
                f"levekar run x {args.runs}: wall {fmt(m['wall'])}  CPU {fmt(m['cpu'])}  "
                f"peak {sorted(m['peak_mb'])[len(m['peak_mb']) // 2]:.0f} MB; {load()}"
            )


if __name__ == "__main__":
    main()
