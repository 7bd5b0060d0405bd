"""`make check` and `make run`: validate without running, or `dvc repro` with quiet output.

The validation itself is the pipeline's first stage (classifier.stages.prepare), so
bare `dvc repro` and `dvc exp run` are as safe as `make run`; `make check` runs the
same checks without DVC and writes nothing.
"""

import logging
import subprocess
import sys
import threading
from collections.abc import Iterable
from typing import IO

from classifier.contracts.errors import UserError
from classifier.contracts.params import load_params
from classifier.stages.compute import reachable
from classifier.stages.prepare import describe, prepare, warnings
from classifier.tools.dvc_output import failure_reason

log = logging.getLogger(__name__)

# DVC's lines that say nothing a `make run` user acts on: the command echo, lock-file
# bookkeeping, and the push hint (`make push` is the verb, and only with a remote).
QUIET = ("> ", "Generating lock file", "Updating lock file", "Use `dvc push`")


def check() -> str:
    """`make check`: every check of the prepare stage, nothing written; a one-line summary
    and a line per data-quality warning."""
    params = load_params()
    prepared = prepare(params)
    return "\n".join([describe(params, prepared), *warnings(params, prepared)])


def shown(line: str) -> bool:
    """Whether a line of `dvc repro`'s standard output is worth printing."""
    return bool(line.strip()) and not line.startswith(QUIET)


def _relay(stream: IO[str], out: IO[str], keep: list[str], errors: bool) -> None:
    """Copy lines as they come; error lines are kept for the one-line reason, not printed."""
    for line in stream:
        if errors and line.startswith(("error: ", "ERROR: ")):
            keep.append(line)
        elif errors or shown(line):
            out.write(line)
            out.flush()


def restore_outputs() -> None:
    """Check out of the DVC cache every output dvc.lock names that the cache holds.

    A CI checkout has no DVC output in its workspace, and `dvc repro` reruns a stage
    whose outputs are missing unless DVC's run-cache has it, which it never has for a
    stage with an uncached output (train's cv.json, committed to git). Restored first,
    a stage whose inputs did not change is not rerun. Missing cache entries are left to
    `dvc repro`; it never prompts (nothing here would overwrite a changed file).
    """
    subprocess.run(
        ["dvc", "checkout", "--allow-missing", "--quiet"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )


def reproduce(dvc_args: Iterable[str] = ()) -> None:
    """Run `dvc repro` with its progress shown; a failure raises its one-line reason."""
    process = subprocess.Popen(
        ["dvc", "repro", *dvc_args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    errors: list[str] = []
    relays = [
        threading.Thread(target=_relay, args=(process.stdout, sys.stdout, [], False)),
        threading.Thread(target=_relay, args=(process.stderr, sys.stderr, errors, True)),
    ]
    for relay in relays:
        relay.start()
    for relay in relays:
        relay.join()
    if process.wait() != 0:
        raise UserError(failure_reason(errors, process.returncode))


def main(argv: list[str]) -> None:
    """`classifier check`: validate only. `classifier run [DVC ARGS]`: `dvc repro`."""
    if argv[0] == "check":
        log.info("%s", check())
    else:
        # Before DVC deletes any output: a stage that runs on the cluster needs it up.
        reachable(load_params().compute)
        reproduce(argv[1:])
