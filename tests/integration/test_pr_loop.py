"""The pull-request loop, fast and still correct: the report job in an environment of its
own dependency group, its caches restored as the workflow restores them (a stand-in for
actions/cache, named as such), nothing recomputed that DVC's run-cache holds, and CML
installed once per version in the comment job."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from testkit.repo import ROOT, git_commit, run

from ..workflow import FakeActionsCache, load_job
from .test_workflows import calls, comment_job, example_artifact, pr_job

REPRODUCE = "Reproduce the pipeline and write the report"


@pytest.fixture(scope="session")
def pipeline_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An environment of the pipeline group alone, built by `make install` as the PR job
    builds it on a cache miss (bytecode left out: it only costs time here)."""
    venv = tmp_path_factory.mktemp("pipeline-env") / "venv"
    make = ["make", "install", "ENV_GROUPS=pipeline", f"VENV={venv}", "UV_COMPILE_BYTECODE=0"]
    run(make, ROOT)
    return venv


def imports(venv: Path, module: str) -> bool:
    probe = subprocess.run([venv / "bin/python", "-c", f"import {module}"], capture_output=True)
    return probe.returncode == 0


def checkout(source: Path, target: Path) -> Path:
    """What actions/checkout leaves: the commit's files, no DVC outputs, no cache."""
    run(["git", "clone", "-q", str(source), str(target)], source.parent)
    run(["git", "checkout", "-q", "pr"], target)
    return target


def test_the_pr_job_runs_in_an_environment_of_its_own_group_alone(
    pr_clone, tmp_path, pipeline_venv
):
    (pr_clone / "README.md").write_text("docs only\n")
    git_commit(pr_clone, "docs")
    runner, artifacts = pr_job(pr_clone, tmp_path)
    runner.env["VENV"] = str(pipeline_venv)
    job = runner.run(load_job("pr.yml", "report"))

    assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
    assert job.step("Install (uv sync --locked; a check on a restored environment)").ran
    assert (artifacts / "report/gate.json").exists()
    assert imports(pipeline_venv, "classifier.report.build")
    for absent in ("bentoml", "dask", "fastapi", "pytest"):  # serve, scale, dev: not installed
        assert not imports(pipeline_venv, absent), absent


def test_an_environment_older_than_the_lock_is_synced_to_it(pipeline_venv):
    """A restored .venv built for another lock (its stamp older than uv.lock, as a cache
    keyed otherwise would leave it) is brought to the lock, never used as it is."""
    uv = os.environ.get("UV") or shutil.which("uv") or str(ROOT / ".tools/bin/uv")
    python = str(pipeline_venv / "bin/python")
    run([uv, "pip", "uninstall", "--python", python, "scipy"], ROOT)
    assert not imports(pipeline_venv, "scipy")
    stamp = pipeline_venv / ".synced-pipeline"
    os.utime(stamp, (0, 0))
    make = [
        "make",
        "install",
        "ENV_GROUPS=pipeline",
        f"VENV={pipeline_venv}",
        "UV_COMPILE_BYTECODE=0",
    ]
    result = run(make, ROOT)
    assert "syncing .venv with uv.lock (pipeline)" in result.stdout
    assert imports(pipeline_venv, "scipy")
    assert not imports(pipeline_venv, "bentoml")
    assert stamp.stat().st_mtime > (ROOT / "uv.lock").stat().st_mtime


def test_a_pr_of_docs_and_report_code_reruns_no_stage_with_the_caches_restored(pr_clone, tmp_path):
    """The runner's checkout holds no DVC output; the DVC cache main's runs saved is
    restored under the key the workflow uses; a PR that touches no stage's inputs gets its
    results checked out of that cache, not recomputed, and its report still pairs."""
    (pr_clone / "README.md").write_text("docs only\n")
    sections = pr_clone / "src/classifier/report/sections.py"
    sections.write_text(sections.read_text() + "\n# report code, reworded\n")
    git_commit(pr_clone, "docs and report code")
    store = tmp_path / "actions-cache"
    shutil.copytree(pr_clone / ".dvc/cache", store / "dvc-Linux-main", symlinks=True)
    workdir = checkout(pr_clone, tmp_path / "runner")
    assert not (workdir / "models/model.joblib").exists()
    run(["git", "remote", "set-url", "origin", str(pr_clone)], workdir)
    runner, artifacts = pr_job(workdir, tmp_path)
    cache = FakeActionsCache(store, workdir)
    runner.actions = {**runner.actions, "actions/cache": cache}
    job = runner.run(load_job("pr.yml", "report"))

    assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
    reproduced = job.step(REPRODUCE).output
    assert "Running stage" not in reproduced, reproduced
    assert (workdir / "models/model.joblib").exists()  # checked out of the cache
    evidence = (artifacts / "report/report.json").read_text()
    assert '"why": null' in evidence  # main's model was in the restored cache: paired


def test_the_comment_job_installs_cml_once_per_version(tmp_path, github, fake_upload_host):
    api, _ = github
    upload, received = fake_upload_host
    store = tmp_path / "actions-cache"
    artifact = example_artifact(tmp_path)
    first, log = comment_job(tmp_path, api, artifact, upload=upload, cache_store=store)
    assert not first.failed, [s.output for s in first.steps if s.status]
    [npm] = calls(log, "npm")
    assert npm["argv"][:3] == [
        "install",
        "--prefix",
        f"{tmp_path}/default-branch/.tools/cml-0.20.6",
    ]
    log.unlink()
    second, log = comment_job(tmp_path, api, artifact, upload=upload, cache_store=store)
    assert not second.failed, [s.output for s in second.steps if s.status]
    assert calls(log, "npm") == []  # restored: nothing installed
    assert calls(log, "cml")  # and the restored CML published the chart
    charts = list((ROOT / "docs/example-report").glob("*.png"))
    assert len(received) == 2 * len(charts)  # every chart, on each run
