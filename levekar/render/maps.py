"""Interactive maps (folium/branca) for politicians, in bokmål.

Every string that comes from data (area and indicator names) is HTML-escaped
before it reaches the page. Colours are classed with mapclassify and the legend
gives ranges that neither overlap nor leave gaps ("over a til og med b").
A synthetic study shows a banner saying so; suppressed values show as grey
"ikke publisert", areas without any row as white "ingen data". The index and the
domains are shown on a 0–100 scale (0 the best area, 100 the weakest) with the
rank; the z-scores stay in the tooltips for analysts.

The areas' geometry is written once per page and shared by every theme (each theme
carries only its colours and tooltips, built in the browser when first shown),
simplified in proportion to the map's extent with the shared edges kept shared
(:func:`simplify_areas`) and rounded to what the extent needs. A study of several
kommuner gets one map per kommune (or fylke) from :func:`index_maps`, classes and
ranks taken over the whole study, and an overview (:func:`overview_map`). The
accessibility grid (:class:`DistanceGrid`) is an optional layer per destination:
inhabited cells coloured by the distance to the nearest one, no person counts.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from ..catalogue import DOMAINS, Catalogue
from .presentation import (
    DISTANCE_BREAKS_M,
    ESTIMATED,
    UNREACHABLE,
    UNREACHABLE_LABELS,
    distance_class_labels,
    estimated_reason,
    format_distance,
    format_number,
    format_probability,
    format_value,
    index_0_100,
    is_estimated,
)

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

__all__ = [
    "DistanceGrid",
    "MapOptions",
    "class_breaks",
    "index_map",
    "index_maps",
    "is_regular_grid",
    "legend_labels",
    "make_self_contained",
    "map_tolerance",
    "overview_map",
    "simplify_areas",
]


@dataclass(frozen=True)
class MapOptions:
    """What the map says and how it is drawn.

    Attributes
    ----------
    title : str
        The study's name (page title and legend source).
    label : str
        The data label shown on the map ("Syntetiske demodata" for the demo).
    synthetic : bool
        Show the red "not real data" banner.
    year : int
        The year shown.
    years : (int, int)
        The study's first and last year.
    k : int
        The rule's k ("blant de k svakeste").
    index_name, initiative_name : str
        Names of the index and of the initiative (its outline's layer).
    tiles : str, optional
        Background tiles (None: no tiles).
    scheme : str, default "quantiles"
        Classification of the colours (see :func:`class_breaks`).
    classes : int, default 5
        Number of colour classes.
    simplify_m : float, optional
        Boundaries simplified by this many metres for the web (shared edges kept
        shared); by default in proportion to the map's extent (:func:`map_tolerance`).
    self_contained : bool, default True
        Carry Leaflet in the page so it opens with no network.
    tiles_attr : str, optional
        Attribution of ``tiles`` when it is a URL template rather than a named provider.
    place : str, optional
        The kommune (or fylke) a map of part of the study shows, in its title.
    overview_href, overview_text : str, optional
        A link back to the overview map (relative to the page) and its text.
    grid_max_cells : int, default 100,000
        The most accessibility-grid cells one map draws (about 27 bytes each in the
        page: 100,000 cells add about 2.7 MB); a map with more says so instead.
    """

    title: str
    label: str
    synthetic: bool
    year: int
    years: tuple[int, int]
    k: int
    index_name: str = "Levekårsindeks"
    initiative_name: str = "Områdesatsing"
    tiles: str | None = None
    scheme: str = "quantiles"
    classes: int = 5
    simplify_m: float | None = None
    self_contained: bool = True
    tiles_attr: str | None = None
    place: str | None = None
    overview_href: str | None = None
    overview_text: str = "Alle kommuner"
    grid_max_cells: int = 100_000


@dataclass(frozen=True)
class DistanceGrid:
    """The accessibility grid for a map: each inhabited cell's distance to the nearest destination.

    Attributes
    ----------
    cells : geopandas.GeoDataFrame
        One row per inhabited cell: squares of a regular grid (SSB's 250 m cells) in a
        projected CRS in metres, with ``<stem>_distance_m`` and ``<stem>_status`` per
        destination (:attr:`levekar.pipeline.Results.access_grid`). No person counts:
        the map never shows any.
    destinations : dict of str to str
        The destination layers' stems and their bokmål names ("skole"), in layer order.
    network : frozenset of str
        Stems measured along the path network (the others in a straight line).
    """

    cells: gpd.GeoDataFrame
    destinations: dict[str, str]
    network: frozenset[str] = field(default_factory=frozenset)


PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#bdbdbd"  # a value that may not be published
NO_ROW = "#ffffff"  # an area with no data at all ("ingen data")
OUTLINE = "#1f3a93"
# Point layers' symbols, in order: colour and CSS shape.
POINT_SYMBOLS = [("#1a5fb4", "square"), ("#2e7d32", "circle"), ("#6a1b9a", "diamond")]
# Every colour a theme uses, by index (a theme sends one digit per area).
_COLOURS = [*PALETTE, NO_DATA, NO_ROW]
# The accessibility grid: near (light) to far (dark; magma, unlike the themes' palette and
# the outline's blue), and people who reach nothing (cyan).
GRID_PALETTE = ["#fcfdbf", "#fc8961", "#b73779", "#51127c", "#000004"]
GRID_UNREACHABLE = "#17becf"
# A map's boundaries are simplified by about one pixel of a map this many pixels wide.
MAP_PIXELS = 2000


def class_breaks(values: pd.Series, *, k: int = 5, scheme: str = "quantiles") -> list[float]:
    """Upper bounds of ``k`` classes, the last being the maximum.

    ``quantiles`` is computed here with numpy exactly as :class:`mapclassify.Quantiles`
    does (tested against it): importing mapclassify costs about 2 s. ``natural_breaks``
    and ``fisher_jenks`` are Jenks' natural breaks computed exactly by Fisher's algorithm
    (:class:`mapclassify.FisherJenks`), so the same values always give the same map
    (mapclassify's own ``NaturalBreaks`` is a randomly started k-means);
    ``equal_interval`` uses :class:`mapclassify.EqualInterval`.

    Parameters
    ----------
    values : pandas.Series
        The values; non-numbers and missing values are left out.
    k : int, default 5
        Number of classes (at most the number of distinct values).
    scheme : {"quantiles", "natural_breaks", "fisher_jenks", "equal_interval"}
        The classification, default "quantiles".

    Returns
    -------
    list of float
        Upper bounds, increasing; duplicate quantiles are merged, so there may be
        fewer than ``k``.

    Examples
    --------
    >>> class_breaks(pd.Series([1.0, 2.0, 3.0, 4.0]), k=2)
    [2.5, 4.0]
    """
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    k = max(1, min(k, len(np.unique(v))))
    if k == 1:
        return [float(v.max())]
    if scheme == "quantiles":
        q = np.linspace(100.0 / k, 100.0, k)
        return [float(b) for b in np.unique(np.percentile(v, q))]
    import warnings

    import mapclassify

    cls = {
        "natural_breaks": mapclassify.FisherJenks,
        "equal_interval": mapclassify.EqualInterval,
        "fisher_jenks": mapclassify.FisherJenks,
    }[scheme]
    with warnings.catch_warnings():
        # Without numba, Fisher-Jenks runs in pure Python: fine for the tens of areas a map has.
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        return [float(b) for b in cls(v, k=k).bins]


def legend_labels(breaks: list[float], *, fmt=lambda x: format_number(x, decimals=2)) -> list[str]:
    """Write bokmål class labels that neither overlap nor leave gaps.

    Parameters
    ----------
    breaks : list of float
        Upper bounds of the classes (:func:`class_breaks`).
    fmt : callable, optional
        Formats a bound (default: two decimals with a decimal comma).

    Returns
    -------
    list of str
        One label per class.

    Examples
    --------
    >>> legend_labels([0.5, 1.0, 2.0])
    ['til og med 0,50', 'over 0,50 til og med 1,00', 'over 1,00 til og med 2,00']
    """
    labels = []
    for i, b in enumerate(breaks):
        labels.append(
            f"til og med {fmt(b)}" if i == 0 else f"over {fmt(breaks[i - 1])} til og med {fmt(b)}"
        )
    return labels


def _class_of(v: float, breaks: list[float]) -> int:
    if not np.isfinite(v):
        return -1
    return int(min(np.searchsorted(breaks, v, side="left"), len(breaks) - 1))


def _swatch(colour: str) -> str:
    return (
        f'<span style="background:{colour};display:inline-block;width:14px;height:14px;'
        'margin-right:6px;border:1px solid #777;vertical-align:middle"></span>'
    )


def _legend_html(
    title: str,
    breaks: list[float],
    labels: list[str],
    note: str,
    *,
    legend_id: str = "",
    visible: bool = True,
    palette: list[str] = PALETTE,
    unpublished: bool = False,
    outline: str = "",
    points: list[tuple[str, str, str]] = (),
) -> str:
    rows = "".join(
        f"<div>{_swatch(palette[i + len(palette) - len(breaks)])}{html.escape(lab)}</div>"
        for i, lab in enumerate(labels)
    )
    if unpublished:
        rows += f"<div>{_swatch(NO_DATA)}ikke publisert</div>"
    rows += f"<div>{_swatch(NO_ROW)}ingen data</div>"
    if outline:
        rows += (
            '<div><span style="display:inline-block;width:22px;margin-right:4px;'
            f'border-top:3px dashed {OUTLINE};vertical-align:middle"></span>'
            f"{html.escape(outline)}</div>"
        )
    for name, colour, shape in points:
        rows += (
            f'<div class="levekar-point-entry" data-layer="{html.escape(name)}" '
            'style="display:none">'
            f'<span class="levekar-pt {shape}" style="background:{colour};'
            f'display:inline-block;margin:0 8px 0 2px;vertical-align:middle"></span>'
            f"{html.escape(name)}</div>"
        )
    display = "block" if visible else "none"
    return (
        f'<div class="levekar-legend" id="{legend_id}" style="display:{display}">'
        f"<b>{html.escape(title)}</b>{rows}"
        f"<div style='margin-top:4px;color:#555'>{html.escape(note)}</div></div>"
    )


_CSS = """
.levekar-legend { position: fixed; bottom: 24px; left: 12px; z-index: 9999; background: white;
  padding: 8px 10px; border: 1px solid #999; border-radius: 4px; font: 12px sans-serif;
  max-width: 22rem; }
.levekar-label { background: none; border: none; font: 600 11px sans-serif; color: #222;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; white-space: nowrap;
  pointer-events: none; transform: translate(-50%, -50%); width: auto !important;
  height: auto !important; }
.levekar-pt { display: block; width: 10px; height: 10px; border: 2px solid #fff;
  box-shadow: 0 0 0 1px #222; }
.levekar-pt.circle { border-radius: 50%; }
.levekar-pt.diamond { transform: rotate(45deg); }
.levekar-group { font-weight: bold; margin: 6px 0 2px; color: #333; }
.leaflet-control-layers-expanded { max-height: 70vh; overflow-y: auto; }
.levekar-grid-legends { position: fixed; bottom: 48px; right: 12px; z-index: 9999;
  display: flex; flex-direction: column; gap: 6px; max-width: 18rem; }
.levekar-grid-legend { background: white; padding: 8px 10px; border: 1px solid #999;
  border-radius: 4px; font: 12px sans-serif; }
.levekar-back { position: fixed; top: 84px; left: 10px; z-index: 9999; background: white;
  padding: 4px 8px; border: 1px solid #999; border-radius: 4px; font: 600 12px sans-serif; }
@media (max-width: 600px) {
  .levekar-legend { font-size: 11px; max-width: 55vw; bottom: 18px; left: 6px; padding: 5px 7px; }
  .levekar-grid-legends { font-size: 11px; max-width: 40vw; bottom: 40px; right: 6px; }
  .levekar-banner { font-size: 12px !important; white-space: nowrap; }
  .leaflet-control-attribution { max-width: 38vw; white-space: normal; font-size: 10px; }
}
"""


def _banner_html(text: str) -> str:
    return (
        '<div class="levekar-banner" style="position:fixed;top:10px;left:50%;'
        "transform:translateX(-50%);max-width:60vw;"
        f"z-index:9999;background:#b30000;color:white;padding:6px 14px;border-radius:4px;"
        f'font:bold 14px sans-serif">{html.escape(text)}</div>'
    )


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (from the django-js-lib-leaflet package), icons inlined as data URIs."""
    import base64
    from importlib import resources

    base = resources.files("js_lib_leaflet").joinpath("static", "js_lib_leaflet")
    js = base.joinpath("leaflet.js").read_text(encoding="utf-8")
    css = base.joinpath("leaflet.css").read_text(encoding="utf-8")
    for img in ("layers.png", "layers-2x.png", "marker-icon.png"):
        data = base64.b64encode(base.joinpath("images", img).read_bytes()).decode("ascii")
        css = css.replace(f"images/{img}", f"data:image/png;base64,{data}")
    return js, css


def make_self_contained(m: folium.Map) -> folium.Map:
    """Inline Leaflet's JS and CSS so the page opens with no network.

    folium's other default assets (jQuery, Bootstrap, Font Awesome, awesome-markers)
    are dropped: levekar's maps use only Leaflet.

    Parameters
    ----------
    m : folium.Map
        The map, changed in place.

    Returns
    -------
    folium.Map
        The same map.
    """
    import folium

    js, css = _leaflet_assets()
    m.default_js = []
    m.default_css = []
    m.get_root().header.add_child(
        folium.Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0
    )
    m.get_root().header.add_child(
        folium.Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=1
    )
    return m


def _tooltip(
    row: pd.Series, n_areas: int, k: int, *, scale: float, title: str = "Levekårsindeks"
) -> str:
    """Write the index's (or a domain's) tooltip: rank, 0–100, z-score, band."""
    e = html.escape
    parts = [f"<b>{e(str(row['name']))}</b>"]
    if not np.isfinite(row.get("score", np.nan)):
        return parts[0] + f"<br>{e(title)}: <i>ingen data</i>"
    parts.append(
        f"{e(title)}: rang {int(row['rank'])} av {n_areas} (1 = svakest)<br>"
        f"Indeks 0–100: {e(format_number(scale))} (100 = svakest)<br>"
        f"<span style='color:#666'>z-skår: {e(format_number(row['score'], decimals=2))}</span>"
    )
    if np.isfinite(row.get("rank_p05", np.nan)):
        parts.append(
            f"Rangering 90 % intervall: {int(row['rank_p05'])}–{int(row['rank_p95'])}; "
            f"sannsynlighet blant de {k} svakeste: "
            f"{e(format_probability(row['p_top_k']))}"
        )
    if np.isfinite(row.get("population", np.nan)):
        parts.append(f"Innbyggere: {e(format_number(row['population']))}")
    return "<br>".join(parts)


def _MapScript(code: str):
    """Make a script element rendered after the map it belongs to (so the map variable exists)."""
    from branca.element import MacroElement
    from jinja2 import Template

    class MapScript(MacroElement):
        _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

        def __init__(self, code: str):
            super().__init__()
            self._name = "LevekarScript"
            self.code = code

    return MapScript(code)


def _indicator_tooltip(name: str, row: pd.Series | None, ind, kommune: float, year: int) -> str:
    e = html.escape
    head = f"<b>{e(name)}</b><br>{e(ind.short_label)} {year}: "
    if row is None:
        return head + f"<i>ingen data</i><br>Kommunen: {e(format_value(kommune, ind.kind))}"
    if not bool(row["published"]):
        why = (
            "for få personer i grunnlaget"
            if str(row["publish_status"]).startswith("suppressed")
            else "mangler"
        )
        return (
            head
            + f"<i>ikke publisert</i> ({why})<br>Kommunen: {e(format_value(kommune, ind.kind))}"
        )
    text = head + e(format_value(row["value_published"], ind.kind))
    if is_estimated(row):
        text += f" <i>({ESTIMATED})</i>"
    if np.isfinite(row["ci_low"]):
        text += (
            f" (95 % intervall {e(format_value(row['ci_low'], ind.kind))}–"
            f"{e(format_value(row['ci_high'], ind.kind))})"
        )
    if is_estimated(row):
        text += f"<br><i>{ESTIMATED}: {e(estimated_reason(row, ind.kind))}</i>"
    text += f"<br>Kommunen: {e(format_value(kommune, ind.kind))}"
    if np.isfinite(row.get("norway_value", np.nan)):
        text += f"; Norge: {e(format_value(row['norway_value'], ind.kind))}"
    return text


def _score_layer(
    data: gpd.GeoDataFrame, col: str, title: str, group: str, options: MapOptions
) -> dict:
    """Make the index or a domain a theme: 0–100 values, tooltips with rank and z-score."""
    scores = data[col].astype(float)
    scaled = index_0_100(scores)
    ranks = scores.rank(ascending=False, method="min")
    n_areas = int(scores.notna().sum())
    rows = data.assign(score=scores, rank=ranks)
    tips = [
        _tooltip(r, n_areas, options.k, scale=v, title=title)
        for (_, r), v in zip(rows.iterrows(), scaled, strict=True)
    ]
    return {
        "title": title,
        "group": group,
        "values": scaled,
        "tooltips": pd.Series(tips, index=data.index),
        "note": "0 = beste, 100 = svakeste lokalsamfunn",
        "fmt": lambda x: format_number(x),
        "reverse": False,
        "unpublished": False,
    }


def _thematic_layers(
    data: gpd.GeoDataFrame, rates: pd.DataFrame, cat: Catalogue, options: MapOptions
) -> list[dict]:
    """Index, domains and every indicator as layers: values (published only), colours, tooltips."""
    layers = [_score_layer(data, "score", options.index_name, "Indeks", options)]
    for col in [c for c in data.columns if c.startswith("domain_")]:
        domain = DOMAINS.get(col[7:], col[7:])
        layers.append(_score_layer(data, col, f"Domene: {domain}", "Domener", options))
    rates = rates.set_index("code")
    domain_order = list(DOMAINS)
    ind_ids = sorted(
        dict.fromkeys(rates["indicator"]),
        key=lambda i: domain_order.index(cat[i].domain) if cat[i].domain in DOMAINS else 99,
    )
    for ind_id in ind_ids:
        ind = cat[ind_id]
        r = rates[rates["indicator"] == ind_id]
        kommune = float(r["kommune_value"].iloc[0])
        values = data["code"].map(r["value_published"]).astype(float)
        tips = [
            _indicator_tooltip(n, r.loc[c] if c in r.index else None, ind, kommune, options.year)
            for c, n in zip(data["code"], data["name"], strict=True)
        ]
        note = {
            "higher_is_worse": "høyere = svakere",
            "higher_is_better": "høyere = bedre",
            "descriptive": "beskrivende",
        }[ind.direction]
        layers.append(
            {
                "title": f"{ind.short_label}",
                "group": f"Indikatorer: {DOMAINS.get(ind.domain, ind.domain)}",
                "values": values,
                "tooltips": pd.Series(tips, index=data.index),
                "note": note,
                "fmt": lambda x, k=ind.kind: format_value(x, k),
                "reverse": ind.direction == "higher_is_better",
                "unpublished": True,
                "has_row": data["code"].isin(r.index),
            }
        )
    return layers


def map_tolerance(bounds) -> float:
    """Return the simplification tolerance for a map of this extent: about one pixel.

    Parameters
    ----------
    bounds : sequence of float
        ``minx, miny, maxx, maxy`` in metres.

    Returns
    -------
    float
        The larger side divided by :data:`MAP_PIXELS` (a kommune 25 km across: 12.5 m;
        Norway: about 850 m), at least 1 m.

    Examples
    --------
    >>> map_tolerance([0.0, 0.0, 25_000.0, 10_000.0])
    12.5
    """
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    return max(1.0, max(maxx - minx, maxy - miny) / MAP_PIXELS)


def simplify_areas(geometry: gpd.GeoSeries, tolerance: float) -> gpd.GeoSeries:
    """Simplify a layer of areas for the web, keeping shared edges shared.

    The areas are simplified as one coverage (:func:`shapely.coverage_simplify`): an
    edge two areas share is simplified once, so no gaps or overlaps open between
    neighbours. Where the installed shapely lacks it, or the layer is not a clean
    coverage (the result is not valid), each polygon is simplified on its own with its
    topology preserved (:meth:`geopandas.GeoSeries.simplify`).

    Parameters
    ----------
    geometry : geopandas.GeoSeries
        The areas, in a projected CRS in metres.
    tolerance : float
        Metres; 0 leaves them as they are.

    Returns
    -------
    geopandas.GeoSeries
        Same index and CRS.
    """
    import geopandas as gpd

    if tolerance <= 0 or len(geometry) == 0:
        return geometry.copy()
    geoms = np.asarray(geometry, dtype=object)
    if hasattr(shapely, "coverage_simplify"):
        try:
            out = shapely.coverage_simplify(geoms, tolerance)
        except shapely.errors.GEOSException:
            out = None
        if out is not None and shapely.is_valid(out).all() and not shapely.is_empty(out).any():
            return gpd.GeoSeries(out, index=geometry.index, crs=geometry.crs)
    return geometry.simplify(tolerance, preserve_topology=True)


def _decimals(tolerance_m: float) -> int:
    """Return the decimals of a degree that keep a tenth of the tolerance (3 to 6)."""
    degrees = tolerance_m / 10 / 111_320
    return int(min(6, max(3, math.ceil(-math.log10(degrees)))))


def _rounded(geoms, decimals: int) -> list[dict]:
    """Return GeoJSON geometries (EPSG:4326) with coordinates rounded to ``decimals``."""
    g = shapely.set_precision(np.asarray(geoms, dtype=object), 10.0**-decimals)
    g = shapely.transform(g, lambda xy: np.round(xy, decimals))
    return [shapely.geometry.mapping(x) for x in g]


def _js(obj) -> str:
    """Write ``obj`` as JSON safe inside a ``<script>`` (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _area_of(frame: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Return the code of the area each feature's point (or centroid) lies in ("" if none)."""
    import geopandas as gpd

    if len(frame) == 0:
        return np.array([], dtype=object)
    geoms = frame.to_crs(areas.crs).geometry
    pts = gpd.GeoDataFrame(
        geometry=np.where(geoms.geom_type == "Point", geoms, geoms.centroid),
        crs=areas.crs,
        index=pd.RangeIndex(len(frame)),
    )
    hit = gpd.sjoin(pts, areas[["code", "geometry"]], how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    return hit["code"].fillna("").to_numpy(dtype=object)


def _lattice(geometry) -> tuple[np.ndarray, np.ndarray, float, float, float] | None:
    """Return the cells as lattice indices ``i, j`` with origin and size, or None if irregular.

    A regular grid: every cell an axis-aligned square of one size, its lower-left corner on
    a multiple of that size from the grid's lower-left corner.
    """
    geoms = np.asarray(geometry, dtype=object)
    if len(geoms) == 0 or not (shapely.get_type_id(geoms) == 3).all():  # 3: Polygon
        return None
    b = shapely.bounds(geoms)
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    size = float(np.median(w))
    tol = 1e-6 * max(size, 1.0) + 1e-3
    if size <= 0 or not (
        np.allclose(w, size, atol=tol)
        and np.allclose(h, size, atol=tol)
        and np.allclose(shapely.area(geoms), size * size, rtol=1e-6)
    ):
        return None
    x0, y0 = float(b[:, 0].min()), float(b[:, 1].min())
    fi, fj = (b[:, 0] - x0) / size, (b[:, 1] - y0) / size
    i, j = np.rint(fi), np.rint(fj)
    if not (np.allclose(fi, i, atol=1e-4) and np.allclose(fj, j, atol=1e-4)):
        return None
    return i.astype(np.int64), j.astype(np.int64), x0, y0, size


def is_regular_grid(geometry) -> bool:
    """Say whether cells form a regular grid of squares the map can draw (SSB's 250 m grid).

    Parameters
    ----------
    geometry : geopandas.GeoSeries or array of shapely geometries
        The cells, in a projected CRS in metres.

    Returns
    -------
    bool
        True when every cell is an axis-aligned square of one size on one lattice.
    """
    return _lattice(geometry) is not None


def _lattice_fit(i, j, x0, y0, size, crs) -> dict | None:
    """Fit lat/lon of the lattice's corners as polynomials in the corner indices.

    The browser computes each cell's corners from its indices with these polynomials, so
    a cell costs two small integers in the page and neighbours share corners exactly. The
    degree is the lowest whose largest error over every corner is under 5 cm (3 for a
    kommune); None if no degree up to 9 gets there.
    """
    from pyproj import Transformer

    key = np.unique(np.concatenate([(i + di) * 2**32 + (j + dj) for di in (0, 1) for dj in (0, 1)]))
    ci, cj = key // 2**32, key % 2**32
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(
        x0 + ci * size, y0 + cj * size
    )
    mid_i, mid_j = (ci.min() + ci.max()) / 2, (cj.min() + cj.max()) / 2
    half = max(ci.max() - ci.min(), cj.max() - cj.min(), 2) / 2
    u, v = (ci - mid_i) / half, (cj - mid_j) / half
    step = max(1, len(u) // 2_000)  # fitted on a sample, checked on every corner
    metres_lon = 111_320 * math.cos(math.radians(float(np.mean(lat))))
    for degree in range(1, 10):
        terms = [(p, q) for p in range(degree + 1) for q in range(degree + 1 - p)]

        def design(a, b, terms=terms):
            return np.stack([a**p * b**q for p, q in terms], axis=1)

        both = np.stack([lat[::step], lon[::step]], axis=1)
        c_lat, c_lon = np.linalg.lstsq(design(u[::step], v[::step]), both, rcond=None)[0].T
        worst = 0.0
        for s in range(0, len(u), 100_000):
            d = design(u[s : s + 100_000], v[s : s + 100_000])
            worst = max(
                worst,
                float(np.abs(d @ c_lat - lat[s : s + 100_000]).max()) * 111_320,
                float(np.abs(d @ c_lon - lon[s : s + 100_000]).max()) * metres_lon,
            )
        if worst < 0.05:
            return {
                "ic": float(mid_i),
                "jc": float(mid_j),
                "h": float(half),
                "t": terms,
                "la": c_lat.tolist(),
                "lo": c_lon.tolist(),
            }
    return None


_UNREACHABLE_CODES = {status: -(n + 1) for n, status in enumerate(UNREACHABLE_LABELS)}


def _grid_payload(grid: DistanceGrid, breaks=DISTANCE_BREAKS_M) -> dict | None:
    """Encode the grid for the page: cell indices, the fit, per destination classes and distances.

    Per destination ``c`` is one character per cell (``0``… the distance class, ``x``
    unreachable, a space for a cell with no distance, not drawn) and ``d`` the distance in
    tens of metres (negative: why unreachable); ``txt`` has the tooltip text of every
    such number, formatted here (:func:`~levekar.render.presentation.format_distance`).
    """
    cells = grid.cells
    lattice = _lattice(cells.geometry)
    if lattice is None or not grid.destinations:
        return None
    i, j, x0, y0, size = lattice
    fit = _lattice_fit(i, j, x0, y0, size, cells.crs)
    if fit is None:
        return None
    ij = np.empty(2 * len(i), dtype=np.int64)
    ij[0::2], ij[1::2] = i - i.min(), j - j.min()
    fit["ic"] -= float(i.min())
    fit["jc"] -= float(j.min())
    tens_breaks = np.asarray(breaks, dtype=float) / 10
    shown: set[int] = set()
    layers = []
    for stem in grid.destinations:
        dist = pd.to_numeric(cells[f"{stem}_distance_m"], errors="coerce").to_numpy(dtype=float)
        status = cells[f"{stem}_status"].astype(str).to_numpy()
        ok = np.isfinite(dist) & (status == "ok")
        tens = np.where(ok, np.rint(np.where(ok, dist, 0) / 10), 0).astype(np.int64)
        cls = np.searchsorted(tens_breaks, tens, side="left")
        code = pd.Series(status).map(_UNREACHABLE_CODES).fillna(0).to_numpy(dtype=np.int64)
        unreachable = ~ok & (code < 0)
        chars = np.where(ok, cls.astype(str), np.where(unreachable, "x", " "))
        d = np.where(ok, tens, code)
        shown.update(np.unique(tens[ok]).tolist())
        layers.append({"c": "".join(chars), "d": d.tolist()})
    texts = {str(t): format_distance(t * 10.0) for t in sorted(shown)}
    for status, n in _UNREACHABLE_CODES.items():
        texts[str(n)] = UNREACHABLE_LABELS[status]
    colours = {str(k): c for k, c in enumerate(GRID_PALETTE[: len(breaks) + 1])}
    return {
        **fit,
        "ij": ij.tolist(),
        "col": {**colours, "x": GRID_UNREACHABLE},
        "txt": texts,
        "layers": layers,
        "size": size,
    }


def _grid_legend_html(title: str, note: str, legend_id: str, breaks=DISTANCE_BREAKS_M) -> str:
    rows = "".join(
        f"<div>{_swatch(GRID_PALETTE[k])}{html.escape(label)}</div>"
        for k, label in enumerate(distance_class_labels(breaks))
    )
    rows += f"<div>{_swatch(GRID_UNREACHABLE)}{html.escape(UNREACHABLE)}</div>"
    return (
        f'<div class="levekar-grid-legend" id="{legend_id}" style="display:none">'
        f"<b>{html.escape(title)}</b>{rows}"
        f"<div style='margin-top:4px;color:#555'>{html.escape(note)}</div></div>"
    )


def _prepare(
    layer: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    options: MapOptions,
) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Join the scores to the layer and build every theme once, over all areas.

    Each theme gets its class breaks, a colour (an index into ``_COLOURS``) and a
    tooltip per area, so that maps of parts of the study share classes and ranks.
    """
    data = layer[["code", "name", "geometry"]].merge(
        scores.drop(columns=["name"], errors="ignore"), on="code", how="left"
    )
    data["in_initiative"] = (
        data["in_initiative"].fillna(False).astype(bool) if "in_initiative" in data else False
    )
    themes = []
    for theme in _thematic_layers(data, rates, catalogue, options):
        vals = theme["values"]
        has_row = theme.get("has_row", vals.notna())
        breaks = (
            class_breaks(vals, k=options.classes, scheme=options.scheme)
            if vals.notna().any()
            else []
        )
        colour = []
        for v, row in zip(vals, has_row, strict=True):
            c = _class_of(v, breaks) if breaks else -1
            if c < 0:
                colour.append(_COLOURS.index(NO_DATA if row else NO_ROW))
            else:
                k = len(PALETTE) - len(breaks) + c
                colour.append(len(PALETTE) - 1 - k if theme["reverse"] else k)
        themes.append(
            {
                **theme,
                "breaks": breaks,
                "labels": legend_labels(breaks, fmt=theme["fmt"]) if breaks else [],
                "colour": np.asarray(colour, dtype=np.int64),
                "tips": list(theme["tooltips"]),
            }
        )
    return data, themes


def index_map(
    layer: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    options: MapOptions,
    points: dict[str, gpd.GeoDataFrame] | None = None,
    grid: DistanceGrid | None = None,
) -> folium.Map:
    """Draw an interactive map of the index, its domains and every indicator by area.

    One theme shows at a time (a radio list, grouped: index, domains, indicators by
    domain; collapsed behind an icon) with its own legend; the initiative areas are
    outlined, on top after every switch and in every legend; point layers (schools,
    meeting places) can be switched on, each with its own symbol and legend entry.
    Background tiles are a checkbox of their own, so a theme switch never removes
    them. Values that may not be published are grey, "ikke publisert"; areas with
    no row at all white, "ingen data". Area names show as labels one zoom level in.
    With a ``grid``, each destination is a further checkbox (off at first, a group of
    its own): the inhabited cells coloured by the distance to the nearest one, with a
    legend and the distance in the tooltip, never a person count. With
    ``options.self_contained`` the page carries Leaflet itself and opens with no
    network; background tiles need a network.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The areas: ``code, name, geometry``.
    scores : pandas.DataFrame
        One row per area: ``code, score, rank``, ``domain_*``, and where known
        ``rank_p05, rank_p95, p_top_k, population, in_initiative``.
    rates : pandas.DataFrame
        The shown year's indicator values (``code, indicator, value_published,
        ci_low, ci_high, published, publish_status, kommune_value, norway_value``).
    catalogue : Catalogue
        Indicator definitions (labels, kinds, directions).
    options : MapOptions
        Titles, labels and drawing options.
    points : dict of str to geopandas.GeoDataFrame, optional
        Point layers by their bokmål title (with a ``name`` column).
    grid : DistanceGrid, optional
        The accessibility grid; drawn when its cells form a regular grid of squares.

    Returns
    -------
    folium.Map
    """
    data, themes = _prepare(layer, scores, rates, catalogue, options)
    return _draw(data, themes, np.arange(len(data)), options, points or {}, grid)


def index_maps(
    layer: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    options: MapOptions,
    groups: Mapping[str, tuple[str, Sequence[str]]],
    points: dict[str, gpd.GeoDataFrame] | None = None,
    grid: DistanceGrid | None = None,
) -> Iterator[tuple[str, folium.Map]]:
    """Draw one map per group of areas (a kommune, a fylke), as :func:`index_map` draws one.

    Classes, the 0–100 scale and ranks ("rang 3 av 1 680") are those of the whole
    study, so a colour means the same in every map. Each map has only its group's
    areas, the points and grid cells that lie in them, boundaries simplified for its
    own extent, its place in the title and, with ``options.overview_href``, a link
    back to the overview.

    Parameters
    ----------
    layer, scores, rates, catalogue
        As for :func:`index_map`, for the whole study.
    options : MapOptions
        As for :func:`index_map`; ``place`` is set per map.
    groups : mapping of str to (str, sequence of str)
        Per group key (a kommune number): its name and the codes of its areas.
    points : dict of str to geopandas.GeoDataFrame, optional
        Point layers of the whole study.
    grid : DistanceGrid, optional
        The accessibility grid of the whole study.

    Yields
    ------
    (str, folium.Map)
        The group's key and its map, one at a time.
    """
    data, themes = _prepare(layer, scores, rates, catalogue, options)
    where = pd.Series(np.arange(len(data)), index=data["code"])
    where = where[~where.index.duplicated()]
    points = points or {}
    point_area = {title: _area_of(pts, data) for title, pts in points.items()}
    cell_area = _area_of(grid.cells, data) if grid is not None else None
    for key, (name, codes) in groups.items():
        pos = where.reindex(list(codes)).dropna().astype(int).to_numpy()
        inside = set(codes)
        pts = {title: p[np.isin(point_area[title], list(inside))] for title, p in points.items()}
        g = None
        if grid is not None:
            g = replace(grid, cells=grid.cells[np.isin(cell_area, list(inside))])
        yield key, _draw(data, themes, pos, replace(options, place=name), pts, g)


def _theme_legends(themes, options: MapOptions, outline: bool, point_symbols) -> list[str]:
    return [
        _legend_html(
            f"{theme['title']} ({theme['note']})",
            theme["breaks"],
            theme["labels"],
            f"{options.year}. {options.label}. Kilde: {options.title}.",
            legend_id=f"levekar-legend-{k}",
            visible=(k == 0),
            palette=PALETTE[::-1] if theme["reverse"] else PALETTE,
            unpublished=theme["unpublished"],
            outline=options.initiative_name if outline else "",
            points=point_symbols,
        )
        for k, theme in enumerate(themes)
    ]


def _tooltip_lines(tips: list[list[str]]) -> tuple[list[str], list[list[list[int]]]]:
    """Store each distinct tooltip line once: the lines, and each tooltip as line numbers."""
    lines: dict[str, int] = {}
    coded = [
        [[lines.setdefault(x, len(lines)) for x in tip.split("<br>")] for tip in t] for t in tips
    ]
    return list(lines), coded


def _new_map(bounds, options: MapOptions) -> folium.Map:
    """Make the page: bokmål, fitted to ``bounds`` (lon/lat), Leaflet inlined, CSS, tiles."""
    import folium

    minx, miny, maxx, maxy = bounds
    m = folium.Map(tiles=None, control_scale=False, prefer_canvas=False, attribution_control=False)
    _set_lang(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if options.self_contained:
        make_self_contained(m)
    m.get_root().header.add_child(folium.Element(f"<style>{_CSS}</style>"), name="levekar_css")
    if options.tiles:
        # An overlay (a checkbox), not a base layer: switching the theme never removes it.
        folium.TileLayer(
            options.tiles,
            name="Bakgrunnskart",
            attr=options.tiles_attr,
            overlay=True,
            control=True,
            show=True,
        ).add_to(m)
    return m


def _page_end(m: folium.Map, options: MapOptions, title: str) -> None:
    """Add the banner, the link to the overview and the page title."""
    import folium

    if options.synthetic:
        m.get_root().html.add_child(
            folium.Element(_banner_html(f"{options.label} – ikke ekte tall"))
        )
    if options.overview_href:
        m.get_root().html.add_child(
            folium.Element(
                f'<a class="levekar-back" href="{html.escape(options.overview_href)}">'
                f"&larr; {html.escape(options.overview_text)}</a>"
            )
        )
    m.get_root().header.add_child(folium.Element(f"<title>{html.escape(title)}</title>"))


def _draw(
    data: gpd.GeoDataFrame,
    themes: list[dict],
    pos: np.ndarray,
    options: MapOptions,
    points: dict[str, gpd.GeoDataFrame],
    grid: DistanceGrid | None,
) -> folium.Map:
    """Draw the map of the areas at positions ``pos`` of ``data``, with the prepared themes."""
    import folium

    sub = data.iloc[pos].reset_index(drop=True)
    tolerance = (
        options.simplify_m
        if options.simplify_m is not None
        else map_tolerance(sub.total_bounds)
        if len(sub)
        else 0.0
    )
    geoms = simplify_areas(sub.geometry, tolerance).to_crs(4326)
    shapes = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"i": k}, "geometry": g}
            for k, g in enumerate(_rounded(geoms, _decimals(max(tolerance, 1.0))))
        ],
    }
    m = _new_map(geoms.total_bounds, options)
    init = sub["in_initiative"].to_numpy(dtype=bool)
    point_symbols = [
        (name, *POINT_SYMBOLS[i % len(POINT_SYMBOLS)]) for i, name in enumerate(points)
    ]
    legend_ids, groups, theme_groups = {}, {}, []
    for k, theme in enumerate(themes):
        name = html.escape(theme["title"])
        fg = folium.FeatureGroup(name=name, overlay=False, show=(k == 0))
        fg.add_to(m)
        theme_groups.append(fg.get_name())
        legend_ids[name] = f"levekar-legend-{k}"
        groups[name] = theme["group"]
    outline_group = None
    if init.any():
        fg = folium.FeatureGroup(name=html.escape(options.initiative_name), show=True)
        fg.add_to(m)
        outline_group = fg.get_name()
        groups[html.escape(options.initiative_name)] = "Vis også"
    for (name, pts), (_, colour, shape) in zip(points.items(), point_symbols, strict=True):
        fg = folium.FeatureGroup(name=html.escape(name), show=False)
        icon = (
            f'<span class="levekar-pt {shape}" style="background:{colour}" '
            f'title="{html.escape(name)}"></span>'
        )
        for _, p in pts.to_crs(4326).iterrows():
            folium.Marker(
                [p.geometry.y, p.geometry.x],
                icon=folium.DivIcon(html=icon, icon_size=(14, 14), icon_anchor=(7, 7)),
                tooltip=html.escape(str(p["name"])),
            ).add_to(fg)
        fg.add_to(m)
        groups[html.escape(name)] = "Vis også"
    if options.tiles:
        groups["Bakgrunnskart"] = "Vis også"
    grid_payload = None
    if grid is not None and len(grid.cells) > options.grid_max_cells:
        m.get_root().html.add_child(
            folium.Element(
                '<div class="levekar-grid-legends"><div class="levekar-grid-legend">'
                f"Avstand per rute vises ikke her: {format_number(len(grid.cells))} ruter er "
                "for mange for ett kart. Se kartene per kommune.</div></div>"
            )
        )
    elif grid is not None and len(grid.cells):
        grid_payload = _grid_payload(grid)
    grid_groups, grid_legends = [], []
    if grid_payload is not None:
        cell = format_number(grid_payload.pop("size"))
        for k, (stem, dest) in enumerate(grid.destinations.items()):
            how = "langs vei og sti" if stem in grid.network else "i luftlinje"
            title = f"Avstand til nærmeste {dest}"
            name = html.escape(title)
            fg = folium.FeatureGroup(name=name, overlay=True, show=False)
            fg.add_to(m)
            grid_groups.append(fg.get_name())
            groups[name] = f"Rutenett ({cell} m), bare ruter der noen bor"
            grid_payload["layers"][k]["title"] = html.escape(title)
            grid_legends.append(
                _grid_legend_html(
                    f"{title} ({how})",
                    f"Bare ruter der noen bor er tegnet ({cell} m-ruter); antall bosatte vises "
                    f"ikke. Avstand fra rutens midtpunkt, avrundet til 10 m. {options.label}.",
                    f"levekar-grid-legend-{k}",
                )
            )
    control = folium.LayerControl(collapsed=True)
    control.add_to(m)
    lines, tips = _tooltip_lines([[theme["tips"][p] for p in pos] for theme in themes])
    page = {
        "shapes": shapes,
        "colours": _COLOURS,
        "lines": lines,
        "themes": [
            {"c": "".join(str(c) for c in theme["colour"][pos]), "t": t}
            for theme, t in zip(themes, tips, strict=True)
        ],
        "init": init.astype(int).tolist(),
        "legends": legend_ids,
        "groups": groups,
        # Area names as labels, shown from one zoom level in from the whole map.
        "labels": [
            [round(pt.y, 5), round(pt.x, 5), html.escape(str(n))]
            for pt, n in zip(geoms.representative_point(), sub["name"], strict=True)
        ],
        "grid": grid_payload,
    }
    years = f"{options.years[0]}–{options.years[1]}"
    attribution = html.escape(
        f"{options.label}. Data {years}, vist: {options.year}. Laget med levekar."
    )
    m.add_child(
        _MapScript(
            _page_script(
                m.get_name(),
                control.get_name(),
                page,
                theme_groups,
                outline_group,
                grid_groups,
                attribution,
            )
        )
    )
    for legend in _theme_legends(themes, options, bool(init.any()), point_symbols):
        m.get_root().html.add_child(folium.Element(legend))
    if grid_legends:
        m.get_root().html.add_child(
            folium.Element(f'<div class="levekar-grid-legends">{"".join(grid_legends)}</div>')
        )
    place = f" – {options.place}" if options.place else ""
    _page_end(m, options, f"{options.title}: levekår {options.year}{place}")
    return m


# Area names as labels, shown from one zoom step in (both the area maps and the overview).
_LABELS_JS = """var levekarLabels = L.layerGroup(levekar.labels.map(function (p) {
  return L.marker([p[0], p[1]], {interactive: false, keyboard: false,
    icon: L.divIcon({className: 'levekar-label', html: p[2], iconSize: null})});
}));
var levekarLabelZoom = __MAP__.getZoom() + 1;
function levekarShowLabels() {
  if (__MAP__.getZoom() >= levekarLabelZoom) { levekarLabels.addTo(__MAP__); }
  else { __MAP__.removeLayer(levekarLabels); }
}
__MAP__.on('zoomend', levekarShowLabels); levekarShowLabels();
"""

_PAGE_JS = """
L.control.scale({imperial: false, position: 'bottomright'}).addTo(__MAP__);
// One attribution bar: it collects the background tiles' attribution too.
L.control.attribution({prefix: false}).addAttribution(__ATTRIBUTION__).addTo(__MAP__);
var levekar = __PAGE__;
var levekarThemeGroups = [__THEMES__];
var levekarGridGroups = [__GRIDS__];
var levekarOutline = null;
function levekarOutlineOnTop() { if (levekarOutline) { levekarOutline.bringToFront(); } }
// Each theme is built from the shared shapes when first shown.
function levekarTip(th, i) {
  return th.t[i].map(function (n) { return levekar.lines[n]; }).join('<br>');
}
function levekarTheme(k) {
  var th = levekar.themes[k];
  if (th.layer) { return; }
  th.layer = L.geoJSON(levekar.shapes, {
    style: function (f) {
      return {fillColor: levekar.colours[+th.c.charAt(f.properties.i)], color: '#555',
              weight: 0.8, fillOpacity: 0.75};
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(function () { return levekarTip(th, f.properties.i); }, {sticky: true});
      layer.on('mouseover', function () { layer.setStyle({weight: 2.5, color: '#000'}); });
      layer.on('mouseout', function () { th.layer.resetStyle(layer); });
    }
  }).addTo(levekarThemeGroups[k]);
  levekarOutlineOnTop();
}
levekarThemeGroups.forEach(function (g, k) {
  g.on('add', function () { levekarTheme(k); });
  if (__MAP__.hasLayer(g)) { levekarTheme(k); }
});
// Panes inside the overlay pane, after the themes' own (Leaflet's CSS puts that at
// z-index 200): the grid above the themes, the outline above the grid.
__MAP__.createPane('levekarGrid', __MAP__.getPane('overlayPane')).style.zIndex = 300;
__MAP__.createPane('levekarOutline', __MAP__.getPane('overlayPane')).style.zIndex = 310;
if (__OUTLINE__) {
  levekarOutline = L.geoJSON(levekar.shapes, {
    filter: function (f) { return levekar.init[f.properties.i] === 1; },
    pane: 'levekarOutline', interactive: false,
    style: {fill: false, color: '__OUTLINE_COLOUR__', weight: 4, dashArray: '6 4'}
  }).addTo(__OUTLINE__);
}
if (levekar.grid) {
  var levekarCorners = {};
  var levekarGridRenderer = L.canvas({pane: 'levekarGrid'});
  // A lattice corner's lat/lon from its indices (polynomials fitted to the projection).
  var levekarCorner = function (i, j) {
    var G = levekar.grid, key = i + ',' + j;
    if (!(key in levekarCorners)) {
      var u = (i - G.ic) / G.h, v = (j - G.jc) / G.h, la = 0, lo = 0;
      for (var n = 0; n < G.t.length; n++) {
        var w = Math.pow(u, G.t[n][0]) * Math.pow(v, G.t[n][1]);
        la += G.la[n] * w; lo += G.lo[n] * w;
      }
      levekarCorners[key] = [la, lo];
    }
    return levekarCorners[key];
  };
  var levekarGridLayer = function (k) {
    var G = levekar.grid, lay = G.layers[k];
    if (lay.done) { return; }
    lay.done = true;
    for (var n = 0; n < lay.c.length; n++) {
      var c = lay.c.charAt(n);
      if (c === ' ') { continue; }
      var i = G.ij[2 * n], j = G.ij[2 * n + 1], col = G.col[c];
      L.polygon([levekarCorner(i, j), levekarCorner(i + 1, j), levekarCorner(i + 1, j + 1),
                 levekarCorner(i, j + 1)],
                {renderer: levekarGridRenderer, color: col, weight: 0.5, fillColor: col,
                 fillOpacity: 0.85})
        .bindTooltip(lay.title + ': ' + G.txt[lay.d[n]], {sticky: true})
        .addTo(levekarGridGroups[k]);
    }
  };
  levekarGridGroups.forEach(function (g, k) {
    var legend = document.getElementById('levekar-grid-legend-' + k);
    g.on('add', function () { levekarGridLayer(k); legend.style.display = 'block'; });
    g.on('remove', function () {
      legend.style.display = 'none';
      // The grid's canvas would catch the pointer over the themes: gone with the last layer.
      if (!levekarGridGroups.some(function (h) { return __MAP__.hasLayer(h); })) {
        __MAP__.removeLayer(levekarGridRenderer);
      }
    });
  });
}
__MAP__.on('baselayerchange', function (e) {
  document.querySelectorAll('.levekar-legend')
    .forEach(function (el) { el.style.display = 'none'; });
  var id = levekar.legends[e.name];
  if (id) { document.getElementById(id).style.display = 'block'; }
  levekarOutlineOnTop();
});
__MAP__.on('overlayadd overlayremove', function (e) {
  var on = e.type === 'overlayadd';
  document.querySelectorAll('.levekar-point-entry').forEach(function (el) {
    if (el.dataset.layer === e.name) { el.style.display = on ? 'block' : 'none'; }
  });
  levekarOutlineOnTop();
});
// Group headers in the layer list (index, domains, indicators, more), kept when
// Leaflet redraws the list.
function levekarGroupHeaders(ctl) {
  var last = null;
  ctl.getContainer().querySelectorAll('label').forEach(function (lab) {
    var g = levekar.groups[lab.textContent.trim()];
    if (g && g !== last) {
      var h = document.createElement('div'); h.className = 'levekar-group';
      h.textContent = g; lab.parentNode.insertBefore(h, lab); last = g;
    }
  });
}
var levekarUpdate = __CONTROL__._update;
__CONTROL__._update = function () {
  levekarUpdate.apply(this, arguments); levekarGroupHeaders(this); return this;
};
levekarGroupHeaders(__CONTROL__);
__LABELS__
levekarOutlineOnTop();
"""


def _page_script(
    map_name: str,
    control_name: str,
    page: dict,
    theme_groups: list[str],
    outline_group: str | None,
    grid_groups: list[str],
    attribution: str,
) -> str:
    """Write the page's script: themes, outline, grid, legends, group headers, labels."""
    values = {
        "__PAGE__": _js(page),
        "__ATTRIBUTION__": _js(attribution),
        "__THEMES__": ", ".join(theme_groups),
        "__GRIDS__": ", ".join(grid_groups),
        "__OUTLINE_COLOUR__": OUTLINE,
        "__OUTLINE__": outline_group or "null",
        "__CONTROL__": control_name,
        "__MAP__": map_name,
    }
    return _fill(_PAGE_JS, values)


def _fill(template: str, values: dict[str, str]) -> str:
    """Put the shared label script, then the values, in a script's placeholders."""
    import re

    script = template.replace("__LABELS__", _LABELS_JS.rstrip("\n"))  # code only: no data
    # One pass, longest names first, so that nothing from data is ever read as a placeholder.
    pattern = "|".join(re.escape(k) for k in sorted(values, key=len, reverse=True))
    return re.sub(pattern, lambda hit: values[hit.group(0)], script)


_OVERVIEW_JS = """
L.control.scale({imperial: false, position: 'bottomright'}).addTo(__MAP__);
L.control.attribution({prefix: false}).addAttribution(__ATTRIBUTION__).addTo(__MAP__);
var levekar = __PAGE__;
L.geoJSON(levekar.shapes, {
  style: function (f) {
    var i = f.properties.i, init = levekar.init[i] === 1;
    return {fillColor: levekar.colours[i], fillOpacity: 0.75, color: init ? '__OUTLINE__' : '#555',
            weight: init ? 3 : 0.8, dashArray: init ? '6 4' : null};
  },
  onEachFeature: function (f, layer) {
    var i = f.properties.i;
    layer.bindTooltip(levekar.tips[i], {sticky: true});
    layer.on('mouseover', function () { layer.setStyle({weight: 3.5}); });
    layer.on('mouseout', function () {
      layer.setStyle({weight: levekar.init[i] === 1 ? 3 : 0.8});
    });
    layer.on('click', function () { window.location.href = levekar.hrefs[i]; });
  }
}).addTo(__MAP__);
__LABELS__
"""

# The overview's classes: how many of a kommune's lokalsamfunn the rule picks.
_OVERVIEW_CLASSES = [("ingen", PALETTE[0]), ("1", PALETTE[2]), ("2", PALETTE[3])]
_OVERVIEW_MORE = ("3 eller flere", PALETTE[4])


def overview_map(
    areas: gpd.GeoDataFrame, *, options: MapOptions, unit: str = "kommune"
) -> folium.Map:
    """Draw the overview of a study's kommuner (or fylker), each a link to its own map.

    Each kommune is coloured by how many of its lokalsamfunn the rule picks (none, 1, 2,
    3 or more); those with areas of the initiative are outlined. Hovering shows the
    counts; a click opens the kommune's map. Boundaries are simplified for the
    overview's extent.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        One row per kommune (or fylke): ``code, name, geometry`` (a projected CRS in
        metres), ``href`` (its map, relative to the overview), ``n_areas``,
        ``n_selected`` and ``n_initiative`` (numbers of lokalsamfunn).
    options : MapOptions
        Titles and labels (as for :func:`index_map`).
    unit : {"kommune", "fylke"}
        What the areas are, for the words.

    Returns
    -------
    folium.Map
    """
    import folium

    e = html.escape
    tolerance = (
        options.simplify_m if options.simplify_m is not None else map_tolerance(areas.total_bounds)
    )
    geoms = simplify_areas(areas.geometry.reset_index(drop=True), tolerance).to_crs(4326)
    m = _new_map(geoms.total_bounds, options)
    picked = areas["n_selected"].astype(int).to_numpy()
    colours = [
        (_OVERVIEW_CLASSES[n] if n < len(_OVERVIEW_CLASSES) else _OVERVIEW_MORE)[1] for n in picked
    ]
    tips = [
        f"<b>{e(str(r.name))}</b><br>{r.n_areas} lokalsamfunn, {r.n_selected} valgt av "
        f"regelen<br>{e(options.initiative_name)}: {r.n_initiative} lokalsamfunn<br>"
        f"<i>Klikk for kartet over {e(str(r.name))}</i>"
        for r in areas.itertuples()
    ]
    page = {
        "shapes": {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"i": k}, "geometry": g}
                for k, g in enumerate(_rounded(geoms, _decimals(max(tolerance, 1.0))))
            ],
        },
        "colours": colours,
        "tips": tips,
        "hrefs": [str(h) for h in areas["href"]],
        "init": (areas["n_initiative"].astype(int) > 0).astype(int).tolist(),
        "labels": [
            [round(pt.y, 5), round(pt.x, 5), e(str(n))]
            for pt, n in zip(geoms.representative_point(), areas["name"], strict=True)
        ],
    }
    years = f"{options.years[0]}–{options.years[1]}"
    values = {
        "__PAGE__": _js(page),
        "__ATTRIBUTION__": _js(
            e(f"{options.label}. Data {years}, vist: {options.year}. Laget med levekar.")
        ),
        "__OUTLINE__": OUTLINE,
        "__MAP__": m.get_name(),
    }
    m.add_child(_MapScript(_fill(_OVERVIEW_JS, values)))
    rows = "".join(
        f"<div>{_swatch(colour)}{e(label)}</div>"
        for label, colour in [*_OVERVIEW_CLASSES, _OVERVIEW_MORE]
    )
    rows += (
        '<div><span style="display:inline-block;width:22px;margin-right:4px;'
        f'border-top:3px dashed {OUTLINE};vertical-align:middle"></span>'
        f"med {e(options.initiative_name)}</div>"
    )
    unit_word = "kommunen" if unit == "kommune" else "fylket"
    m.get_root().html.add_child(
        folium.Element(
            f'<div class="levekar-legend" id="levekar-legend-0" style="display:block">'
            f"<b>Lokalsamfunn valgt av regelen, per {e(unit)}</b>{rows}"
            f"<div style='margin-top:4px;color:#555'>Klikk på {e(unit_word)} for kartet over "
            f"lokalsamfunnene. {options.year}. {e(options.label)}. Kilde: {e(options.title)}."
            "</div></div>"
        )
    )
    plural = "kommuner" if unit == "kommune" else "fylker"
    _page_end(m, options, f"{options.title}: levekår {options.year} – alle {plural}")
    return m


def _set_lang(m: folium.Map) -> None:
    """Say the page is in bokmål (``<html lang="nb">``) for screen readers and translators."""
    from jinja2 import Template

    m.get_root()._template = Template(_FIGURE_TEMPLATE)


_FIGURE_TEMPLATE = (
    "<!DOCTYPE html>\n"
    '<html lang="nb">\n'
    "<head>\n"
    "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
    "    {{this.header.render(**kwargs)}}\n"
    "</head>\n"
    "<body>\n"
    "    {{this.html.render(**kwargs)}}\n"
    "</body>\n"
    "<script>\n"
    "    {{this.script.render(**kwargs)}}\n"
    "</script>\n"
    "</html>\n"
)
