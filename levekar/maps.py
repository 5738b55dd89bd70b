"""Interactive maps (folium/branca) for politicians, in bokmål.

Every string that comes from data (area and indicator names) is HTML-escaped
before it reaches the page. Colours are classed with mapclassify and the legend
gives ranges that neither overlap nor leave gaps ("over a til og med b").
A synthetic study shows a banner saying so; suppressed values show as grey
"ikke publisert".
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .catalogue import DOMAINS
from .fmt import format_number, format_value

if TYPE_CHECKING:  # pragma: no cover
    import folium

    from .pipeline import Results

__all__ = ["class_breaks", "index_map", "legend_labels", "make_self_contained"]

PALETTE = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
NO_DATA = "#bdbdbd"


def class_breaks(values: pd.Series, *, k: int = 5, scheme: str = "quantiles") -> list[float]:
    """Upper bounds of ``k`` classes, the last being the maximum.

    ``quantiles`` is computed here with numpy exactly as :class:`mapclassify.Quantiles`
    does (tested against it): importing mapclassify costs about 2 s, most of the demo
    run. Other schemes (``natural_breaks``, ``equal_interval``, ``fisher_jenks``) use mapclassify.
    """
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    k = max(1, min(k, len(np.unique(v))))
    if k == 1:
        return [float(v.max())]
    if scheme == "quantiles":
        q = np.linspace(100.0 / k, 100.0, k)
        return [float(b) for b in np.unique(np.percentile(v, q))]
    import mapclassify

    cls = {"natural_breaks": mapclassify.NaturalBreaks, "equal_interval": mapclassify.EqualInterval,
           "fisher_jenks": mapclassify.FisherJenks}[scheme]
    return [float(b) for b in cls(v, k=k).bins]


def legend_labels(breaks: list[float], *, fmt=lambda x: format_number(x, decimals=2)) -> list[str]:
    """Bokmål class labels that neither overlap nor leave gaps.

    >>> legend_labels([0.5, 1.0, 2.0])
    ['til og med 0,50', 'over 0,50 til og med 1,00', 'over 1,00 til og med 2,00']
    """
    labels = []
    for i, b in enumerate(breaks):
        labels.append(f"til og med {fmt(b)}" if i == 0 else f"over {fmt(breaks[i - 1])} til og med {fmt(b)}")
    return labels


def _class_of(v: float, breaks: list[float]) -> int:
    if not np.isfinite(v):
        return -1
    return int(min(np.searchsorted(breaks, v, side="left"), len(breaks) - 1))


def _legend_html(title: str, breaks: list[float], labels: list[str], note: str) -> str:
    rows = "".join(
        f'<div><span style="background:{PALETTE[i + len(PALETTE) - len(breaks)]};display:inline-block;'
        f'width:14px;height:14px;margin-right:6px;border:1px solid #777"></span>{html.escape(lab)}</div>'
        for i, lab in enumerate(labels)
    )
    rows += (f'<div><span style="background:{NO_DATA};display:inline-block;width:14px;height:14px;'
             f'margin-right:6px;border:1px solid #777"></span>ikke publisert / mangler</div>')
    return (f'<div class="levekar-legend" style="position:fixed;bottom:24px;left:12px;z-index:9999;'
            f'background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px sans-serif">'
            f"<b>{html.escape(title)}</b>{rows}<div style='margin-top:4px;color:#555'>{html.escape(note)}</div></div>")


def _banner_html(text: str) -> str:
    return (f'<div class="levekar-banner" style="position:fixed;top:10px;left:50%;transform:translateX(-50%);'
            f'z-index:9999;background:#b30000;color:white;padding:6px 14px;border-radius:4px;'
            f'font:bold 14px sans-serif">{html.escape(text)}</div>')


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
    """
    import folium

    js, css = _leaflet_assets()
    m.default_js = []
    m.default_css = []
    m.get_root().header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    m.get_root().header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=1)
    return m


def _tooltip(row: pd.Series, results: Results) -> str:
    e = html.escape
    parts = [f"<b>{e(str(row['name']))}</b>"]
    if np.isfinite(row.get("score", np.nan)):
        parts.append(f"Indeks: {e(format_number(row['score'], decimals=2))} (rang {int(row['rank'])} av "
                     f"{int(results.index['rank'].max())})")
    if np.isfinite(row.get("rank_p05", np.nan)):
        parts.append(f"Rangering 90 % intervall: {int(row['rank_p05'])}–{int(row['rank_p95'])}; "
                     f"sannsynlighet blant de {results.study.config.selection.k} svakeste: "
                     f"{e(format_number(100 * row['p_top_k'], decimals=0))} %")
    if np.isfinite(row.get("population", np.nan)):
        parts.append(f"Innbyggere: {e(format_number(row['population']))}")
    return "<br>".join(parts)


