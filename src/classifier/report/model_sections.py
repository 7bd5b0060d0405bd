"""The report's model sections: confusion matrices, model selection, feature importance."""

from classifier.contracts.labels import label_text
from classifier.report.comparison import Comparison
from classifier.report.figures import IMAGES, confusion_pair
from classifier.report.markdown import MISSING, change, image, number, table, value


def confusion(c: Comparison) -> str:
    """Both matrices as one image, and a table that reads without it."""
    base, head = confusion_pair(c)
    if head is None:
        return "### Confusion matrix\n\nThe PR has no confusion data."
    labels = list(c.params.data.classes)
    new_counts = head.to_numpy()
    old_counts = None if base is None else base.to_numpy()
    rows = []
    for i, actual in enumerate(labels):
        cells = []
        for j in range(len(labels)):
            new = int(new_counts[i, j])
            old = None if old_counts is None else int(old_counts[i, j])
            cells.append(str(new) if old in (None, new) else f"{old} → **{new}**")
        rows.append([f"**{label_text(actual)}**", *cells])
    if base is None:
        title, note = "Confusion matrix (test set)", ""
        alt = "Confusion matrix of the PR"
    else:
        title, note = (
            "Confusion matrices (test set)",
            f" Cells read `{c.base_rev} → PR` where they differ.",
        )
        alt = f"Confusion matrices: {c.base_rev} beside PR"
    names = [label_text(label) for label in labels]
    return (
        f"### {title}\n\n"
        + image(IMAGES["confusion"], alt)
        + f"\n\nRows are actual classes, columns predicted.{note}\n\n"
        + table(["actual \\ predicted", *names], rows, right=tuple(range(1, len(names) + 1)))
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
    sample = head.get("sample")
    sampled = (
        f" Selection ran on a stratified sample of {sample['rows']:,} of the {sample['of']:,} "
        "training rows (`train.selection_max_rows`); the winner was refit on all of them."
        if sample
        else ""
    )
    return (
        f"### Model selection\n\nBest by {head['cv_folds']}-fold CV {scoring}: "
        f"**{head['best']}**{was}.{sampled}\n\n"
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
        + image(IMAGES["importance"], f"Permutation feature importance: {c.base_rev} beside PR")
    )
