"""The few git questions the project asks, answered by the git command line (standard library)."""

import subprocess
from pathlib import Path


def git(root: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` in `root` (the current directory when None), output captured as text."""
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def short_sha(root: Path | None, rev: str = "HEAD") -> str | None:
    """The abbreviated commit of `rev`, or None when there is none (or no repository)."""
    return git(root, "rev-parse", "--short", f"{rev}^{{commit}}").stdout.strip() or None


def commit_sha(root: Path | None = None) -> str:
    """The full commit of HEAD, with `-dirty` when tracked files differ from it."""
    sha = git(root, "rev-parse", "HEAD").stdout.strip() or "unknown"
    dirty = git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    return f"{sha}-dirty" if dirty else sha


def show(root: Path | None, rev: str, path: Path) -> str | None:
    """A file's text at `rev`, or None when it is not committed there."""
    result = git(root, "show", f"{rev}:{path.as_posix()}")
    return result.stdout if result.returncode == 0 else None
