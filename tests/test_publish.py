"""What a run publishes: one disclosure rule for every file, and outputs written as a set."""

import copy
import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import copy_outputs, page_data, tooltip

from levekar.pipeline import run, write
from levekar.render.presentation import format_value


@pytest.fixture(scope="module")
def all_hidden(demo_study, tmp_path_factory):
    """The demo with a minimum denominator above every denominator: nothing may be published."""
    study = copy.copy(demo_study)
    study.config = demo_study.config.model_copy(deep=True)
    study.config.study.min_denominator = 10_000_000
    study.config.selection.draws = 100
    results = run(study)
    out = tmp_path_factory.mktemp("all_hidden")
    write(results, out)
    return results, out


def _texts(out):
    """Every output file as text (XLSX: every cell)."""
    from openpyxl import load_workbook

    texts = {}
    for path in out.rglob("*"):
        if path.suffix in (".csv", ".html", ".json"):
            texts[str(path.relative_to(out))] = path.read_text(encoding="utf-8-sig")
        elif path.suffix == ".xlsx":
            wb = load_workbook(path)
            cells = [
                str(c.value)
                for ws in wb
                for row in ws.iter_rows()
                for c in row
                if c.value is not None
            ]
            texts[str(path.relative_to(out))] = "\n".join(cells)
    return texts


def test_nothing_under_the_threshold_appears_in_any_output(all_hidden):
    results, out = all_hidden
    rates = results.rates
    assert not rates["published"].any()
    cat = results.study.catalogue
    # Every area value, interval bound and count as an output would print it...
    forbidden = set()
    for r in rates.itertuples():
        kind = cat[r.indicator].kind
        for v in (r.value, r.ci_low, r.ci_high):
            if np.isfinite(v):
                forbidden.add(format_value(v, kind))
    # ...except those that equal a published reference value (the kommune's or Norway's).
    for r in rates.itertuples():
        kind = cat[r.indicator].kind
        for v in (r.kommune_value, r.norway_value):
            if np.isfinite(v):
                forbidden.discard(format_value(v, kind))
    forbidden = {f for f in forbidden if re.search(r"\d,\d", f)}  # specific enough to search for
    assert len(forbidden) > 500
    texts = _texts(out)
    assert {
        "maps/levekar_kart.html",
        "reports/levekar_rapport.html",
        "reports/handlingsplan.xlsx",
    } <= set(texts)
    # Every number as the presentation module prints it (decimal comma, thin-space thousands,
    # a no-break space before % or ‰), as whole tokens.
    number = re.compile(
        "(?<![\\d,\u2009])\\d{1,3}(?:\u2009\\d{3})*(?:,\\d+)?(?:\u00a0[%‰])?(?![\\d,])"
    )
    for name, text in texts.items():
        leaked = sorted(set(number.findall(text)) & forbidden)
        assert not leaked, f"{name} shows unpublishable values {leaked[:5]}"
    # The tables: every value, interval and count blank.
    ind = pd.read_csv(out / "data/processed/indicators_lokalsamfunn.csv")
    assert (
        ind[["value", "ci_low", "ci_high", "numerator", "denominator", "value_shrunk"]]
        .isna()
        .all()
        .all()
    )
    targets = pd.read_csv(out / "data/processed/targets.csv")
    numbers = targets.drop(
        columns=[
            "data_label",
            "focus_area",
            "code",
            "name",
            "indicator",
            "baseline_years",
            "status",
            "published",
            "measurable",
            "end_year",
        ]
    )
    assert numbers.isna().all().all()
    sel = pd.read_csv(out / "data/processed/selection.csv", keep_default_na=False)
    assert (sel["reasons"] == "").all() and (sel["worse_indicators"] == "").all()
    cf = pd.read_csv(out / "data/processed/counterfactuals.csv")
    assert (cf["kind"] != "value").all()  # a value counterfactual would reveal the value
    # The map says where values are hidden.
    data = page_data(texts["maps/levekar_kart.html"])
    tips = [tooltip(data, k, i) for k in range(len(data["themes"])) for i in range(21)]
    assert sum("ikke publisert" in t for t in tips) > 21 * 10


