"""Command-line interface: ``levekar run``, ``levekar demo``, ``levekar index``.

Errors from levekar are one line on stderr and exit code 2; ``--debug`` shows
the traceback. Heavy modules are imported inside the commands so that
``levekar --help`` is instant.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ._version import __version__
from .errors import LevekarError

app = typer.Typer(
    name="levekar",
    help="Levekår (living conditions) analysis for Norwegian municipalities.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's own help layout: flags without typer's "<bool>" placeholder (issue 14)
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"levekar {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    """Levekår (living conditions) analysis for Norwegian municipalities."""


def _progress():
    from rich.console import Console

    console = Console(stderr=True)
    start = time.perf_counter()

    def say(msg: str) -> None:
        console.print(f"[dim]{time.perf_counter() - start:5.1f} s[/dim]  {msg}")

    return console, say


@app.command()
def run(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Study TOML file. Without it: the demo study."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("."),
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat every data-quality warning as an error (exit 2)."),
    ] = False,
) -> None:
    """Run the whole analysis and write data/processed/, maps/ and reports/ under OUT."""
    from .pipeline import run as run_study
    from .pipeline import write

    _check_out(out)
    console, say = _progress()
    say("Leser studien" + ("" if config else " (innebygd demo: syntetiske demodata)"))
    study = _load(config)
    results = run_study(study, progress=say, strict=strict)
    paths = write(results, out, progress=say)
    sel = results.selection
    console.print(f"[bold]Valgt av regelen:[/bold] {', '.join(sel.loc[sel['selected'], 'name'])}")
    console.print(f"[bold]I satsingen:[/bold] {', '.join(sel.loc[sel['in_initiative'], 'name'])}")
    if results.synthetic:
        console.print(f"[bold red]{results.label}[/bold red]")
    say(f"Ferdig: {len(paths)} filer under {out.resolve()}")
    _print_findings(console, results.findings)
    typer.echo(f"Åpne: {(out / 'index.html').resolve()}")


@app.command()
def check(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Study TOML file. Without it: the demo study."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat every data-quality warning as an error (exit 2)."),
    ] = False,
) -> None:
    """Check a study's files and settings in seconds: every finding, nothing written.

    The inputs, the index and the rule's choice without the Monte Carlo and without the
    reasons for the choice; exit 2 on an error (every error at once).
    """
    from .pipeline import run as run_study

    console, say = _progress()
    say("Leser studien" + ("" if config else " (innebygd demo: syntetiske demodata)"))
    study = _load(config)
    study.config.selection.draws = 0
    study.config.selection.spatial = False
    results = run_study(study, progress=say, strict=strict, explain=False)
    sel = results.selection
    first, last = results.study_years
    q = results.crosswalk.quality
    console.print(
        f"[bold]Studien kan kjøres:[/bold] {q.n_sources} grunnkretser → {q.n_targets} "
        f"lokalsamfunn, år {first}–{last}, {len(results.spec.indicators)} indikatorer i "
        f"indeksen, utvalgsår {results.year}."
    )
    console.print(f"[bold]Valgt av regelen:[/bold] {', '.join(sel.loc[sel['selected'], 'name'])}")
    _print_findings(console, results.findings, limit=None)
    if not len(results.findings):
        console.print("Ingen funn i datagrunnlaget.")


def _check_out(out: Path) -> None:
    """Refuse an output folder that cannot be one before any work is done."""
    from .errors import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file, not a folder; give a folder for the outputs.")
    parent = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    import os

    if not os.access(parent, os.W_OK):
        raise ConfigError(
            f"--out {out}: {parent} is not writable; choose a folder you can write to."
        )


def _print_findings(console, findings, *, limit: int | None = 10) -> None:
    """Print the run's data-quality findings last, on stderr: a count and the first few."""
    if not len(findings):
        return
    where = (
        ""
        if limit is None
        else " (all of them in data/processed/run_report.json and the report's «Om tallene»)"
    )
    console.print(f"[bold yellow]Data quality:[/bold yellow] {findings.summary()}{where}")
    for f in findings.items[:limit]:
        console.print(
            f"  {f.severity} {f.kind}: {f.text()}", markup=False, highlight=False, soft_wrap=True
        )
    if limit is not None and len(findings) > limit:
        console.print(f"  … and {len(findings) - limit} more")


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the demo's input files and study.toml.")
    ] = Path("levekar-demo"),
    seed: Annotated[int, typer.Option(help="Seed for the synthetic data.")] = 2023,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a study.toml that has been edited.")
    ] = False,
) -> None:
    """Write the synthetic demo study's input files and its study.toml, to copy and edit."""
    from .demo import write_demo_inputs
    from .demo.files import demo_study_toml
    from .errors import ConfigError

    existing = out / "study.toml"
    if not force and existing.exists():
        try:
            same = existing.read_text(encoding="utf-8") == demo_study_toml(seed)
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            raise ConfigError(
                f"{existing} exists and differs from the demo's study.toml (edited?); "
                "it was left as it is. Use --force to overwrite it, or choose another --out."
            )
    paths = write_demo_inputs(out, seed=seed)
    typer.echo(
        f"Skrev {len(paths)} filer til {out} (syntetiske demodata). "
        f"Kjør: levekar run --config {out / 'study.toml'} --out <mappe>"
    )


