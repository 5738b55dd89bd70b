"""Index presets for the methods analysts already know, and how well they agree.

========================  ===================================================================
preset                    method
========================  ===================================================================
``ssb_score10``           each indicator scored 1–10 in ten equal-width intervals between the
                          lowest and highest area, then the unweighted mean (in the style of
                          SSB's "indeks for levekårsproblemer"; use ``decile`` scoring instead
                          if your reference scores by rank)
``rank_sum``              each indicator ranked (most deprived = N), ranks summed unweighted,
                          as Norwegian levekårskartlegginger do
``imd``                   English Indices of Deprivation style: indicators → domain by the
                          weighted mean of z-scores; domain scores ranked, exponentially
                          transformed (X = −23 ln(1 − R(1 − e^(−100/23)))), weighted sum
``oecd_z_mean``           OECD/JRC handbook: z-scores, weighted arithmetic mean
========================  ===================================================================

``compare_presets`` runs several on the same table and reports Spearman rank
correlations and the overlap of the k most deprived areas.
"""

from __future__ import annotations

import pandas as pd

from .errors import SpecError
from .index import IndexSpec, index_from_spec, load_index_spec

__all__ = ["PRESETS", "compare_presets", "preset_spec"]

PRESETS = ("ssb_score10", "rank_sum", "imd", "oecd_z_mean")

# Domain weights of the English Indices of Deprivation 2019 (income and employment 22.5 %,
# education and health 13.5 %, crime, barriers and living environment 9.3 %).
IMD_2019_WEIGHTS = {
    "income": 0.225,
    "employment": 0.225,
    "education": 0.135,
    "health": 0.135,
    "crime": 0.093,
    "barriers": 0.093,
    "living_environment": 0.093,
}


def preset_spec(name: str, base: IndexSpec | dict) -> IndexSpec:
    """Build the index spec for preset ``name`` over the indicators (and domains) of ``base``.

    Directions and domains come from ``base``; weights too, except where the
    method is unweighted (``ssb_score10``, ``rank_sum``).

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`: ``ssb_score10``, ``rank_sum``, ``imd`` or ``oecd_z_mean``.
    base : IndexSpec or dict
        The study's specification (or its ``[index]`` table), giving the id column,
        indicators, directions, domains and weights. Its ``name`` is dropped. ``imd``
        takes the domain weights of ``base`` (every domain weighs 1 when it has none)
        and rescales them to sum to 1.

    Returns
    -------
    IndexSpec
        The preset's specification.

    Raises
    ------
    SpecError
        If ``name`` is unknown, ``imd`` meets an indicator without a domain, or the
        resulting specification does not validate.
    """
    spec = base if isinstance(base, IndexSpec) else load_index_spec(base)
    raw = spec.model_dump()
    raw.pop("name", None)
    if name == "ssb_score10":
        raw.update(normalisation="score10", aggregation="weighted_mean", domains=None)
        raw["indicators"] = [{**i, "weight": 1.0} for i in raw["indicators"]]
    elif name == "rank_sum":
        raw.update(normalisation="none", aggregation="rank_sum", domains=None)
        raw["indicators"] = [{**i, "weight": 1.0} for i in raw["indicators"]]
    elif name == "oecd_z_mean":
        raw.update(normalisation="z", aggregation="weighted_mean", domains=None)
    elif name == "imd":
        if any(i["domain"] is None for i in raw["indicators"]):
            raise SpecError("preset 'imd' needs a domain for every indicator.")
        weights = (spec.domains.weights if spec.domains is not None else {}) or {}
        raw.update(
            normalisation="z",
            aggregation="weighted_mean",
            domains={
                "normalisation": "exponential",
                "aggregation": "weighted_sum",
                "weights": weights,
            },
        )
        raw["rescale_weights"] = True
    else:
        raise SpecError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}.")
    return load_index_spec(raw, source=f"preset {name}")


def compare_presets(
    data: pd.DataFrame,
    base: IndexSpec | dict,
    presets: list[str] | tuple[str, ...] = PRESETS,
    *,
    k: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run several presets side by side.

    Returns ``(ranks, agreement)``: ``ranks`` has the id and one rank column per
    preset (1 = most deprived); ``agreement`` has, for every pair of presets, the
    Spearman rank correlation and how many of the ``k`` most deprived areas they share.

    Parameters
    ----------
    data : pandas.DataFrame
        The wide table (id column and indicator columns), as for
        :func:`~levekar.index.index_from_spec`.
    base : IndexSpec or dict
        The study's specification the presets are built on (see :func:`preset_spec`).
    presets : list or tuple of str, default PRESETS
        The presets to run, in column order.
    k : int, default 3
        How many of the most deprived areas to compare (ranks ≤ ``k``; ties can
        make a set larger than ``k``).

    Returns
    -------
    ranks : pandas.DataFrame
        One row per row of ``data``, in its order: the id column, then one float rank
        column per preset, named after it (NaN where the preset's score is missing).
    agreement : pandas.DataFrame
        One row per pair of presets: ``preset_a``, ``preset_b``, ``spearman`` (Spearman
        correlation of the ranks), ``overlap_top_k`` (areas in both top-``k`` sets) and ``k``.

    Raises
    ------
    SpecError, DataError
        As :func:`preset_spec` and :func:`~levekar.index.index_from_spec`.
    """
    spec = base if isinstance(base, IndexSpec) else load_index_spec(base)
    ranks = pd.DataFrame({spec.id: data[spec.id].to_numpy()})
    for name in presets:
        ranks[name] = index_from_spec(data, preset_spec(name, spec))["rank"].to_numpy(dtype=float)
    rows = []
    for a_i, a in enumerate(presets):
        for b in presets[a_i + 1 :]:
            rho = ranks[[a, b]].corr(method="spearman").iloc[0, 1]
            top_a = set(ranks.loc[ranks[a] <= k, spec.id])
            top_b = set(ranks.loc[ranks[b] <= k, spec.id])
            rows.append(
                {
                    "preset_a": a,
                    "preset_b": b,
                    "spearman": float(rho),
                    "overlap_top_k": len(top_a & top_b),
                    "k": k,
                }
            )
    return ranks, pd.DataFrame(rows)
