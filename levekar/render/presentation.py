"""The bokmål presentation: number formats and the words for the core's codes.

The core returns codes (``entered``, ``high_high``, ``on_track``,
``selected_in_initiative``) and numbers; this module is the one place that says
them in bokmål, with a decimal comma and thin-space thousands.

>>> format_number(85123)
'85\u2009123'
>>> format_number(24.81, decimals=1)
'24,8'
>>> format_percent(0.2481)
'24,8\u00a0%'
>>> format_number(float("nan"))
'–'
>>> format_number(-0.001, decimals=2)
'0,00'
>>> format_probability(0.999)
'over 99\u00a0%'
"""

from __future__ import annotations

import math

__all__ = [
    "AGREEMENT_LABELS",
    "CHANGE_LABELS",
    "CLUSTER_LABELS",
    "COMBINE_LABELS",
    "DISTANCE_BREAKS_M",
    "FYLKE_NAMES",
    "FINDING_LABELS",
    "MISSING",
    "PRESET_LABELS",
    "SOURCE_LABELS",
    "STATUS_LABELS",
    "TREND_LABELS",
    "UNREACHABLE",
    "UNREACHABLE_LABELS",
    "VERDICT_LABELS",
    "VERDICT_LABELS_OUTSIDE",
    "THIN_SPACE",
    "ESTIMATED",
    "area_colours",
    "counterfactual_text",
    "destination_name",
    "distance_class_labels",
    "evidence_text",
    "format_distance",
    "format_number",
    "format_percent",
    "format_probability",
    "format_value",
    "index_0_100",
    "is_estimated",
    "estimated_reason",
    "measurable_note",
    "names_of",
    "reasons_text",
    "rule_label",
]

# selection.AGREEMENT_CODES
AGREEMENT_LABELS = {
    "selected_in_initiative": "valgt og i satsingen",
    "selected_not_in_initiative": "valgt, ikke i satsingen",
    "initiative_not_selected": "i satsingen, ikke valgt",
    "": "",
}
# reselection.CHANGE_CODES
CHANGE_LABELS = {"entered": "kom inn", "left": "gikk ut", "": ""}
# spatial.CLUSTER_CODES
CLUSTER_LABELS = {
    "high_high": "høy-høy",
    "low_high": "lav-høy",
    "low_low": "lav-lav",
    "high_low": "høy-lav",
    "not_significant": "ikke signifikant",
}
# targets.STATUS_CODES
STATUS_LABELS = {
    "reached": "nådd",
    "on_track": "på sporet",
    "too_early": "for tidlig å si",
    "behind": "bak skjema",
    "not_measurable": "ikke målbart",
    "no_data": "ingen nye tall",
}
# uncertainty.SOURCES
SOURCE_LABELS = {
    "sampling": "små tall",
    "weights": "vektene",
    "methods": "metodevalget",
    "leave_one_out": "enkeltindikatorer",
    "": "",
}
# findings.KINDS: what a finding means, in bokmål, for the report's «Om tallene».
FINDING_LABELS = {
    "bad_value": "celler som ikke er gyldige tall eller koder",
    "zero_denominator": "tellere over null med nevner 0",
    "duplicate_row": "samme rad to ganger",
    "unknown_indicator": "ukjente indikatorer",
    "year_outside_study": "år utenfor studiens år",
    "year_missing": "år uten data",
    "indicator_without_data": (
        "indikatorer uten brukbare tall et år (holdt utenfor indeksen det året)"
    ),
    "kommune_rows": "rader for hele kommunen i grunnkretsfilen (holdt utenfor)",
    "unmatched_codes": "rader med koder som ikke finnes blant dagens grunnkretser",
    "ambiguous_name": "navn som brukes av flere områder",
    "code_change_cycle": "kodeendringer i ring",
    "code_change_merge": "grunnkretser som er slått sammen (tallene er lagt sammen)",
    "code_change_split": "grunnkretser som er delt (tallene er fordelt etter andeler)",
    "same_row_from_two_codes": "samme tall under gammel og ny kode",
    "geometry_repaired": "ugyldige polygoner som er reparert",
    "people_outside_grunnkretser": "innbyggere utenfor alle grunnkretser",
    "coverage_gap": "grunnkretser som ikke dekkes av noe lokalsamfunn",
    "coverage_overlap": "lokalsamfunn som overlapper",
    "rows_lost_in_crosswalk": "tall som ikke havnet i noe lokalsamfunn",
    "unreachable": (
        "bosatte som ikke når noe reisemål (utenfor veinettet eller på en avskåret del), "
        "og reisemål som ligger for langt fra veinettet"
    ),
    "mostly_suppressed": (
        "verdier bygget mest på prikkede (skjulte) celler: ikke publisert og ikke med i indeksen"
    ),
    "comparison_skipped": "sammenligningsmetoder som ikke kunne brukes",
    "target_without_baseline": "mål som ikke kan settes fordi utgangspunktet mangler",
    "unknown_target_rule": "målregler uten treff",
}

