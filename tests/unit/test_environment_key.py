"""The environment cache's key: everything the environment is built from is in it."""

import shutil
import subprocess
from pathlib import Path

from testkit.repo import ROOT, tool_env


def key(project: Path, **env: str) -> str:
    out = subprocess.run(
        ["make", "-s", "ci-env-key"],
        cwd=project,
        env=tool_env(GITHUB_OUTPUT="", RUNNER_OS="Linux", RUNNER_ARCH="X64", **env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out.startswith("key=venv-Linux-X64-py3."), out
    return out


def test_the_key_changes_with_the_lock_the_project_the_groups_and_dask(tmp_path):
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "params.yaml").write_text("compute:\n  backend: local\n")
    pipeline = key(tmp_path, ENV_GROUPS="pipeline")
    assert pipeline == key(tmp_path, ENV_GROUPS="pipeline")  # the same inputs, the same key
    assert "-pipeline-" in pipeline
    assert key(tmp_path, ENV_GROUPS="all") != pipeline
    (tmp_path / "params.yaml").write_text("compute:\n  backend: dask\n")
    assert "-pipeline+scale-" in key(tmp_path, ENV_GROUPS="pipeline")  # the client joins
    (tmp_path / "params.yaml").write_text("compute:\n  backend: local\n")
    with (tmp_path / "uv.lock").open("a") as lock:
        lock.write("\n")  # any change to the lock: another environment
    assert key(tmp_path, ENV_GROUPS="pipeline") != pipeline
    shutil.copy(ROOT / "uv.lock", tmp_path / "uv.lock")
    assert key(tmp_path, ENV_GROUPS="pipeline") == pipeline
    with (tmp_path / "pyproject.toml").open("a") as project:
        project.write("\n# a new entry point or group\n")
    assert key(tmp_path, ENV_GROUPS="pipeline") != pipeline
