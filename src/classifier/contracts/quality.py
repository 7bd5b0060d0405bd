"""Data-quality warnings: what `make check` found that will not stop the pipeline, as data.

A warning is a kind, the column or class it is about, example values and counts; its
sentence comes from `TEMPLATES`, so the terminal (names quoted) and the report (names
as inert code spans) say the same thing, and a name from the data is never markdown.
Standard library only: the report's renderer reads these.
"""

from collections.abc import Callable, Mapping
from typing import Any

TEMPLATES = {
    "mostly_missing": "feature {subject} is missing in {share} of the rows: imputation "
    "makes up most of it, and `make test`'s data checks fail on it (list it in data.ignore)",
    "constant": "feature {subject} holds the one value {values} in every row: it cannot "
    "help the model, and `make test`'s data checks fail on it (list it in data.ignore)",
    "spaced": "feature {subject} has categories with leading or trailing spaces "
    "({values}): requests must spell them exactly so",
    "unmatched_ignore": "data.ignore lists {subject}, which is no column of the file",
    "tiny_class": "class {subject} has {train} training and {test} test rows: its test "
    "scores, and each cross-validation fold's, rest on very few rows",
    "unseen": "test rows with a value of {subject} training never saw ({values}): {rows}; "
    "the model ignores the value, the service and `make predict` refuse such rows",
}
# The counts each kind carries, besides its subject and values.
NUMBERS = {
    "mostly_missing": ("share",),
    "tiny_class": ("train", "test"),
    "unseen": ("rows",),
}


def warning(kind: str, subject: str, values: list[str] | None = None, **numbers: Any) -> dict:
    """A warning as data (what summary.json and report.json hold)."""
    return {"kind": kind, "subject": subject, "values": list(values or []), **numbers}


def phrase(found: Mapping[str, Any], name: Callable[[str], str]) -> str:
    """A warning's sentence, each name from the data passed through `name`.

    Raises KeyError or ValueError when `found` is not a warning of a known kind.
    """
    kind = str(found["kind"])
    numbers = {key: found[key] for key in NUMBERS.get(kind, ())}
    for key, number in numbers.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{kind}.{key} must be a number")
    if "share" in numbers:
        numbers["share"] = f"{float(numbers['share']):.0%}"
    values = [name(str(v)) for v in list(found.get("values", []))[:5]]
    return TEMPLATES[kind].format(
        subject=name(str(found["subject"])), values=", ".join(values), **numbers
    )
