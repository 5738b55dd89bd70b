import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import copy_outputs

from levekar.pipeline import run, write
from levekar.publish import processed_files


def test_every_grunnkrets_and_lokalsamfunn_is_accounted_for(demo_results, demo_study):
    cw = demo_results.crosswalk
    gk = set(demo_study.grunnkretser["code"])
    assert set(cw.table["source_code"]) | set(cw.unassigned["source_code"]) == gk
    assert set(demo_results.index["code"]) == set(demo_study.lokalsamfunn["code"])
    assert len(demo_results.index) == 21
    acc = demo_results.accounting
    assert acc.grunnkretser == len(gk) and acc.lokalsamfunn_with_data == 21
    assert acc.observation_rows_unmatched == 0


def test_population_is_conserved_from_grunnkretser_to_lokalsamfunn(demo_results, demo_study):
    q = demo_results.crosswalk.quality
    grid_total = demo_study.population["popTot"].sum()
    assert q.population_total + q.population_outside_source_layer == pytest.approx(grid_total)
    unassigned = demo_results.crosswalk.unassigned["population"].fillna(0).sum()
    assert q.population_assigned + unassigned == pytest.approx(q.population_total, abs=1e-6)
    assert demo_results.index["population"].sum() == pytest.approx(q.population_assigned, abs=21)


def test_counts_are_conserved_through_the_crosswalk(demo_results):
    obs = demo_results.observations
    counts = demo_results.counts
    lost = demo_results.unmatched
    for ind in ("leie", "utflytting"):
        for year in (2018, 2023):
            o = obs[(obs["indicator"] == ind) & (obs["year"] == year)]
            c = counts[(counts["indicator"] == ind) & (counts["year"] == year)]
            gone = lost[(lost["indicator"] == ind) & (lost["year"] == year)]
            assert c["denominator"].sum() + gone["denominator"].sum() == pytest.approx(
                o["denominator"].sum(), rel=1e-12
            )


def test_published_tables_hide_small_denominators(demo_results):
    from levekar.publish import published_indicators

    pub = published_indicators(demo_results)
    small = pub["publish_status"] == "suppressed"
    assert pub.loc[small, ["value", "numerator", "denominator"]].isna().all().all()
    shown = pub[pub["value"].notna()]
    assert (shown["denominator"] >= 30).all()


def test_outputs_say_synthetic_and_are_deterministic(demo_results, demo_results_again):
    files = processed_files(demo_results)
    again = processed_files(demo_results_again)
    assert files.keys() == again.keys()
    for name, data in files.items():
        assert data == again[name], name
        if data.count(b"\n") > 1:  # an empty table has only its header
            assert b"Syntetiske demodata" in data, name


