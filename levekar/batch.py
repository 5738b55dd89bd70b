"""One study per kommune from a template: ``levekar batch``.

The template is a study TOML in which ``{kommune}`` stands for the kommune's number
(in paths, names, ``study.kommune``); the kommuner are given on the command line or in
the template's own ``[batch]`` table (``kommuner = ["3107", "3103"]``), which is taken
out before the study is validated. Each kommune is one task, :func:`run_kommune`, run
in a local process pool (:mod:`concurrent.futures`) or, given a scheduler address, on a
Dask cluster (:mod:`dask.distributed`, an optional dependency imported only then): the
same task function either way. A kommune that fails is a row of the summary with its
error, not the end of the batch.
"""

from __future__ import annotations

import os
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import ConfigError, LevekarError

__all__ = ["BatchTask", "batch_tasks", "run_batch", "run_kommune", "SUMMARY_COLUMNS"]

PLACEHOLDER = "{kommune}"
SUMMARY_COLUMNS = ["kommune", "selected", "findings", "seconds", "error", "out"]


@dataclass(frozen=True)
class BatchTask:
    """One kommune's study: the template's text with the kommune filled in.

    Attributes
    ----------
    kommune : str
        The kommune's number.
    text : str
        The study TOML for the kommune (placeholders filled in, ``[batch]`` kept).
    base_dir : str
        Folder relative paths in the TOML are read from (the template's).
    source : str
        Name of the study for messages (template path and kommune).
    out : str
        The kommune's output folder.
    strict : bool
        Treat every data-quality warning as an error.
    """

    kommune: str
    text: str
    base_dir: str
    source: str
    out: str
    strict: bool = False


def batch_tasks(
    template: str | Path,
    out_dir: str | Path,
    *,
    kommuner: list[str] | None = None,
    strict: bool = False,
) -> list[BatchTask]:
    """Read a template and make one task per kommune.

    Parameters
    ----------
    template : str or pathlib.Path
        The study TOML with ``{kommune}`` placeholders.
    out_dir : str or pathlib.Path
        Each kommune's outputs go to ``out_dir/<kommune>/``.
    kommuner : list of str, optional
        The kommune numbers; default the template's ``[batch] kommuner``.
    strict : bool, default False
        Treat every warning as an error in each study.

    Returns
    -------
    list of BatchTask
        One per kommune, in the order given.

    Raises
    ------
    ConfigError
        If the template cannot be read or is not TOML, no kommune is given, a kommune is
        given twice, or the template has no placeholder while several kommuner are given.
    """
    path = Path(template)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the batch template ({exc.strerror}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    given = kommuner if kommuner else data.get("batch", {}).get("kommuner", [])
    given = [str(k).strip() for k in given if str(k).strip()]
    if not given:
        raise ConfigError(
            f"{path}: no kommuner; give --kommuner 3107,3103 or [batch] kommuner = [...] "
            "in the template."
        )
    dup = sorted({k for k in given if given.count(k) > 1})
    if dup:
        raise ConfigError(f"{path}: kommune(r) given more than once: {', '.join(dup)}.")
    if PLACEHOLDER not in text and len(given) > 1:
        raise ConfigError(
            f"{path}: the template has no {PLACEHOLDER} placeholder, so every kommune would "
            "run the same study; put {kommune} where the kommune's number belongs."
        )
    out = Path(out_dir)
    return [
        BatchTask(
            kommune=k,
            text=text.replace(PLACEHOLDER, k),
            base_dir=str(path.resolve().parent),
            source=f"{path} [{k}]",
            out=str(out / k),
            strict=strict,
        )
        for k in given
    ]


def run_kommune(task: BatchTask) -> dict:
    """Run one kommune's study and write its outputs: the task of the pool and the cluster.

    Parameters
    ----------
    task : BatchTask
        The kommune's study.

    Returns
    -------
    dict
        A summary row: ``kommune``, ``selected`` (the names the rule chose, comma
        separated), ``findings`` (counted by kind), ``seconds`` (wall time of the task),
        ``error`` (empty, or the one-line message of a :class:`~levekar.LevekarError`)
        and ``out`` (the output folder).
    """
    from .pipeline import run, write
    from .study import parse_config, study_from_config

    t0 = time.perf_counter()
    row = {"kommune": task.kommune, "selected": "", "findings": "", "error": "", "out": task.out}
    try:
        data = tomllib.loads(task.text)
        data.pop("batch", None)
        cfg = parse_config(data, source=task.source, base_dir=Path(task.base_dir))
        results = run(study_from_config(cfg, source=task.source), strict=task.strict)
        write(results, task.out)
        sel = results.selection
        row["selected"] = ", ".join(sel.loc[sel["selected"], "name"])
        row["findings"] = results.findings.summary()
    except tomllib.TOMLDecodeError as exc:
        row["error"] = f"{task.source}: not valid TOML after filling in the kommune: {exc}"
    except LevekarError as exc:
        row["error"] = str(exc)
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


def run_batch(
    tasks: list[BatchTask],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress=None,
) -> pd.DataFrame:
    """Run the tasks in a local process pool, or on a Dask cluster, and summarise them.

    Parameters
    ----------
    tasks : list of BatchTask
        From :func:`batch_tasks`.
    workers : int, optional
        Processes of the local pool (default: the machine's cores, at most one per task);
        1 runs the tasks one after another in this process. Ignored with ``scheduler``.
    scheduler : str, optional
        Address of a ``dask.distributed`` scheduler (``tcp://host:8786``); the tasks run
        on its workers, which need levekar and the inputs' paths.
    progress : callable, optional
        Called with each finished row.

    Returns
    -------
    pandas.DataFrame
        One row per kommune in the tasks' order, columns :data:`SUMMARY_COLUMNS`.

    Raises
    ------
    ConfigError
        If ``scheduler`` is given and dask.distributed is not installed.
    """
    say = progress or (lambda _row: None)
    rows: dict[str, dict] = {}
    if scheduler:
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise ConfigError(
                "--scheduler needs dask.distributed: pip install 'levekar[batch]'."
            ) from None
        with Client(scheduler) as client:
            futures = client.map(run_kommune, tasks, key=[f"levekar-{t.kommune}" for t in tasks])
            for fut in as_completed(futures):
                row = fut.result()
                rows[row["kommune"]] = row
                say(row)
    else:
        n = workers or min(os.cpu_count() or 1, len(tasks))
        if n <= 1:
            for task in tasks:
                rows[task.kommune] = row = run_kommune(task)
                say(row)
        else:
            with ProcessPoolExecutor(max_workers=n) as pool:
                for row in pool.map(run_kommune, tasks):
                    rows[row["kommune"]] = row
                    say(row)
    return pd.DataFrame([rows[t.kommune] for t in tasks], columns=SUMMARY_COLUMNS)
