"""Key paths into nested data, written one way everywhere: `train.candidates.svm.C[0]`.

Params errors, request errors, params diffs and metric comparisons all name a place
inside a nested structure; this is the one spelling and the one flattening.
"""

import json
from collections.abc import Sequence
from typing import Any

# Markers pydantic puts in an error's location that are not keys of the data.
NOT_KEYS = frozenset({"[key]"})


def dotted(loc: Sequence[Any]) -> str:
    """A location as one path; a name that holds a dot is quoted, so it reads as one name.

    >>> dotted(("train", "candidates", "svm", "C", 0))
    'train.candidates.svm.C[0]'
    >>> dotted(("rows", 0, "MS.SubClass"))
    'rows[0]["MS.SubClass"]'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif "." in str(part):
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
        elif part not in NOT_KEYS:
            out += f".{part}" if out else str(part)
    return out


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} -> {'a.b': 1}; lists and scalars are leaves."""
    if not isinstance(tree, dict) or not tree:
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, item in tree.items():
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def differences(old: Any, new: Any) -> list[tuple[str, Any, Any]]:
    """(key, old value, new value) for every leaf that differs, sorted by key; absent is None."""
    before, after = flatten(old), flatten(new)
    keys = sorted(before.keys() | after.keys())
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k) and k]
