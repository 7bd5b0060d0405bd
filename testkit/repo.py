"""Temporary copies of the project as real git + DVC repositories (used by tests and benches)."""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent

# What a fresh clone holds besides the package code: enough to run `dvc repro`.
PROJECT_FILES = [
    ".dvc/config",
    ".dvc/.gitignore",
    ".dvc/plots",
    ".dvcignore",
    ".gitignore",
    "Makefile",
    "bentofile.yaml",
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    "uv.lock",
    "data/raw",
    "src/classifier",
]
COMMITTED_RESULTS = ["dvc.lock", "reports"]


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


def copy_project(dest: Path, with_results: bool = True) -> None:
    """Copy the project's pipeline files (and, optionally, its committed results) into `dest`."""
    for name in PROJECT_FILES + (COMMITTED_RESULTS if with_results else []):
        src = ROOT / name
        if not src.exists():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "figures")
            shutil.copytree(src, target, ignore=ignore, dirs_exist_ok=True)
        else:
            shutil.copy2(src, target)


def git_commit(repo: Path, message: str) -> None:
    """Stage everything and commit."""
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-q", "--allow-empty", "-m", message], repo)


def new_repo(path: Path, with_results: bool = True) -> Path:
    """A git repository at `path` holding the project, committed on branch main."""
    path.mkdir(parents=True)
    copy_project(path, with_results=with_results)
    run(["git", "init", "-q", "-b", "main"], path)
    git_commit(path, "project")
    return path


def snapshot(repo: Path) -> dict[str, str]:
    """Digest of every pipeline output and dvc.lock, to prove a failed run touched nothing."""
    files = [repo / "dvc.lock"]
    for folder in ("data/prepared", "models", "reports"):
        files.extend(p for p in sorted((repo / folder).rglob("*")) if p.is_file())
    return {str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
