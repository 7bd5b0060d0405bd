"""The report's sections, top to bottom, as markdown that reads well with or without images."""

from typing import Any

from classifier.contracts.labels import label_text
from classifier.contracts.metrics import METRICS
from classifier.report.comparison import Comparison
from classifier.report.data_section import data
from classifier.report.gates import passed
from classifier.report.markdown import MISSING, change, details, number, table, value
from classifier.report.model_sections import confusion, importance, selection

PARAMS_SHOWN = 60
PER_CLASS = ("precision", "recall", "f1")


def verdict(c: Comparison) -> str:
    """The first line: passed, or failed and which rule."""
    failures = [rule for rule in c.rules if rule.passed is False]
    if not failures:
        return "## ✅ Quality gate passed"
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"## ❌ Quality gate failed: {failures[0].message}{more}"


def header(c: Comparison) -> str:
    """Verdict, what was compared with what, and first of all a changed data contract."""
    head = f"`{c.head_sha}`" if c.head_sha else "the working tree"
    base = f"`{c.base_rev}`" + (f" (`{c.base_sha}`)" if c.base_sha else "")
    text = f"{verdict(c)}\n\nModel report for {head} against {base}."
    if c.contract_change:
        text += (
            f"\n\n> ⚠️ **The data contract changed: metrics are not comparable with "
            f"`{c.base_rev}`** ({c.contract_change}). Limits on drops are skipped; absolute "
            "limits still apply."
        )
    positive = c.params.data.positive
    if positive is not None:
        text += (
            f"\n\nBinary target `{c.params.data.target}`, positive class `{label_text(positive)}`."
        )
    return text


def metrics(c: Comparison) -> str:
    """Headline metrics main | PR | change, per-class scores collapsed."""
    base, head = c.base.metrics or {}, c.head.metrics or {}
    names = [m for m in METRICS if m in head or m in base]
    rows = [
        [
            _metric_name(m),
            number(base.get(m), 6),
            number(head.get(m), 6),
            MISSING if c.contract_change else change(m, base.get(m), head.get(m)),
        ]
        for m in names
    ]
    text = "### Metrics (test set)\n\n" + table(
        ["metric", c.base_rev, "PR", "change"], rows, right=(1, 2, 3)
    )
    base_classes = {} if c.contract_change else c.base.per_class or {}
    per_class = _per_class_rows(base_classes, c.head.per_class or {})
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
    data_moved = c.data is not None and c.data.rows.moved
    split_moved = any(key.startswith("split.") for key, _, _ in c.params_diff)
    return c.base.metrics is not None and not c.contract_change and (data_moved or split_moved)


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
    parts = [
        header(c) + "\n\n" + metrics(c),
        gate(c),
        params(c),
        data(c),
        confusion(c),
        selection(c),
        importance(c),
        notes(c),
    ]
    return [part for part in parts if part]
