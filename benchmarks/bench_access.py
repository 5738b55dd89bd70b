"""Benchmark: accessibility, straight line at national size and along a kommune-size network.

Cases (synthetic data generated here, not committed):

* ``straight``: about 300,000 populated 250 m cells (polygons, clustered around towns over a
  Norway-sized extent) to 3,000 school points; levekar's ``nearest_distance`` (k-d tree) against
  shapely ``STRtree.query_nearest`` and geopandas ``sjoin_nearest`` on the same data, and
  ``accessibility_by_area`` end to end (origin points, distances, 14,000 areas, tables).
* ``polygons``: the same cells to 3,000 green-area polygons: exact STR-tree nearest against the
  densified-outline k-d tree with an exact refinement (``polygon_method="densify"``).
* ``network``: a jittered grid of about 20,000 edges, 10,000 origins, 50 destinations;
  levekar's ``network_from_lines`` + ``nearest_distance(kind="network")`` (scipy csgraph
  multi-source Dijkstra), against networkx ``multi_source_dijkstra_path_length`` (graph build and
  search, destinations snapped to their nearest node) when networkx is installed.

Wall time (``time.perf_counter``) and CPU time (``time.process_time``), median and range over
``--runs`` runs after one warm-up run; imports and data generation are outside the timers.

Run:  python benchmarks/bench_access.py [--runs 5] [--case straight polygons network]
"""

from __future__ import annotations

import argparse
import statistics
import time

import geopandas as gpd
import numpy as np
import shapely

from levekar.access import accessibility_by_area, nearest_distance, network_from_lines

try:  # optional peer for the network case
    import networkx as nx
except ImportError:  # pragma: no cover
    nx = None

CRS = 25833
X0, Y0 = 0.0, 6_450_000.0  # lower-left of a Norway-sized box in EPSG:25833
SIZE = (1_100_000.0, 1_500_000.0)


