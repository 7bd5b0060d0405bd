"""A categorical feature's values: one spelling for the model, one type for JSON.

The model sees every category as text. Requests, responses, records and batch files
carry them typed, decided once from the categories seen in training:

- all integers as written (`1`, `-2`; not `01` or `1.0`): integer codes, JSON numbers;
- all `true`/`false` in any case (pandas writes `True`/`False`): booleans, JSON
  `true`/`false`, and the model's text is `true`/`false` whatever case the file used;
- anything else: text.

Standard library only: the bento ships this module.
"""

import re
from collections.abc import Iterable, Sequence
from typing import Any

INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
BOOLEAN = {"true": True, "false": False}

Category = bool | int | str


def is_boolean_text(values: Iterable[str]) -> bool:
    """Whether every value reads `true` or `false` (any case), and there is at least one."""
    seen = {str(v).strip().lower() for v in values}
    return bool(seen) and seen <= BOOLEAN.keys()


def typed(categories: Sequence[str]) -> list[Category]:
    """Training's categories (text, sorted) as requests carry them: ints, booleans or text.

    >>> typed(["10", "2"]), typed(["False", "TRUE"]), typed(["01", "2"])
    ([2, 10], [False, True], ['01', '2'])
    """
    if categories and all(INTEGER.fullmatch(value) for value in categories):
        return sorted(int(value) for value in categories)
    if is_boolean_text(categories):
        return sorted(BOOLEAN[value.strip().lower()] for value in categories)
    return list(categories)


def kind(categories: Sequence[Any]) -> type:
    """bool, int or str: how a feature's typed categories (`typed`) travel in JSON."""
    if categories and all(isinstance(c, bool) for c in categories):
        return bool
    if categories and all(isinstance(c, int) and not isinstance(c, bool) for c in categories):
        return int
    return str


def text(value: Any) -> str:
    """A typed category (or a cell) as the model's text: booleans `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_text(value: str, of: type) -> Category:
    """The model's text of a category as its JSON value (the inverse of `text`); text that
    is no such value stays text, for the request type to refuse by name."""
    if of is bool and value.strip().lower() in BOOLEAN:
        return BOOLEAN[value.strip().lower()]
    if of is int and INTEGER.fullmatch(value):
        return int(value)
    return value
