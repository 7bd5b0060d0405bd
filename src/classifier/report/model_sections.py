"""The report's model sections, rendered from report data: confusion, selection, importance.

Standard library only (see `sections`): names from the data are inert code spans.
"""

from collections.abc import Callable, Mapping
from typing import Any

from classifier.contracts.metrics import METRICS
from classifier.rendering import shape
from classifier.rendering.inert import code, count, number, value
from classifier.rendering.markdown import MISSING, change, grid, revision


def confusion(report: Mapping[str, Any], figures: Mapping[str, str]) -> str:
    """Both matrices (as one image, and a table that reads without it)."""
    found = shape.obj(report.get("confusion") or {}, "confusion")
    labels = [
        shape.text(x, "confusion.labels")
        for x in shape.items(found.get("labels", []), "confusion.labels")
    ]
    head = _matrix(found.get("head"), len(labels), "confusion.head")
    if head is None:
        return "### Confusion matrix\n\nThe PR has no confusion data."
    base = _matrix(found.get("base"), len(labels), "confusion.base")
    rows = []
    for i, actual in enumerate(labels):
        cells = []
        for j in range(len(labels)):
            new, old = head[i][j], None if base is None else base[i][j]
            cells.append(count(new) if old in (None, new) else f"{count(old)} → **{count(new)}**")
        rows.append([code(actual), *cells])
    if base is None:
        title, note = "Confusion matrix (test set)", ""
    else:
        title = "Confusion matrices (test set)"
        note = f" Cells read {revision(report)} → PR where they differ."
    names = [code(label) for label in labels]
    table = grid(["actual \\ predicted", *names], rows, right=tuple(range(1, len(names) + 1)))
    image = f"{figures['confusion']}\n\n" if "confusion" in figures else ""
    return f"### {title}\n\n{image}Rows are actual classes, columns predicted.{note}\n\n{table}"


def _matrix(found: Any, size: int, where: str) -> list[list[int]] | None:
    if found is None:
        return None
    rows = shape.items(found, where)
    if len(rows) != size:
        raise shape.Malformed(f"{where} must have {size} rows")
    matrix = [[shape.whole(n, where) for n in shape.items(row, where)] for row in rows]
    if any(len(row) != size for row in matrix):
        raise shape.Malformed(f"{where} must have {size} columns")
    return matrix


def _sides(report: Mapping[str, Any], section: str, read: Callable[[Any, str], Any]) -> tuple:
    """A section's head and base, each read (and checked) by `read`; None where absent."""
    found = shape.obj(report.get(section) or {}, section)
    return read(found.get("head"), f"{section}.head"), read(found.get("base"), f"{section}.base")


def _cv(found: Any, where: str) -> dict[str, Any] | None:
    """A cv.json read back: scoring, folds, best, candidates (name, mean, std, params)."""
    if found is None:
        return None
    cv = shape.obj(found, where)
    candidates = []
    for i, item in enumerate(shape.items(cv.get("candidates", []), f"{where}.candidates")):
        entry = shape.obj(item, f"{where}.candidates[{i}]")
        candidates.append(
            {
                "name": shape.text(entry.get("name"), f"{where}.candidates[{i}].name"),
                "mean": shape.real(entry.get("mean"), f"{where}.candidates[{i}].mean"),
                "std": shape.real(entry.get("std"), f"{where}.candidates[{i}].std"),
                "best_params": entry.get("best_params"),
            }
        )
    sample = cv.get("sample")
    if sample is not None:
        sample = shape.obj(sample, f"{where}.sample")
        sample = {k: shape.whole(sample.get(k), f"{where}.sample.{k}") for k in ("rows", "of")}
    return {
        "scoring": shape.choice(cv.get("scoring"), METRICS, f"{where}.scoring"),
        "cv_folds": shape.whole(cv.get("cv_folds"), f"{where}.cv_folds"),
        "best": shape.text(cv.get("best"), f"{where}.best"),
        "candidates": candidates,
        "sample": sample,
    }


