"""The embedded demo study: a *synthetic*, Fredrikstad-like kommune, generated deterministically.

Nothing here is real data. The geography is plausible, not real: a kommune with
its coast to the south-west, the Glomma flowing through the town and splitting
into two branches (so that one part of town is an island), and a few islands
offshore. It has 21 lokalsamfunn, each a union of one or more barneskolekretser,
and about 175 grunnkretser whose populations add up to about Fredrikstad's
(about 85,000). Every table, map and report made from it says
"Syntetiske demodata".

Indicator levels are calibrated to public figures where we know them, and
otherwise set to plausible values; each is marked below:

* Low education (30–39 years, compulsory school only): Fredrikstad 24.8 % in
  2022, Norway 19.7 %, zones ranging 11.6–40.8 %. Source: Fredrikstad kommune's
  levekårskartlegging 2022, as quoted by Dagsavisen/Demokraten, 7 Oct 2022.
* Children in low-income households: above 40 % in the worst zone (Holmen/Seut)
  in 2022. Same source.
* Sentrum, Sellebakk and Lisleby were chosen for the områdesatsing "on the basis
  of the recent levekårskartlegginger" (Fredrikstad kommune, "Områdesatsing
  Fredrikstad – et partnerskap for samskaping"); the 2022 mapping saw a strong
  increase in Lisleby, the centre and Sellebakk/Sorgenfri, and earlier mappings
  had Holmen/Seut among the worst (Dagsavisen). The demo mirrors this: Seut is as
  deprived as the three initiative areas but slowly getting better (drift −0.06 a year),
  while Lisleby worsens fastest (+0.11 a year), then Sellebakk (+0.06) and Sentrum
  (+0.04). So one year's data (2023) put Seut among the three weakest and one initiative
  area fourth (Sellebakk, since the synthetic accessibility indicators of
  :mod:`levekar.demo.access` entered the index: Lisleby is the farthest of the three from
  a school; without them, Lisleby), while a rule over the latest mappings that counts the
  worsening picks Sentrum, Sellebakk and Lisleby — the choice is not trivial, and the
  report can show which defensible rules give it. (These drifts are plausible, not
  published figures.)
* Population: Fredrikstad has about 85,000 inhabitants (SSB, folkemengde 2023).
* Kommune codes 0106 (≤2019) → 3004 (2020–2023) → 3107 (2024–) (SSB KLASS).

Every other level (kommune and Norway values of the other indicators) is a
plausible round figure, marked "plausible" in :data:`INDICATOR_PARAMS`.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.special import expit, logit

from ..areas import CRS
from ..codes import FREDRIKSTAD_HISTORY, kommune_renumbering

__all__ = [
    "DEMO_LABEL",
    "DemoStudy",
    "INITIATIVE_AREAS",
    "make_demo_study",
]

DEMO_LABEL = "Syntetiske demodata"
KOMMUNE = "3107"
YEARS = tuple(range(2018, 2024))
INITIATIVE_AREAS = ("Sentrum", "Sellebakk", "Lisleby")

# Centre of the town in EPSG:25833 (Fredrikstad's centre is at about 59.218 N, 10.930 E).
_X0, _Y0 = 267_700.0, 6_571_400.0

# Lokalsamfunn: name, centre (km from the town centre), number of schools, latent
# deprivation (higher = worse off; a z-like scale), its yearly drift, and density weight.
_LOKALSAMFUNN = [
    ("Sentrum", (-0.6, 0.9), 2, 1.25, 0.04, 3.0),
    ("Lisleby", (1.4, 3.6), 1, 0.92, 0.11, 1.6),
    ("Trosvik", (-1.9, 2.2), 1, 0.25, 0.0, 1.5),
    ("Glemmen", (-3.1, 0.2), 1, 0.35, 0.0, 1.4),
    ("Hauge", (-2.8, 5.6), 1, -0.05, 0.0, 1.0),
    ("Rekustad", (-5.2, 7.6), 1, -0.35, 0.0, 0.6),
    ("Nylende", (0.2, 8.2), 1, -0.20, 0.0, 0.6),
    ("Gressvik", (-6.2, -0.4), 2, 0.05, 0.0, 1.3),
    ("Onsøy", (-10.2, 2.4), 1, -0.55, 0.0, 0.5),
    ("Manstad", (-9.0, 6.8), 1, -0.45, 0.0, 0.4),
    ("Seut", (0.4, -2.0), 1, 1.20, -0.06, 2.0),
    ("Kråkerøy", (-1.2, -4.8), 2, -0.25, 0.0, 1.2),
    ("Gamlebyen", (2.6, -1.1), 1, 0.45, 0.0, 1.2),
    ("Østsiden", (2.0, 0.9), 1, 0.70, 0.02, 1.8),
    ("Sellebakk", (4.6, 4.2), 1, 0.98, 0.06, 1.3),
    ("Borge", (7.2, 2.2), 1, -0.30, 0.0, 0.6),
    ("Torsnes", (7.0, -6.2), 1, -0.50, 0.0, 0.4),
    ("Begby", (4.2, -3.6), 1, -0.70, 0.0, 1.0),
    ("Ambjørnrød", (3.6, 1.9), 1, -0.60, 0.0, 1.0),
    ("Kjølberg", (8.6, 7.2), 1, -0.10, 0.0, 0.5),
    ("Rød", (5.8, -1.0), 1, -0.20, 0.0, 0.7),
]

# The Glomma (km from the centre): main river from the north-east to the split, then two branches.
_GLOMMA = [(11.5, 9.5), (6.0, 6.6), (3.0, 3.6), (1.0, 1.3), (0.3, -0.3)]
_VESTERELVA = [(0.3, -0.3), (-1.5, -1.0), (-3.5, -2.6), (-5.6, -5.1), (-8.5, -8.8)]
_ØSTERELVA = [(0.3, -0.3), (1.2, -2.5), (2.0, -5.0), (1.5, -8.0), (2.1, -13.0)]
_OUTLINE = [
    (-13.0, -4.2),
    (-13.0, 11.0),
    (11.0, 11.0),
    (11.0, -8.0),
    (8.0, -10.2),
    (4.5, -11.0),
    (2.0, -12.6),
    (-1.5, -11.0),
    (-4.0, -10.3),
    (-8.0, -8.4),
    (-10.5, -6.0),
]
_ISLANDS = [((-11.6, -7.6), 0.9), ((-6.6, -11.2), 0.7), ((-1.0, -13.6), 0.6), ((5.2, -13.0), 0.8)]

# Per indicator: denominator group, kommune level in 2022, Norway level in 2022, sensitivity to
# deprivation (logit scale; log scale for income), trend per year (logit), and where the levels
# come from. "plausible" = a round figure of the right size, not a published statistic.
INDICATOR_PARAMS: dict[str, dict] = {
    "lavinntekt": dict(
        group="hh_persons", kommune=0.12, norway=0.10, beta=0.55, trend=0.02, basis="plausible"
    ),
    "barn_lavinntekt": dict(
        group="children",
        kommune=0.155,
        norway=0.12,
        beta=0.95,
        trend=0.02,
        basis="plausible; worst zone above 40 % (Dagsavisen 2022)",
    ),
    "inntekt_forbruksenhet": dict(
        group="hh_persons",
        kommune=375_000.0,
        norway=400_000.0,
        beta=-0.10,
        trend=0.03,
        basis="plausible",
    ),
    "hoy_gjeld": dict(
        group="households", kommune=0.15, norway=0.16, beta=0.15, trend=0.01, basis="plausible"
    ),
    "grunnskole": dict(
        group="age30_39",
        kommune=0.248,
        norway=0.197,
        beta=0.52,
        trend=0.0,
        basis="Fredrikstad 24.8 %, Norway 19.7 % in 2022 (levekårskartlegging 2022, Dagsavisen)",
    ),
    "hoyere_utdanning": dict(
        group="age30_39", kommune=0.40, norway=0.50, beta=-0.45, trend=0.02, basis="plausible"
    ),
    "arbeidsledighet": dict(
        group="age15_74", kommune=0.028, norway=0.024, beta=0.45, trend=-0.02, basis="plausible"
    ),
    "aap": dict(
        group="age18_66", kommune=0.045, norway=0.035, beta=0.40, trend=0.0, basis="plausible"
    ),
    "sysselsetting": dict(
        group="age20_66", kommune=0.75, norway=0.79, beta=-0.35, trend=0.01, basis="plausible"
    ),
    "ufore": dict(
        group="age18_66", kommune=0.13, norway=0.10, beta=0.40, trend=0.01, basis="plausible"
    ),
    "ufore_unge": dict(
        group="age18_44", kommune=0.045, norway=0.03, beta=0.45, trend=0.02, basis="plausible"
    ),
    "sosialhjelp": dict(
        group="age18_66", kommune=0.055, norway=0.04, beta=0.60, trend=0.0, basis="plausible"
    ),
    "enslige_forsorgere": dict(
        group="children", kommune=0.20, norway=0.17, beta=0.40, trend=0.0, basis="plausible"
    ),
    "overgangsstonad": dict(
        group="women16_44", kommune=0.015, norway=0.010, beta=0.50, trend=-0.05, basis="plausible"
    ),
    "bor_alene": dict(
        group="age30_plus", kommune=0.22, norway=0.22, beta=0.45, trend=0.01, basis="plausible"
    ),
    "leie": dict(
        group="households", kommune=0.22, norway=0.24, beta=0.60, trend=0.0, basis="plausible"
    ),
    "trangbodd": dict(
        group="hh_persons", kommune=0.07, norway=0.08, beta=0.50, trend=0.01, basis="plausible"
    ),
    "utflytting": dict(
        group="population", kommune=60.0, norway=60.0, beta=0.25, trend=0.0, basis="plausible"
    ),
    "dodelighet": dict(
        group="population", kommune=8.5, norway=7.7, beta=0.15, trend=-0.01, basis="plausible"
    ),
    "ikke_vestlige_innvandrere": dict(
        group="population", kommune=0.12, norway=0.13, beta=0.60, trend=0.04, basis="plausible"
    ),
}

# Shares of the population in each denominator group (plausible Norwegian age structure).
_GROUP_SHARE = {
    "population": 1.0,
    "hh_persons": 0.98,
    "children": 0.20,
    "age30_39": 0.13,
    "age15_74": 0.74,
    "age18_66": 0.63,
    "age20_66": 0.60,
    "age18_44": 0.36,
    "women16_44": 0.18,
    "age30_plus": 0.60,
    "households": 1 / 2.1,
}

# Places shown as optional point layers on the maps (positions are synthetic).
_MEETING_PLACES = [
    ("Lisleby samfunnshus", "Lisleby", (0.5, 0.4)),
    ("Rebellhuset", "Sentrum", (0.3, -0.3)),
    ("Det hvite hus", "Sellebakk", (-0.4, 0.3)),
]


@dataclass
class DemoStudy:
    """All inputs of the synthetic demo study, in memory."""

    grunnkretser: gpd.GeoDataFrame
    skolekretser: gpd.GeoDataFrame
    catchment_table: pd.DataFrame
    population: gpd.GeoDataFrame
    observations: pd.DataFrame
    reference: pd.DataFrame
    code_changes: pd.DataFrame
    schools: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    kommune: str = KOMMUNE
    years: tuple[int, int] = (YEARS[0], YEARS[-1])
    initiative: tuple[str, ...] = INITIATIVE_AREAS
    seed: int = 2023
    label: str = DEMO_LABEL
    notes: dict = field(default_factory=dict)


def _km(xy) -> tuple[float, float]:
    return (_X0 + 1000 * xy[0], _Y0 + 1000 * xy[1])


def _wiggle(points, rng, amp_km=0.5, n=6):
    """Densify a polyline and displace it sideways a little, for a natural-looking coast."""
    out = []
    pts = np.asarray(points, dtype=float)
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        for t in np.linspace(0, 1, n, endpoint=False):
            p = a + t * (b - a)
            out.append(p + rng.normal(0, amp_km, 2) * (0 < t))
    out.append(pts[-1])
    return [_km(p) for p in out]


def _land(rng) -> tuple[list, shapely.Geometry]:
    """Land pieces (west bank, island between the branches, east bank, offshore islands)."""
    outline = shapely.Polygon(_wiggle(_OUTLINE + [_OUTLINE[0]], rng, amp_km=0.25))
    outline = shapely.make_valid(outline)
    rivers = shapely.union_all(
        [
            shapely.LineString([_km(p) for p in _GLOMMA]).buffer(170),
            shapely.LineString([_km(p) for p in _VESTERELVA]).buffer(120),
            shapely.LineString([_km(p) for p in _ØSTERELVA]).buffer(110),
        ]
    )
    mainland = outline.difference(rivers)
    pieces = sorted((g for g in shapely.get_parts(mainland) if g.area > 1e6), key=lambda g: -g.area)
    islands = []
    for (cx, cy), r in _ISLANDS:
        angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        rad = 1000 * r * (1 + 0.25 * rng.uniform(-1, 1, len(angles)))
        x0, y0 = _km((cx, cy))
        islands.append(
            shapely.Polygon(np.c_[x0 + rad * np.cos(angles), y0 + 0.7 * rad * np.sin(angles)])
        )
    return pieces + islands, rivers


def _sample_points(pieces, weights, n, rng) -> np.ndarray:
    """Draw dwelling positions: town and village clusters plus a thin rural background."""
    land = shapely.union_all(pieces)
    shapely.prepare(land)
    centres = np.array([_km(c) for _, c, *_ in _LOKALSAMFUNN])
    w = np.asarray(weights, dtype=float)
    out = []
    while sum(len(o) for o in out) < n:
        k = 4 * n
        comp = rng.choice(len(centres) + 1, size=k, p=np.r_[0.9 * w / w.sum(), 0.1])
        spread = np.where(comp < len(centres), 900.0, 0.0)
        base = np.where(
            comp[:, None] < len(centres), centres[np.minimum(comp, len(centres) - 1)], 0.0
        )
        xy = base + rng.normal(0, 1, (k, 2)) * spread[:, None]
        rural = comp == len(centres)
        minx, miny, maxx, maxy = land.bounds
        xy[rural] = np.c_[
            rng.uniform(minx, maxx, rural.sum()), rng.uniform(miny, maxy, rural.sum())
        ]
        inside = shapely.contains_xy(land, xy[:, 0], xy[:, 1])
        out.append(xy[inside])
    return np.concatenate(out)[:n]


def _voronoi_in(piece, seeds: np.ndarray) -> list:
    """Voronoi cells of ``seeds`` clipped to ``piece``, in seed order."""
    if len(seeds) == 1:
        return [piece]
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=piece.envelope.buffer(2000))
    )
    tree = shapely.STRtree(cells)
    idx = tree.query(shapely.points(seeds), predicate="within")
    order = np.empty(len(seeds), dtype=int)
    order[idx[0]] = idx[1]
    clipped = shapely.intersection(cells[order], piece)
    return [_largest_polygonal(g) for g in clipped]


def _despike(g):
    """Remove zero-width spikes left where pieces were unioned (a 5 cm open-close, corners kept)."""
    return shapely.make_valid(g.buffer(-0.05, join_style="mitre").buffer(0.05, join_style="mitre"))


def _largest_polygonal(g):
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _grunnkretser(pieces, n_main_islands, dwellings, rng, n_target=172) -> gpd.GeoDataFrame:
    mainland = pieces[: len(pieces) - n_main_islands]
    islands = pieces[len(pieces) - n_main_islands :]
    which = np.full(len(dwellings), -1)
    for k, p in enumerate(mainland):
        which[shapely.contains_xy(p, dwellings[:, 0], dwellings[:, 1])] = k
    geoms = []
    for k, p in enumerate(mainland):
        pts = dwellings[which == k]
        n_k = max(1, round(n_target * len(pts) / max(1, (which >= 0).sum())))
        # Seeds follow the dwellings (so grunnkretser are smaller where people live closer),
        # mixed with a few spread seeds so the countryside is divided too.
        pick = pts[rng.choice(len(pts), size=max(1, n_k - n_k // 6), replace=False)]
        minx, miny, maxx, maxy = p.bounds
        extra = []
        while len(extra) < n_k // 6:
            q = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
            if shapely.contains_xy(p, q[0], q[1]):
                extra.append(q)
        seeds = np.vstack([pick, *extra]) if extra else pick
        seeds = seeds + rng.normal(0, 1.0, seeds.shape)  # break exact duplicates
        geoms.extend(_voronoi_in(p, seeds))
    geoms.extend(islands)
    geoms = [g for g in geoms if not g.is_empty and g.area > 5_000]
    return gpd.GeoDataFrame(geometry=geoms, crs=CRS)


def _catchments(gk: gpd.GeoDataFrame, pieces, n_islands, rng):
    """Draw school catchments: Voronoi of school sites per land piece.

    Snapped to grunnkrets edges where a grunnkrets lies mostly in one catchment (as
    kommuner draw them), split otherwise.
    """
    schools = []
    for name, (cx, cy), n_schools, *_ in _LOKALSAMFUNN:
        for s in range(n_schools):
            off = (0.0, 0.0) if n_schools == 1 else ((-0.7, 0.6) if s == 0 else (0.7, -0.6))
            label = name if n_schools == 1 else f"{name} {'nord' if s == 0 else 'sør'}"
            schools.append((f"{label} skole", name, _km((cx + off[0], cy + off[1]))))
    sites = np.array([s[2] for s in schools])
    mainland = pieces[: len(pieces) - n_islands]
    cells = [shapely.Polygon()] * len(schools)
    for p in mainland:
        inside = np.flatnonzero(shapely.contains_xy(p, sites[:, 0], sites[:, 1]))
        if len(inside) == 0:
            continue
        for k, c in zip(inside, _voronoi_in(p, sites[inside]), strict=True):
            cells[k] = shapely.union(cells[k], c)
    for isl in pieces[len(pieces) - n_islands :]:
        c = shapely.centroid(isl)
        k = int(np.argmin(np.hypot(sites[:, 0] - c.x, sites[:, 1] - c.y)))
        cells[k] = shapely.union(cells[k], isl)
    vor = gpd.GeoDataFrame({"k": range(len(schools))}, geometry=cells, crs=CRS)
    # Snap: a grunnkrets with at least 70 % of its area in one catchment goes wholly there.
    pieces_gk = gpd.overlay(gk[["gk", "geometry"]], vor, how="intersection", keep_geom_type=True)
    pieces_gk["share"] = pieces_gk.area / pieces_gk["gk"].map(gk.set_index("gk").area)
    best = pieces_gk.sort_values("share", ascending=False).drop_duplicates("gk").set_index("gk")
    whole = best[best["share"] >= 0.7]
    split = pieces_gk[~pieces_gk["gk"].isin(whole.index)].copy()
    # Thin leftovers of a split grunnkrets go with its main part (no slivers along the cut lines).
    small = split["share"] < 0.25
    split.loc[small, "k"] = split.loc[small, "gk"].map(best["k"])
    parts = [
        gk.set_index("gk").loc[whole.index].assign(k=whole["k"]).reset_index()[["k", "geometry"]],
        split[["k", "geometry"]],
    ]
    joined = pd.concat(parts, ignore_index=True)
    joined["geometry"] = shapely.make_valid(joined.geometry.to_numpy())
    dissolved = gpd.GeoDataFrame(joined, crs=CRS).dissolve(by="k").sort_index()
    codes = [f"SK{k + 1:02d}" for k in dissolved.index]
    skolekretser = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [schools[k][0].replace(" skole", "") for k in dissolved.index],
            "level": "skolekrets",
        },
        geometry=[
            _despike(_largest_polygonal(g) if g.geom_type == "GeometryCollection" else g)
            for g in dissolved.geometry
        ],
        crs=CRS,
    )
    ls_codes = {name: f"LS{j + 1:02d}" for j, (name, *_) in enumerate(_LOKALSAMFUNN)}
    table = pd.DataFrame(
        {
            "catchment": codes,
            "lokalsamfunn": [ls_codes[schools[k][1]] for k in dissolved.index],
            "lokalsamfunn_name": [schools[k][1] for k in dissolved.index],
        }
    )
    school_pts = gpd.GeoDataFrame(
        {
            "name": [s[0] for s in schools],
            "lokalsamfunn": [s[1] for s in schools],
            "kind": "barneskole",
        },
        geometry=shapely.points(sites),
        crs=CRS,
    )
    return skolekretser, table, school_pts


def _population_grid(dwellings: np.ndarray, persons: np.ndarray) -> gpd.GeoDataFrame:
    """People per 250 m cell, in the style of SSB's population grid (ssbid250m, popTot)."""
    size = 250.0
    ix = np.floor(dwellings[:, 0] / size).astype(np.int64)
    iy = np.floor(dwellings[:, 1] / size).astype(np.int64)
    frame = (
        pd.DataFrame({"ix": ix, "iy": iy, "p": persons})
        .groupby(["ix", "iy"], as_index=False)["p"]
        .sum()
    )
    x0 = frame["ix"].to_numpy() * size
    y0 = frame["iy"].to_numpy() * size
    # SSB's grid id: 2 000 000 added to the lower-left easting, times 10^7, plus the northing.
    ssbid = ((x0 + 2_000_000).astype(np.int64) * 10_000_000 + y0.astype(np.int64)).astype(str)
    return gpd.GeoDataFrame(
        {"ssbid250m": ssbid, "popTot": frame["p"].to_numpy().astype(int)},
        geometry=shapely.box(x0, y0, x0 + size, y0 + size),
        crs=CRS,
    )


