"""Markdown building blocks for the report, rendered the way GitHub shows comments."""

import re
from collections.abc import Sequence
from typing import Any

from classifier.contracts.metrics import METRICS
from classifier.rendering import shape
from classifier.rendering.inert import code

MISSING = "—"
SAME = 5e-7  # metrics are written with 6 decimals; anything smaller is no change


def cell(value: Any) -> str:
    """Table-safe text: pipes escaped, newlines flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """A GitHub table; columns listed in `right` are right-aligned (numbers)."""
    return grid(header, [[cell(c) for c in row] for row in rows], right)


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """A GitHub table of cells that are table-safe already (inert code spans, numbers)."""
    rule = ["---:" if i in right else "---" for i in range(len(header))]
    lines = [header, rule, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def change(metric: str, base: Any, head: Any) -> str:
    """Signed difference with a mark saying whether it is better or worse for this metric."""
    if not all(isinstance(v, (int, float)) for v in (base, head)):
        return MISSING
    delta = head - base
    if abs(delta) < SAME:
        return "⚪ 0"
    higher_is_better = METRICS[metric].higher_is_better if metric in METRICS else True
    better = (delta > 0) == higher_is_better
    shown = f"{delta:+.4f}" if abs(delta) >= 5e-5 else f"{delta:+.6f}"
    return f"{'🟢' if better else '🔴'} {shown}"


def details(summary: str, body: str) -> str:
    """A collapsed block; GitHub needs the blank lines to render markdown inside it."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


# The report's charts: name -> (file in the report folder, alt text). The names are
# what report data lists; files and words come from here, never from the data.
FIGURES = {
    "confusion": ("confusion.png", "Confusion matrices, base beside PR"),
    "selection": ("cv_scores.png", "Cross-validated score per candidate"),
    "importance": ("importance.png", "Permutation feature importance, base beside PR"),
    "drift": ("drift.png", "Data drift per feature"),
    "reliability": ("reliability.png", "Reliability diagram, base beside PR, same rows"),
}
# A markdown image, `![alt](target)`: how the report links its charts.
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
# GitHub refuses a comment longer than 65,536 characters.
COMMENT_LIMIT = 65_536


def image(path: str, alt: str) -> str:
    """An image linked by relative path (CML uploads it when it posts the comment)."""
    return f"![{alt}]({path})"


def fit(sections: list[str], max_chars: int, where: str) -> str:
    """Join sections; while too long, replace the largest (never the first) by a short stub."""
    sections = list(sections)
    while len(text := "\n\n".join(sections)) > max_chars:
        largest = max(range(1, len(sections)), key=lambda i: len(sections[i]))
        title = sections[largest].split("\n", 1)[0]
        size = len(sections[largest])
        stub = f"{title}\n\n> ✂️ Left out to fit a GitHub comment ({size:,} characters); {where}."
        if len(stub) >= len(sections[largest]):
            return cut(text, max_chars, where)
        sections[largest] = stub
    return text


def cut(text: str, max_chars: int, where: str) -> str:
    """`text` if it fits in `max_chars`, else its start and a note saying where the rest is."""
    note = f"\n\n> ✂️ Cut to fit a GitHub comment; {where}.\n"
    return text if len(text) <= max_chars else text[: max_chars - len(note)] + note


def names(listed: Any, shown: int = 20) -> str:
    """A list of names from report data, inert, at most `shown` of them."""
    found = shape.items(listed, "names")
    text = ", ".join(code(shape.text(n, "name")) for n in found[:shown])
    return text + (f" and {len(found) - shown:,} more" if len(found) > shown else "")


def revision(report: Any) -> str:
    """The name of the revision a report compares with (`main`), inert."""
    return code(shape.text(shape.obj(report.get("base"), "base").get("rev"), "base.rev"))