def selection(report: Mapping[str, Any], figures: Mapping[str, str]) -> str:
    """CV score per candidate, main beside PR, and the PR's best grid points."""
    head, base = _sides(report, "selection", _cv)
    if not head:
        return "### Model selection\n\nThe PR has no cross-validation results."
    scoring = head["scoring"]
    if base is None:  # no baseline, or a new data contract: the PR's candidates alone
        rows = [
            [
                f"**{code(r['name'])}**" if r["name"] == head["best"] else code(r["name"]),
                f"{number(r['mean'], 4)} ± {number(r['std'], 4)}",
                value(r["best_params"]),
            ]
            for r in head["candidates"]
        ]
        return _selection_text(
            head, "", grid(["candidate", "mean ± std", "best params"], rows, right=(1,)), figures
        )
    old = {r["name"]: r for r in base["candidates"]}
    rows = [
        [
            f"**{code(r['name'])}**" if r["name"] == head["best"] else code(r["name"]),
            number(old.get(r["name"], {}).get("mean"), 4),
            f"{number(r['mean'], 4)} ± {number(r['std'], 4)}",
            change(scoring, old.get(r["name"], {}).get("mean"), r["mean"]),
            value(r["best_params"]),
        ]
        for r in head["candidates"]
    ]
    current = {r["name"] for r in head["candidates"]}
    rows += [
        [f"~~{code(name)}~~", number(r["mean"], 4), "removed", MISSING, MISSING]
        for name, r in old.items()
        if name not in current
    ]
    before = base.get("best")
    was = (
        f" (was {code(before)} on {revision(report)})" if before not in (None, head["best"]) else ""
    )
    columns = ["candidate", revision(report), "PR (mean ± std)", "change", "best params (PR)"]
    return _selection_text(head, was, grid(columns, rows, right=(1, 2, 3)), figures)


def _selection_text(head: dict[str, Any], was: str, table: str, figures: Mapping[str, str]) -> str:
    scoring = head["scoring"]
    sample = head["sample"]
    sampled = (
        f" Selection ran on a stratified sample of {count(sample['rows'])} of the "
        f"{count(sample['of'])} training rows (`train.selection_max_rows`); the winner was "
        "refit on all of them."
        if sample
        else ""
    )
    image = f"\n\n{figures['selection']}" if "selection" in figures else ""
    return (
        f"### Model selection\n\nBest by {count(head['cv_folds'])}-fold CV {scoring}: "
        f"**{code(head['best'])}**{was}.{sampled}\n\n" + table + image
    )


def _importance(found: Any, where: str) -> list[tuple[str, float | None]] | None:
    if found is None:
        return None
    rows = []
    for i, item in enumerate(shape.items(found, where)):
        entry = shape.obj(item, f"{where}[{i}]")
        feature = shape.text(entry.get("feature"), f"{where}[{i}].feature")
        rows.append((feature, shape.real(entry.get("mean"), f"{where}[{i}].mean")))
    return rows


def importance(report: Mapping[str, Any], figures: Mapping[str, str]) -> str:
    """Permutation importance per feature, main beside PR."""
    head, base = _sides(report, "importance", _importance)
    if not head:
        return "### Feature importance\n\nThe PR has no importance results."
    if base is None:  # no baseline, or a new data contract: the PR's alone
        table = grid(["feature", "PR"], [[code(f), number(m, 4)] for f, m in head], right=(1,))
    else:
        old = dict(base)
        rows = [[code(f), number(old.get(f), 4), number(mean, 4)] for f, mean in head]
        table = grid(["feature", revision(report), "PR"], rows, right=(1, 2))
    scoring = shape.obj(report.get("importance") or {}, "importance").get("scoring")
    scoring = "score" if scoring is None else shape.choice(scoring, METRICS, "importance.scoring")
    image = f"\n\n{figures['importance']}" if "importance" in figures else ""
    return (
        f"### Feature importance\n\nDrop in {scoring} when a feature is shuffled (test set).\n\n"
        + table
        + image
    )
