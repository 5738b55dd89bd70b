"""The command line, run as a user would: through the installed entry point."""

import subprocess
import sys
import tomllib

import pytest

from levekar import __version__


def levekar(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "levekar.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_version_and_help():
    r = levekar("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"levekar {__version__}"
    r = levekar("--help")
    assert r.returncode == 0 and "run" in r.stdout and "demo" in r.stdout


def test_demo_files_then_run_with_config(tmp_path):
    r = levekar("demo", "--out", str(tmp_path / "demo"))
    assert r.returncode == 0, r.stderr
    cfg = tomllib.loads((tmp_path / "demo" / "study.toml").read_text(encoding="utf-8"))
    assert cfg["study"]["data_label"] == "Syntetiske demodata"
    for name in ("grunnkretser.gpkg", "skolekretser.gpkg", "befolkning_250m.gpkg", "indikatorer_grunnkrets.csv",
                 "kodeendringer.csv", "skolekrets_lokalsamfunn.csv"):
        assert (tmp_path / "demo" / name).exists(), name
    r = levekar("run", "--config", str(tmp_path / "demo" / "study.toml"), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "maps" / "levekar_kart.html").exists()
    # The same results as the embedded demo.
    r2 = levekar("run", "--out", str(tmp_path / "out2"))
    assert r2.returncode == 0, r2.stderr
    for rel in ("data/processed/index_lokalsamfunn.csv", "data/processed/selection.csv"):
        assert (tmp_path / "out" / rel).read_bytes() == (tmp_path / "out2" / rel).read_bytes(), rel


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('k = 3', 'k = 0'), "selection.k: Input should be greater than or equal to 1 (got 0)"),
        (lambda t: t.replace('areas = ["Sentrum"', 'areas = ["Atlantis"'), "initiative.areas: 'Atlantis'"),
        (lambda t: t.replace('"indikatorer_grunnkrets.csv"', '"mangler.csv"'), "mangler.csv: file not found."),
        (lambda t: t + "\n[uventet]\nx = 1\n", "uventet: Extra inputs are not permitted"),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path, edit, message):
    assert levekar("demo", "--out", str(tmp_path)).returncode == 0
    cfg = tmp_path / "study.toml"
    cfg.write_text(edit(cfg.read_text(encoding="utf-8")), encoding="utf-8")
    r = levekar("run", "--config", str(cfg), "--out", str(tmp_path / "out"))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("levekar: error: ") and message in lines[-1]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "out" / "maps").exists()


def test_missing_config_file():
    r = levekar("run", "--config", "finnes-ikke.toml")
    assert r.returncode == 2 and "finnes-ikke.toml: configuration file not found." in r.stderr


def test_index_command(tmp_path):
    table = tmp_path / "areas.csv"
    table.write_text("code;lavinntekt;sysselsetting\nA;0,10;0,80\nB;0,30;0,70\nC;0,20;0,75\n", encoding="latin-1")
    spec = tmp_path / "spec.toml"
    spec.write_text('[index]\nid = "code"\nnormalisation = "rank"\naggregation = "weighted_mean"\n'
                    '[[index.indicators]]\ncolumn = "lavinntekt"\n'
                    '[[index.indicators]]\ncolumn = "sysselsetting"\nhigher_is_worse = false\n', encoding="utf-8")
    out = tmp_path / "out" / "index.csv"
    r = levekar("index", str(table), "--spec", str(spec), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").splitlines() == [
        "code,score,rank,decile", "A,1,3,10", "B,3,1,4", "C,2,2,7"]
    bad = tmp_path / "bad.toml"
    bad.write_text(spec.read_text(encoding="utf-8").replace('"rank"', '"ranks"'), encoding="utf-8")
    r = levekar("index", str(table), "--spec", str(bad), "--out", str(out))
    assert r.returncode == 2 and "index.normalisation" in r.stderr and "Traceback" not in r.stderr


def test_reselect_command(tmp_path):
    r = levekar("reselect", "--years", "2021-2023", "--out", str(tmp_path), "--no-spatial")
    assert r.returncode == 0, r.stderr
    summary = (tmp_path / "data" / "processed" / "reselection_summary.csv").read_text(encoding="utf-8")
    assert summary.splitlines()[0].startswith("data_label,year,selected")
    assert len(summary.splitlines()) == 4 and "Syntetiske demodata" in summary
    page = (tmp_path / "reports" / "utvelgelse_over_tid.html").read_text(encoding="utf-8")
    assert "utvelgelse år for år" in page and "Syntetiske demodata" in page
    bad = levekar("reselect", "--years", "2015-2016", "--out", str(tmp_path))
    assert bad.returncode == 2 and "outside the study's years 2018–2023" in bad.stderr


def test_debug_shows_the_traceback():
    r = levekar("--debug", "run", "--config", "finnes-ikke.toml")
    assert r.returncode != 0 and "Traceback" in r.stderr and "ConfigError" in r.stderr


def test_study_without_population_or_reference(tmp_path):
    assert levekar("demo", "--out", str(tmp_path)).returncode == 0
    cfg = tmp_path / "study.toml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace('[population]\npath = "befolkning_250m.gpkg"\ncolumn = "popTot"\n', "")
    text = text.replace('reference = "referanse_norge.csv"\n', "")
    cfg.write_text(text, encoding="utf-8")
    r = levekar("run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "crosswalk.weighting = 'population' needs a [population] layer" in r.stderr
    cfg.write_text(text.replace('weighting = "population"', 'weighting = "area"'), encoding="utf-8")
    r = levekar("run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    sel = (tmp_path / "o" / "data" / "processed" / "selection.csv").read_text(encoding="utf-8")
    assert len(sel.splitlines()) == 22
    cfg.write_text(text.replace('weighting = "population"', 'weighting = "area"').replace(
        "min_population = 1000", "min_population = 100000"), encoding="utf-8")
    r = levekar("run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "selection.min_population = 100000 leaves 0 lokalsamfunn" in r.stderr
