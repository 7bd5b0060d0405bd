"""YAML read the way DVC reads it (ruamel.yaml, YAML 1.2), with errors naming file and line.

YAML 1.2 keeps `yes`, `no`, `on` and `off` as text (YAML 1.1 turns them into booleans),
so `classes: [yes, no]` means what it says, and DVC's view of params.yaml (for
`${…}` in dvc.yaml and for params tracking) is the same as the code's.
"""

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from classifier.contracts.errors import UserError


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a missing file, a syntax error or a repeated key is a UserError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except UnicodeDecodeError as err:
        raise UserError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text; `name` is how the error message refers to it."""
    try:
        return YAML(typ="safe").load(text)
    except MarkedYAMLError as err:
        where = f" line {err.problem_mark.line + 1}:" if err.problem_mark else ""
        problem = err.problem or err.context or "cannot be parsed"
        raise UserError(f"{name}:{where} invalid YAML: {problem}") from None
    except YAMLError as err:
        raise UserError(f"{name}: invalid YAML: {str(err).splitlines()[0]}") from None
