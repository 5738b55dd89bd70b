"""The demo as a loaded study (what ``levekar run`` uses with no config) or as input files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..areas import lokalsamfunn_from_catchments, standardise_layer
from ..catalogue import load_catalogue
from ..io.atomic import write_atomic
from ..io.tomlfile import dumps_toml
from ..study import Study, parse_config
from .config import demo_config

__all__ = ["demo_study", "demo_study_toml", "write_demo_inputs"]


def demo_study(seed: int = 2023) -> Study:
    """Build the embedded synthetic demo study in memory (``levekar run`` with no config)."""
    from .access import demo_access_layers
    from .generator import make_demo_study

    demo = make_demo_study(seed)
    layers = demo_access_layers(seed)
    cfg = parse_config(demo_config(), source="demo study")
    cfg.study.seed = seed
    gk, rep = standardise_layer(
        demo.grunnkretser,
        level="grunnkrets",
        code_column="grunnkretsnummer",
        name_column="grunnkretsnavn",
        code_width=8,
        source="demo grunnkretser",
    )
    sk, _ = standardise_layer(demo.skolekretser, level="skolekrets", source="demo skolekretser")
    ls = lokalsamfunn_from_catchments(sk, demo.catchment_table, source="demo catchment table")
    obs = demo.observations.copy()
    return Study(
        config=cfg,
        grunnkretser=gk,
        lokalsamfunn=ls,
        skolekretser=sk,
        population=demo.population,
        observations=obs,
        reference=demo.reference,
        code_changes=demo.code_changes,
        catalogue=load_catalogue(),
        points={"Skoler": demo.schools, "Møteplasser": demo.places},
        destinations={
            "skole": demo.schools,
            "moteplass": demo.places,
            "grontomrade": layers.green_areas,
            "buss": layers.bus_stops,
        },
        network=layers.network,
        source="demo study",
        reports=[rep],
    )


def demo_study_toml(seed: int = 2023) -> str:
    """Return the text of the ``study.toml`` that :func:`write_demo_inputs` writes."""
    cfg = demo_config()
    cfg["study"]["seed"] = seed
    return dumps_toml(cfg)


def write_demo_inputs(out_dir: Path, *, seed: int = 2023) -> list[Path]:
    """Write the demo study's input files and its ``study.toml`` into ``out_dir``."""
    from .access import demo_access_layers
    from .generator import make_demo_study

    demo = make_demo_study(seed)
    layers = demo_access_layers(seed)

    def gpkg(gdf: gpd.GeoDataFrame, layer: str) -> Callable[[Path], None]:
        return lambda p: gdf.to_file(p, layer=layer, driver="GPKG", engine="pyogrio")

    def csv_(df: pd.DataFrame) -> Callable[[Path], None]:
        return lambda p: df.to_csv(p, index=False, lineterminator="\n")

    files: dict[str, Callable[[Path], None] | bytes | str] = {
        "grunnkretser.gpkg": gpkg(demo.grunnkretser, "grunnkretser"),
        "skolekretser.gpkg": gpkg(demo.skolekretser, "skolekretser"),
        "befolkning_250m.gpkg": gpkg(demo.population, "befolkning_250m"),
        "skoler_og_moteplasser.gpkg": gpkg(
            pd.concat([demo.schools, demo.places], ignore_index=True), "steder"
        ),
        "vegnett.gpkg": gpkg(layers.network, "vegnett"),
        "grontomrader.gpkg": gpkg(layers.green_areas, "grontomrader"),
        "bussholdeplasser.gpkg": gpkg(layers.bus_stops, "bussholdeplasser"),
        "skolekrets_lokalsamfunn.csv": csv_(demo.catchment_table),
        "indikatorer_grunnkrets.csv": csv_(demo.observations),
        "referanse_norge.csv": csv_(demo.reference),
        "kodeendringer.csv": csv_(demo.code_changes),
        "study.toml": demo_study_toml(seed),
        "LESMEG.txt": (
            "Syntetiske demodata\n\n"
            "Disse filene er laget av levekar (levekar demo) og er IKKE ekte data.\n"
            "Geografien ligner Fredrikstad, men grensene og tallene er syntetiske.\n"
            "Veinettet, grøntområdene og bussholdeplassene er også laget av levekar.\n"
            "Kjør: levekar run --config study.toml --out <mappe>\n"
        ),
    }
    return write_atomic(files, Path(out_dir))
