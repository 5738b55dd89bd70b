"""A corpus of awkward but realistic inputs: each a small change to the demo study, as municipal
analysts make them by accident, with its expected outcome (a clear error, a warned success or a
plain success). Nothing may end in a traceback, and nothing may pass silently."""

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from levekar.errors import LevekarError
from levekar.pipeline import run
from levekar.study import load_study

# The findings the unchanged demo already has (its suppression is realistic, and 68 people on
# islands without a bridge cannot reach a school or bus stop along its synthetic path network):
# other cases are compared with these, so a "plain success" means nothing new was found.
# What the demo itself is warned of: suppression, people off the path network, one split.
BASELINE = {"mostly_suppressed", "unreachable", "code_change_split"}


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable  # (folder, base study) -> Study; may raise while loading
    outcome: str  # "error", "warn" or "ok"
    expect: str = ""  # error: regex on the message; warn: the finding kind


def _toml(folder, name, edit):
    path = folder / f"{name}.toml"
    text = (folder / "study.toml").read_text(encoding="utf-8")
    if not _with_accessibility(name.removeprefix("case_")):
        # Not even read: the stage is left out of the run (see WITH_ACCESSIBILITY).
        start, end = text.index("[accessibility]"), text.index("\n[initiative]") + 1
        assert "[accessibility" not in text[end:], "the demo's [accessibility] moved"
        text = text[:start] + text[end:]
    path.write_text(edit(text), encoding="utf-8")
    return path


def config(edit):
    """A study whose TOML is edited (the demo's files, untouched, beside it)."""

    def build(folder, base, name):
        return load_study(_toml(folder, name, edit))

    return build


def table(filename, change, *, suffix=".csv", writer=None, edit=lambda t: t):
    """A study whose ``filename`` is replaced by a changed copy (written under a new name)."""

    def build(folder, base, name):
        new = folder / f"{name}{suffix}"
        if writer is not None:
            writer(folder / filename, new)
        else:
            df = pd.read_csv(folder / filename, dtype=str, keep_default_na=False)
            change(df).to_csv(new, index=False)
        return load_study(
            _toml(folder, name, lambda t: edit(t.replace(f'"{filename}"', f'"{new.name}"')))
        )

    return build


def layer(filename, change):
    """A study whose area layer ``filename`` is replaced by a changed copy."""

    def build(folder, base, name):
        gdf = gpd.read_file(folder / filename)
        new = folder / f"{name}.gpkg"
        change(gdf).to_file(new)
        return load_study(
            _toml(folder, name, lambda t: t.replace(f'"{filename}"', f'"{new.name}"'))
        )

    return build


def memory(change):
    """A study changed in memory (frames replaced, never modified in place)."""

    def build(folder, base, name):
        study = copy.copy(base)
        study.config = base.config.model_copy(deep=True)
        change(study)
        return study

    return build


def obs_rows(change):
    return table("indikatorer_grunnkrets.csv", change)


def _row(df, **where):
    mask = np.ones(len(df), dtype=bool)
    for k, v in where.items():
        mask &= (df[k] == v).to_numpy()
    return np.flatnonzero(mask)


def _set(df, k, **values):
    out = df.copy()
    for col, v in values.items():
        out.loc[out.index[k], col] = v
    return out


def _dup_2019_under_new_codes(df):
    rows = df[(df["year"] == "2019") & (df["indicator"] == "leie")].head(3).copy()
    rows["code"] = "3107" + rows["code"].str[4:]
    return pd.concat([df, rows], ignore_index=True)


def _cycle(df):
    extra = pd.DataFrame(
        {
            "old_code": ["31071103", "31071104"],
            "new_code": ["31071104", "31071103"],
            "date": ["2023-06-01", "2023-06-01"],
            "share": ["1.0", "1.0"],
        }
    )
    return pd.concat([df, extra], ignore_index=True)


def _merge(df):
    # Two grunnkretser of 2019 merged into one from 2020 (their 2020+ codes: the first one's).
    out = df.copy()
    k = _row(out, old_code="01061104")[0]
    out.loc[k, "new_code"] = "30041103"
    return out


