"""The one exception type for user mistakes; `contracts.cli.run_cli` prints it as one line."""


class UserError(Exception):
    """A mistake the user can fix (bad data, params, baseline): one line, no traceback."""