@app.command()
def reselect(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Study TOML file. Without it: the demo study."),
    ] = None,
    years: Annotated[
        str, typer.Option("--years", "-y", help="Years to re-run, e.g. 2018-2023 or 2021,2023.")
    ] = "",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("."),
    spatial: Annotated[
        bool, typer.Option(help="Add Moran's I and LISA clusters (libpysal/esda).")
    ] = True,
) -> None:
    """Re-run the selection rule on each year's data; write a table and a bokmål report section."""
    from .errors import ConfigError
    from .io.atomic import write_atomic
    from .pipeline import run as run_study
    from .publish import reselection_files

    console, say = _progress()
    study = _load(config)
    first, last = study.config.study.years or (
        int(study.observations["year"].astype(int).min()),
        int(study.observations["year"].astype(int).max()),
    )
    have = range(first, last + 1)
    wanted = _parse_years(years) if years else list(have)
    outside = [y for y in wanted if y not in have]
    if outside:
        raise ConfigError(f"--years: {outside} are outside the study's years {have[0]}–{have[-1]}.")
    study.config.selection.spatial = spatial
    # Only the stages the reselection needs: not why the selection year's areas.
    results = run_study(study, progress=say, reselect_years=wanted, explain=False)
    _print_findings(console, results.findings)
    paths = write_atomic(reselection_files(results), out)
    from .render.presentation import names_of

    names = results.names
    for row in results.reselection.summary.itertuples():
        entered, left = names_of(row.entered, names), names_of(row.left, names)
        console.print(
            f"{row.year}: {names_of(row.selected, names)}"
            + (f"  (kom inn: {entered})" if entered else "")
            + (f"  (gikk ut: {left})" if left else "")
        )
    say(f"Ferdig: {len(paths)} filer under {out.resolve()}")


@app.command()
def batch(
    template: Annotated[
        Path, typer.Argument(help="Study TOML with {kommune} where the kommune's number goes.")
    ],
    kommuner: Annotated[
        str | None,
        typer.Option(
            "--kommuner", "-k", help="Kommune numbers, e.g. 3107,3103 (default: [batch] kommuner)."
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (one subfolder per kommune).")
    ] = Path("batch"),
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Local processes (default: the cores).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler address (tcp://host:8786); needs levekar[batch]."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Treat every warning as an error in each study.")
    ] = False,
) -> None:
    """Run one study per kommune from a template, in a process pool or on a Dask cluster."""
    from .batch import batch_tasks, run_batch

    _check_out(out)
    console, say = _progress()
    names = [k for k in (kommuner or "").split(",") if k.strip()] or None
    tasks = batch_tasks(template, out, kommuner=names, strict=strict)
    where = f"Dask-klyngen {scheduler}" if scheduler else "lokale prosesser"
    say(f"{len(tasks)} kommuner i {where}")

    def done(row: dict) -> None:
        status = f"feil: {row['error']}" if row["error"] else f"valgt: {row['selected']}"
        say(f"{row['kommune']} ferdig på {row['seconds']:.1f} s, {status}")

    summary = run_batch(tasks, workers=workers, scheduler=scheduler, progress=done)
    out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out / "batch_summary.csv", index=False)
    typer.echo(summary.drop(columns=["out"]).to_string(index=False))
    say(f"Ferdig: sammendrag i {(out / 'batch_summary.csv').resolve()}")
    if (summary["error"] != "").any():
        raise typer.Exit(2)


def _mount_fetch() -> None:
    from .fetch.cli import fetch_app

    app.add_typer(
        fetch_app,
        name="fetch",
        help="Fetch SSB tables, KLASS code changes, grunnkretser and schools.",
    )


_mount_fetch()


def _load(config: Path | None):
    """Load the study named by ``--config``, or the embedded demo study."""
    if config is None:
        from .demo import demo_study

        return demo_study()
    from .study import load_study

    return load_study(config)


def _parse_years(text: str) -> list[int]:
    from .errors import ConfigError

    years: list[int] = []
    try:
        for part in text.split(","):
            a, _, b = part.strip().partition("-")
            years.extend(range(int(a), int(b or a) + 1))
    except ValueError:
        raise ConfigError(f"--years: {text!r} is not like 2018-2023 or 2021,2023.") from None
    return sorted(set(years))


@app.command("index")
def index_cmd(
    input: Annotated[
        Path, typer.Argument(help="CSV, Parquet or GeoPackage with one row per area.")
    ],
    spec: Annotated[Path, typer.Option("--spec", "-s", help="Index specification (TOML).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output CSV.")] = Path("index.csv"),
) -> None:
    """Compute a composite index from a table and an index specification."""
    from .index import index_from_spec, load_index_spec
    from .io.index_table import read_index_input, write_index_output

    s = load_index_spec(spec)
    data = read_index_input(input)
    result = index_from_spec(data, s, source=str(input))
    write_index_output(result, out)
    typer.echo(f"Skrev {len(result)} rader til {out}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; levekar's errors become one line on stderr and exit code 2.

    Usage errors (an unknown option) show typer's message and exit 2; bare ``levekar``
    shows the help and exits 0; ``--debug`` re-raises with the original traceback.
    Nothing here imports a package that is not a declared dependency.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in args
    try:
        app(args=args, prog_name="levekar", standalone_mode=False)
    except LevekarError as exc:
        if debug:
            exc.__suppress_context__ = False  # show the original error under levekar's own
            raise
        print(f"levekar: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("levekar: aborted", file=sys.stderr)
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors, raised by typer's own click
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()
            sys.exit(0)
        if debug:
            raise
        exc.show()
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        print("levekar: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
