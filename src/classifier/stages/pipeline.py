"""`make check` and `make run`: validate every input first, then `dvc repro`.

DVC deletes a stage's outputs before running it, so a stage that fails on bad input
would leave the previous results gone. Checking params and data before DVC starts
means a mistake stops the run with nothing touched.
"""

import logging
import subprocess
import sys

from classifier.contracts.errors import UserError
from classifier.contracts.params import Params, load_params
from classifier.stages.data import cv_problems
from classifier.stages.prepare import prepare

log = logging.getLogger(__name__)


def preflight(params: Params) -> str:
    """Everything a stage would reject, checked up front; returns a one-line summary."""
    train, test, _ = prepare(params)
    problems = cv_problems(train[params.data.target], params.train.cv_folds)
    if problems:
        raise UserError(f"{params.paths.raw_data}: " + "; ".join(problems))
    return (
        f"params.yaml and {params.paths.raw_data} are valid: {len(train)} training and "
        f"{len(test)} test rows, {len(params.data.classes)} classes, "
        f"{len(params.train.candidates)} candidates"
    )


def reproduce(dvc_args: list[str]) -> None:
    """Run `dvc repro`, its output shown as it comes; a failure raises its one-line reason."""
    process = subprocess.Popen(["dvc", "repro", *dvc_args], stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stderr or []:
        sys.stderr.write(line)
        lines.append(line)
    if process.wait() != 0:
        raise UserError(failure_reason(lines, process.returncode))


LOCKED = ("is being blocked by", "Unable to acquire lock")


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
    return theirs[-1] if theirs else f"dvc repro exited with status {status}"


def run_pipeline(dvc_args: list[str] = ()) -> None:
    """`make run`: preflight, then `dvc repro`; a UserError says what to fix."""
    log.info("%s", preflight(load_params()))
    reproduce(list(dvc_args))


def main(argv: list[str]) -> None:
    """`classifier check`: validate only. `classifier run [DVC ARGS]`: validate, then repro."""
    if argv[0] == "check":
        log.info("%s", preflight(load_params()))
    else:
        run_pipeline(argv[1:])
