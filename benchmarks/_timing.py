"""Timing helpers shared by the benchmarks: wall and CPU time, median and range, the load.

Every figure is measured ``runs`` times after the imports and the inputs are made; the
median is quoted with the range, and the machine's load average (``os.getloadavg``) is
printed beside it, since these machines are shared.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable


def load() -> str:
    """Return the load average over 1, 5 and 15 minutes, and the cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def in_process(fn: Callable[[], object], runs: int = 5) -> dict:
    """Time ``fn()`` in this process: wall and CPU seconds of each run."""
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), _cpu()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(_cpu() - c0)
    return {"wall": wall, "cpu": cpu}


def as_process(cmd: list[str], runs: int = 5) -> dict:
    """Time a command as a whole process: wall, CPU (user + sys) and peak RSS (MB)."""
    wall, cpu, peak = [], [], []
    for _ in range(runs):
        w0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall.append(time.perf_counter() - w0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{cmd} failed")
        cpu.append(usage.ru_utime + usage.ru_stime)
        peak.append(usage.ru_maxrss / 1024)
        proc.returncode = 0
    return {"wall": wall, "cpu": cpu, "peak_mb": peak}


def fmt(values: list[float], unit: str = "s") -> str:
    """Median and range, e.g. ``0.53 s (0.51–0.60)``."""
    med = statistics.median(values)
    return f"{med:.2f} {unit} ({min(values):.2f}–{max(values):.2f})"


def line(label: str, m: dict) -> str:
    """One line per measured thing: wall, CPU and (for processes) peak memory."""
    out = f"{label:<44} wall {fmt(m['wall'])}  CPU {fmt(m['cpu'])}"
    if "peak_mb" in m:
        out += f"  peak {statistics.median(m['peak_mb']):.0f} MB"
    return out