def test_outputs_are_written_as_a_set(demo_results, demo_outputs, tmp_path):
    out = copy_outputs(demo_outputs, tmp_path / "out")
    listed = json.loads((out / "data/processed/run_report.json").read_text(encoding="utf-8"))[
        "outputs"
    ]
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == listed
    # The landing page links every other output; the figures come as PNG and SVG.
    landing = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nb">' in landing and "Syntetiske demodata" in landing
    for path in listed:
        assert path == "index.html" or f'href="{path}"' in landing, path
    assert ">Lisleby</a>" in landing
    svg = (out / "reports/figurer/indeks_kart.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "Levekårsindeks" in svg
    # The user's own file, and a fact sheet the next run will not write (an area renamed).
    mine = out / "reports" / "mine_notater.txt"
    mine.write_text("mine", encoding="utf-8")
    renamed = copy.copy(demo_results)
    renamed.selection = demo_results.selection.assign(
        name=demo_results.selection["name"].replace({"Seut": "Seut og Holmen"})
    )
    old = out / "reports/faktaark/seut.html"
    assert old.exists()
    second = write(renamed, out)
    relisted = json.loads((out / "data/processed/run_report.json").read_text(encoding="utf-8"))[
        "outputs"
    ]
    assert sorted(str(p.relative_to(out)) for p in second) == relisted
    renamed_sheets = {"reports/faktaark/seut.html"}, {"reports/faktaark/seut-og-holmen.html"}
    assert relisted == sorted(set(listed) - renamed_sheets[0] | renamed_sheets[1])
    assert not old.exists() and (out / "reports/faktaark/seut-og-holmen.html").exists()
    assert mine.read_text(encoding="utf-8") == "mine"
    assert not list(out.glob(".levekar-staging-*"))


def test_a_tampered_manifest_cannot_delete_outside_the_folder(tmp_path):
    from levekar.io.atomic import write_atomic
    from levekar.publish import previous_outputs

    out = tmp_path / "out"
    outside = tmp_path / "precious.txt"
    outside.write_text("keep", encoding="utf-8")
    listed = ["a.txt", "../precious.txt", str(outside)]
    meta = {"outputs": listed}
    write_atomic({"a.txt": b"a", "data/processed/run_report.json": json.dumps(meta).encode()}, out)
    assert previous_outputs(out) == listed
    write_atomic({"b.txt": b"b"}, out, remove=previous_outputs(out))
    assert outside.read_text(encoding="utf-8") == "keep"
    assert not (out / "a.txt").exists() and (out / "b.txt").exists()


def test_findings_are_in_the_run_report_and_the_report(demo_results):
    from levekar.publish import processed_files, report_inputs
    from levekar.render.report import render_report

    meta = json.loads(processed_files(demo_results)["data/processed/run_report.json"])
    assert meta["findings_summary"] == demo_results.findings.summary()
    assert [f["kind"] for f in meta["findings"]] == [f.kind for f in demo_results.findings.items]
    page = render_report(report_inputs(demo_results), b"")
    assert "Funn i datagrunnlaget" in page and "prikkede" in page


def test_unmatched_rows_keep_small_counts_hidden(demo_results):
    from levekar.publish import processed_files

    results = copy.copy(demo_results)
    extra = pd.DataFrame(
        {
            "code": ["99999999", "99999998"],
            "year": [2023, 2023],
            "indicator": ["leie", "leie"],
            "numerator": [3.0, 300.0],
            "denominator": [8.0, 800.0],
            "status": ["", ""],
            "reason": "code matches no grunnkrets after code changes",
        }
    )
    results.unmatched = pd.concat([demo_results.unmatched, extra], ignore_index=True)
    table = pd.read_csv(
        io.BytesIO(processed_files(results)["data/processed/unmatched_observations.csv"]),
        dtype={"code": str},
    )
    small = table[table["code"] == "99999999"].iloc[0]
    large = table[table["code"] == "99999998"].iloc[0]
    assert np.isnan(small["numerator"]) and np.isnan(small["denominator"])
    assert large["numerator"] == 300.0


def test_a_failed_move_puts_the_earlier_outputs_back(tmp_path, monkeypatch):
    import os

    from levekar.io import atomic

    out = tmp_path / "out"
    atomic.write_atomic({"a.txt": b"old a", "b.txt": b"old b"}, out)
    real = os.replace
    calls = {"n": 0}

    def flaky(src, dst):
        # Let the backup of a and the move of the new a through, then fail on b.
        calls["n"] += 1
        if str(dst).endswith("b.txt") and "staging" in str(src) and ".previous" not in str(src):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(OSError):
        atomic.write_atomic({"a.txt": b"new a", "b.txt": b"new b", "c.txt": b"new c"}, out)
    monkeypatch.setattr(atomic.os, "replace", real)
    assert (out / "a.txt").read_bytes() == b"old a" and (out / "b.txt").read_bytes() == b"old b"
    assert not (out / "c.txt").exists() and not list(out.glob(".levekar-staging-*"))


def test_two_kommuner_give_a_map_each_and_an_overview_all_linked(demo_results):
    """Lokalsamfunn whose grunnkretser lie in two kommuner: two maps, an overview, links."""
    from dataclasses import replace

    from levekar.publish import map_groups, output_files

    cw = demo_results.crosswalk.table.copy()
    moss = cw["target_code"].isin([f"LS{i:02d}" for i in range(1, 11)])
    cw.loc[moss, "source_code"] = "3103" + cw.loc[moss, "source_code"].str[4:]
    cfg = demo_results.study.config.model_copy(deep=True)
    cfg.output.report = False  # the maps and the landing page are what is tested here
    cfg.output.access_grid = False  # (split by area in tests/test_maps.py)
    results = replace(
        demo_results,
        crosswalk=replace(demo_results.crosswalk, table=cw),
        study=replace(demo_results.study, config=cfg),
    )
    groups = map_groups(results)
    assert groups.groupby("group_name")["code"].size().to_dict() == {"Fredrikstad": 11, "Moss": 10}
    files = output_files(results, lambda _: None)
    kommune_maps = ["maps/kommuner/fredrikstad.html", "maps/kommuner/moss.html"]
    meta = json.loads(files["data/processed/run_report.json"])
    assert {*kommune_maps, "maps/levekar_kart.html"} <= set(meta["outputs"])
    assert [(m["name"], m["areas"]) for m in meta["maps"]["maps"]] == [
        ("Fredrikstad", 11),
        ("Moss", 10),
    ]
    landing = files["index.html"].decode("utf-8")
    for path in [*kommune_maps, "maps/levekar_kart.html"]:
        assert f'href="{path}"' in landing, path
    assert "Kart per kommune" in landing and ">Moss<" in landing
    overview = files["maps/levekar_kart.html"].decode("utf-8")
    hrefs = re.search(r'"hrefs":(\[[^]]*\])', overview).group(1)
    assert sorted(json.loads(hrefs)) == ["kommuner/fredrikstad.html", "kommuner/moss.html"]
    assert "alle kommuner" in overview
    for path, n in zip(kommune_maps, (11, 10), strict=True):
        page = files[path].decode("utf-8")
        assert page.count('"type":"Feature"') == n  # only its own areas
        assert 'href="../levekar_kart.html"' in page  # back to the overview
        assert "av 21 (1 = svakest)" in page  # ranks over the whole study
    assert "– Moss</title>" in files["maps/kommuner/moss.html"].decode("utf-8")
