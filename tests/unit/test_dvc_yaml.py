"""dvc.yaml declares exactly what each stage reads, so DVC reruns what changed and nothing else."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from classifier.comparison import outdated_stages
from classifier.params import Paths

from ..repo import ROOT

PACKAGE = ROOT / "src" / "classifier"


@pytest.fixture(scope="module")
def dvc_yaml() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())


def package_imports(module: str) -> set[str]:
    """The classifier modules `module` imports, directly or through each other."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "classifier":
                todo.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier."):
                todo.append(node.module.split(".")[1])
    return seen


@pytest.mark.parametrize("stage", ["prepare", "train", "evaluate"])
def test_stage_code_deps_are_exactly_the_modules_it_imports(dvc_yaml, stage):
    declared = {
        Path(dep).stem
        for dep in dvc_yaml["stages"][stage]["deps"]
        if dep.startswith("src/classifier/")
    }
    assert declared == package_imports(stage) | package_imports("__main__")


@pytest.mark.parametrize("stage", ["prepare", "train", "evaluate"])
def test_stage_runs_its_own_module_and_depends_on_the_lock_file(dvc_yaml, stage):
    definition = dvc_yaml["stages"][stage]
    assert definition["cmd"] == f"python -m classifier {stage}"
    assert "uv.lock" in definition["deps"]


def test_every_path_in_params_is_wired_in_dvc_yaml():
    text = (ROOT / "dvc.yaml").read_text()
    for key in Paths.model_fields:
        assert f"${{paths.{key}}}" in text, key


def test_committed_dvc_lock_matches_the_code_data_and_params():
    # Missing cached outputs (a fresh clone) are fine; changed inputs mean `make run` + commit.
    assert outdated_stages(ROOT) == [], "dvc.lock is stale: run `make run` and commit it"


def test_the_stage_runner_names_the_stages_when_given_another(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "classifier", "trian"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert result.stderr.strip() == "usage: python -m classifier {prepare,train,evaluate}"
