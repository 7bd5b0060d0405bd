"""The report's sections, top to bottom, as markdown that reads well with or without images."""

from typing import Any

import pandas as pd

from classifier.contracts.metrics import METRICS
from classifier.report.comparison import Comparison
from classifier.report.datadiff import PSI_MOVED
from classifier.report.gates import passed
from classifier.report.markdown import MISSING, change, details, image, number, table, value

PARAMS_SHOWN = 60
PER_CLASS = ("precision", "recall", "f1")
IMAGES = {
    "confusion": "confusion.png",
    "selection": "cv_scores.png",
    "importance": "importance.png",
    "drift": "drift.png",
}


def verdict(c: Comparison) -> str:
    """The first line: passed, or failed and which rule."""
    failures = [rule for rule in c.rules if rule.passed is False]
    if not failures:
        return "## ✅ Quality gate passed"
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"## ❌ Quality gate failed: {failures[0].message}{more}"


def header(c: Comparison) -> str:
    """Verdict and what was compared with what."""
    head = f"`{c.head_sha}`" if c.head_sha else "the working tree"
    base = f"`{c.base_rev}`" + (f" (`{c.base_sha}`)" if c.base_sha else "")
    return f"{verdict(c)}\n\nModel report for {head} against {base}."


def metrics(c: Comparison) -> str:
    """Headline metrics main | PR | change, per-class scores collapsed."""
    base, head = c.base.metrics or {}, c.head.metrics or {}
    rows = [
        [
            _metric_name(m),
            number(base.get(m), 6),
            number(head.get(m), 6),
            change(m, base.get(m), head.get(m)),
        ]
        for m in METRICS
    ]
    text = "### Metrics (test set)\n\n" + table(
        ["metric", c.base_rev, "PR", "change"], rows, right=(1, 2, 3)
    )
    per_class = _per_class_rows(base.get("per_class", {}), head.get("per_class", {}))
    if per_class:
        body = table(["class", "metric", c.base_rev, "PR", "change"], per_class, right=(2, 3, 4))
        text += "\n\n" + details("Per-class scores", body)
    return text


def _metric_name(metric: str) -> str:
    return metric if METRICS[metric].higher_is_better else f"{metric} (lower is better)"


def _per_class_rows(base: dict[str, Any], head: dict[str, Any]) -> list[list[str]]:
    rows = []
    for label in list(dict.fromkeys([*head, *base])):
        old, new = base.get(label, {}), head.get(label, {})
        for m in PER_CLASS:
            rows.append(
                [
                    label,
                    m,
                    number(old.get(m), 6),
                    number(new.get(m), 6),
                    change("f1_macro", old.get(m), new.get(m)),
                ]
            )
        rows.append(
            [
                label,
                "support",
                str(old.get("support", MISSING)),
                str(new.get("support", MISSING)),
                "",
            ]
        )
    return rows


def gate(c: Comparison) -> str:
    """Every gate rule and its outcome."""
    marks = {True: "✅", False: "❌", None: "⏭️"}
    rows = [[f"`{rule.key}`", f"{marks[rule.passed]} {rule.message}"] for rule in c.rules]
    if not rows:
        return "### Quality gate\n\nNo rules in `params.yaml` (`gates:`); nothing to check."
    status = "passed" if passed(c.rules) else "failed"
    return f"### Quality gate: {status}\n\n" + table(["rule", "result"], rows)


def params(c: Comparison) -> str:
    """Only the keys that changed, old → new."""
    if not c.params_diff:
        return "### Params\n\nNo change in `params.yaml`."
    rows = [[f"`{key}`", value(old), value(new)] for key, old, new in c.params_diff[:PARAMS_SHOWN]]
    text = "### Params changed\n\n" + table(["key", c.base_rev, "PR"], rows)
    hidden = len(c.params_diff) - PARAMS_SHOWN
    return text + (f"\n\n…and {hidden} more changed keys." if hidden > 0 else "")


