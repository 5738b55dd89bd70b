"""Benchmark: the interactive maps at national size, from the demo's results tiled.

The demo run once (21 lokalsamfunn, 42 themes, 5,294 inhabited 250 m cells with four
distance layers), then its map inputs — areas, scores, the year's indicator values, points,
the accessibility grid — tiled ``--tiles`` times side by side as ``benchmarks/national_study.py``
tiles the study (80 tiles: 1,680 lokalsamfunn, 424,000 cells), each tile a kommune of its own.
No pipeline at national size (that takes tens of CPU-minutes on two cores): the maps only
need its outputs, and these have the national study's shape.

Drawn and rendered to HTML, each timed (wall and CPU seconds, after the imports and the
inputs are made), with the size of every page:

* ``one``: one map of every area (``[output] map_per = "none"``), with the grid;
* ``per_kommune``: one map per kommune (:func:`levekar.render.maps.index_maps`) and the
  overview of the kommuner (:func:`levekar.render.maps.overview_map`).

Run:  PYTHONPATH=. python benchmarks/bench_maps.py [--tiles 80] [--case one per_kommune]
      (run from the repository root; ``--no-grid`` leaves the accessibility grid out, and
      makes the script work with a levekar from before the grid, for a comparison)
"""

from __future__ import annotations

import argparse
import inspect
import os
import time

import numpy as np
import pandas as pd
import shapely

_STEP = 30_000.0  # metres between tiles, as benchmarks/national_study.py


def _shift(frame, dx: float, dy: float):
    out = frame.copy()
    out.geometry = shapely.transform(frame.geometry.to_numpy(), lambda xy: xy + [dx, dy])
    return out


def tiled_inputs(results, tiles: int, *, grid: bool = True) -> dict:
    """Return the demo's map inputs tiled ``tiles`` times: codes ``T<t>…``, names ``… (t)``."""
    cols = int(np.ceil(np.sqrt(tiles)))
    rates = results.rates[results.rates["year"] == results.year]
    g = None
    if grid:
        from levekar.publish import distance_grid

        g = distance_grid(results)
    parts: dict[str, list] = {"layer": [], "sel": [], "rates": [], "cells": []}
    points: dict[str, list] = {k: [] for k in results.study.points}
    groups = {}
    for t in range(tiles):
        dx, dy = (t % cols) * _STEP, (t // cols) * _STEP
        prefix, suffix = f"T{t:02d}", "" if t == 0 else f" ({t})"
        layer = _shift(results.study.lokalsamfunn, dx, dy)
        layer["code"], layer["name"] = prefix + layer["code"], layer["name"] + suffix
        parts["layer"].append(layer)
        parts["sel"].append(
            results.selection.assign(
                code=prefix + results.selection["code"],
                name=results.selection["name"] + suffix,
                in_initiative=results.selection["in_initiative"] & (t == 0),
            )
        )
        parts["rates"].append(rates.assign(code=prefix + rates["code"]))
        for k, pts in results.study.points.items():
            points[k].append(_shift(pts, dx, dy))
        if g is not None:
            parts["cells"].append(_shift(g.cells, dx, dy))
        groups[f"{5000 + t}"] = (f"Kommune {5000 + t}", list(layer["code"]))

    def cat(frames):
        return pd.concat(frames, ignore_index=True)

    return {
        "layer": cat(parts["layer"]),
        "scores": cat(parts["sel"]),
        "rates": cat(parts["rates"]),
        "points": {k: cat(v) for k, v in points.items()},
        "grid": None if g is None else type(g)(cat(parts["cells"]), g.destinations, g.network),
        "groups": groups,
    }


def _clock() -> tuple[float, float]:
    t = os.times()
    return time.perf_counter(), t.user + t.system


def _one(inputs, results, options) -> list[int]:
    from levekar.render.maps import index_map

    extra = {"grid": inputs["grid"]} if inputs["grid"] is not None else {}
    m = index_map(
        inputs["layer"],
        inputs["scores"],
        inputs["rates"],
        results.study.catalogue,
        options=options,
        points=inputs["points"],
        **extra,
    )
    return [len(m.get_root().render().encode("utf-8"))]


def _per_kommune(inputs, results, options) -> list[int]:
    from levekar.render.maps import index_maps, overview_map

    sizes = []
    for _, m in index_maps(
        inputs["layer"],
        inputs["scores"],
        inputs["rates"],
        results.study.catalogue,
        options=options,
        groups=inputs["groups"],
        points=inputs["points"],
        grid=inputs["grid"],
    ):
        sizes.append(len(m.get_root().render().encode("utf-8")))
    layer = inputs["layer"].merge(inputs["scores"][["code", "selected", "in_initiative"]])
    layer["group"] = layer["code"].map(
        {c: g for g, (_, codes) in inputs["groups"].items() for c in codes}
    )
    shapes = layer.dissolve(by="group", sort=True)[["geometry"]]
    counts = layer.groupby("group", sort=True).agg(
        n_areas=("code", "size"),
        n_selected=("selected", "sum"),
        n_initiative=("in_initiative", "sum"),
    )
    areas = shapes.join(counts).reset_index(names="code")
    areas["name"] = "Kommune " + areas["code"]
    areas["href"] = "kommuner/" + areas["code"] + ".html"
    overview = overview_map(areas, options=options)
    return [len(overview.get_root().render().encode("utf-8")), *sizes]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", type=int, default=80)
    ap.add_argument("--case", nargs="+", default=["one", "per_kommune"])
    ap.add_argument("--no-grid", action="store_true", help="leave the accessibility grid out")
    args = ap.parse_args()
    from levekar.demo import demo_study
    from levekar.pipeline import run
    from levekar.publish import map_options
    from levekar.render import maps

    results = run(demo_study())
    grid = not args.no_grid and "grid" in inspect.signature(maps.index_map).parameters
    inputs = tiled_inputs(results, args.tiles, grid=grid)
    cells = 0 if inputs["grid"] is None else len(inputs["grid"].cells)
    print(
        f"{args.tiles} tiles: {len(inputs['layer']):,} lokalsamfunn, {cells:,} inhabited grid cells"
        f"; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    for case in args.case:
        w0, c0 = _clock()
        sizes = {"one": _one, "per_kommune": _per_kommune}[case](
            inputs, results, map_options(results)
        )
        w1, c1 = _clock()
        mb = [s / 2**20 for s in sizes]
        print(
            f"  {case}: {len(sizes)} page(s), largest {max(mb):.2f} MB, total {sum(mb):.1f} MB"
            + (f", overview {mb[0]:.2f} MB" if case == "per_kommune" else "")
            + f"; {w1 - w0:.1f} s wall, {c1 - c0:.1f} s CPU"
        )


if __name__ == "__main__":
    main()