def _split(df):
    # One grunnkrets of 2019 split in 2020 between its own 2020 code and a neighbour's,
    # with equal shares (as KLASS gives splits).
    out = df.copy()
    k = _row(out, old_code="01061104")[0]
    half = out.loc[[k]].assign(new_code="30041103", share="0.5", share_basis="equal")
    out.loc[k, "share"] = "0.5"
    out["share_basis"] = "exact"
    out.loc[k, "share_basis"] = "equal"
    return pd.concat([out, half], ignore_index=True)


def _xlsx_with_empty_cells(src, dst):
    # Two years (a workbook of all six takes openpyxl seconds); the study is cut to them.
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df = df[df["year"].isin(["2022", "2023"])].copy()
    df.loc[df["status"] == ":", "numerator"] = ""
    df.to_excel(dst, index=False)


def _csv_as_xlsx(src, dst):
    shutil.copy(src, dst)


def _encoded(encoding, sep=",", decimal_comma=False):
    def writer(src, dst):
        df = pd.read_csv(src, dtype=str, keep_default_na=False)
        if decimal_comma:
            for c in ("numerator", "denominator"):
                df[c] = df[c].str.replace(".", ",", regex=False)
        dst.write_bytes(df.to_csv(index=False, sep=sep).encode(encoding))

    return writer


def _empty(src, dst):
    dst.write_bytes(b"")