def data(c: Comparison) -> str:
    """Rows added/removed/changed, schema changes, class balance and drift."""
    if c.data is None:
        return "### Data\n\nNo data comparison: one side's raw data could not be read (see Notes)."
    rows = c.data.rows
    if not (rows.added or rows.removed or rows.changed or c.data.schema):
        same = f"the same {rows.head} rows and the same schema as `{c.base_rev}`"
        return f"### Data\n\nUnchanged: {same}."
    counted = "" if rows.aligned else " (compared as multisets: an edit counts as removed + added)"
    moved = (
        f"**{rows.added} added, {rows.removed} removed, {rows.changed} changed**"
        if rows.added or rows.removed or rows.changed
        else "no row added, removed or changed"
    )
    parts = [
        "### Data",
        f"Rows: {rows.base} → {rows.head}, {moved} (by content){counted}.",
        "Schema: " + ("; ".join(c.data.schema) if c.data.schema else "unchanged") + ".",
    ]
    balance = [
        [label, b, h, f"{h - b:+d}" if h != b else "0"] for label, (b, h) in c.data.classes.items()
    ]
    if balance:
        parts.append(table(["class", c.base_rev, "PR", "change"], balance, right=(1, 2, 3)))
    top = c.data.drift[: c.params.report.drift_top]
    if top:
        drift_rows = [
            [f"`{d.feature}`", f"{_drift_mark(d.psi)} {d.psi:.3f}", d.base, d.head] for d in top
        ]
        parts.append(
            f"Drift per feature (population stability index; ≥ {PSI_MOVED} moved, ≥ 0.25 major), "
            f"top {len(top)}:\n\n" + table(["feature", "PSI", c.base_rev, "PR"], drift_rows)
        )
        parts.append(image(IMAGES["drift"], "Data drift per feature"))
    return "\n\n".join(parts)


def _drift_mark(score: float) -> str:
    return "🔴" if score >= 0.25 else "🟠" if score >= PSI_MOVED else "⚪"


def confusion_matrix(frame: pd.DataFrame | None, labels: list[str]) -> pd.DataFrame | None:
    """Counts with actual classes as rows and predicted as columns.

    Reads the `count` layout and the older one-line-per-row layout (an older base).
    """
    if frame is None:
        return None
    if "count" in frame.columns:
        counts = frame.astype({"count": int}).pivot_table(
            index="actual", columns="predicted", values="count", aggfunc="sum"
        )
    else:
        counts = pd.crosstab(frame["actual"], frame["predicted"])
    return counts.reindex(index=labels, columns=labels, fill_value=0).fillna(0).astype(int)


def confusion(c: Comparison, labels: list[str]) -> str:
    """Both matrices as one image, and a table that reads without it."""
    base = confusion_matrix(c.base.confusion, labels)
    head = confusion_matrix(c.head.confusion, labels)
    if head is None:
        return "### Confusion matrix\n\nThe PR has no confusion data."
    rows = []
    for actual in labels:
        cells = []
        for predicted in labels:
            new = int(head.loc[actual, predicted])
            old = None if base is None else int(base.loc[actual, predicted])
            cells.append(str(new) if old in (None, new) else f"{old} → **{new}**")
        rows.append([f"**{actual}**", *cells])
    note = "" if base is None else f" Cells read `{c.base_rev} → PR` where they differ."
    return (
        "### Confusion matrices (test set)\n\n"
        + image(IMAGES["confusion"], f"Confusion matrices: {c.base_rev} beside PR")
        + f"\n\nRows are actual classes, columns predicted.{note}\n\n"
        + table(["actual \\ predicted", *labels], rows, right=tuple(range(1, len(labels) + 1)))
    )


