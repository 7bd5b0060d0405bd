"""Temporary copies of the project as real git + DVC repositories (used by tests and benches)."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from testkit.datasets import Dataset, params_for

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# The template's machinery: what runs `dvc repro`, the report and the service, whatever
# the data. A project adds its own params.yaml and data/raw/ to it.
MACHINERY = [
    ".dvc/config",
    ".dvc/.gitignore",
    ".dvc/plots",
    ".dvcignore",
    ".gitignore",
    "Makefile",
    "bentofile.yaml",
    "docker",
    "dvc.yaml",
    "pyproject.toml",
    "uv.lock",
    "src/classifier",
]
# The user's own part of the project: only the benches (which measure the bundled
# pipeline) and the dataset checks read it; the template's tests bring their own.
USER_FILES = ["params.yaml", "data/raw"]


def tool_env(**extra: str) -> dict[str, str]:
    """The environment a runner has: the project's .venv first on PATH, quiet git identity."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.com",
        DVC_NO_ANALYTICS="1",
        BENTOML_DO_NOT_TRACK="True",
    )
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    """Run a command in `cwd` with the runner environment, capturing text output."""
    result = subprocess.run(
        cmd, cwd=cwd, env=tool_env(**env), capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def copy_machinery(dest: Path) -> None:
    """Copy the template's machinery (no params.yaml, no data) into `dest`."""
    _copy(MACHINERY, dest)


def _copy(names: list[str], dest: Path) -> None:
    for name in names:
        src = ROOT / name
        if not src.exists():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(
                src, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
            )
        else:
            shutil.copy2(src, target)


def write_dataset(repo: Path, dataset: Dataset, params: dict[str, Any] | None = None) -> None:
    """Put a fixture dataset and its params.yaml in place, as a user swapping data would."""
    (repo / dataset.path).parent.mkdir(parents=True, exist_ok=True)
    (repo / dataset.path).write_text(dataset.csv())
    text = yaml.safe_dump(params or params_for(dataset), sort_keys=False, allow_unicode=True)
    (repo / "params.yaml").write_text(text)


def git_commit(repo: Path, message: str) -> None:
    """Stage everything and commit."""
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "--allow-empty", "-m", message], repo)


def fixture_repo(path: Path, dataset: Dataset, params: dict[str, Any] | None = None) -> Path:
    """A git repository at `path`: the machinery, a fixture dataset and its params, on main."""
    path.mkdir(parents=True)
    copy_machinery(path)
    write_dataset(path, dataset, params)
    run(["git", "init", "-q", "-b", "main"], path)
    git_commit(path, "project")
    return path


def project_repo(path: Path) -> Path:
    """A git repository at `path` holding the project as it is here (the user's data and params).

    For the benchmarks, which measure the bundled pipeline; tests use `fixture_repo`.
    """
    path.mkdir(parents=True)
    copy_machinery(path)
    _copy(USER_FILES, path)
    run(["git", "init", "-q", "-b", "main"], path)
    git_commit(path, "project")
    return path


def snapshot(repo: Path) -> dict[str, str]:
    """Digest of every pipeline output and dvc.lock, to prove a failed run touched nothing."""
    files = [repo / "dvc.lock"]
    for folder in ("data/prepared", "models", "reports"):
        files.extend(p for p in sorted((repo / folder).rglob("*")) if p.is_file())
    return {str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