def _header_only(src, dst):
    dst.write_text(src.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _bowtie(gdf):
    out = gdf.copy()
    x0, y0, x1, y1 = out.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # self-intersecting
    out.loc[out.index[0], "geometry"] = bowtie
    return out


def _drop_catchment(gdf):
    # A catchment lost from the layer and the table: its people fall outside every lokalsamfunn.
    return gdf[gdf["code"] != "SK24"]


def _shrink_catchment(gdf):
    out = gdf.copy()
    out.loc[out["code"] == "SK03", "geometry"] = out.loc[out["code"] == "SK03", "geometry"].buffer(
        -30
    )
    return out


def _grow_catchment(gdf):
    out = gdf.copy()
    out.loc[out["code"] == "SK03", "geometry"] = out.loc[out["code"] == "SK03", "geometry"].buffer(
        150
    )
    return out


def _rename_two_sentrum(study):
    ls = study.lokalsamfunn.copy()
    ls.loc[ls["name"] == "Seut", "name"] = "Sentrum"
    study.lokalsamfunn = ls


def _mutate_obs(change):
    def f(study):
        study.observations = change(study.observations.copy())

    return f


def _all(indicator, status):
    def change(o):
        m = o["indicator"] == indicator
        o.loc[m, "numerator"] = np.nan
        o.loc[m, "status"] = status
        return o

    return change


def _drop_year(year):
    return lambda o: o[o["year"].astype(int) != year].reset_index(drop=True)


def _kommune_rows(o):
    extra = pd.DataFrame(
        {
            "code": ["3004", "3004"],
            "year": [2023, 2022],
            "indicator": ["leie", "leie"],
            "numerator": [9000.0, 8900.0],
            "denominator": [40000.0, 39900.0],
            "status": ["", ""],
        }
    )
    return pd.concat([o, extra], ignore_index=True)


def _unknown_codes(o):
    extra = o.head(3).copy()
    extra["code"] = ["30049901", "30049902", "30049903"]
    return pd.concat([o, extra], ignore_index=True)


def _bom(folder, name):
    path = folder / f"{name}.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (folder / "study.toml").read_bytes())
    return path


def _latin1(folder, name):
    path = folder / f"{name}.toml"
    path.write_bytes((folder / "study.toml").read_text(encoding="utf-8").encode("latin-1"))
    return path


def _missing_catchment(folder, base, name):
    gdf = gpd.read_file(folder / "skolekretser.gpkg")
    _drop_catchment(gdf).to_file(folder / f"{name}.gpkg")
    t = pd.read_csv(folder / "skolekrets_lokalsamfunn.csv", dtype=str)
    t[t["catchment"] != "SK24"].to_csv(folder / f"{name}.csv", index=False)
    return load_study(
        _toml(
            folder,
            name,
            lambda s: s.replace('"skolekretser.gpkg"', f'"{name}.gpkg"').replace(
                '"skolekrets_lokalsamfunn.csv"', f'"{name}.csv"'
            ),
        )
    )


OECD = """
[index]
id = "code"
normalisation = "z"
aggregation = "weighted_mean"

[[index.indicators]]
column = "lavinntekt"
[[index.indicators]]
column = "sysselsetting"
higher_is_worse = false
[[index.indicators]]
column = "grunnskole"
"""


def _replace_index(t):
    head, _, rest = t.partition("[index]")
    _, _, tail = rest.partition("[selection]")
    return head + OECD.strip() + "\n\n[selection]" + tail


CASES = [
    # --- the study file
    Case(
        "k-zero",
        config(lambda t: t.replace("k = 3", "k = 0")),
        "error",
        r"selection\.k: Input should be",
    ),
    Case(
        "unknown-table",
        config(lambda t: t + "\n[uventet]\nx = 1\n"),
        "error",
        "uventet: Extra inputs",
    ),
    Case(
        "unknown-area-name",
        config(lambda t: t.replace('"Lisleby"]', '"Atlantis"]')),
        "error",
        "initiative.areas: 'Atlantis' is neither a code nor a name",
    ),
    Case("area-by-code", config(lambda t: t.replace('"Lisleby"]', '"LS02"]')), "ok"),
    Case(
        "two-areas-named-sentrum",
        memory(_rename_two_sentrum),
        "error",
        r"the name 'Sentrum' belongs to 2 lokalsamfunn \(codes \['LS01', 'LS11'\]\)",
    ),
    Case(
        "years-reversed",
        config(lambda t: t.replace("years = [2018, 2023]", "years = [2023, 2018]")),
        "error",
        "first ≤ last",
    ),
    Case(
        "synthetic-unlabelled",
        config(
            lambda t: t.replace('data_label = "Syntetiske demodata"', 'data_label = "Fredrikstad"')
        ),
        "error",
        "Syntetiske demodata",
    ),
    Case(
        "min-denominator-above-all",
        config(lambda t: t.replace("min_denominator = 30", "min_denominator = 1000000")),
        "ok",
    ),
    Case(
        "selection-year-without-data",
        config(lambda t: t.replace("[selection]\n", "[selection]\nyear = 2017\n")),
        "error",
        "selection.year 2017 has no data",
    ),
    Case(
        "bad-method",
        config(lambda t: t.replace('"rank/weighted_mean"]', '"rank/average"]')),
        "error",
        "method 'rank/average' is not",
    ),
    Case(
        "multiple-deprivation",
        config(
            lambda t: t.replace(
                'rule = "top_k"', 'rule = "multiple_deprivation"\nmin_indicators_worse = 4'
            )
        ),
        "ok",
    ),
    Case(
        "contiguous",
        config(lambda t: t.replace('rule = "top_k"', 'rule = "top_k"\ncontiguous = true')),
        "ok",
    ),
    Case(
        "min-population-too-high",
        config(lambda t: t.replace("min_population = 1000", "min_population = 10000000")),
        "error",
        "leaves 0 lokalsamfunn",
    ),
    Case(
        "target-rule-unknown-indicator",
        config(lambda t: t + '\n[targets.rules.ukjent]\nrule = "reach_value"\nvalue = 0.1\n'),
        "error",
        "targets.rules.ukjent: 'ukjent' is in no",
    ),
    Case(
        "target-rule-unknown-area",
        config(
            lambda t: (
                t + '\n[targets.rules.leie]\nrule = "manual"\n'
                "values = { Atlantis = 0.2 }\n[targets.focus_areas]\n"
                'bomiljo = ["leie"]\n'
            )
        ),
        "error",
        "'Atlantis' is not an initiative area",
    ),
    Case(
        "focus-indicator-without-data",
        config(lambda t: t + '\n[targets.focus_areas]\noppvekst = ["np5_lesing"]\n'),
        "error",
        "indicator 'np5_lesing' is not in the study's data",
    ),
    Case("oecd-example-as-index", config(_replace_index), "warn", "comparison_skipped"),
    Case("toml-with-bom", lambda folder, base, name: load_study(_bom(folder, name)), "ok"),
    Case(
        "toml-not-utf8",
        lambda folder, base, name: load_study(_latin1(folder, name)),
        "error",
        "not UTF-8",
    ),
    Case(
        "toml-invalid", config(lambda t: t.replace("k = 3", "k = = 3")), "error", "not valid TOML"
    ),
    Case(
        "missing-file",
        config(lambda t: t.replace('"indikatorer_grunnkrets.csv"', '"mangler.csv"')),
        "error",
        "mangler.csv: file not found",
    ),
    Case(
        "area-weighting",
        config(lambda t: t.replace('weighting = "population"', 'weighting = "area"')),
        "ok",
    ),
    Case(
        "population-weighting-without-layer",
        config(
            lambda t: t.replace(
                '[population]\npath = "befolkning_250m.gpkg"\ncolumn = "popTot"\n', ""
            )
        ),
        "error",
        "needs a \\[population\\] layer",
    ),
    Case(
        "use-unknown-indicator",
        config(
            lambda t: t.replace(
                'code_changes = "kodeendringer.csv"',
                'code_changes = "kodeendringer.csv"\nuse = ["ukjent"]',
            )
        ),
        "error",
        "unknown indicator 'ukjent'",
    ),
    Case(
        "use-subset",
        config(
            lambda t: t.replace(
                'code_changes = "kodeendringer.csv"',
                'code_changes = "kodeendringer.csv"\nuse = ["barn_lavinntekt", '
                '"grunnskole", "sysselsetting", "arbeidsledighet", "ufore_unge", "utflytting", '
                '"trangbodd", "leie"]',
            )
        ),
        "ok",
    ),
    Case(
        "too-many-classes",
        config(lambda t: t + "\n[output]\nclasses = 9\n"),
        "error",
        "output.classes",
    ),
    Case(
        "shrinkage",
        config(
            lambda t: t.replace(
                'code_changes = "kodeendringer.csv"',
                'code_changes = "kodeendringer.csv"\nshrinkage = true',
            )
        ),
        "ok",
    ),
    Case(
        "suppression-tolerated",
        config(
            lambda t: t.replace(
                'code_changes = "kodeendringer.csv"',
                'code_changes = "kodeendringer.csv"\nmax_suppressed_share = 1.0',
            )
        ),
        "ok",
    ),
    Case(
        "end-before-start",
        config(lambda t: t.replace("years = 5", "end = 2022")),
        "error",
        r"end \(2022\) must be after start",
    ),
    # --- the indicator table
    Case(
        "empty-file",
        table("indikatorer_grunnkrets.csv", None, writer=_empty),
        "error",
        "the file is empty",
    ),
    Case(
        "header-only",
        table("indikatorer_grunnkrets.csv", None, writer=_header_only),
        "error",
        "header but no data rows",
    ),
    Case(
        "csv-saved-as-xlsx",
        table("indikatorer_grunnkrets.csv", None, suffix=".xlsx", writer=_csv_as_xlsx),
        "error",
        "not an Excel workbook .* CSV saved with an .xlsx name",
    ),
    Case(
        "xlsx-with-empty-cells",
        table(
            "indikatorer_grunnkrets.csv",
            None,
            suffix=".xlsx",
            writer=_xlsx_with_empty_cells,
            edit=lambda t: t.replace("years = [2018, 2023]", "years = [2022, 2023]"),
        ),
        "ok",
    ),
    Case(
        "latin1-semicolon-decimal-comma",
        table("indikatorer_grunnkrets.csv", None, writer=_encoded("latin-1", ";", True)),
        "ok",
    ),
    Case(
        "utf16-tab",
        table("indikatorer_grunnkrets.csv", None, writer=_encoded("utf-16", "\t")),
        "ok",
    ),
    Case("codes-with-spaces", obs_rows(lambda d: d.assign(code=" " + d["code"] + "  ")), "ok"),
    Case(
        "codes-as-floats", obs_rows(lambda d: d.assign(code=d["code"].str.lstrip("0") + ".0")), "ok"
    ),
    Case(
        "unknown-indicator-rows",
        obs_rows(lambda d: _set(d, [5, 9], indicator="ukjent")),
        "error",
        r"2 problems:\n  - line 7, column 'indicator': unknown indicator 'ukjent'.*\n  - line 11",
    ),
    Case(
        "year-outside",
        obs_rows(lambda d: _set(d, [0], year="2030")),
        "error",
        "2030 is outside the study's years",
    ),
    Case(
        "not-numbers",
        obs_rows(lambda d: _set(d, [3, 4], numerator="abc")),
        "error",
        r"line 5, column 'numerator': 'abc' is not a number.*\n.*line 6",
    ),
    Case(
        "negative-count",
        obs_rows(lambda d: _set(d, [2], denominator="-5")),
        "error",
        "negative count -5",
    ),
    Case(
        "numerator-above-denominator",
        obs_rows(lambda d: _set(d, [1], numerator="999999")),
        "error",
        "is above denominator",
    ),
    Case(
        "duplicate-rows",
        obs_rows(lambda d: pd.concat([d, d.iloc[[10]]], ignore_index=True)),
        "error",
        "duplicate rows for area",
    ),
    Case(
        "zero-denominator",
        obs_rows(lambda d: _set(d, _row(d, indicator="utflytting")[:1], denominator="0")),
        "error",
        "0 under a numerator",
    ),
    Case(
        "unknown-status",
        obs_rows(lambda d: _set(d, [0], status="?")),
        "error",
        "unknown symbol '\\?'",
    ),
    Case(
        "thousands-with-spaces",
        obs_rows(
            lambda d: d.assign(
                denominator=d["denominator"]
                .str.replace(r"\.0$", "", regex=True)
                .map(lambda v: f"{int(v):,}".replace(",", " ") if v.isdigit() else v)
            )
        ),
        "ok",
    ),
    Case(
        "missing-column",
        obs_rows(lambda d: d.drop(columns="denominator")),
        "error",
        r"missing column\(s\) \['denominator'\]",
    ),
    Case(
        "all-suppressed-indicator",
        memory(_mutate_obs(_all("barn_lavinntekt", ":"))),
        "warn",
        "indicator_without_data",
    ),
    Case(
        "all-missing-indicator",
        memory(_mutate_obs(_all("leie", ".."))),
        "warn",
        "indicator_without_data",
    ),
    Case(
        "year-missing-in-the-middle", memory(_mutate_obs(_drop_year(2020))), "warn", "year_missing"
    ),
    Case("kommune-total-rows", memory(_mutate_obs(_kommune_rows)), "warn", "kommune_rows"),
    Case("unknown-codes", memory(_mutate_obs(_unknown_codes)), "warn", "unmatched_codes"),
    Case(
        "row-under-old-and-new-code",
        obs_rows(_dup_2019_under_new_codes),
        "error",
        r"comes from \['01061\d{3}', '31071\d{3}'\].*counted twice",
    ),
    # --- code changes
    Case(
        "no-code-changes",
        config(lambda t: t.replace('code_changes = "kodeendringer.csv"\n', "")),
        "error",
        "none of the .* rows has a code of today's grunnkretser.*code-change table",
    ),
    Case(
        "code-change-cycle",
        table("kodeendringer.csv", _cycle),
        "error",
        "a cycle or a chain within one date",
    ),
    Case("code-change-merge", table("kodeendringer.csv", _merge), "warn", "code_change_merge"),
    Case(
        "exclude-unknown-area",
        config(lambda t: t.replace("[selection]\n", '[selection]\nexclude = ["Atlantis"]\n')),
        "error",
        r"selection\.exclude: 'Atlantis' is neither a code nor a name",
    ),
    Case("code-change-split", table("kodeendringer.csv", _split), "warn", "code_change_split"),
    Case(
        "code-change-bad-date",
        table("kodeendringer.csv", lambda d: _set(d, [4], date="1. januar")),
        "error",
        "line 6, column 'date': '1. januar' is not a date",
    ),
    Case(
        "code-change-bad-shares",
        table("kodeendringer.csv", lambda d: _set(d, [0], share="0.5")),
        "error",
        "sum to 0.5, not 1",
    ),
    # --- the area layers
    Case(
        "self-intersecting-grunnkrets",
        layer("grunnkretser.gpkg", _bowtie),
        "warn",
        "geometry_repaired",
    ),
    Case(
        "grunnkretser-wrong-crs",
        layer("grunnkretser.gpkg", lambda g: g.to_crs(3857)),
        "error",
        "EPSG:3857\\) is not supported",
    ),
    Case(
        "grunnkretser-lonlat-as-utm",
        layer(
            "grunnkretser.gpkg",
            lambda g: gpd.GeoDataFrame(
                g.drop(columns="geometry"), geometry=g.to_crs(4326).geometry.to_numpy(), crs=25833
            ),
        ),
        "error",
        "lie outside Norway",
    ),
    Case(
        "grunnkretser-duplicate-codes",
        layer(
            "grunnkretser.gpkg",
            lambda g: _set(g, [1], grunnkretsnummer=g["grunnkretsnummer"].iloc[0]),
        ),
        "error",
        "duplicate code",
    ),
    Case("missing-catchment", _missing_catchment, "error", "outside every target area"),
    Case(
        "gap-between-catchments",
        layer("skolekretser.gpkg", _shrink_catchment),
        "warn",
        "coverage_gap",
    ),
    Case(
        "overlapping-catchments",
        layer("skolekretser.gpkg", _grow_catchment),
        "error",
        "pair\\(s\\) of target areas overlap",
    ),
    Case(
        "catchment-codes-with-spaces",
        table("skolekrets_lokalsamfunn.csv", lambda d: d.assign(catchment=d["catchment"] + "  ")),
        "ok",
    ),
    Case(
        "catchment-in-two-lokalsamfunn",
        table(
            "skolekrets_lokalsamfunn.csv",
            lambda d: pd.concat([d, d.iloc[[0]].assign(lokalsamfunn="LS02")], ignore_index=True),
        ),
        "error",
        "mapped to more than one lokalsamfunn",
    ),
    Case(
        "names-with-markup",
        memory(
            lambda s: setattr(
                s,
                "lokalsamfunn",
                s.lokalsamfunn.assign(
                    name=s.lokalsamfunn["name"].str.replace("Seut", "<b>Seut</b>")
                ),
            )
        ),
        "ok",
    ),
]


# Cases that keep the accessibility stage: the grunnkretser and people its origins are
# placed by, the weighting, names in its findings. The others test inputs it never reads
# (its own awkward inputs are in tests/test_access*.py), so the corpus leaves it out.
WITH_ACCESSIBILITY = {"area-weighting", "names-with-markup", "gap-between-catchments"}
# Cases run whole (the rule family, counterfactuals, Sobol): names, areas or values the
# explanations handle. The rest are checks (tests/test_pipeline.py: a check finds the same).
EXPLAINED = {"area-by-code", "contiguous", "multiple-deprivation", "shrinkage", "use-subset"}


def _cheap(study, case):
    """No Monte Carlo and no side analyses: the corpus tests what is found, not the draws."""
    sel = study.config.selection
    sel.draws, sel.methods, sel.leave_one_out, sel.weight_concentration, sel.spatial = (
        0,
        [],
        False,
        None,
        False,
    )
    if not _with_accessibility(case.id):
        study.config.accessibility = None
    return study


def _with_accessibility(case_id: str) -> bool:
    return "grunnkrets" in case_id or case_id in WITH_ACCESSIBILITY


def test_the_corpus_is_large_and_covers_every_outcome():
    assert len(CASES) >= 60
    assert {c.outcome for c in CASES} == {"error", "warn", "ok"}
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_awkward_input(case, demo_dir, demo_study):
    def attempt():
        study = case.build(demo_dir, demo_study, f"case_{case.id}")
        # A check (no reasons for the choice) except where the later stages meet the input.
        explain = case.id in WITH_ACCESSIBILITY or case.id in EXPLAINED
        return run(_cheap(study, case), reselect_years=[2022, 2023], explain=explain)

    if case.outcome == "error":
        with pytest.raises(LevekarError) as info:
            attempt()
        import re

        assert re.search(case.expect, str(info.value), flags=re.S), str(info.value)
        return
    results = attempt()
    kinds = {f.kind for f in results.findings.items}
    if case.outcome == "warn":
        assert case.expect in kinds, results.findings.summary()
        assert all(f.severity == "warning" for f in results.findings.items)
    else:
        assert kinds <= BASELINE, results.findings.summary()
    assert len(results.selection) == 21 and results.selection["selected"].any()
