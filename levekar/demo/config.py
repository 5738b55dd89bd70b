"""The demo study's configuration, as ``levekar demo`` writes it to ``study.toml``."""

from __future__ import annotations

__all__ = ["demo_config"]


def demo_config() -> dict:
    """Return the demo study's configuration, as written by ``levekar demo``."""
    return {
        "study": {
            "name": "Levekår i Fredrikstad (demo)",
            "kommune": "3107",
            "kommune_name": "Fredrikstad",
            "years": [2018, 2023],
            "data_label": "Syntetiske demodata",
            "synthetic": True,
            "min_denominator": 30,
            "seed": 2023,
        },
        "areas": {
            "grunnkretser": {
                "path": "grunnkretser.gpkg",
                "code_column": "grunnkretsnummer",
                "name_column": "grunnkretsnavn",
            },
            "skolekretser": {
                "path": "skolekretser.gpkg",
                "code_column": "code",
                "name_column": "name",
            },
            "lokalsamfunn": {"catchment_table": "skolekrets_lokalsamfunn.csv"},
        },
        "population": {"path": "befolkning_250m.gpkg", "column": "popTot"},
        "crosswalk": {"weighting": "population", "sliver_tolerance": 0.001},
        "indicators": {
            "path": "indikatorer_grunnkrets.csv",
            "reference": "referanse_norge.csv",
            "code_changes": "kodeendringer.csv",
        },
        "index": {
            "id": "code",
            "name": "Levekårsindeks",
            "normalisation": "z",
            "aggregation": "weighted_mean",
            "missing": "reweight",
            "domains": {"normalisation": "none", "aggregation": "weighted_mean"},
        },
        "selection": {
            "rule": "top_k",
            "k": 3,
            "min_population": 1000,
            "draws": 2000,
            "weight_concentration": 40.0,
            "methods": ["z/weighted_mean", "minmax/weighted_mean", "rank/weighted_mean"],
            "leave_one_out": True,
        },
        "accessibility": {
            "kind": "euclidean",
            "thresholds": [500, 1000],
            "max_snap": 1000,
            "network": {"path": "vegnett.gpkg", "layer": "vegnett"},
            "destinations": {
                "skole": {
                    "path": "skoler_og_moteplasser.gpkg",
                    "where": {"kind": "barneskole"},
                    "kind": "network",
                    "thresholds": [500, 1000],
                },
                "moteplass": {
                    "path": "skoler_og_moteplasser.gpkg",
                    "where": {"kind": "møteplass"},
                    "thresholds": [1000, 2000],
                },
                "grontomrade": {"path": "grontomrader.gpkg", "thresholds": [200, 500]},
                "buss": {
                    "path": "bussholdeplasser.gpkg",
                    "kind": "network",
                    "thresholds": [300, 500],
                },
            },
        },
        "initiative": {
            "name": "Områdesatsing Fredrikstad",
            "areas": ["Sentrum", "Sellebakk", "Lisleby"],
            "start": 2023,
            "years": 5,
        },
    }