def _calibrate_intercept(target: float, weights: np.ndarray, offsets: np.ndarray) -> float:
    """Find the intercept a so that the weighted mean of expit(a + offsets) equals ``target``.

    Newton's method.
    """
    a = float(logit(target))
    w = weights / weights.sum()
    for _ in range(30):
        p = expit(a + offsets)
        f = float(np.dot(w, p)) - target
        if abs(f) < 1e-12:
            break
        a -= f / float(np.dot(w, p * (1 - p)))
    return a


def _observations(
    gk: pd.DataFrame, ls_dep: dict, ls_drift: dict, rng
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw counts per grunnkrets, year and indicator, SSB-style suppression of small counts."""
    n = len(gk)
    dep_gk = gk["lokalsamfunn_name"].map(ls_dep).to_numpy() + rng.normal(0, 0.30, n)
    drift = gk["lokalsamfunn_name"].map(ls_drift).to_numpy()
    pop23 = gk["population"].to_numpy().astype(float)
    growth = rng.normal(0.006, 0.004, n)
    ls_names = gk["lokalsamfunn_name"].to_numpy()
    rows, ref_rows = [], []
    for ind, par in INDICATOR_PARAMS.items():
        ls_effect = {
            name: rng.normal(0, 0.25) for name in ls_dep
        }  # shuffles ranks between indicators
        eff = np.array([ls_effect[name] for name in ls_names]) + rng.normal(0, 0.15, n)
        a = 0.0
        if par["kommune"] < 1:
            a = _calibrate_intercept(
                par["kommune"], pop23 * _GROUP_SHARE[par["group"]] + 1, par["beta"] * (dep_gk + eff)
            )
        for year in YEARS:
            pop = np.round(pop23 * (1 - growth * (2023 - year)))
            share = _GROUP_SHARE[par["group"]]
            den = rng.binomial(pop.astype(np.int64), share).astype(float)
            dep = dep_gk + drift * (year - 2022)
            t = year - 2022
            if ind == "inntekt_forbruksenhet":
                med = (
                    par["kommune"]
                    * (1 + par["trend"]) ** t
                    * np.exp(par["beta"] * (dep + eff) + rng.normal(0, 0.03, n))
                )
                num = np.round(med / 100) * 100
                status = np.where(den < 20, ":", "")
                num = np.where(status == ":", np.nan, num)
                ref_val = par["norway"] * (1 + par["trend"]) ** t
            elif INDICATOR_PARAMS[ind]["kommune"] > 1:  # rates per 1,000: Poisson
                rate = (
                    par["kommune"]
                    / 1000
                    * np.exp(par["beta"] * (dep + eff) + par["trend"] * t + rng.normal(0, 0.05))
                )
                num = rng.poisson(rate * den).astype(float)
                status = np.where((num > 0) & (num <= 4) & (den < 100), ":", "")
                num = np.where(status == ":", np.nan, num)
                ref_val = par["norway"] * np.exp(par["trend"] * t)
            else:
                offs = par["beta"] * (dep + eff) + par["trend"] * t + rng.normal(0, 0.04)
                p = expit(a + offs)
                num = rng.binomial(den.astype(np.int64), p).astype(float)
                # SSB-style: small positive counts in small grunnkretser are suppressed (":").
                status = np.where((num > 0) & (num <= 4) & (den < 60), ":", "")
                status = np.where((num == 0) & (den > 0), "-", status)
                num = np.where(status == ":", np.nan, num)
                ref_val = expit(logit(par["norway"]) + par["trend"] * t)
            rows.append(
                pd.DataFrame(
                    {
                        "code": gk["code"].to_numpy(),
                        "year": year,
                        "indicator": ind,
                        "numerator": num,
                        "denominator": den,
                        "status": status,
                    }
                )
            )
            ref_rows.append(
                {
                    "code": "0",
                    "name": "Hele landet",
                    "year": year,
                    "indicator": ind,
                    "value": float(ref_val),
                }
            )
    obs = pd.concat(rows, ignore_index=True)
    return obs, pd.DataFrame(ref_rows)


def _recode_for_year(
    obs: pd.DataFrame, merged_pair: tuple[str, str], old_code: str
) -> pd.DataFrame:
    """Give observations the codes valid in their year, as SSB published them."""
    out = obs.copy()
    early = out["year"] <= 2019
    # Before 2020 the two grunnkretser of ``merged_pair`` were one, ``old_code``.
    pair = out["code"].isin(merged_pair) & early
    merged = (
        out[pair]
        .groupby(["year", "indicator"], as_index=False)
        .agg(
            numerator=("numerator", lambda s: s.sum(min_count=2)),
            denominator=("denominator", "sum"),
            status=("status", lambda s: ":" if (s == ":").any() else ""),
        )
    )
    merged["code"] = old_code
    merged.loc[merged["status"] == ":", "numerator"] = np.nan
    out = pd.concat([out[~pair], merged[out.columns]], ignore_index=True)
    suffix = out["code"].str[4:]
    out["code"] = np.where(out["year"] <= 2019, "0106" + suffix, "3004" + suffix)
    return out.sort_values(["indicator", "year", "code"]).reset_index(drop=True)


def make_demo_study(seed: int = 2023) -> DemoStudy:
    """Generate the synthetic Fredrikstad-like demo study (deterministic for ``seed``).

    The study for a seed is generated once per process and each call returns a deep copy,
    so callers may change what they get.
    """
    return copy.deepcopy(_generate(seed))


@functools.lru_cache(maxsize=4)
def _generate(seed: int) -> DemoStudy:
    rng = np.random.default_rng(seed)
    pieces, _ = _land(rng)
    n_islands = len(_ISLANDS)
    weights = [row[5] for row in _LOKALSAMFUNN]
    dwellings = _sample_points(pieces, weights, 39_500, rng)
    persons = 1 + rng.poisson(1.15, len(dwellings))
    gk = _grunnkretser(pieces, n_islands, dwellings, rng)
    gk["gk"] = np.arange(len(gk))
    skolekretser, table, schools = _catchments(gk, pieces, n_islands, rng)
    # Lokalsamfunn of each grunnkrets (by its largest share) for codes, names and deprivation.
    ls = skolekretser.merge(table, left_on="code", right_on="catchment").dissolve(
        by="lokalsamfunn_name"
    )
    rep = gk.geometry.representative_point()
    ls_of = gpd.sjoin(
        gpd.GeoDataFrame(geometry=rep, crs=CRS),
        ls.reset_index()[["lokalsamfunn_name", "geometry"]],
        how="left",
        predicate="intersects",
    )
    ls_of = ls_of[~ls_of.index.duplicated()]
    gk["lokalsamfunn_name"] = ls_of["lokalsamfunn_name"].fillna("Onsøy").to_numpy()
    order = {name: j for j, (name, *_) in enumerate(_LOKALSAMFUNN)}
    gk["ls_order"] = gk["lokalsamfunn_name"].map(order)
    gk["cy"] = -rep.y
    gk = gk.sort_values(["ls_order", "cy"], kind="stable").reset_index(drop=True)
    gk["delomrade"] = gk["ls_order"] + 11
    gk["nr"] = gk.groupby("delomrade").cumcount() + 1
    gk["code"] = (
        KOMMUNE + gk["delomrade"].astype(str).str.zfill(2) + gk["nr"].astype(str).str.zfill(2)
    )
    gk["name"] = gk["lokalsamfunn_name"] + " " + gk["nr"].astype(str)
    which = np.full(len(dwellings), -1)
    tree = shapely.STRtree(gk.geometry.to_numpy())
    p, q = tree.query(shapely.points(dwellings), predicate="intersects")
    which[p] = q
    gk["population"] = np.bincount(
        which[which >= 0], weights=persons[which >= 0], minlength=len(gk)
    ).astype(int)
    grid = _population_grid(dwellings[which >= 0], persons[which >= 0])
    ls_dep = {row[0]: row[3] for row in _LOKALSAMFUNN}
    ls_drift = {row[0]: row[4] for row in _LOKALSAMFUNN}
    obs, reference = _observations(gk, ls_dep, ls_drift, rng)
    # One pair of Sentrum grunnkretser was a single grunnkrets before 2020 (SSB split it).
    pair = tuple(gk.loc[gk["lokalsamfunn_name"] == "Sentrum", "code"].iloc[:2])
    old_code = "0106" + pair[0][4:6] + "99"
    obs = _recode_for_year(obs, pair, old_code)
    changes = _change_table(gk, pair, old_code)
    places = []
    for name, ls_name, (dx, dy) in _MEETING_PLACES:
        cx, cy = next(c for n_, c, *_ in _LOKALSAMFUNN if n_ == ls_name)
        places.append((name, ls_name, shapely.Point(_km((cx + dx, cy + dy)))))
    places_gdf = gpd.GeoDataFrame(
        {
            "name": [p[0] for p in places],
            "lokalsamfunn": [p[1] for p in places],
            "kind": "møteplass",
        },
        geometry=[p[2] for p in places],
        crs=CRS,
    )
    grunnkretser = gpd.GeoDataFrame(
        {
            "grunnkretsnummer": gk["code"],
            "grunnkretsnavn": gk["name"],
            "delomradenummer": KOMMUNE + gk["delomrade"].astype(str).str.zfill(2),
            "kommunenummer": KOMMUNE,
            "population": gk["population"],
        },
        geometry=gk.geometry.to_numpy(),
        crs=CRS,
    )
    return DemoStudy(
        grunnkretser=grunnkretser,
        skolekretser=skolekretser,
        catchment_table=table,
        population=grid,
        observations=obs,
        reference=reference,
        code_changes=changes,
        schools=schools,
        places=places_gdf,
        seed=seed,
        notes={"split": {"old_code": old_code, "new_codes": list(pair)}},
    )


def _change_table(gk: pd.DataFrame, pair: tuple[str, str], old_code: str) -> pd.DataFrame:
    """KLASS-style change table: kommune renumbering for every code, plus one split."""
    others = gk.loc[~gk["code"].isin(pair), "code"]
    renumbered = kommune_renumbering(others, FREDRIKSTAD_HISTORY)
    rows = list(renumbered.itertuples(index=False, name=None))
    # The two halves of the split were renumbered 3004 → 3107 like the rest.
    rows += list(
        kommune_renumbering(pd.Series(list(pair)), FREDRIKSTAD_HISTORY[1:]).itertuples(
            index=False, name=None
        )
    )
    pops = gk.set_index("code").loc[list(pair), "population"].astype(float)
    shares = (pops / pops.sum()).round(6)
    shares.iloc[-1] = 1.0 - shares.iloc[:-1].sum()
    for code, share in shares.items():
        rows.append((old_code, "3004" + code[4:], "2020-01-01", float(share)))
    return (
        pd.DataFrame(rows, columns=["old_code", "new_code", "date", "share"])
        .sort_values(["date", "old_code", "new_code"])
        .reset_index(drop=True)
    )
