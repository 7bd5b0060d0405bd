"""dvc.yaml declares exactly what each stage reads, so DVC reruns what changed and nothing else."""

import subprocess
import sys

import pytest
import yaml
from testkit.imports import source_files
from testkit.repo import ROOT

from classifier.contracts.params import Paths

RUNTIME = "src/classifier/runtime/"


@pytest.fixture(scope="module")
def dvc_yaml() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())


@pytest.mark.parametrize("stage", ["prepare", "train", "evaluate"])
def test_stage_code_deps_are_exactly_the_modules_it_imports(dvc_yaml, stage):
    declared = {dep for dep in dvc_yaml["stages"][stage]["deps"] if dep.startswith("src/")}
    runner = source_files("classifier.stages.__main__")
    imported = set(source_files(f"classifier.stages.{stage}")) | set(runner)
    # How a command runs computes nothing: left out, so its edits rerun no stage.
    assert declared == {f for f in imported if not f.startswith(RUNTIME)}
    assert any(f.startswith(RUNTIME) for f in runner)  # the runner does use it


@pytest.mark.parametrize("stage", ["prepare", "train", "evaluate"])
def test_stage_runs_its_own_module_and_depends_on_the_lock_file(dvc_yaml, stage):
    definition = dvc_yaml["stages"][stage]
    assert definition["cmd"] == f"python -m classifier.stages {stage}"
    assert "uv.lock" in definition["deps"]


def test_every_path_in_params_is_wired_in_dvc_yaml():
    text = (ROOT / "dvc.yaml").read_text()
    for key in Paths.model_fields:
        assert f"${{paths.{key}}}" in text, key


def test_the_first_stage_validates_the_whole_params_file(dvc_yaml):
    # Any edit of params.yaml reruns prepare, which checks every section before a later
    # stage (or the report) could stumble on it; unchanged outputs skip the rest.
    first = next(iter(dvc_yaml["stages"]))
    assert first == "prepare"
    assert dvc_yaml["stages"][first]["params"] == [{"params.yaml": None}]


def test_the_first_stage_writes_only_to_the_dvc_cache(dvc_yaml):
    # DVC deletes a stage's outputs before running it: the validating stage must not own
    # anything committed to git, or a failed validation would delete it.
    outs = dvc_yaml["stages"]["prepare"]["outs"]
    assert all(isinstance(out, str) for out in outs), outs
    assert "metrics" not in dvc_yaml["stages"]["prepare"]


def test_the_stage_runner_names_the_stages_when_given_another(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "classifier.stages", "trian"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "python -m classifier.stages: unknown command 'trian'"
    assert [line.split()[0] for line in lines[4:]] == ["prepare", "train", "evaluate"]
