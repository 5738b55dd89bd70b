"""Data as they come: a lokalsamfunn with no observation at all, an indicator missing in a year.

Corpus-style (a small study in memory, run without the Monte Carlo): nothing may end in a
traceback, and everything left out is a finding.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from levekar.catalogue import load_catalogue
from levekar.pipeline import run
from levekar.publish import processed_files
from levekar.study import Study, parse_config

X0, Y0 = 600_000.0, 6_570_000.0  # near Fredrikstad, EPSG:25833


def _study() -> Study:
    ls_codes = [f"LS{k}" for k in range(1, 8)]
    gk, ls = [], []
    for k, code in enumerate(ls_codes):
        x = X0 + 2000 * k
        ls.append((code, f"Område {k + 1}", shapely.box(x, Y0, x + 2000, Y0 + 2000)))
        gk.append((f"3107{k:02d}01", "a", shapely.box(x, Y0, x + 1000, Y0 + 2000)))
        gk.append((f"3107{k:02d}02", "b", shapely.box(x + 1000, Y0, x + 2000, Y0 + 2000)))

    def layer(rows, level):
        return gpd.GeoDataFrame(
            {"code": [r[0] for r in rows], "name": [r[1] for r in rows], "level": level},
            geometry=[r[2] for r in rows],
            crs=25833,
        )

    rng = np.random.default_rng(7)
    rows = []
    for code, *_ in gk[:-2]:  # the last lokalsamfunn's two grunnkretser have no data at all
        for year in (2022, 2023):
            for ind in ("leie", "trangbodd", "utflytting", "bor_alene"):
                if ind == "leie" and year == 2022:
                    continue  # missing in one year
                rows.append((code, year, ind, float(rng.integers(20, 80)), 200.0, ""))
    obs = pd.DataFrame(
        rows, columns=["code", "year", "indicator", "numerator", "denominator", "status"]
    )
    cfg = parse_config(
        {
            "study": {"kommune": "3107", "kommune_name": "Test", "data_label": "testdata"},
            "crosswalk": {"weighting": "area"},
            "selection": {"k": 2, "draws": 0},
            "initiative": {"areas": ["LS1"], "start": 2024},
            "targets": {"focus_areas": {"bomiljo": ["utflytting"]}},
            "index_comparison": {"presets": []},
        }
    )
    return Study(
        config=cfg,
        grunnkretser=layer(gk, "grunnkrets"),
        lokalsamfunn=layer(ls, "lokalsamfunn"),
        skolekretser=None,
        population=None,
        observations=obs,
        reference=None,
        code_changes=None,
        catalogue=load_catalogue(),
    )


def test_no_data_area_and_an_indicator_missing_in_a_year():
    results = run(_study())

    kinds = {f.kind for f in results.findings.items}
    assert {"area_without_data", "indicator_left_out"} <= kinds
    assert results.without_data == ["LS7"] and results.study_years == (2022, 2023)
    # The indicator missing in 2022 is left out of both years' index: like is compared with like.
    assert "leie" not in [i.column for i in results.spec.indicators]
    resel = results.reselection.table
    assert sorted(resel["year"].unique()) == [2022, 2023]
    assert resel.groupby("year")["selected"].sum().tolist() == [2, 2]
    assert not resel["approximate"].any()
    table = processed_files(results)["data/processed/selection.csv"].decode("utf-8")
    row = next(line for line in table.splitlines() if ",LS7," in line)
    assert "ingen data" in row and ",False," in row
    assert results.selection["has_data"].all() and len(results.selection) == 6
