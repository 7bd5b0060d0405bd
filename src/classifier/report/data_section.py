"""The report's data section: rows by content, schema, class balance, drift."""

from classifier.contracts.drift import MAJOR, MOVED, mark
from classifier.contracts.labels import label_text
from classifier.report.comparison import Comparison
from classifier.report.figures import IMAGES, drift_moved
from classifier.report.markdown import image, table


def data(c: Comparison) -> str:
    """Rows added/removed/changed (or the dataset replaced), schema, class balance, drift."""
    if c.data is None:
        return "### Data\n\nNo data comparison: one side's raw data could not be read (see Notes)."
    rows = c.data.rows
    if not (rows.moved or c.data.schema):
        same = f"the same {rows.head} rows and the same schema as `{c.base_rev}`"
        return f"### Data\n\nUnchanged: {same}."
    parts = ["### Data", _rows(c), _schema(c)]
    balance = _balance(c)
    if balance:
        parts.append(balance)
    parts += _drift(c)
    return "\n\n".join(parts)


def _rows(c: Comparison) -> str:
    rows = c.data.rows  # type: ignore[union-attr]
    if c.contract_change:
        return (
            f"**The dataset was replaced**: {rows.base} rows on `{c.base_rev}`, "
            f"{rows.head} in the PR, {rows.common} in common."
        )
    counted = "" if rows.aligned else " (compared as multisets: an edit counts as removed + added)"
    moved = (
        f"**{rows.added} added, {rows.removed} removed, {rows.changed} changed**"
        if rows.moved
        else "no row added, removed or changed"
    )
    return f"Rows: {rows.base} → {rows.head}, {moved} (by content){counted}."


def _schema(c: Comparison) -> str:
    changes = c.data.schema if c.data else []
    return "Schema: " + ("; ".join(changes) if changes else "unchanged") + "."


def _balance(c: Comparison) -> str:
    """Rows per class, base beside PR; the PR's alone when the classes are not the same."""
    classes = c.data.classes if c.data else {}
    if c.contract_change:
        rows = [[label_text(label), h] for label, (_, h) in classes.items() if h]
        return table(["class", "PR"], rows, right=(1,)) if rows else ""
    rows = [
        [label_text(label), b, h, f"{h - b:+d}" if h != b else "0"]
        for label, (b, h) in classes.items()
    ]
    return table(["class", c.base_rev, "PR", "change"], rows, right=(1, 2, 3)) if rows else ""


def _drift(c: Comparison) -> list[str]:
    top = c.data.drift[: c.params.report.drift_top] if c.data else []
    if not top:
        return []
    rows = [[f"`{d.feature}`", f"{mark(d.psi)} {d.psi:.3f}", d.base, d.head] for d in top]
    parts = [
        f"Drift per feature (population stability index; ≥ {MOVED} moved, ≥ {MAJOR} "
        f"major), top {len(top)}:\n\n" + table(["feature", "PSI", c.base_rev, "PR"], rows)
    ]
    if drift_moved(c):
        parts.append(image(IMAGES["drift"], "Data drift per feature"))
    return parts