def index_map(results: Results, *, tiles: str | None = None, scheme: str = "quantiles",
              self_contained: bool = True) -> folium.Map:
    """A folium map of the index by lokalsamfunn, one switchable layer per domain, initiative outlined.

    With ``self_contained`` (the default) the page carries Leaflet itself and opens
    with no network. Background tiles are off for synthetic studies (their
    geography is not real) and OpenStreetMap otherwise; tiles need a network.
    """
    import folium

    study = results.study
    ls = study.lokalsamfunn.to_crs(4326)
    sel = results.selection.set_index("code")
    data = ls[["code", "name", "geometry"]].merge(
        results.index.drop(columns=["name"]), on="code", how="left").merge(
        sel[["p_top_k", "rank_p05", "rank_p95", "selected", "in_initiative"]]
        if "p_top_k" in sel else sel[["selected", "in_initiative"]], left_on="code", right_index=True, how="left")
    data["tooltip"] = [_tooltip(r, results) for _, r in data.iterrows()]
    if tiles is None:
        tiles = None if results.synthetic else "OpenStreetMap"
    minx, miny, maxx, maxy = data.total_bounds
    m = folium.Map(tiles=tiles, control_scale=False, prefer_canvas=False,
                   attr=f"{results.label}; levekar" if tiles else None)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if self_contained:
        make_self_contained(m)
    layers = [("score", study.config.index.get("name", "Levekårsindeks") if study.config.index else "Levekårsindeks")]
    layers += [(c, f"Domene: {DOMAINS.get(c[7:], c[7:])}") for c in results.index.columns if c.startswith("domain_")]
    for k, (col, title) in enumerate(layers):
        breaks = class_breaks(data[col], scheme=scheme)
        colours = [PALETTE[len(PALETTE) - len(breaks) + _class_of(v, breaks)] if _class_of(v, breaks) >= 0
                   else NO_DATA for v in data[col]]
        gj = data[["code", "tooltip", "geometry"]].assign(fill=colours)
        fg = folium.FeatureGroup(name=html.escape(title), show=(k == 0))
        folium.GeoJson(
            gj.to_json(),
            style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#555", "weight": 0.8,
                                      "fillOpacity": 0.75},
            highlight_function=lambda f: {"weight": 2.5, "color": "#000"},
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        ).add_to(fg)
        fg.add_to(m)
        if k == 0:
            legend = _legend_html(title + " (høyere = svakere levekår)", breaks, legend_labels(breaks),
                                  f"{results.year}. {results.label}. Grå: ikke publisert.")
    init = data[data["in_initiative"].fillna(False).astype(bool)]
    if len(init):
        fg = folium.FeatureGroup(name=html.escape(study.config.initiative.name), show=True)
        folium.GeoJson(init[["code", "tooltip", "geometry"]].to_json(),
                       style_function=lambda f: {"fill": False, "color": "#1f3a93", "weight": 4, "dashArray": "6 4"},
                       tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True)).add_to(fg)
        fg.add_to(m)
    for name, pts in study.points.items():
        fg = folium.FeatureGroup(name=html.escape(name), show=False)
        for _, p in pts.to_crs(4326).iterrows():
            folium.CircleMarker([p.geometry.y, p.geometry.x], radius=5, color="#222", fill=True, fill_opacity=0.9,
                                tooltip=html.escape(str(p["name"]))).add_to(fg)
        fg.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().script.add_child(folium.Element(
        f"L.control.scale({{imperial: false, position: 'bottomright'}}).addTo({m.get_name()});"))
    m.get_root().html.add_child(folium.Element(legend))
    if results.synthetic:
        m.get_root().html.add_child(folium.Element(_banner_html(f"{results.label} – ikke ekte tall")))
    title = html.escape(f"{study.config.study.name}: levekårsindeks {results.year}")
    m.get_root().header.add_child(folium.Element(f"<title>{title}</title>"))
    return m


def indicator_value_text(value: float, kind: str) -> str:
    """Tooltip text for an indicator value; missing values read "ikke publisert"."""
    return format_value(value, kind) if np.isfinite(value) else "ikke publisert"