# presets.PRESETS
PRESET_LABELS = {
    "ssb_score10": "SSBs metode (1–10 per indikator, gjennomsnitt)",
    "rank_sum": "Rangsum (som i kommunale levekårskartlegginger)",
    "imd": "Engelsk deprivasjonsindeks (eksponentiell domenevekting)",
    "oecd_z_mean": "OECD (z-skår, gjennomsnitt)",
}

# access.STATUS codes of a cell with no distance (the map's accessibility grid).
UNREACHABLE = "ikke nåbar"
UNREACHABLE_LABELS = {
    "off_network": "ikke nåbar: for langt fra vei og sti",
    "disconnected": "ikke nåbar: vei og sti herfra når ikke fram",
    "no_destination": "ikke nåbar: ingen reisemål i kartlaget",
}
# The classes of the accessibility grid on the map (metres; "til og med" each bound).
DISTANCE_BREAKS_M = (250.0, 500.0, 1000.0, 2000.0)
# Fylker by number (from 2024; source: SSB KLASS 104, Standard for fylkesinndeling).
FYLKE_NAMES = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "31": "Østfold",
    "32": "Akershus",
    "33": "Buskerud",
    "34": "Innlandet",
    "39": "Vestfold",
    "40": "Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "55": "Troms",
    "56": "Finnmark",
}

THIN_SPACE = "\u2009"
NBSP = "\u00a0"
MISSING = "–"


