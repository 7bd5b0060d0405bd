"""Reading report data that may come from anyone: each value checked for its kind on access.

The comment job renders a report that a pull request's own workflow wrote, so the
renderer reads it through these getters: a value of the wrong kind raises `Malformed`
naming where it was, and the job then posts a short comment saying the artifact is
malformed instead of a report. Standard library only.
"""

import math
from collections.abc import Collection, Mapping
from typing import Any


class Malformed(ValueError):
    """The report data does not have the shape the renderer reads."""


def _kind(data: Any, kind: type, noun: str, where: str) -> Any:
    if not isinstance(data, kind):
        raise Malformed(f"{where} must be {noun}, got {type(data).__name__}")
    return data


def obj(data: Any, where: str) -> Mapping[str, Any]:
    """`data` if it is a JSON object."""
    return _kind(data, dict, "an object", where)


def items(data: Any, where: str) -> list[Any]:
    """`data` if it is a JSON array."""
    return _kind(data, list, "an array", where)


def text(data: Any, where: str) -> str:
    """`data` if it is a string."""
    return _kind(data, str, "a string", where)


def maybe_text(data: Any, where: str) -> str | None:
    """A string or null."""
    return None if data is None else text(data, where)


def real(data: Any, where: str) -> float | None:
    """A number (null, NaN and infinities read as absent)."""
    if data is None:
        return None
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise Malformed(f"{where} must be a number, got {type(data).__name__}")
    return float(data) if math.isfinite(data) else None


def whole(data: Any, where: str) -> int:
    """A non-negative integer."""
    if isinstance(data, bool) or not isinstance(data, int) or data < 0:
        raise Malformed(f"{where} must be a whole number, got {data!r:.40}")
    return data


def flag(data: Any, where: str) -> bool:
    """A boolean."""
    return _kind(data, bool, "true or false", where)


def choice(data: Any, options: Collection[str], where: str) -> str:
    """One of a fixed set of names."""
    if not isinstance(data, str) or data not in options:
        raise Malformed(f"{where} must be one of {', '.join(sorted(options))}")
    return data
