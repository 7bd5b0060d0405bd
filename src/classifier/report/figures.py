"""The images report.md links: built from both sides' results, saved by the report's writer."""

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from classifier.contracts.labels import Label, label_text
from classifier.report import plots
from classifier.report.comparison import Comparison
from classifier.report.datadiff import PSI_MOVED

IMAGES = {
    "confusion": "confusion.png",
    "selection": "cv_scores.png",
    "importance": "importance.png",
    "drift": "drift.png",
}


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


def confusion_pair(c: Comparison) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(base, head) matrices in the PR's class order; no base when the classes differ."""
    labels = list(c.params.data.classes)
    head = confusion_matrix(c.head.confusion, labels)
    base = None if c.contract_change else confusion_matrix(c.base.confusion, labels)
    return base, head


def drift_moved(c: Comparison) -> list[Any]:
    """The features whose drift crossed the 'moved' threshold, largest first (at most drift_top)."""
    if c.data is None:
        return []
    return [d for d in c.data.drift if d.psi >= PSI_MOVED][: c.params.report.drift_top]


def figures(c: Comparison) -> dict[str, Figure]:
    """The images report.md links, keyed by file name; a chart with nothing to show is left out."""
    out: dict[str, Figure] = {}
    base, head = confusion_pair(c)
    names = [label_text(label) for label in c.params.data.classes]
    if head is not None:
        out[IMAGES["confusion"]] = (
            plots.confusion(head.to_numpy(), names, "PR")
            if base is None
            else plots.confusion_pair(base.to_numpy(), head.to_numpy(), names, (c.base_rev, "PR"))
        )
    if c.head.cv:
        out[IMAGES["selection"]] = _selection(c)
    if c.head.importance:
        out[IMAGES["importance"]] = _importance(c)
    moved = drift_moved(c)
    if moved:
        out[IMAGES["drift"]] = plots.drift(
            [d.feature for d in moved], [d.psi for d in moved], PSI_MOVED
        )
    return out


def _selection(c: Comparison) -> Figure:
    head = c.head.cv or {}
    old = {r["name"]: r for r in (c.base.cv or {}).get("candidates", [])}
    rows = head["candidates"]
    return plots.cv_compare(
        [r["name"] for r in rows],
        [
            (old[r["name"]]["mean"], old[r["name"]]["std"]) if r["name"] in old else None
            for r in rows
        ],
        [(r["mean"], r["std"]) for r in rows],
        head["scoring"],
        (c.base_rev, "PR"),
    )


def _importance(c: Comparison) -> Figure:
    rows = c.head.importance or []
    old = {r["feature"]: r for r in c.base.importance or []}
    scoring = c.head.cv["scoring"] if c.head.cv else "score"
    return plots.importance_compare(
        [r["feature"] for r in rows],
        [
            (old[r["feature"]]["mean"], old[r["feature"]]["std"]) if r["feature"] in old else None
            for r in rows
        ],
        [(r["mean"], r["std"]) for r in rows],
        scoring,
        (c.base_rev, "PR"),
    )
