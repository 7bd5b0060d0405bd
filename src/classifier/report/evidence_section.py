"""The report's paired sections, rendered from report data: metrics with intervals,
prediction flips, slices. main's and the PR's models answered the same rows, so each
change is read as better, worse or within noise, never from two point values.

Standard library only (see `sections`): names and cells from the data are inert code
spans, numbers are formatted here with the decimals their interval supports.
"""

import math
from collections.abc import Mapping
from typing import Any

from classifier.contracts.metrics import METRICS
from classifier.rendering import shape
from classifier.rendering.inert import code, count, decimals, number
from classifier.rendering.markdown import details, grid, revision

# Statistics the paired view adds to METRICS (both lower is better).
CALIBRATION = {"brier": "Brier score", "ece": "expected calibration error"}
NAMES = frozenset(METRICS) | frozenset(CALIBRATION)
MARKS = {"better": "🟢 better", "worse": "🔴 worse", "noise": "⚪ within noise"}


def evidence(report: Mapping[str, Any]) -> Mapping[str, Any]:
    """The report's paired evidence (an empty mapping in an older report)."""
    return shape.obj(report.get("evidence") or {}, "evidence")


def _part(found: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """One part of the evidence, checked to be an object; None when absent."""
    data = found.get(key)
    return None if data is None else shape.obj(data, f"evidence.{key}")


def higher_is_better(metric: str) -> bool:
    """Which way is better (calibration errors: lower)."""
    return METRICS[metric].higher_is_better if metric in METRICS else False


def interval(data: Any, where: str) -> tuple[float, float, float] | None:
    """(value, low, high) of an interval in the data; None where any is undefined."""
    if data is None:
        return None
    found = shape.obj(data, where)
    parts = [shape.real(found.get(k), f"{where}.{k}") for k in ("value", "low", "high")]
    if any(p is None for p in parts):
        return None
    point, low, high = (float(p) for p in parts if p is not None)
    return point, low, high


def shown(
    found: tuple[float, float, float] | None,
    signed: bool = False,
    beside: tuple[float, float, float] | None = None,
    rows: int | None = None,
) -> str:
    """0.861 [0.80, 0.91]: the value and its interval, to the decimals the width supports.

    An interval of zero width (both models alike, or every row right) is as precise as
    the value `beside` it, else as a proportion of `rows` rows (half-width 1/sqrt(rows)).
    """
    if found is None:
        return "—"
    point, low, high = found
    width = (high - low) / 2
    if width <= 0 and beside is not None:
        width = (beside[2] - beside[1]) / 2
    if width <= 0 and rows:
        width = rows**-0.5
    digits = decimals(width)
    spec = f"{'+' if signed else ''}.{digits}f"
    return f"{format(point, spec)} [{format(low, spec)}, {format(high, spec)}]"


def reading(metric: str, change: tuple[float, float, float] | None) -> str:
    """better / worse when the change's interval excludes zero, else within noise."""
    if change is None:
        return "—"
    _, low, high = change
    if low > 0 or high < 0:
        up = low > 0
        return MARKS["better" if up == higher_is_better(metric) else "worse"]
    return MARKS["noise"]


def metric_name(metric: str) -> str:
    """The metric as the tables name it."""
    if metric in CALIBRATION:
        return f"{metric} (lower is better)"
    return metric if METRICS[metric].higher_is_better else f"{metric} (lower is better)"


def confidence(found: Mapping[str, Any]) -> str:
    """The intervals' confidence, as a percentage."""
    level = shape.real(found.get("confidence"), "evidence.confidence") or 0.0
    return f"{level * 100:g} %"


def paired_metrics(report: Mapping[str, Any]) -> str | None:
    """The headline: both models on the same rows, each number with its interval; None
    when the report has no paired view."""
    found = evidence(report)
    entries = shape.items(found.get("metrics", []), "evidence.metrics")
    if not entries:
        return None
    rows, detect = [], {}
    n = shape.whole(found.get("rows"), "evidence.rows")
    for i, item in enumerate(entries):
        entry = shape.obj(item, f"evidence.metrics[{i}]")
        metric = shape.choice(entry.get("metric"), NAMES, f"evidence.metrics[{i}].metric")
        base, head = (
            interval(entry.get(k), f"evidence.metrics[{i}].{k}") for k in ("base", "head")
        )
        change = interval(entry.get("change"), f"evidence.metrics[{i}].change")
        detect[metric] = shape.real(entry.get("detectable"), f"evidence.metrics[{i}].detectable")
        rows.append(
            [
                metric_name(metric),
                shown(base, rows=n),
                shown(head, rows=n),
                shown(change, True, head, rows=n),
                reading(metric, change),
            ]
        )
    level = confidence(found)
    resamples = count(shape.whole(found.get("resamples"), "evidence.resamples"))
    text = (
        "### Metrics: both models on the same rows\n\n"
        f"{revision(report)}'s model and the PR's answered "
        f"the same **{count(n)} rows** of the PR's test split. "
        f"Each interval holds the true value with {level} confidence ({resamples} "
        "bootstrap resamples, stratified by class); a change reads *better* or *worse* "
        "only when its interval excludes zero.\n\n"
    )
    columns = ["metric", revision(report), "PR", "change", ""]
    text += grid(columns, rows, right=(1, 2, 3))
    sentences = [_detectable(detect, level)]
    sentences += _rows_left_out(found, report)
    return text + "\n\n" + " ".join(s for s in sentences if s)


def _detectable(detect: Mapping[str, float | None], level: str) -> str:
    key = next((m for m in ("accuracy", "f1_macro", "f1") if detect.get(m) is not None), None)
    if key is None:
        return ""
    smallest = detect[key] or 0.0
    return (
        f"This test set detects a change in {key} of about {number(smallest, decimals(smallest))} "
        f"({level} confidence, 80 % power); smaller true changes read as within noise. "
        "A larger test split narrows every interval."
    )


def _rows_left_out(found: Mapping[str, Any], report: Mapping[str, Any]) -> list[str]:
    total = shape.whole(found.get("test_rows", 0), "evidence.test_rows")
    trained = shape.whole(found.get("trained_on", 0), "evidence.trained_on")
    unmatched = shape.whole(found.get("unmatched", 0), "evidence.unmatched")
    out = []
    if trained:
        out.append(
            f"{count(trained)} of the PR's {count(total)} test rows are in "
            f"{revision(report)}'s training split (matched by content) and are left out: "
            "a model is never judged on rows it learned."
        )
    if unmatched:
        out.append(
            f"{count(unmatched)} test rows lack a column {revision(report)}'s model reads and "
            "are left out."
        )
    return out


def as_it_was(report: Mapping[str, Any]) -> str:
    """Each side's model on its own test split (the split changed): collapsed."""
    found = evidence(report)
    base_alone = shape.obj(found.get("base_alone") or {}, "evidence.base_alone")
    if not base_alone:
        return ""
    head_alone = shape.obj(found.get("head_alone") or {}, "evidence.head_alone")
    base_metrics = shape.obj(base_alone.get("metrics") or {}, "evidence.base_alone.metrics")
    head_metrics = shape.obj(head_alone.get("metrics") or {}, "evidence.head_alone.metrics")
    rows = []
    n_rows = shape.whole(base_alone.get("rows", 0), "evidence.base_alone.rows")
    for metric in (m for m in base_metrics if m in NAMES):
        base = interval(base_metrics.get(metric), f"evidence.base_alone.metrics.{metric}")
        head = interval(head_metrics.get(metric), f"evidence.head_alone.metrics.{metric}")
        rows.append([metric_name(metric), shown(base, rows=n_rows), shown(head, rows=n_rows)])
    if not rows:
        return ""
    n_base = count(shape.whole(base_alone.get("rows", 0), "evidence.base_alone.rows"))
    n_head = head_alone.get("rows")
    n_head = count(shape.whole(n_head, "evidence.head_alone.rows")) if n_head is not None else "—"
    columns = [
        "metric",
        f"{revision(report)} on its {n_base} test rows",
        f"PR on its {n_head} test rows",
    ]
    body = (
        "The data or the split changed, so the two test splits hold different rows: these "
        "numbers mix the model's and the test set's effects. The gate reads the paired "
        "view above.\n\n" + grid(columns, rows, right=(1, 2))
    )
    # No name from the data in a summary: GitHub shows it as raw HTML, not markdown.
    return details("Each model on its own test split (the base as it was)", body)


def flips(report: Mapping[str, Any]) -> str:
    """How many answers changed on the same rows, fixed and broken, and the broken rows."""
    found = evidence(report)
    f = _part(found, "flips")
    if f is None:
        return ""
    changed, fixed, broken = (
        shape.whole(f.get(k), f"evidence.flips.{k}") for k in ("changed", "fixed", "broken")
    )
    n = shape.whole(found.get("rows"), "evidence.rows")
    p = shape.real(f.get("p_value"), "evidence.flips.p_value")
    churn = f"{100 * changed / n:.1f} %" if n else "—"
    level = shape.real(found.get("confidence"), "evidence.confidence") or 0.95
    p_text = "—" if p is None else f"{p:.2g}"
    if fixed + broken == 0:
        verdict = "Both models are right, and wrong, on the same rows."
    elif p is not None and p < 1 - level:
        winner = "the PR's" if fixed > broken else f"{revision(report)}'s"
        verdict = f"Exact McNemar test: p = {p_text}, {winner} model is right more often."
    else:
        verdict = (
            f"Exact McNemar test: p = {p_text}, no evidence that either model is right more often."
        )
    text = (
        "### Prediction flips (same rows)\n\n"
        f"Of {count(n)} rows, {count(changed)} predictions changed (churn {churn}): "
        f"**{count(fixed)} fixed** (wrong → right) and **{count(broken)} broken** "
        f"(right → wrong). {verdict}"
    )
    shown_rows = shape.items(f.get("shown", []), "evidence.flips.shown")
    if shown_rows:
        text += "\n\n" + details(
            f"Broken rows ({count(len(shown_rows))} of {count(broken)})",
            _broken_table(shown_rows, report),
        )
    return text


def _broken_table(rows: list[Any], report: Mapping[str, Any]) -> str:
    features: list[str] = []
    parsed = []
    for i, item in enumerate(rows):
        row = shape.obj(item, f"evidence.flips.shown[{i}]")
        cells = shape.obj(row.get("features") or {}, f"evidence.flips.shown[{i}].features")
        for name in cells:
            if name not in features:
                features.append(shape.text(name, f"evidence.flips.shown[{i}].features"))
        parsed.append((row, cells))
    table = []
    for i, (row, cells) in enumerate(parsed):
        labels = [
            shape.text(row.get(k), f"evidence.flips.shown[{i}].{k}")
            for k in ("actual", "base", "head")
        ]
        table.append([*(_cell(cells.get(f)) for f in features), *(code(x) for x in labels)])
    columns = [*(code(f) for f in features), "actual", revision(report), "PR"]
    return grid(columns, table)


def _cell(item: Any) -> str:
    """A feature's cell: a number as written, anything else as an inert code span."""
    if item is None:
        return "—"
    if isinstance(item, bool):
        return code("true" if item else "false")
    if isinstance(item, (int, float)):
        return f"{item:g}" if isinstance(item, float) and math.isfinite(item) else str(item)
    return code(str(item))


def slices(report: Mapping[str, Any]) -> str:
    """Accuracy per slice, main beside the PR on the same rows, worst change first."""
    found = evidence(report)
    entries = shape.items(found.get("slices", []), "evidence.slices")
    if not entries:
        return ""
    rows = []
    for i, item in enumerate(entries):
        entry = shape.obj(item, f"evidence.slices[{i}]")
        name = shape.text(entry.get("slice"), f"evidence.slices[{i}].slice")
        support = shape.whole(entry.get("support"), f"evidence.slices[{i}].support")
        base, head, change = (
            interval(entry.get(k), f"evidence.slices[{i}].{k}") for k in ("base", "head", "change")
        )
        rows.append(
            [
                code(name),
                count(support),
                shown(base, rows=support),
                shown(head, rows=support),
                shown(change, True, head, rows=support),
                reading("accuracy", change),
            ]
        )
    more = shape.whole(found.get("slices_more", 0), "evidence.slices_more")
    columns = ["slice", "rows", revision(report), "PR", "change", ""]
    table = grid(columns, rows, right=(1, 2, 3, 4))
    tail = f"\n\n…and {count(more)} more slices." if more else ""
    return (
        "### Slices (same rows)\n\n"
        "Accuracy for each value of each categorical feature, and for quantile bins of "
        "the numeric features in `report.slices`; the largest falls first. A small slice "
        "has a wide interval.\n\n"
        + details(f"Accuracy per slice ({count(len(rows) + more)})", table + tail)
    )


def cost(report: Mapping[str, Any]) -> str:
    """Model size on disk, and prediction latency when it was measured, main beside PR."""
    c = _part(evidence(report), "cost")
    if c is None:
        return ""
    sizes = shape.obj(c.get("size_mb") or {}, "evidence.cost.size_mb")
    size = {s: shape.real(sizes.get(s), f"evidence.cost.size_mb.{s}") for s in ("base", "head")}
    rows = [["model file (MB)", *(_amount(size[s], 3) for s in ("base", "head")), _ratio(size)]]
    timed = shape.obj(c.get("latency_ms") or {}, "evidence.cost.latency_ms")
    for batch, label in (("1", "1 row"), ("1000", "1,000 rows")):
        medians, tails = {}, {}
        for s in ("base", "head"):
            where = f"evidence.cost.latency_ms.{s}.{batch}"
            side = shape.obj(shape.obj(timed.get(s) or {}, where).get(batch) or {}, where)
            medians[s] = shape.real(side.get("median"), f"{where}.median")
            tails[s] = shape.real(side.get("p99"), f"{where}.p99")
        if any(v is not None for v in medians.values()):
            cells = [f"{_amount(medians[s], 2)} / {_amount(tails[s], 2)}" for s in ("base", "head")]
            rows.append([f"prediction, {label} (ms, median / p99)", *cells, _ratio(medians)])
    table = grid(["", revision(report), "PR", "PR / base"], rows, right=(1, 2, 3))
    note = (
        ""
        if timed
        else "\n\nLatency is not measured (`report.latency: false`): timings vary from run "
        "to run, and the report is otherwise the same bytes for the same commit."
    )
    return "### Cost of the change\n\n" + table + note


def _amount(number: float | None, digits: int) -> str:
    return "—" if number is None else f"{number:,.{digits}f}"


def _ratio(values: Mapping[str, float | None]) -> str:
    base, head = values.get("base"), values.get("head")
    if base is None or head is None or base <= 0:
        return "—"
    return f"{head / base:.2f}×"  # noqa: RUF001 - the multiplication sign is meant


def unpaired_note(report: Mapping[str, Any]) -> str | None:
    """Why there is no paired view, when one was expected."""
    found = evidence(report)
    why = found.get("why")
    if why is None or found.get("metrics"):
        return None
    return (
        f"No paired view: {code(shape.text(why, 'evidence.why'), 300)}. Drops are judged on "
        "point values from different rows. Restore the DVC cache (or configure a remote) so "
        f"that {revision(report)}'s model can be read."
    )
