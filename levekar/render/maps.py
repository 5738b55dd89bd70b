"""Interactive maps (folium/branca) for politicians, in bokmål.

Every string that comes from data (area and indicator names) is HTML-escaped
before it reaches the page. Colours are classed with mapclassify and the legend
gives ranges that neither overlap nor leave gaps ("over a til og med b").
A synthetic study shows a banner saying so; suppressed values show as grey
"ikke publisert", areas without any row as white "ingen data". The index and the
domains are shown on a 0–100 scale (0 the best area, 100 the weakest) with the
rank; the z-scores stay in the tooltips for analysts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from ..catalogue import DOMAINS, Catalogue
from .presentation import (
    ESTIMATED,
    format_number,
    format_probability,
    format_value,
    index_0_100,
    is_estimated,
)

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

__all__ = ["MapOptions", "class_breaks", "index_map", "legend_labels", "make_self_contained"]


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
    simplify_m : float, default 15.0
        Boundaries simplified by this many metres for the web (topology kept).
    self_contained : bool, default True
        Carry Leaflet in the page so it opens with no network.
    tiles_attr : str, optional
        Attribution of ``tiles`` when it is a URL template rather than a named provider.
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
    simplify_m: float = 15.0
    self_contained: bool = True
    tiles_attr: str | None = None


PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#bdbdbd"  # a value that may not be published
NO_ROW = "#ffffff"  # an area with no data at all ("ingen data")
OUTLINE = "#1f3a93"
# Point layers' symbols, in order: colour and CSS shape.
POINT_SYMBOLS = [("#1a5fb4", "square"), ("#2e7d32", "circle"), ("#6a1b9a", "diamond")]


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
@media (max-width: 600px) {
  .levekar-legend { font-size: 11px; max-width: 55vw; bottom: 18px; left: 6px; padding: 5px 7px; }
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
        text += f"<br><i>{ESTIMATED}: noen grunnkretser er skjult av SSB</i>"
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


def index_map(
    layer: gpd.GeoDataFrame,
    scores: pd.DataFrame,
    rates: pd.DataFrame,
    catalogue: Catalogue,
    *,
    options: MapOptions,
    points: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """Draw an interactive map of the index, its domains and every indicator by area.

    One theme shows at a time (a radio list, grouped: index, domains, indicators by
    domain; collapsed behind an icon) with its own legend; the initiative areas are
    outlined, on top after every switch and in every legend; point layers (schools,
    meeting places) can be switched on, each with its own symbol and legend entry.
    Background tiles are a checkbox of their own, so a theme switch never removes
    them. Values that may not be published are grey, "ikke publisert"; areas with
    no row at all white, "ingen data". Area names show as labels one zoom level in.
    With ``options.self_contained`` the page carries Leaflet itself and opens with
    no network; background tiles need a network.

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

    Returns
    -------
    folium.Map
    """
    import json

    import folium

    ls = layer.copy()
    if options.simplify_m:
        ls["geometry"] = ls.geometry.simplify(options.simplify_m, preserve_topology=True)
    ls = ls.to_crs(4326)
    data = ls[["code", "name", "geometry"]].merge(
        scores.drop(columns=["name"], errors="ignore"), on="code", how="left"
    )
    if "in_initiative" not in data:
        data["in_initiative"] = False
    scheme = options.scheme
    n_classes = options.classes
    minx, miny, maxx, maxy = data.total_bounds
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
    init = data[data["in_initiative"].fillna(False).astype(bool)]
    point_symbols = [
        (name, *POINT_SYMBOLS[i % len(POINT_SYMBOLS)]) for i, name in enumerate(points or {})
    ]
    legends, legend_ids, groups = [], {}, {}
    # Geometry is serialised once and shared by every layer (about 5 decimals ≈ 1 m is plenty
    # for a web map).
    geometries = [shapely.geometry.mapping(shapely.set_precision(g, 1e-5)) for g in data.geometry]
    for k, theme in enumerate(_thematic_layers(data, rates, catalogue, options)):
        vals = theme["values"]
        has_row = theme.get("has_row", vals.notna())
        breaks = class_breaks(vals, k=n_classes, scheme=scheme) if vals.notna().any() else []
        palette = PALETTE[::-1] if theme["reverse"] else PALETTE
        colours = []
        for v, row in zip(vals, has_row, strict=True):
            c = _class_of(v, breaks) if breaks else -1
            colours.append(
                palette[len(palette) - len(breaks) + c] if c >= 0 else NO_DATA if row else NO_ROW
            )
        features = [
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {"code": code, "fill": fill, "tooltip": tip},
            }
            for geom, code, fill, tip in zip(
                geometries, data["code"], colours, theme["tooltips"], strict=True
            )
        ]
        name = html.escape(theme["title"])
        fg = folium.FeatureGroup(name=name, overlay=False, show=(k == 0))
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            style_function=lambda f: {
                "fillColor": f["properties"]["fill"],
                "color": "#555",
                "weight": 0.8,
                "fillOpacity": 0.75,
            },
            highlight_function=lambda f: {"weight": 2.5, "color": "#000"},
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        ).add_to(fg)
        fg.add_to(m)
        legend_id = f"levekar-legend-{k}"
        legend_ids[name] = legend_id
        groups[name] = theme["group"]
        labels = legend_labels(breaks, fmt=theme["fmt"]) if breaks else []
        legends.append(
            _legend_html(
                f"{theme['title']} ({theme['note']})",
                breaks,
                labels,
                f"{options.year}. {options.label}. Kilde: {options.title}.",
                legend_id=legend_id,
                visible=(k == 0),
                palette=palette,
                unpublished=theme["unpublished"],
                outline=options.initiative_name if len(init) else "",
                points=point_symbols,
            )
        )
    outline = None
    if len(init):
        fg = folium.FeatureGroup(name=html.escape(options.initiative_name), show=True)
        outline = folium.GeoJson(
            init[["code", "geometry"]].to_json(),
            interactive=False,
            style_function=lambda f: {
                "fill": False,
                "color": OUTLINE,
                "weight": 4,
                "dashArray": "6 4",
            },
        )
        outline.add_to(fg)
        fg.add_to(m)
        groups[html.escape(options.initiative_name)] = "Vis også"
    for (name, pts), (_, colour, shape) in zip((points or {}).items(), point_symbols, strict=True):
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
    control = folium.LayerControl(collapsed=True)
    control.add_to(m)
    # Area names as labels, shown from one zoom level in from the whole kommune.
    label_points = [
        [round(pt.y, 5), round(pt.x, 5), html.escape(str(n))]
        for pt, n in zip(data.geometry.representative_point(), data["name"], strict=True)
    ]
    years = f"{options.years[0]}–{options.years[1]}"
    attribution = html.escape(
        f"{options.label}. Data {years}, vist: {options.year}. Laget med levekar."
    )
    mv, cv = m.get_name(), control.get_name()
    outline_js = (
        f"function levekarOutlineOnTop() {{ {outline.get_name()}.bringToFront(); }}\n"
        if outline is not None
        else "function levekarOutlineOnTop() {}\n"
    )
    m.add_child(
        _MapScript(
            "L.control.scale({imperial: false, position: 'bottomright'})"
            f".addTo({mv});\n"
            # One attribution bar: it collects the background tiles' attribution too.
            "L.control.attribution({prefix: false})"
            f".addAttribution({json.dumps(attribution)}).addTo({mv});\n"
            f"var levekarLegends = {json.dumps(legend_ids)};\n"
            f"var levekarGroups = {json.dumps(groups)};\n"
            + outline_js
            + f"{mv}.on('baselayerchange', function (e) {{\n"
            "  document.querySelectorAll('.levekar-legend')"
            ".forEach(function (el) { el.style.display = 'none'; });\n"
            "  var id = levekarLegends[e.name]; "
            "if (id) { document.getElementById(id).style.display = 'block'; }\n"
            "  levekarOutlineOnTop();\n"
            "});\n"
            f"{mv}.on('overlayadd overlayremove', function (e) {{\n"
            "  var on = e.type === 'overlayadd';\n"
            "  document.querySelectorAll('.levekar-point-entry').forEach(function (el) {\n"
            "    if (el.dataset.layer === e.name) { el.style.display = on ? 'block' : 'none'; }\n"
            "  });\n"
            "  levekarOutlineOnTop();\n"
            "});\n"
            # Group headers in the layer list (index, domains, indicators, more), kept when
            # Leaflet redraws the list.
            "function levekarGroupHeaders(ctl) {\n"
            "  var last = null;\n"
            "  ctl.getContainer().querySelectorAll('label').forEach(function (lab) {\n"
            "    var g = levekarGroups[lab.textContent.trim()];\n"
            "    if (g && g !== last) {\n"
            "      var h = document.createElement('div'); h.className = 'levekar-group';\n"
            "      h.textContent = g; lab.parentNode.insertBefore(h, lab); last = g;\n"
            "    }\n"
            "  });\n"
            "}\n"
            f"var levekarUpdate = {cv}._update;\n"
            f"{cv}._update = function () {{ levekarUpdate.apply(this, arguments); "
            "levekarGroupHeaders(this); return this; };\n"
            f"levekarGroupHeaders({cv});\n"
            f"var levekarLabels = L.layerGroup({json.dumps(label_points)}.map(function (p) {{\n"
            "  return L.marker([p[0], p[1]], {interactive: false, keyboard: false,\n"
            "    icon: L.divIcon({className: 'levekar-label', html: p[2], iconSize: null})});\n"
            "}));\n"
            f"var levekarLabelZoom = {mv}.getZoom() + 1;\n"
            "function levekarShowLabels() {\n"
            f"  if ({mv}.getZoom() >= levekarLabelZoom) {{ levekarLabels.addTo({mv}); }}\n"
            f"  else {{ {mv}.removeLayer(levekarLabels); }}\n"
            "}\n"
            f"{mv}.on('zoomend', levekarShowLabels); levekarShowLabels();\n"
            "levekarOutlineOnTop();"
        )
    )
    for legend in legends:
        m.get_root().html.add_child(folium.Element(legend))
    if options.synthetic:
        m.get_root().html.add_child(
            folium.Element(_banner_html(f"{options.label} – ikke ekte tall"))
        )
    title = html.escape(f"{options.title}: levekår {options.year}")
    m.get_root().header.add_child(folium.Element(f"<title>{title}</title>"))
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