def test_write_creates_all_outputs(demo_outputs):
    tmp_path = demo_outputs
    rel = json.loads((tmp_path / "data/processed/run_report.json").read_text(encoding="utf-8"))[
        "outputs"
    ]
    assert rel == sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert "maps/levekar_kart.html" in rel and "reports/levekar_rapport.html" in rel
    assert "data/processed/crosswalk_grunnkrets_lokalsamfunn.csv" in rel
    html = (tmp_path / "maps/levekar_kart.html").read_text(encoding="utf-8")
    assert "Syntetiske demodata" in html
    assert "cdn.jsdelivr.net" not in html and "code.jquery.com" not in html  # opens offline
    report = (tmp_path / "reports/levekar_rapport.html").read_text(encoding="utf-8")
    for name in ("Sentrum", "Sellebakk", "Lisleby"):
        assert name in report
    assert "Syntetiske demodata" in report
    sel = pd.read_csv(tmp_path / "data/processed/selection.csv")
    assert len(sel) == 21 and sel["p_top_k"].sum() == pytest.approx(3.0)
    meta = json.loads((tmp_path / "data/processed/run_report.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True


def test_failed_write_leaves_previous_outputs_intact(
    demo_results, demo_outputs, tmp_path, monkeypatch
):
    tmp_path = copy_outputs(demo_outputs, tmp_path / "out")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    import levekar.render.report

    def boom(inputs, figures=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(levekar.render.report, "report_files", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write(demo_results, tmp_path)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
    assert not list(tmp_path.glob(".levekar-staging-*"))


def test_targets_cover_three_focus_areas_for_each_initiative_area(demo_results):
    t = demo_results.targets
    assert set(t["focus_area"]) == {"oppvekst", "sysselsetting", "bomiljo"}
    assert set(t["name"]) == {"Sentrum", "Sellebakk", "Lisleby"}
    assert np.isfinite(t["target_2028"]).all()


def test_peer_methods_run_side_by_side(demo_results):
    agreement = demo_results.agreement.set_index("preset")
    assert set(agreement.index) == {"ssb_score10", "rank_sum", "imd", "oecd_z_mean"}
    assert agreement["spearman_with_study_index"].between(0.5, 1.0).all()
    assert (agreement["overlap_top_k"] >= 1).all()
    assert len(demo_results.comparison) == 21


def test_handlingsplan_xlsx_has_all_focus_areas(demo_outputs):
    from openpyxl import load_workbook

    tmp_path = demo_outputs
    wb = load_workbook(tmp_path / "reports" / "handlingsplan.xlsx")
    ws = wb["Handlingsplan"]
    assert "Syntetiske demodata" in ws["A2"].value
    header = [c.value for c in ws[4]]
    for col in (
        "Innsatsområde",
        "Mål",
        "Indikator",
        "Utgangsverdi",
        "Mål 2024",
        "Mål 2028",
        "Siste verdi",
        "Status",
    ):
        assert col in header, col
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    focus = {r[header.index("Innsatsområde")] for r in rows}
    assert focus == {"Oppvekst og utdanning", "Sysselsetting", "Bo- og nærmiljø"}
    assert {r[header.index("Status")] for r in rows} <= {
        "nådd",
        "på sporet",
        "bak skjema",
        "ikke målbart",
        "ingen nye tall",
    }
    # Numbers and years are numeric cells with display formats; a filter row, a frozen
    # header, and a sheet per focus area after the overview.
    assert wb.sheetnames == [
        "Handlingsplan",
        "Oppvekst og utdanning",
        "Sysselsetting",
        "Bo- og nærmiljø",
    ]
    first = rows[0]
    for col in ("Utgangsverdi", "Mål 2024", "Mål 2028", "Siste verdi", "Kommunen (samme år)"):
        assert isinstance(first[header.index(col)], float), col
    for col in ("Utgangspunkt fra år", "Utgangspunkt til år", "Siste verdi (år)"):
        assert isinstance(first[header.index(col)], int) and first[header.index(col)] > 2000
    cell = ws.cell(row=5, column=header.index("Utgangsverdi") + 1)
    assert cell.number_format == "0.0 %" and 0 < cell.value < 1  # a share, stored as a fraction
    assert ws.cell(row=5, column=header.index("Siste verdi (år)") + 1).number_format == "0"
    for sheet in wb.worksheets:
        assert sheet.auto_filter.ref.startswith("A4:") and sheet.freeze_panes == "A5"
    csv = (tmp_path / "reports" / "handlingsplan.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith("Datagrunnlag;Innsatsområde;Mål;")
    for focus_id in ("oppvekst", "sysselsetting", "bomiljo"):
        assert (tmp_path / "reports" / "figurer" / f"mal_{focus_id}.png").stat().st_size > 10_000


def test_shrinkage_switch_changes_the_index_and_says_so(demo_results):
    from levekar.demo import demo_config as default_demo_config
    from levekar.demo import demo_study as demo_as_study
    from levekar.pipeline import run
    from levekar.publish import report_inputs
    from levekar.render.report import render_report
    from levekar.study import parse_config

    study = demo_as_study()
    cfg = default_demo_config()
    cfg["indicators"]["shrinkage"] = True
    # The point index does not depend on the draws; few draws keep the test quick.
    cfg["selection"]["draws"] = 200
    study.config = parse_config(cfg)
    results = run(study)
    r = results.rates
    scored = r.dropna(subset=["shrinkage"])
    assert len(scored) > 0 and scored["shrinkage"].between(0, 1).all()
    assert (
        r.loc[r["indicator"] == "inntekt_forbruksenhet", "shrinkage"].isna().all()
    )  # medians are not smoothed
    smoothed = results.index.set_index("code")["score"]
    plain = demo_results.index.set_index("code")["score"]
    assert not np.allclose(smoothed.to_numpy(), plain.loc[smoothed.index].to_numpy())
    assert "Utjevning av små tall" in render_report(report_inputs(results), b"")


def test_report_gives_band_and_p_top_3_for_every_lokalsamfunn(demo_results, demo_results_again):
    from levekar.publish import report_inputs
    from levekar.render.report import render_report

    sel = demo_results.selection
    assert sel["p_top_k"].notna().all() and sel["rank_p05"].notna().all() and len(sel) == 21
    page = render_report(report_inputs(demo_results), b"")
    for row in sel.itertuples():
        assert f"<td>{row.name}</td>" in page
        assert f"{int(row.rank_p05)}–{int(row.rank_p95)}" in page
    again = demo_results_again.selection
    pd.testing.assert_frame_equal(sel, again)  # identical for the same seed


def test_selection_and_reselection_files_agree_for_the_selection_year(demo_results):
    import io

    from levekar.publish import processed_files

    files = processed_files(demo_results)
    sel = (
        pd.read_csv(io.BytesIO(files["data/processed/selection.csv"]))
        .set_index("code")
        .sort_index()
    )
    res = pd.read_csv(io.BytesIO(files["data/processed/reselection.csv"]))
    res = res[res["year"] == demo_results.year].set_index("code").sort_index()
    for col in ("selected", "rank", "rank_p05", "rank_p95", "p_top_k", "p_selected", "score"):
        pd.testing.assert_series_equal(sel[col], res[col], check_names=False)
    summary = pd.read_csv(io.BytesIO(files["data/processed/reselection_summary.csv"])).set_index(
        "year"
    )
    chosen = sorted(sel.index[sel["selected"]])
    assert sorted(summary.loc[demo_results.year, "selected"].split(", ")) == chosen


@pytest.mark.parametrize("rule", ["multiple_deprivation", "contiguous"])
def test_other_rules_run_end_to_end_with_one_truth(demo_study, rule):
    import copy

    from levekar.demo import demo_config
    from levekar.study import parse_config

    cfg = demo_config()
    cfg["selection"].update({"draws": 200, "methods": [], "leave_one_out": False})
    if rule == "multiple_deprivation":
        cfg["selection"].update({"rule": "multiple_deprivation", "min_indicators_worse": 4})
    else:
        cfg["selection"]["contiguous"] = True
    study = copy.copy(demo_study)
    study.config = parse_config(cfg, source="demo study")
    results = run(study, reselect_years=[2022, 2023])
    assert results.rule.kind == rule
    sel = results.selection.set_index("code").sort_index()
    res = results.reselection.table
    res = res[res["year"] == results.year].set_index("code").sort_index()
    for col in ("selected", "rank_p05", "rank_p95", "p_top_k", "p_selected"):
        pd.testing.assert_series_equal(sel[col], res[col], check_names=False)
    if rule == "multiple_deprivation":
        assert (sel.loc[sel["selected"], "n_worse"] >= 4).all() and (
            sel.loc[~sel["selected"], "n_worse"] < 4
        ).all()
    else:
        assert sel["selected"].sum() == 3


def test_results_and_study_show_a_short_summary(demo_results, demo_study):
    r = demo_results
    text = repr(r)
    assert "\n" not in text and len(text) < 300 and text.startswith("Results(Syntetiske demodata")
    chosen = r.selection.loc[r.selection["selected"], "name"].tolist()
    assert ", ".join(chosen) in text
    html = r._repr_html_()
    assert f"The {r.rule.k + 3} areas ranked most deprived in {r.year}" in html
    assert all(f"<td>{name}</td>" in html for name in chosen)
    assert html.count("</tr>") == len(r._summary()) + 1 + r.rule.k + 3
    assert "\n" not in repr(demo_study) and "176 grunnkretser, 21 lokalsamfunn" in repr(demo_study)
    assert "<td>3107 Fredrikstad</td>" in demo_study._repr_html_()
    # Names come from the data: escaped in the figures (selected, initiative) and the table.
    first = r.selection.loc[r.selection["selected"] & r.selection["in_initiative"], "code"].iloc[0]
    evil = replace(r, names={**r.names, first: "<script>alert(1)</script>"})._repr_html_()
    assert "<script>" not in evil and evil.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3


def test_a_check_runs_every_finding_stage_but_cannot_be_written(demo_study, demo_results, tmp_path):
    import copy

    from levekar.errors import ConfigError

    study = copy.copy(demo_study)
    study.config = demo_study.config.model_copy(deep=True)
    study.config.selection.draws = 0
    checked = run(study, explain=False)
    assert not checked.explained and checked.rule_family.empty and checked.counterfactuals.empty
    assert checked.selection["selected"].sum() == 3 and len(checked.targets)
    # The same findings and the same choice as the whole run (whose draws change neither).
    full = demo_results
    assert full.explained and len(full.rule_family)
    assert [f.kind for f in checked.findings.items] == [f.kind for f in full.findings.items]
    cols = ["code", "selected", "rank", "score"]
    pd.testing.assert_frame_equal(checked.selection[cols], full.selection[cols])
    with pytest.raises(ConfigError, match="come from a check"):
        write(checked, tmp_path)
    assert list(tmp_path.iterdir()) == []
