"""DVC's command-line output, read: the one line that says why a command failed."""

import re

# How DVC words a refused repository lock (a second command while one is running).
LOCKED = ("is being blocked by", "Unable to acquire lock")
# How DVC words a `.dvc`-tracked file that is not in the workspace.
MISSING_SOURCE = re.compile(
    r"failed to reproduce '(?P<pointer>[^']+)': missing data 'source': (?P<path>\S+)"
)


def not_pulled(path: str, pointer: str) -> str:
    """Why a DVC-tracked file is absent, and what to do about it."""
    return (
        f"{path}: tracked by DVC ({pointer}) but not in the workspace; run `dvc pull` "
        "(in CI: the remote's credentials are missing, as on pull requests from forks)"
    )


def failure_reason(stderr: list[str], status: int) -> str:
    """A stage's own `error:` line if it printed one, else DVC's last ERROR line."""
    ours = [line.removeprefix("error: ").strip() for line in stderr if line.startswith("error: ")]
    if ours:
        return ours[-1]
    theirs = [line.removeprefix("ERROR: ").strip() for line in stderr if line.startswith("ERROR: ")]
    if any(marker in line for line in theirs for marker in LOCKED):
        return (
            "another DVC command is running in this repository and holds the outputs "
            "(nothing was changed); run again when it has finished"
        )
    missing = next(filter(None, map(MISSING_SOURCE.search, theirs)), None)
    if missing:
        return not_pulled(missing["path"], missing["pointer"])
    return theirs[-1] if theirs else f"dvc exited with status {status}"
