"""The report's charts: built from both sides' results, saved by the report's writer."""

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from classifier.contracts.labels import Label, label_text
from classifier.rendering import plots
from classifier.rendering.plots import Paired
from classifier.report.comparison import Comparison
from classifier.statistics.drift import MOVED


def confusion_matrix(
    records: list[dict[str, Any]] | None, labels: list[Label]
) -> pd.DataFrame | None:
    """Counts with actual classes as rows and predicted as columns, in `labels` order."""
    if not records:
        return None
    counts = pd.DataFrame(records).pivot_table(
        index="actual", columns="predicted", values="count", aggfunc="sum"
    )
    return counts.reindex(index=labels, columns=labels, fill_value=0).fillna(0).astype(int)


def confusion_frames(c: Comparison) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(base, head) matrices in the PR's class order; no base when the classes differ."""
    labels = list(c.params.data.classes)
    head = confusion_matrix(c.head.confusion, labels)
    base = None if c.contract_change else confusion_matrix(c.base.confusion, labels)
    return base, head


def drift_moved(c: Comparison) -> list[Any]:
    """The features whose drift crossed the 'moved' threshold, largest first (at most drift_top)."""
    if c.data is None:
        return []
    return [d for d in c.data.drift if d.psi >= MOVED][: c.params.report.drift_top]


def figures(c: Comparison) -> dict[str, Figure]:
    """The report's charts by name (markdown.FIGURES); one with nothing to show is left out."""
    out: dict[str, Figure] = {}
    base, head = confusion_frames(c)
    names = [label_text(label) for label in c.params.data.classes]
    if head is not None:
        out["confusion"] = (
            plots.confusion(head.to_numpy(), names, "PR")
            if base is None
            else plots.confusion_pair(base.to_numpy(), head.to_numpy(), names, (c.base_rev, "PR"))
        )
    if c.head.cv:
        out["selection"] = _selection(c)
    if c.head.importance:
        out["importance"] = _importance(c)
    found = c.evidence
    if found.result is not None and any(found.reliability.values()):
        out["reliability"] = plots.reliability(found.reliability, found.rows, (c.base_rev, "PR"))
    moved = drift_moved(c)
    if moved:
        out["drift"] = plots.drift([d.feature for d in moved], [d.psi for d in moved], MOVED)
    return out


def _selection(c: Comparison) -> Figure:
    head = c.head.cv or {}
    return plots.cv_compare(
        _paired(
            _base(c, c.base.cv["candidates"] if c.base.cv else []), head["candidates"], "name", c
        ),
        head["scoring"],
    )


def _importance(c: Comparison) -> Figure:
    scoring = c.head.cv["scoring"] if c.head.cv else "score"
    paired = _paired(_base(c, c.base.importance or []), c.head.importance or [], "feature", c)
    return plots.importance_compare(paired, scoring)


def _base(c: Comparison, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The base's rows, or none when the data contract changed (nothing to compare)."""
    return [] if c.contract_change else rows


def _paired(
    base: list[dict[str, Any]], head: list[dict[str, Any]], key: str, c: Comparison
) -> Paired:
    """Rows of `head` (its order) beside the `base` row of the same `key`, as (mean, std)."""
    old = {row[key]: (row["mean"], row["std"]) for row in base}
    return Paired(
        [row[key] for row in head],
        [old.get(row[key]) for row in head],
        [(row["mean"], row["std"]) for row in head],
        (c.base_rev, "PR"),
    )
