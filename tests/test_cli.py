"""The command line: error formats in-process through ``levekar.cli.main``, and one end-to-end
run through the installed entry point in a subprocess."""

import re
import shutil
import subprocess
import sys
import tomllib

import pytest
from conftest import cli, edited_study

from levekar import __version__
from levekar.cli import main


def test_version_and_help(capsys):
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"levekar {__version__}"
    code, out, _ = cli(capsys, "--help")
    assert code == 0 and "run" in out and "demo" in out


@pytest.mark.parametrize(
    "command",
    [[], ["run"], ["demo"], ["reselect"], ["batch"], ["index"], ["fetch"], ["fetch", "ssb"]],
)
def test_help_shows_flags_without_type_placeholders(capsys, command):
    code, out, _ = cli(capsys, *command, "--help")
    assert code == 0 and "Usage" in out and "--help" in out
    assert "<bool>" not in out and "Traceback" not in out


def test_bare_levekar_shows_help_and_exits_0(capsys):
    code, out, err = cli(capsys)
    assert code == 0 and "Usage" in out + err and "Traceback" not in out + err


def test_unknown_option_is_a_usage_error_not_a_traceback(capsys):
    code, out, err = cli(capsys, "run", "--bogus")
    assert code == 2 and "No such option: --bogus" in out + err and "Traceback" not in out + err


def test_end_to_end_through_the_entry_point(demo_dir, demo_results, tmp_path):
    """The one subprocess test: the installed command runs the demo's files (as `levekar demo`
    writes them) and gives the embedded demo's results, byte for byte.

    (The embedded demo without --config goes through the same entry point in
    test_reselect_command, and CI's .ci/plain-install runs `levekar run` after a plain install.)
    """
    from levekar.publish import processed_files

    exe = shutil.which("levekar") or None
    cmd = [exe] if exe else [sys.executable, "-m", "levekar.cli"]
    out = tmp_path / "out"
    r = subprocess.run(
        [*cmd, "run", "--config", str(demo_dir / "study.toml"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert (out / "maps" / "levekar_kart.html").exists()
    assert "Syntetiske demodata" in r.stderr + r.stdout
    # The run ends by saying which file to open: the landing page.
    landing = (out / "index.html").resolve()
    assert landing.exists() and r.stdout.strip().splitlines()[-1] == f"Åpne: {landing}"
    # The same results as the embedded demo.
    embedded = processed_files(demo_results)
    for rel in ("data/processed/index_lokalsamfunn.csv", "data/processed/selection.csv"):
        assert (out / rel).read_bytes() == embedded[rel], rel
    r = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == f"levekar {__version__}"


def test_demo_files_then_check_with_config(capsys, tmp_path):
    # `levekar demo` writes the study as files; `levekar check` reads them back (the subprocess
    # test runs the same files whole and compares them with the embedded demo).
    code, _, err = cli(capsys, "demo", "--out", str(tmp_path / "mystudy"))
    assert code == 0, err
    folder = tmp_path / "mystudy"
    cfg = tomllib.loads((folder / "study.toml").read_text(encoding="utf-8"))
    assert cfg["study"]["data_label"] == "Syntetiske demodata"
    for name in (
        "grunnkretser.gpkg",
        "skolekretser.gpkg",
        "befolkning_250m.gpkg",
        "indikatorer_grunnkrets.csv",
        "kodeendringer.csv",
        "skolekrets_lokalsamfunn.csv",
    ):
        assert (folder / name).exists(), name
    code, out, err = cli(capsys, "check", "--config", str(folder / "study.toml"))
    assert code == 0, err
    assert "Valgt av regelen: Sentrum, Seut, Lisleby" in " ".join((out + err).split())


def test_demo_command_writes_the_inputs(capsys, tmp_path):
    code, out, _ = cli(capsys, "demo", "--out", str(tmp_path / "d"))
    assert code == 0 and "syntetiske demodata" in out
    assert (tmp_path / "d" / "study.toml").exists() and (tmp_path / "d" / "LESMEG.txt").exists()
    # An edited study.toml is not overwritten without --force.
    toml = tmp_path / "d" / "study.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    code, _, err = cli(capsys, "demo", "--out", str(tmp_path / "d"))
    assert code == 2 and "differs from the demo's study.toml" in err and "--force" in err
    assert toml.read_text(encoding="utf-8").endswith("# mine\n")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace("k = 3", "k = 0"),
            "selection.k: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            lambda t: t.replace('areas = ["Sentrum"', 'areas = ["Atlantis"'),
            "initiative.areas: 'Atlantis'",
        ),
        (
            lambda t: t.replace('"indikatorer_grunnkrets.csv"', '"mangler.csv"'),
            "mangler.csv: file not found.",
        ),
        (lambda t: t + "\n[uventet]\nx = 1\n", "uventet: Extra inputs are not permitted"),
    ],
    ids=["k0", "atlantis", "missing-file", "unknown-table"],
)
def test_errors_are_one_line_and_exit_2(capsys, demo_dir, tmp_path, edit, message, request):
    cfg = edited_study(demo_dir, request.node.callspec.id, edit)
    code, _, err = cli(capsys, "run", "--config", str(cfg), "--out", str(tmp_path / "out"))
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[-1].startswith("levekar: error: ") and message in lines[-1]
    assert "Traceback" not in err
    assert not (tmp_path / "out" / "maps").exists()


def test_missing_config_file(capsys):
    code, _, err = cli(capsys, "run", "--config", "finnes-ikke.toml")
    assert code == 2 and "finnes-ikke.toml: configuration file not found." in err


