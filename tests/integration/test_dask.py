"""Model selection on a real `dask.distributed` cluster on 127.0.0.1: the same bytes as local.

The cluster is a scheduler and two single-threaded worker processes, started with
Dask's own command line from this project's environment, as a team would run them.
"""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from testkit.dask import Cluster
from testkit.datasets import params_for
from testkit.repo import fixture_repo, run, snapshot, tool_env

REPORTS = ("metrics.json", "per_class.json", "confusion.json", "importance.json", "cv.json")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    started = Cluster(tmp_path / "dask.log")
    try:
        yield started
    finally:
        started.stop()


def test_model_selection_on_a_dask_cluster_writes_the_local_runs_bytes(
    history, fruit_data, cluster, tmp_path
):
    params = params_for(fruit_data, compute={"backend": "dask", "n_jobs": -1})
    repo = fixture_repo(tmp_path / "repo", fruit_data, params)
    result = run(["classifier", "run"], repo, DASK_SCHEDULER_ADDRESS=cluster.address)
    assert f"Dask cluster at {cluster.address}: 2 workers, 2 threads" in result.stderr
    local = history[0] / "reports"
    for name in REPORTS:
        assert (repo / "reports" / name).read_bytes() == (local / name).read_bytes(), name

    cluster.stop_scheduler()
    reports = {k: v for k, v in snapshot(repo).items() if "reports/" in k}
    edited = yaml.safe_load((repo / "params.yaml").read_text())
    edited["train"]["cv_folds"] = 4  # train must run again, on the cluster that is gone
    (repo / "params.yaml").write_text(yaml.safe_dump(edited, sort_keys=False))
    address = f"error: cannot reach the Dask scheduler at {cluster.address} ("
    for command in (["classifier", "run"], ["dvc", "repro"]):  # make run, and bare DVC
        failed = run(command, repo, check=False, DASK_SCHEDULER_ADDRESS=cluster.address)
        assert failed.returncode != 0
        assert "Traceback" not in failed.stderr
        [line] = [x for x in failed.stderr.splitlines() if x.startswith("error: ")]
        assert line.startswith(address), failed.stderr
        assert {k: v for k, v in snapshot(repo).items() if "reports/" in k} == reports


def test_dask_without_a_scheduler_address_says_which_variable(fruit_data, tmp_path):
    params = params_for(fruit_data, compute={"backend": "dask"})
    repo = fixture_repo(tmp_path / "repo", fruit_data, params)
    env = {k: v for k, v in tool_env().items() if k != "DASK_SCHEDULER_ADDRESS"}
    failed = subprocess.run(
        ["classifier", "run"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: compute.backend is dask: set DASK_SCHEDULER_ADDRESS to the scheduler's "
        "address (tcp://host:8786), or set compute.backend: local"
    )
