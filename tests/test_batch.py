import importlib.util
import tomllib

import pandas as pd
import pytest
from conftest import cli

from levekar.batch import batch_tasks, run_batch, run_kommune
from levekar.errors import ConfigError
from levekar.io.tomlfile import dumps_toml


def _template(demo_dir, name="batch_template"):
    """The demo as a template: {kommune} in it; 20 draws of sampling only, no peers, no map
    or report: the cheapest whole study."""
    cfg = tomllib.loads((demo_dir / "study.toml").read_text(encoding="utf-8"))
    cfg["study"]["name"] = "Levekår i kommune {kommune}"
    cfg["study"]["kommune"] = "{kommune}"
    cfg["selection"]["draws"] = 20
    for key in ("weight_concentration", "methods", "leave_one_out"):  # sampling only: no Sobol
        cfg["selection"].pop(key, None)
    cfg["output"] = {"map": False, "report": False}
    cfg["index_comparison"] = {"presets": []}
    cfg["batch"] = {"kommuner": ["3107", "3103"]}
    path = demo_dir / f"{name}.toml"
    path.write_text(dumps_toml(cfg), encoding="utf-8")
    return path


def test_template_makes_one_study_per_kommune(demo_dir, tmp_path):
    tasks = batch_tasks(_template(demo_dir), tmp_path)
    assert [t.kommune for t in tasks] == ["3107", "3103"]
    assert 'kommune = "3103"' in tasks[1].text and "{kommune}" not in tasks[1].text
    assert tasks[0].out == str(tmp_path / "3107")
    with pytest.raises(ConfigError, match="more than once"):
        batch_tasks(_template(demo_dir), tmp_path, kommuner=["3107", "3107"])
    no_placeholder = demo_dir / "study.toml"
    with pytest.raises(ConfigError, match="placeholder"):
        batch_tasks(no_placeholder, tmp_path, kommuner=["3107", "3103"])
    with pytest.raises(ConfigError, match="no kommuner"):
        batch_tasks(no_placeholder, tmp_path)


def test_a_failing_kommune_is_a_row_not_the_end(demo_dir, tmp_path):
    (task,) = batch_tasks(_template(demo_dir), tmp_path, kommuner=["12"])
    row = run_kommune(task)  # study.kommune "12" is not a 4-digit kommune number
    assert row["kommune"] == "12" and row["error"] and row["selected"] == ""


def test_process_pool_runs_every_kommune_with_one_summary(demo_dir, tmp_path, capsys):
    template = _template(demo_dir)
    code, out, err = cli(capsys, "batch", str(template), "-o", str(tmp_path), "-w", "2")
    assert code == 0, err
    assert "3103" in out  # the summary table on stdout
    summary = pd.read_csv(tmp_path / "batch_summary.csv", dtype={"kommune": str}).fillna("")
    assert summary["kommune"].tolist() == ["3107", "3103"]
    assert (summary["error"] == "").all()
    assert summary["selected"].nunique() == 1 and summary["selected"].iloc[0]
    assert (summary["seconds"] > 0).all()
    for k in ("3107", "3103"):
        assert (tmp_path / k / "data" / "processed" / "selection.csv").exists()
    a, b = (tmp_path / k / "data/processed/selection.csv" for k in ("3107", "3103"))
    assert a.read_bytes() == b.read_bytes()


def test_a_scheduler_without_dask_is_a_clear_error(demo_dir, tmp_path, monkeypatch):
    import sys

    from levekar.batch import run_batch
    from levekar.errors import ConfigError

    monkeypatch.setitem(sys.modules, "distributed", None)  # as after a plain pip install
    tasks = batch_tasks(_template(demo_dir), tmp_path, kommuner=["3107"])
    with pytest.raises(
        ConfigError, match=r"--scheduler needs dask.distributed: pip install 'levekar\[batch\]'"
    ):
        run_batch(tasks, scheduler="tcp://127.0.0.1:1")


@pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed is not installed (pip install 'levekar[batch]')",
)
def test_dask_cluster_runs_the_same_task(demo_dir, tmp_path):
    from distributed import LocalCluster

    tasks = batch_tasks(_template(demo_dir), tmp_path)
    # Two workers in this process (threads): the scheduler, the workers and the task function
    # talk over TCP as on a real cluster, without starting processes that import levekar
    # again (the process pool's test covers separate processes).
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        assert len(cluster.workers) == 2
        summary = run_batch(tasks, scheduler=cluster.scheduler_address)
    assert summary["kommune"].tolist() == ["3107", "3103"]
    assert (summary["error"] == "").all(), summary["error"].tolist()
    assert summary["selected"].nunique() == 1
    assert (tmp_path / "3103" / "data" / "processed" / "selection.csv").exists()
