"""Benchmark: a national-size study made by tiling the demo, through the whole pipeline.

80 copies of the demo study side by side (14,080 grunnkretser, 1,680 lokalsamfunn, about
424,000 grid cells of the population layer, 6 years x 20 indicators); nothing is committed
as data, the study is built in memory (with the accessibility layers: network, schools,
green areas, bus stops, tiled like the rest). Each tile gets codes of its own (kommune part of the
grunnkrets codes, lokalsamfunn codes, names after the first tile's), ``k`` grows with the
tiles (3 per tile) and the initiative stays in the first tile.

Run:  python benchmarks/national_study.py [--tiles 80] [--draws 2000] [--write DIR]
      python benchmarks/national_study.py --profile   (cProfile, the 25 largest cumulative)
      python benchmarks/national_study.py --tiles 20 --write DIR --maps-only --map-per kommune
        (writes the maps and the tables, not the report; prints every map file's size)

Prints wall and CPU seconds of each stage (the pipeline's progress messages), of ``run``
and of writing the processed files (and the map when ``--write`` is given), with the peak
resident memory of the process and the load average. Imports and building the study are
outside the timers.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd
import shapely

from levekar.demo import demo_study
from levekar.pipeline import run, write
from levekar.study import Study

_STEP = 30_000.0  # metres between tiles (the demo is about 25 km across)


def _shift(frame, dx: float, dy: float):
    out = frame.copy()
    out.geometry = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + [dx, dy])
    return out


def national_study(tiles: int = 80, draws: int = 2000) -> Study:
    """Return the demo study tiled ``tiles`` times (codes and names made unique)."""
    base = demo_study()
    cols = int(np.ceil(np.sqrt(tiles)))
    parts: dict[str, list] = {
        k: [] for k in ("gk", "ls", "sk", "pop", "obs", "changes", "Skoler", "Møteplasser")
    }
    for t in range(tiles):
        dx, dy = (t % cols) * _STEP, (t // cols) * _STEP

        def code(s: pd.Series, t=t) -> pd.Series:
            prefix = {"3107": 5000 + t, "3004": 6000 + t, "0106": 7000 + t}
            return s.str[:4].map(lambda p: f"{prefix[p]:04d}") + s.str[4:]

        def name(s: pd.Series, t=t) -> pd.Series:
            return s if t == 0 else s + f" ({t})"

        gk = _shift(base.grunnkretser, dx, dy)
        gk["code"], gk["name"] = code(gk["code"]), name(gk["name"])
        parts["gk"].append(gk)
        for key, layer in (("ls", base.lokalsamfunn), ("sk", base.skolekretser)):
            lay = _shift(layer, dx, dy)
            lay["code"] = f"T{t:02d}" + lay["code"]
            lay["name"] = name(lay["name"])
            parts[key].append(lay)
        parts["pop"].append(_shift(base.population, dx, dy))
        obs = base.observations.copy()
        obs["code"] = code(obs["code"])
        parts["obs"].append(obs)
        ch = base.code_changes.copy()
        ch["old_code"], ch["new_code"] = code(ch["old_code"]), code(ch["new_code"])
        parts["changes"].append(ch)
        for key, pts in base.points.items():
            parts[key].append(_shift(pts, dx, dy))
        for key, layer in base.destinations.items():
            parts.setdefault(f"dest:{key}", []).append(_shift(layer, dx, dy))
        if base.network is not None:
            parts.setdefault("network", []).append(_shift(base.network, dx, dy))

    def cat(frames):
        return pd.concat(frames, ignore_index=True)

    cfg = base.config.model_copy(deep=True)
    cfg.selection.k = 3 * tiles
    cfg.selection.draws = draws
    cfg.study.name = f"Levekår, {tiles} demo-kommuner side om side (benchmark)"
    return Study(
        config=cfg,
        grunnkretser=cat(parts["gk"]),
        lokalsamfunn=cat(parts["ls"]),
        skolekretser=cat(parts["sk"]),
        population=cat(parts["pop"]),
        observations=cat(parts["obs"]),
        reference=base.reference,
        code_changes=cat(parts["changes"]),
        catalogue=base.catalogue,
        points={k: cat(parts[k]) for k in base.points},
        destinations={k: cat(parts[f"dest:{k}"]) for k in base.destinations},
        network=cat(parts["network"]) if base.network is not None else None,
        source=f"national benchmark study ({tiles} tiles)",
        reports=base.reports,
    )


def _clock() -> tuple[float, float]:
    t = os.times()
    return time.perf_counter(), t.user + t.system + t.children_user + t.children_system


def _map_sizes(out: str) -> None:
    """Print the size of every map file written: how many, the largest, the overview."""
    from pathlib import Path

    maps = sorted(Path(out, "maps").rglob("*.html"), key=lambda p: p.stat().st_size)
    sizes = [p.stat().st_size / 2**20 for p in maps]
    print(
        f"maps: {len(maps)} files, largest {maps[-1].relative_to(out)} {sizes[-1]:.2f} MB, "
        f"smallest {sizes[0]:.2f} MB, total {sum(sizes):.1f} MB; levekar_kart.html "
        f"{Path(out, 'maps', 'levekar_kart.html').stat().st_size / 2**20:.2f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", type=int, default=80)
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--write", metavar="DIR", help="also write the outputs (map, report)")
    ap.add_argument("--profile", action="store_true", help="cProfile run() instead")
    ap.add_argument(
        "--map-per", choices=["kommune", "fylke", "none"], help="[output] map_per for --write"
    )
    ap.add_argument(
        "--maps-only", action="store_true", help="with --write: no report, fact sheets or PDF"
    )
    args = ap.parse_args()
    study = national_study(args.tiles, args.draws)
    if args.map_per:
        study.config.output.map_per = args.map_per
    if args.maps_only:
        study.config.output.report = False
        study.config.output.pdf = False
    print(
        f"{len(study.grunnkretser):,} grunnkretser, {len(study.lokalsamfunn):,} lokalsamfunn, "
        f"{len(study.population):,} grid cells, {len(study.observations):,} observation rows, "
        f"k = {study.config.selection.k}, {args.draws:,} draws; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        run(study)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return
    marks: list[tuple[str, float, float]] = []

    def say(msg: str) -> None:
        marks.append((msg, *_clock()))

    w0, c0 = _clock()
    results = run(study, progress=say)
    w1, c1 = _clock()
    marks.append(("(end of run)", w1, c1))
    for (msg, w, c), (_, wn, cn) in zip(marks, marks[1:], strict=False):
        print(f"  {msg:<45} {wn - w:6.2f} s wall {cn - c:6.2f} s CPU")
    print(f"run: {w1 - w0:.2f} s wall, {c1 - c0:.2f} s CPU")
    if args.write:
        write(results, args.write)
        w2, c2 = _clock()
        print(f"write (map, report): {w2 - w1:.2f} s wall, {c2 - c1:.2f} s CPU")
        _map_sizes(args.write)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
