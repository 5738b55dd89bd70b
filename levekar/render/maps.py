"""Interactive maps (folium/branca) for politicians, in bokmål.

Every string that comes from data (area and indicator names) is HTML-escaped
before it reaches the page. Colours are classed with mapclassify and the legend
gives ranges that neither overlap nor leave gaps ("over a til og med b").
A synthetic study shows a banner saying so; suppressed values show as grey
"ikke publisert".
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
from .presentation import format_number, format_value

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


PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#bdbdbd"


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


def _legend_html(
    title: str,
    breaks: list[float],
    labels: list[str],
    note: str,
    *,
    legend_id: str = "",
    visible: bool = True,
    palette: list[str] = PALETTE,
) -> str:
    rows = "".join(
        f'<div><span style="background:{palette[i + len(palette) - len(breaks)]};'
        "display:inline-block;"
        'width:14px;height:14px;margin-right:6px;border:1px solid #777">'
        f"</span>{html.escape(lab)}</div>"
        for i, lab in enumerate(labels)
    )
    rows += (
        f'<div><span style="background:{NO_DATA};display:inline-block;width:14px;height:14px;'
        f'margin-right:6px;border:1px solid #777"></span>ikke publisert / mangler</div>'
    )
    display = "block" if visible else "none"
    return (
        f'<div class="levekar-legend" id="{legend_id}" '
        f'style="display:{display};position:fixed;bottom:24px;'
        "left:12px;z-index:9999;background:white;padding:8px 10px;"
        "border:1px solid #999;border-radius:4px;"
        f'font:12px sans-serif;max-width:22rem">'
        f"<b>{html.escape(title)}</b>{rows}"
        f"<div style='margin-top:4px;color:#555'>{html.escape(note)}</div></div>"
    )


def _banner_html(text: str) -> str:
    return (
        '<div class="levekar-banner" style="position:fixed;top:10px;left:50%;'
        "transform:translateX(-50%);"
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


def _tooltip(row: pd.Series, n_areas: int, k: int) -> str:
    e = html.escape
    parts = [f"<b>{e(str(row['name']))}</b>"]
    if np.isfinite(row.get("score", np.nan)):
        parts.append(
            f"Indeks: {e(format_number(row['score'], decimals=2))} (rang {int(row['rank'])} av "
            f"{n_areas})"
        )
    if np.isfinite(row.get("rank_p05", np.nan)):
        parts.append(
            f"Rangering 90 % intervall: {int(row['rank_p05'])}–{int(row['rank_p95'])}; "
            f"sannsynlighet blant de {k} svakeste: "
            f"{e(format_number(100 * row['p_top_k'], decimals=0))} %"
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
    if row is None or not bool(row["published"]):
        why = (
            "for få personer i grunnlaget"
            if row is not None and str(row["publish_status"]).startswith("suppressed")
            else "mangler"
        )
        return (
            head
            + f"<i>ikke publisert</i> ({why})<br>Kommunen: {e(format_value(kommune, ind.kind))}"
        )
    text = head + e(format_value(row["value_published"], ind.kind))
    if np.isfinite(row["ci_low"]):
        text += (
            f" (95 % intervall {e(format_value(row['ci_low'], ind.kind))}–"
            f"{e(format_value(row['ci_high'], ind.kind))})"
        )
    if row["publish_status"] == "estimated":
        text += "<br><i>anslått: noen grunnkretser er skjult av SSB</i>"
    text += f"<br>Kommunen: {e(format_value(kommune, ind.kind))}"
    if np.isfinite(row.get("norway_value", np.nan)):
        text += f"; Norge: {e(format_value(row['norway_value'], ind.kind))}"
    return text


def _thematic_layers(
    data: gpd.GeoDataFrame, rates: pd.DataFrame, cat: Catalogue, options: MapOptions
) -> list[dict]:
    """Index, domains and every indicator as layers: values (published only), colours, tooltips."""
    layers = [
        {
            "title": options.index_name,
            "values": data["score"],
            "tooltips": data["tooltip"],
            "note": "høyere = svakere levekår",
            "fmt": lambda x: format_number(x, decimals=2),
            "reverse": False,
        }
    ]
    for col in [c for c in data.columns if c.startswith("domain_")]:
        layers.append(
            {
                "title": f"Domene: {DOMAINS.get(col[7:], col[7:])}",
                "values": data[col],
                "tooltips": data["tooltip"],
                "note": "høyere = svakere levekår",
                "fmt": lambda x: format_number(x, decimals=2),
                "reverse": False,
            }
        )
    rates = rates.set_index("code")
    for ind_id in dict.fromkeys(rates["indicator"]):
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
                "values": values,
                "tooltips": pd.Series(tips, index=data.index),
                "note": note,
                "fmt": lambda x, k=ind.kind: format_value(x, k),
                "reverse": ind.direction == "higher_is_better",
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

    One theme shows at a time (a radio list) with its own legend; the initiative
    areas are outlined, and point layers (schools, meeting places) can be switched
    on. Values that may not be published are grey, "ikke publisert". With
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
    n_areas = (
        int(np.nanmax(data["rank"].to_numpy(dtype=float))) if data["rank"].notna().any() else 0
    )
    data["tooltip"] = [_tooltip(r, n_areas, options.k) for _, r in data.iterrows()]
    scheme = options.scheme
    n_classes = options.classes
    tiles = options.tiles
    minx, miny, maxx, maxy = data.total_bounds
    m = folium.Map(
        tiles=tiles,
        control_scale=False,
        prefer_canvas=False,
        attribution_control=bool(tiles),
        attr=f"{html.escape(options.label)}; levekar" if tiles else None,
    )
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if options.self_contained:
        make_self_contained(m)
    legends, legend_ids = [], {}
    # Geometry is serialised once and shared by every layer (about 5 decimals ≈ 1 m is plenty
    # for a web map).
    geometries = [shapely.geometry.mapping(shapely.set_precision(g, 1e-5)) for g in data.geometry]
    for k, theme in enumerate(_thematic_layers(data, rates, catalogue, options)):
        vals = theme["values"]
        breaks = class_breaks(vals, k=n_classes, scheme=scheme) if vals.notna().any() else []
        palette = PALETTE[::-1] if theme["reverse"] else PALETTE
        colours = []
        for v in vals:
            c = _class_of(v, breaks) if breaks else -1
            colours.append(palette[len(palette) - len(breaks) + c] if c >= 0 else NO_DATA)
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
            )
        )
    init = data[data["in_initiative"].fillna(False).astype(bool)]
    if len(init):
        fg = folium.FeatureGroup(name=html.escape(options.initiative_name), show=True)
        folium.GeoJson(
            init[["code", "geometry"]].to_json(),
            interactive=False,
            style_function=lambda f: {
                "fill": False,
                "color": "#1f3a93",
                "weight": 4,
                "dashArray": "6 4",
            },
        ).add_to(fg)
        fg.add_to(m)
    for name, pts in (points or {}).items():
        fg = folium.FeatureGroup(name=html.escape(name), show=False)
        for _, p in pts.to_crs(4326).iterrows():
            folium.CircleMarker(
                [p.geometry.y, p.geometry.x],
                radius=5,
                color="#222",
                fill=True,
                fill_opacity=0.9,
                tooltip=html.escape(str(p["name"])),
            ).add_to(fg)
        fg.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    years = f"{options.years[0]}–{options.years[1]}"
    attribution = html.escape(
        f"{options.label}. Data {years}, vist: {options.year}. Laget med levekar."
    )
    m.add_child(
        _MapScript(
            "L.control.scale({imperial: false, position: 'bottomright'})"
            f".addTo({m.get_name()});\n"
            "L.control.attribution({prefix: false})"
            f".addAttribution({json.dumps(attribution)}).addTo({m.get_name()});\n"
            f"var levekarLegends = {json.dumps(legend_ids)};\n"
            f"{m.get_name()}.on('baselayerchange', function (e) {{\n"
            "  document.querySelectorAll('.levekar-legend')"
            ".forEach(function (el) { el.style.display = 'none'; });\n"
            "  var id = levekarLegends[e.name]; "
            "if (id) { document.getElementById(id).style.display = 'block'; }\n"
            "});"
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