def selection(c: Comparison) -> str:
    """CV score per candidate, main beside PR, and the PR's best grid points."""
    head = c.head.cv
    if not head:
        return "### Model selection\n\nThe PR has no cross-validation results."
    base = c.base.cv or {}
    old = {r["name"]: r for r in base.get("candidates", [])}
    scoring = head["scoring"]
    rows = [
        [
            f"**{r['name']}**" if r["name"] == head["best"] else r["name"],
            number(old.get(r["name"], {}).get("mean"), 4),
            f"{number(r['mean'], 4)} ± {number(r['std'], 4)}",
            change(scoring, old.get(r["name"], {}).get("mean"), r["mean"]),
            value(r["best_params"]),
        ]
        for r in head["candidates"]
    ]
    current = {r["name"] for r in head["candidates"]}
    rows += [
        [f"~~{name}~~", number(r.get("mean"), 4), "removed", MISSING, MISSING]
        for name, r in old.items()
        if name not in current
    ]
    before = base.get("best")
    was = f" (was `{before}` on {c.base_rev})" if before not in (None, head["best"]) else ""
    columns = ["candidate", c.base_rev, "PR (mean ± std)", "change", "best params (PR)"]
    return (
        f"### Model selection\n\nBest by {head['cv_folds']}-fold CV {scoring}: "
        f"**{head['best']}**{was}.\n\n"
        + table(columns, rows, right=(1, 2, 3))
        + "\n\n"
        + image(IMAGES["selection"], "Cross-validated score per candidate")
    )


def importance(c: Comparison) -> str:
    """Permutation importance per feature, main beside PR."""
    head = c.head.importance
    if not head:
        return "### Feature importance\n\nThe PR has no importance results."
    old = {r["feature"]: r["mean"] for r in c.base.importance or []}
    rows = [
        [f"`{r['feature']}`", number(old.get(r["feature"]), 4), number(r["mean"], 4)] for r in head
    ]
    scoring = c.head.cv["scoring"] if c.head.cv else "score"
    return (
        f"### Feature importance\n\nDrop in {scoring} when a feature is shuffled (test set).\n\n"
        + table(["feature", c.base_rev, "PR"], rows, right=(1, 2))
        + "\n\n"
        + image(IMAGES["importance"], "Permutation feature importance")
    )


def notes(c: Comparison) -> str:
    """What the reader should know: missing baseline, stale results, unreadable files."""
    items = []
    if c.base.metrics is None:
        items.append(
            f"📭 No baseline on `{c.base_rev}` yet: it has no `{c.params.paths.metrics}`. "
            "Limits on drops are skipped; absolute limits still apply."
        )
    if c.stale:
        items.append(
            "⚠️ Committed results are stale: "
            + "; ".join(c.stale)
            + ". Run `make run` (or `dvc repro`) and commit `dvc.lock` and `reports/`."
        )
    if _split_differs(c):
        items.append(
            "🔀 The data or the split settings changed, so the test split differs between "
            f"`{c.base_rev}` and the PR: metric changes mix the model's and the test set's effects."
        )
    items += [f"⚠️ {note}" for note in c.base.notes + c.head.notes]
    return "### Notes\n\n" + "\n".join(f"- {item}" for item in items) if items else ""


def _split_differs(c: Comparison) -> bool:
    rows = c.data.rows if c.data else None
    data_moved = rows is not None and bool(rows.added or rows.removed or rows.changed)
    split_moved = any(key.startswith("split.") for key, _, _ in c.params_diff)
    return c.base.metrics is not None and (data_moved or split_moved)


def what_broke(error: str) -> str:
    """The pipeline's own one-line reason, and how to see it locally."""
    return (
        "### What broke\n\n"
        f"```\n{error}\n```\n\n"
        "Nothing was published and no metric below is this commit's. Run `make run` "
        "locally to see the same message, fix it, and push again."
    )


def render(c: Comparison) -> list[str]:
    """All sections in reading order; empty ones dropped."""
    if c.pipeline_error:
        parts = [header(c), what_broke(c.pipeline_error), params(c), data(c), notes(c)]
        return [part for part in parts if part]
    labels = c.params.data.classes
    parts = [
        header(c) + "\n\n" + metrics(c),
        gate(c),
        params(c),
        data(c),
        confusion(c, labels),
        selection(c),
        importance(c),
        notes(c),
    ]
    return [part for part in parts if part]
