"""The one exception type for user mistakes, and the entry-point wrapper that reports it."""

import logging
import sys
from collections.abc import Callable

log = logging.getLogger("classifier")


class UserError(Exception):
    """A mistake the user can fix (bad data, params, baseline): one line, no traceback."""


def run_cli(main: Callable[[], None]) -> None:
    """Run an entry point: log to stderr, turn a UserError into one line and exit status 1."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        main()
    except UserError as err:
        log.error("error: %s", err)
        sys.exit(1)