def national_cells(n: int = 300_000, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` distinct populated 250 m cells clustered around 3,000 towns of log-normal size."""
    rng = np.random.default_rng(seed)
    towns = np.c_[rng.uniform(X0, X0 + SIZE[0], 3000), rng.uniform(Y0, Y0 + SIZE[1], 3000)]
    spread = np.exp(rng.normal(7.0, 0.8, len(towns)))  # metres; median ~1.1 km
    cells = np.empty((0, 2), dtype=np.int64)
    while len(cells) < n:
        k = rng.integers(0, len(towns), 2 * n)
        xy = towns[k] + rng.normal(0, 1, (2 * n, 2)) * spread[k, None]
        cells = np.unique(np.r_[cells, np.floor(xy / 250).astype(np.int64)], axis=0)
    cells = cells[rng.permutation(len(cells))[:n]] * 250.0
    people = rng.integers(1, 200, n)
    return gpd.GeoDataFrame(
        {"popTot": people},
        geometry=shapely.box(cells[:, 0], cells[:, 1], cells[:, 0] + 250, cells[:, 1] + 250),
        crs=CRS,
    )


def schools_near(cells: gpd.GeoDataFrame, n: int = 3000, seed: int = 2) -> gpd.GeoSeries:
    rng = np.random.default_rng(seed)
    c = shapely.get_coordinates(cells.geometry.centroid.to_numpy())
    xy = c[rng.choice(len(c), n, replace=False)] + rng.uniform(-125, 125, (n, 2))
    return gpd.GeoSeries(shapely.points(xy), crs=CRS)


def green_areas_near(cells: gpd.GeoDataFrame, n: int = 3000, seed: int = 3) -> gpd.GeoSeries:
    rng = np.random.default_rng(seed)
    c = shapely.get_coordinates(cells.geometry.centroid.to_numpy())
    centres = c[rng.choice(len(c), n, replace=False)]
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rad = rng.uniform(80, 600, (n, 1)) * (1 + 0.3 * rng.uniform(-1, 1, (n, len(angles))))
    rings = np.stack(
        [centres[:, :1] + rad * np.cos(angles), centres[:, 1:] + rad * np.sin(angles)], axis=2
    )
    return gpd.GeoSeries(shapely.polygons(rings), crs=CRS)


def areas_over(cells: gpd.GeoDataFrame, n: int = 14_000, seed: int = 4) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    c = shapely.get_coordinates(cells.geometry.centroid.to_numpy())
    seeds = c[rng.choice(len(c), n, replace=False)] + rng.normal(0, 1, (n, 2))
    frame = shapely.box(X0 - 10_000, Y0 - 10_000, X0 + SIZE[0] + 10_000, Y0 + SIZE[1] + 10_000)
    polys = shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=frame))
    return gpd.GeoDataFrame(
        {"code": [f"{i:08d}" for i in range(len(polys))]},
        geometry=shapely.intersection(polys, frame),
        crs=CRS,
    )


def kommune_network(n_side: int = 100, seed: int = 5):
    """A jittered grid of ``2 n (n - 1)`` links (about 20,000 for n = 100), 40 m blocks apart."""
    rng = np.random.default_rng(seed)
    g = np.arange(n_side) * 150.0
    gx, gy = np.meshgrid(g, g)
    nodes = (
        np.c_[gx.ravel(), gy.ravel()] + rng.uniform(-40, 40, (gx.size, 2)) + [250_000, 6_560_000]
    )
    ids = np.arange(gx.size).reshape(gx.shape)
    pairs = np.r_[
        np.c_[ids[:, :-1].ravel(), ids[:, 1:].ravel()], np.c_[ids[:-1].ravel(), ids[1:].ravel()]
    ]
    lines = gpd.GeoSeries(
        shapely.linestrings(np.stack([nodes[pairs[:, 0]], nodes[pairs[:, 1]]], axis=1)), crs=CRS
    )
    lo, hi = nodes.min(axis=0), nodes.max(axis=0)
    origins = gpd.GeoSeries(shapely.points(rng.uniform(lo, hi, (10_000, 2))), crs=CRS)
    dest = gpd.GeoSeries(shapely.points(rng.uniform(lo, hi, (50, 2))), crs=CRS)
    return lines, origins, dest


def timed(fn, runs: int) -> dict:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {"wall": wall, "cpu": cpu}


def row(label: str, t: dict) -> str:
    w, c = t["wall"], t["cpu"]
    return (
        f"| {label} | {statistics.median(w):.3f} ({min(w):.3f}–{max(w):.3f}) "
        f"| {statistics.median(c):.3f} ({min(c):.3f}–{max(c):.3f}) |"
    )


def case_straight(runs: int) -> list[str]:
    cells = national_cells()
    schools = schools_near(cells)
    areas = areas_over(cells)
    points = gpd.GeoSeries(cells.geometry.centroid, crs=CRS)
    pts_frame = gpd.GeoDataFrame(geometry=points)
    school_frame = gpd.GeoDataFrame(geometry=schools)
    ours = nearest_distance(cells, schools)
    (i, j), d = shapely.STRtree(schools.to_numpy()).query_nearest(
        points.to_numpy(), return_distance=True, all_matches=False
    )
    assert np.allclose(ours["distance_m"].to_numpy()[i], d)
    out = [
        f"{len(cells):,} cells (polygons) → {len(schools):,} school points; {len(areas):,} areas",
        row(
            "levekar `nearest_distance` (cells → centroids → k-d tree)",
            timed(lambda: nearest_distance(cells, schools), runs),
        ),
        row(
            "levekar `nearest_distance` (points given)",
            timed(lambda: nearest_distance(points, schools), runs),
        ),
        row(
            "shapely `STRtree.query_nearest` (points given)",
            timed(
                lambda: shapely.STRtree(schools.to_numpy()).query_nearest(
                    points.to_numpy(), return_distance=True, all_matches=False
                ),
                runs,
            ),
        ),
        row(
            "geopandas `sjoin_nearest` (points given)",
            timed(lambda: gpd.sjoin_nearest(pts_frame, school_frame, distance_col="d"), runs),
        ),
        row(
            "levekar `accessibility_by_area` (cells, 14,000 areas, 2 thresholds)",
            timed(lambda: accessibility_by_area(cells, schools, areas, name="skole"), runs),
        ),
    ]
    return out


def case_polygons(runs: int) -> list[str]:
    cells = national_cells()
    parks = green_areas_near(cells)
    points = gpd.GeoSeries(cells.geometry.centroid, crs=CRS)
    exact = nearest_distance(points, parks)["distance_m"].to_numpy()
    out = [
        f"{len(cells):,} cell centroids → {len(parks):,} polygons (24 vertices, radius 80–600 m)",
        row(
            "levekar, `polygon_method='exact'` (shapely `STRtree.query_nearest`)",
            timed(lambda: nearest_distance(points, parks), runs),
        ),
    ]
    for spacing in (10.0, 100.0):
        err = (
            nearest_distance(points, parks, polygon_method="densify", spacing=spacing)["distance_m"]
            - exact
        )
        out.append(
            row(
                f"levekar, `polygon_method='densify'`, spacing {spacing:.0f} m (error vs exact: "
                f"{err.min():.3f} to {err.max():.3f} m, {(err > 1e-6).mean():.2%} of origins off)",
                timed(
                    lambda s=spacing: nearest_distance(
                        points, parks, polygon_method="densify", spacing=s
                    ),
                    runs,
                ),
            )
        )
    return out


def case_network(runs: int) -> list[str]:
    lines, origins, dest = kommune_network()
    net = network_from_lines(lines)
    out = [
        f"network {net.report['n_edges']:,} edges / {net.n_nodes:,} nodes, "
        f"{len(origins):,} origins, "
        f"{len(dest):,} destinations",
        row(
            "levekar `network_from_lines` + `nearest_distance(kind='network')`",
            timed(
                lambda: nearest_distance(
                    origins, dest, kind="network", network=network_from_lines(lines)
                ),
                runs,
            ),
        ),
        row("levekar `network_from_lines` alone", timed(lambda: network_from_lines(lines), runs)),
        row(
            "levekar `nearest_distance(kind='network')` on a built Network",
            timed(lambda: nearest_distance(origins, dest, kind="network", network=net), runs),
        ),
    ]
    if nx is not None:

        def peer():
            g = nx.Graph()
            g.add_weighted_edges_from(
                zip(net.u.tolist(), net.v.tolist(), net.length.tolist(), strict=True)
            )
            from scipy.spatial import cKDTree

            tree = cKDTree(net.nodes)
            src = tree.query(shapely.get_coordinates(dest.to_numpy()))[1]
            lengths = nx.multi_source_dijkstra_path_length(g, set(src.tolist()))
            o = tree.query(shapely.get_coordinates(origins.to_numpy()))[1]
            return np.array([lengths.get(k, np.inf) for k in o.tolist()])

        out.append(
            row(
                f"networkx {nx.__version__} graph + `multi_source_dijkstra_path_length` "
                "(nearest-node snapping)",
                timed(peer, runs),
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--case", nargs="+", default=["straight", "polygons", "network"])
    args = ap.parse_args()
    cases = {"straight": case_straight, "polygons": case_polygons, "network": case_network}
    for name in args.case:
        lines = cases[name](args.runs)
        print(f"\n### {name}: {lines[0]}\n")
        print("| what | wall s, median (range) | CPU s, median (range) |\n| --- | --- | --- |")
        print("\n".join(lines[1:]))


if __name__ == "__main__":
    main()
