"""How every command runs: its module loaded with the garbage collector paused; errors as one line.

DVC runs every stage in a process of its own, so loading pandas and scikit-learn is
much of a short stage's time, and Python's cyclic garbage collector makes it slower:
it keeps scanning the hundreds of thousands of objects the imports create, and scans
them all again at exit. It is paused while the command's module loads, and what loaded
is then frozen out of its view (`gc.freeze`); objects the command creates are
collected as usual. This changes no result (`make bench-pipeline` measures it).
"""

import gc
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from classifier.contracts.errors import UserError

log = logging.getLogger("classifier")


def load(module: str) -> ModuleType:
    """Import a command's module with the garbage collector paused, then freeze what loaded."""
    gc.disable()
    try:
        return importlib.import_module(module)
    finally:
        gc.freeze()
        gc.enable()


def run_cli(main: Callable[[], int | None]) -> None:
    """Run an entry point: log to stderr, a UserError as one line and exit status 1.

    `main` may return an exit status (a failed quality gate is 1 without being an error).
    Ctrl-C ends with status 130 and one line, as shells expect.
    """
    # Our own progress at INFO; libraries (httpx logs every request at INFO) only warnings.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("classifier").setLevel(logging.INFO)
    try:
        status = main()
    except UserError as err:
        log.error("error: %s", err)
        sys.exit(1)
    except KeyboardInterrupt:
        log.error("interrupted")
        sys.exit(130)
    if status:
        sys.exit(status)


def dispatch(argv: Sequence[str], commands: dict[str, tuple[str, str]], prog: str) -> None:
    """Run `argv[0]` of `commands` (name -> (module, summary)) with the whole argv."""
    args = list(argv)
    if not args or args[0] not in commands:
        unknown = bool(args) and args[0] not in ("-h", "--help")
        width = max(map(len, commands))
        listed = "\n".join(f"  {name:<{width}}  {about}" for name, (_, about) in commands.items())
        first = f"{prog}: unknown command {args[0]!r}\n" if unknown else ""
        sys.stderr.write(f"{first}usage: {prog} COMMAND [ARGS]\n\ncommands:\n{listed}\n")
        sys.exit(2 if unknown or not args else 0)
    module = load(commands[args[0]][0])
    run_cli(lambda: module.main(args))