def test_index_command(capsys, tmp_path):
    table = tmp_path / "areas.csv"
    table.write_text(
        "code;lavinntekt;sysselsetting\nA;0,10;0,80\nB;0,30;0,70\nC;0,20;0,75\n", encoding="latin-1"
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[index]\nid = "code"\nnormalisation = "rank"\naggregation = "weighted_mean"\n'
        '[[index.indicators]]\ncolumn = "lavinntekt"\n'
        '[[index.indicators]]\ncolumn = "sysselsetting"\nhigher_is_worse = false\n',
        encoding="utf-8",
    )
    out = tmp_path / "out" / "index.csv"
    code, _, err = cli(capsys, "index", str(table), "--spec", str(spec), "--out", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").splitlines() == [
        "code,score,rank,decile",
        "A,1,3,10",
        "B,3,1,4",
        "C,2,2,7",
    ]
    bad = tmp_path / "bad.toml"
    bad.write_text(spec.read_text(encoding="utf-8").replace('"rank"', '"ranks"'), encoding="utf-8")
    code, _, err = cli(capsys, "index", str(table), "--spec", str(bad), "--out", str(out))
    assert code == 2 and "index.normalisation" in err and "Traceback" not in err


def test_reselect_command(capsys, tmp_path, monkeypatch):
    import levekar.demo.files

    # The embedded demo (no --config), with fewer draws than its 2,000.
    full = levekar.demo.files.demo_config

    def fewer_draws():
        cfg = full()
        cfg["selection"]["draws"] = 200
        return cfg

    monkeypatch.setattr(levekar.demo.files, "demo_config", fewer_draws)
    code, _, err = cli(
        capsys, "reselect", "--years", "2021-2023", "--out", str(tmp_path), "--no-spatial"
    )
    assert code == 0, err
    summary = (tmp_path / "data" / "processed" / "reselection_summary.csv").read_text(
        encoding="utf-8"
    )
    assert summary.splitlines()[0].startswith("data_label,year,selected")
    assert len(summary.splitlines()) == 4 and "Syntetiske demodata" in summary
    page = (tmp_path / "reports" / "utvelgelse_over_tid.html").read_text(encoding="utf-8")
    assert "utvelgelse år for år" in page and "Syntetiske demodata" in page
    code, _, err = cli(capsys, "reselect", "--years", "2015-2016", "--out", str(tmp_path))
    assert code == 2 and "outside the study's years 2018–2023" in err


def test_check_says_every_finding_and_writes_nothing(capsys, demo_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, "check", "--config", str(demo_dir / "study.toml"))
    assert code == 0, err
    text = out + err
    assert "Studien kan kjøres: 176 grunnkretser → 21 lokalsamfunn" in " ".join(text.split())
    assert "code_change_split" in text and "mostly_suppressed" in text and "… and" not in text
    assert list(tmp_path.iterdir()) == []  # nothing written
    bad = edited_study(demo_dir, "check_bad", lambda t: t.replace("k = 3", "k = 0"))
    code, out, err = cli(capsys, "check", "--config", str(bad))
    assert code == 2 and "selection.k" in err and "Traceback" not in out + err


def test_debug_shows_the_traceback(capsys):
    from levekar.errors import ConfigError

    with pytest.raises(ConfigError, match="configuration file not found"):
        main(["--debug", "run", "--config", "finnes-ikke.toml"])


def test_study_without_population_or_reference(capsys, demo_dir, tmp_path):
    def without(t):
        t = t.replace('[population]\npath = "befolkning_250m.gpkg"\ncolumn = "popTot"\n', "")
        # Accessibility counts people: without a population layer it goes too.
        t = t[: t.index("[accessibility]")] + t[t.index("[initiative]") :]
        return t.replace('reference = "referanse_norge.csv"\n', "").replace(
            "draws = 2000", "draws = 100"
        )

    cfg = edited_study(demo_dir, "no_population", without)
    code, _, err = cli(capsys, "run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2 and "crosswalk.weighting = 'population' needs a [population] layer" in err
    cfg = edited_study(
        demo_dir,
        "area_weights",
        lambda t: without(t).replace('weighting = "population"', 'weighting = "area"'),
    )
    code, _, err = cli(capsys, "run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 0, err
    sel = (tmp_path / "o" / "data" / "processed" / "selection.csv").read_text(encoding="utf-8")
    assert len(sel.splitlines()) == 22
    cfg = edited_study(
        demo_dir,
        "too_big",
        lambda t: (
            without(t)
            .replace('weighting = "population"', 'weighting = "area"')
            .replace("min_population = 1000", "min_population = 100000")
        ),
    )
    code, _, err = cli(capsys, "run", "--config", str(cfg), "--out", str(tmp_path / "o"))
    assert code == 2 and "selection.min_population = 100000 leaves 0 lokalsamfunn" in err


def test_index_command_refuses_empty_and_infinite_inputs(capsys, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[index]\nid = "code"\nnormalisation = "z"\n[[index.indicators]]\ncolumn = "a"\n',
        encoding="utf-8",
    )
    out = tmp_path / "o.csv"
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    header = tmp_path / "header.csv"
    header.write_text("code;a\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("code;a\nA;1\nB;inf\nC;x\n", encoding="utf-8")
    for path, message in (
        (empty, "the file is empty"),
        (header, "has a header but no rows"),
        (bad, r"2 problems:\n  - column 'a', row 1 \(id 'B'\): 'inf' is infinite"),
    ):
        code, _, err = cli(capsys, "index", str(path), "--spec", str(spec), "--out", str(out))
        assert code == 2 and re.search(message, err) and "Traceback" not in err, err
    assert not out.exists()


def test_debug_shows_the_original_error_under_levekars(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("k = = 3", encoding="utf-8")
    import traceback

    from levekar.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        main(["--debug", "run", "--config", str(bad)])
    assert not info.value.__suppress_context__
    text = "".join(traceback.format_exception(info.value))
    assert "TOMLDecodeError" in text