def format_number(x: float | int | None, *, decimals: int = 0) -> str:
    """Format ``x`` with a decimal comma and thin-space thousands separators.

    Parameters
    ----------
    x : float, int or None
        The number.
    decimals : int, default 0
        Decimals shown.

    Returns
    -------
    str
        The text; ``"–"`` for None or a value that is not finite. A negative value
        that rounds to zero is shown without its sign.
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    text = f"{x:,.{decimals}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # a negative number that rounds to zero is shown as 0, never "-0,00"
    return text.replace(",", THIN_SPACE).replace(".", ",")


def format_percent(share: float | None, *, decimals: int = 1) -> str:
    """Format a share (0–1) as a percentage, e.g. ``0.248`` → ``'24,8 %'``.

    Parameters
    ----------
    share : float or None
        The share.
    decimals : int, default 1
        Decimals shown.

    Returns
    -------
    str
        The percentage with a no-break space before ``%``; ``"–"`` when missing.
    """
    if share is None or not math.isfinite(share):
        return MISSING
    return f"{format_number(100 * share, decimals=decimals)}{NBSP}%"


def format_value(x: float | None, kind: str, *, decimals: int | None = None) -> str:
    """Format an indicator value by its kind (``share``, ``rate_per_1000``, ``mean``, ``median``).

    Parameters
    ----------
    x : float or None
        The value.
    kind : str
        The indicator's kind: shares as per cent, rates per 1,000 with ``‰``, others
        as plain numbers.
    decimals : int, optional
        Decimals shown (default 1 for shares and rates, 0 otherwise).

    Returns
    -------
    str
        The formatted value.
    """
    if kind == "share":
        return format_percent(x, decimals=1 if decimals is None else decimals)
    if kind == "rate_per_1000":
        return format_number(x, decimals=1 if decimals is None else decimals) + f"{NBSP}‰"
    return format_number(x, decimals=0 if decimals is None else decimals)


def names_of(codes: str, names: dict[str, str]) -> str:
    """Turn ``"a, b"`` (codes joined by ", ") into names joined by ", ".

    Parameters
    ----------
    codes : str
        Codes joined by ", " (may be empty).
    names : dict of str to str
        Names by code; a code without a name stays as it is.

    Returns
    -------
    str
        The names joined by ", "; ``""`` for no codes.
    """
    return ", ".join(names.get(c, c) for c in codes.split(", ")) if codes else ""


def reasons_text(code: str, worse_indicators: str, rates_year, catalogue) -> str:
    """Describe the indicators where an area is significantly worse, with the kommune's values.

    Parameters
    ----------
    code : str
        The area's code.
    worse_indicators : str
        Indicator ids joined by ", " (the selection's ``worse_indicators``).
    rates_year : pandas.DataFrame
        One year's rates indexed by ``(code, indicator)``, with ``value`` and
        ``kommune_value``.
    catalogue : Catalogue
        Indicator definitions (short labels and kinds).

    Returns
    -------
    str
        ``"<label> <value> (kommunen <value>)"`` per indicator, joined by "; ".
    """
    parts = []
    for ind_id in filter(None, worse_indicators.split(", ")):
        r = rates_year.loc[(code, ind_id)]
        ind = catalogue[ind_id]
        parts.append(
            f"{ind.short_label} {format_value(r['value'], ind.kind)} "
            f"(kommunen {format_value(r['kommune_value'], ind.kind)})"
        )
    return "; ".join(parts)


def counterfactual_text(row, names: dict[str, str], catalogue, k: int) -> str:
    """Say one counterfactual in bokmål: what would move the area in or out of the k weakest.

    Parameters
    ----------
    row : mapping
        A row of :func:`levekar.counterfactual.counterfactuals` (``code``,
        ``selected_now``, ``kind``, ``indicator``, ``from``, ``to``).
    names : dict of str to str
        Area names by code.
    catalogue : Catalogue
        Indicator definitions (labels and kinds).
    k : int
        The rule's k, named in the sentence (also for the multiple-deprivation rule).

    Returns
    -------
    str
        One bokmål sentence.
    """
    name = names.get(row["code"], row["code"])
    ind = catalogue[row["indicator"]] if row["indicator"] in catalogue else None
    label = ind.short_label if ind is not None else row["indicator"]
    direction = "ut av" if row["selected_now"] else "inn blant"
    if row["kind"] == "none":
        return (
            f"Ingen rimelig endring i én eller to indikatorer (innenfor verdiene vi har sett i "
            f"lokalsamfunnene og årene) ville flyttet {name} {direction} de {k} svakeste"
        )
    if row["kind"] == "pair":
        ind2 = catalogue[row["indicator_2"]] if row["indicator_2"] in catalogue else None
        label2 = ind2.short_label if ind2 is not None else row["indicator_2"]
        k1 = ind.kind if ind is not None else "mean"
        k2 = ind2.kind if ind2 is not None else "mean"
        return (
            f"Ingen enkelt indikator er nok, men {name} ville gått {direction} de {k} svakeste om "
            f"«{label}» var {format_value(row['to'], k1)} i stedet for "
            f"{format_value(row['from'], k1)} og «{label2}» var {format_value(row['to_2'], k2)} "
            f"i stedet for {format_value(row['from_2'], k2)}"
        )
    if row["kind"] == "value":
        kind = ind.kind if ind is not None else "mean"
        return (
            f"{name} ville gått {direction} de {k} svakeste om «{label}» var "
            f"{format_value(row['to'], kind)} i stedet for {format_value(row['from'], kind)}"
        )
    return (
        f"{name} ville gått {direction} de {k} svakeste om vekten på «{label}» "
        f"ble ganget med {format_number(row['to'] / row['from'], decimals=2)}"
    )


VERDICT_LABELS = {
    "supported": "Tallene støtter at {name} er med.",
    "weakly_supported": "Tallene gir svak støtte for at {name} er med.",
    "not_supported": "Tallene støtter ikke at {name} er med.",
}
# For an area the rule picks that the initiative does not include.
VERDICT_LABELS_OUTSIDE = {
    "supported": "Tallene taler for at også {name} vurderes.",
    "weakly_supported": "Tallene gir svak støtte for at også {name} vurderes.",
    "not_supported": "Tallene gir liten grunn til å ta med {name}.",
}
TREND_LABELS = {"worsening": "forverring", "improving": "bedring", "stable": "omtrent uendret"}
COMBINE_LABELS = {
    "mean_score": "gjennomsnittlig indeks",
    "mean_rank": "gjennomsnittlig rang",
    "pooled": "tall slått sammen",
}


def format_probability(p: float | None) -> str:
    r"""Format a probability (0–1) as a whole percentage, never "100 %" or "0 %".

    A Monte Carlo with finitely many draws cannot show certainty: above 99 % is
    "over 99 %", below 1 % "under 1 %".

    Parameters
    ----------
    p : float or None
        The probability.

    Returns
    -------
    str
        ``"over 99 %"``, ``"under 1 %"`` or e.g. ``"42 %"``; ``"–"`` when missing.

    Examples
    --------
    >>> [format_probability(p) for p in (1.0, 0.995, 0.42, 0.004, 0.0)]
    ['over 99\xa0%', 'over 99\xa0%', '42\xa0%', 'under 1\xa0%', 'under 1\xa0%']
    """
    if p is None or not math.isfinite(p):
        return MISSING
    if p > 0.99:
        return f"over 99{NBSP}%"
    if p < 0.01:
        return f"under 1{NBSP}%"
    return format_percent(p, decimals=0)


ESTIMATED = "anslått"


def is_estimated(row) -> bool:
    """Say whether an indicator value is estimated (built partly from suppressed cells).

    Parameters
    ----------
    row : mapping
        A rates row with ``publish_status`` and, where known, ``approximate``.

    Returns
    -------
    bool
        True when ``publish_status == "estimated"`` or ``approximate`` is true.
    """
    approximate = row.get("approximate", False)
    approximate = bool(approximate) and approximate == approximate  # NaN is not "approximate"
    return str(row.get("publish_status", "")) == "estimated" or approximate


def estimated_reason(row, kind: str) -> str:
    """Say in bokmål why a value is estimated ("anslått").

    Parameters
    ----------
    row : mapping
        A rates row with ``publish_status``.
    kind : str
        The indicator's kind (``share``, ``rate_per_1000``, ``mean``, ``median``, ...).

    Returns
    -------
    str
        Suppressed cells, a mean or median put together from the grunnkretser's values,
        or a value computed from published rates without counts.
    """
    if str(row.get("publish_status", "")) == "estimated":
        return "noen grunnkretser er skjult av SSB"
    if kind in ("mean", "median"):
        what = "median" if kind == "median" else "gjennomsnitt"
        return f"{what} satt sammen av grunnkretsenes verdier, vektet etter antall personer"
    return "regnet fra publiserte andeler uten tellere og nevnere"


def index_0_100(scores):
    """Put index scores on a 0–100 scale a reader understands: 0 the best area, 100 the weakest.

    A linear rescaling of the areas' scores (higher score = weaker levekår), so ranks
    and colour classes are unchanged; the z-scores stay in the tables for analysts.

    Parameters
    ----------
    scores : pandas.Series
        Index or domain scores (missing values stay missing).

    Returns
    -------
    pandas.Series
        The scores from 0 to 100 (all 50 when every area has the same score).

    Examples
    --------
    >>> import pandas as pd
    >>> index_0_100(pd.Series([-1.0, 0.0, 3.0])).tolist()
    [0.0, 25.0, 100.0]
    """
    import pandas as pd

    s = pd.to_numeric(scores, errors="coerce").astype(float)
    lo, hi = s.min(), s.max()
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi == lo:
        return s.where(s.isna(), 50.0)
    return 100.0 * (s - lo) / (hi - lo)


# Distinct colours (Tableau 20, then a few more), so up to 26 areas never share one.
_AREA_PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5", "#393b79", "#637939", "#8c6d31", "#843c39",
    "#7b4173", "#3182bd",
]  # fmt: skip


def area_colours(codes) -> dict[str, str]:
    """Give every area one colour, the same in every chart of a run.

    Parameters
    ----------
    codes : iterable of str
        Every area's code (order does not matter: colours follow the sorted codes).

    Returns
    -------
    dict of str to str
        A hex colour by code.

    Examples
    --------
    >>> area_colours(["LS02", "LS01"])
    {'LS01': '#1f77b4', 'LS02': '#ff7f0e'}
    """
    ordered = sorted({str(c) for c in codes})
    return {c: _AREA_PALETTE[i % len(_AREA_PALETTE)] for i, c in enumerate(ordered)}


def rule_label(row, k: int) -> str:
    """Describe one rule of the family (a row of ``rule_family.csv``) in bokmål."""
    method = {
        "ssb_score10": "SSBs metode",
        "rank_sum": "rangsum",
        "imd": "engelsk indeks",
        "oecd_z_mean": "OECD-metoden",
    }.get(row["method"], "")
    if row["kind"] == "multiple_deprivation":
        text = (
            f"signifikant svakere enn kommunen på minst {int(row['min_indicators_worse'])} "
            "indikatorer"
        )
    else:
        where = "ett sammenhengende område av " if row["kind"] == "contiguous" else ""
        text = f"{where}de {k} med høyest indeks"
        if method:
            text = f"de {k} svakeste etter {method}"
    mappings = int(row["mappings"])
    if mappings > 1:
        text += (
            f", {COMBINE_LABELS.get(row['combine'], row['combine'])} over de siste {mappings} årene"
        )
    else:
        text += ", siste år"
    if row["trend_weight"]:
        text += f", med utviklingen vektet {format_number(row['trend_weight'], decimals=1)}"
    return text


def evidence_text(row, names: dict[str, str], catalogue, *, k: int, year: int) -> list[str]:
    """Say, in plain bokmål sentences, what supports an area's place (a row of the evidence)."""
    name = names.get(row["code"], row["code"])
    out = []
    if row["in_initiative"]:
        out.append(
            f"{name} er med i satsingen"
            + (
                " og pekes ut av regelen."
                if row["selected"]
                else ", men pekes ikke ut av regelen dette året."
            )
        )
    else:
        out.append(f"Regelen peker ut {name}, som ikke er med i satsingen.")
    band = ""
    if math.isfinite(row["rank_p05"]):
        band = f" (90 % intervall {int(row['rank_p05'])}–{int(row['rank_p95'])})"
    out.append(
        f"Rang {int(row['rank'])} i {year}{band}; sannsynlighet for å være blant de {k} svakeste: "
        f"{format_probability(row['p_top_k'])}, "
        f"blant de {k + 1}: {format_probability(row['p_top_k1'])}, "
        f"blant de {k + 2}: {format_probability(row['p_top_k2'])}."
    )
    if math.isfinite(row["rank_first"]) and int(row["first_year"]) != year:
        out.append(
            f"Rangen har gått fra {int(row['rank_first'])} i {int(row['first_year'])} til "
            f"{int(row['rank_last'])} i {year} ({TREND_LABELS[row['trend']]})."
        )
    worse = [
        catalogue[i].short_label.lower()
        for i in filter(None, str(row["worse_indicators"]).split(", "))
        if i in catalogue
    ]
    if worse:
        out.append(
            f"Signifikant svakere enn kommunen på {len(worse)} indikatorer: "
            + ", ".join(worse[:6])
            + (" med flere." if len(worse) > 6 else ".")
        )
    else:
        out.append("Ikke signifikant svakere enn kommunen på noen indikator.")
    out.append(f"{int(row['rules_picking'])} av {int(row['rules_total'])} regler peker ut {name}.")
    labels = VERDICT_LABELS if row["in_initiative"] else VERDICT_LABELS_OUTSIDE
    out.append(labels[row["verdict"]].format(name=name))
    return out


def measurable_note(row) -> str:
    """Say what would make a target measurable (a row of the targets table), or nothing."""
    if row.get("measurable", True) or not math.isfinite(row.get("target_value", math.nan)):
        return ""
    parts = ["målet er mindre enn det tallene kan vise"]
    if row.get("measurable_if_years_pooled"):
        parts.append("kan måles om tre år slås sammen")
    if row.get("measurable_if_areas_pooled"):
        parts.append("kan måles for områdene i satsingen samlet")
    if not row.get("measurable_if_years_pooled") and not row.get("measurable_if_areas_pooled"):
        parts.append("heller ikke med tre år eller områdene samlet")
    return "; ".join(parts)


def _metres(x: float) -> str:
    """Write a distance bound: whole kilometres in km, the rest in metres."""
    if x >= 1000 and x % 1000 == 0:
        return f"{format_number(x / 1000)} km"
    return f"{format_number(x)} m"


def format_distance(metres: float | None, *, step: float = 10.0) -> str:
    """Format a distance in metres, rounded to ``step`` metres (``1 170 m``).

    Parameters
    ----------
    metres : float or None
        The distance.
    step : float, default 10
        Rounded to a multiple of this (the grid places a person within 177 m of the
        cell's point, so metres would be false precision).

    Returns
    -------
    str
        The distance with a thin-space thousands separator and "m"; ``"–"`` when missing.

    Examples
    --------
    >>> format_distance(1166.4)
    '1\u2009170 m'
    """
    if metres is None or not math.isfinite(metres):
        return MISSING
    return f"{format_number(round(metres / step) * step)} m"


def distance_class_labels(breaks=DISTANCE_BREAKS_M) -> list[str]:
    """Write the accessibility grid's distance classes in bokmål, neither overlapping nor gapping.

    Parameters
    ----------
    breaks : sequence of float
        Upper bounds in metres, increasing (each class holds its bound); a last class
        holds everything above the last bound.

    Returns
    -------
    list of str
        ``len(breaks) + 1`` labels.

    Examples
    --------
    >>> distance_class_labels([250, 1000])
    ['til og med 250 m', 'over 250 m til og med 1 km', 'over 1 km']
    """
    labels = [f"til og med {_metres(breaks[0])}"]
    labels += [
        f"over {_metres(a)} til og med {_metres(b)}"
        for a, b in zip(breaks[:-1], breaks[1:], strict=True)
    ]
    return [*labels, f"over {_metres(breaks[-1])}"]


def destination_name(stem: str, catalogue) -> str:
    """Return a destination layer's bokmål name ("skole") from its indicators' labels.

    Parameters
    ----------
    stem : str
        The destination's stem in ``[accessibility.destinations]``.
    catalogue : Catalogue
        The indicator catalogue; the name is read from ``<stem>_avstand_snitt``'s short
        label ("Avstand til skole, snitt (m)").

    Returns
    -------
    str
        The name, or the stem when the catalogue has no such indicator.
    """
    import re

    ind = catalogue.get(f"{stem}_avstand_snitt")
    found = re.match(r"Avstand til (.+?), snitt", ind.short_label) if ind is not None else None
    return found.group(1) if found else stem
