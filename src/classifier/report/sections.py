"""The one renderer: report data in, markdown out, the same for every place it is shown.

`make report`, the job summary and the comment job all call `render`, so the preview is
what gets posted. The data may come from a fork's artifact: every string in it is shown
as an inert code span (`inert`), every number is formatted here, every sentence and
heading is written here, and the verdict is computed from the gate's outcomes.
Standard library only.
"""

from collections.abc import Mapping
from typing import Any

from classifier.contracts.metrics import METRICS
from classifier.rendering import shape
from classifier.rendering.inert import block, code, count, decimals, number, value
from classifier.rendering.markdown import (
    FIGURES,
    MISSING,
    change,
    details,
    fit,
    grid,
    names,
    revision,
)
from classifier.report.data_section import data
from classifier.report.evidence_section import (
    as_it_was,
    cost,
    evidence,
    flips,
    interval,
    paired_metrics,
    shown,
    slices,
    unpaired_note,
)
from classifier.report.model_sections import confusion, importance, selection
from classifier.report.rules import Rule, describe, passed

FORMAT = "classifier-report/1"
PARAMS_SHOWN = 60
PER_CLASS = ("precision", "recall", "f1")
FULL_REPORT = "the full report is in the workflow run's `report` artifact"
# What a side can say about itself; anything else from an artifact is malformed.
SIDES = ("base", "head")


def rules_of(report: Mapping[str, Any]) -> list[Rule]:
    """The gate's rules, read and checked."""
    found = shape.items(report.get("rules"), "rules")
    return [Rule.from_data(rule, f"rules[{i}]") for i, rule in enumerate(found)]


def verdict(report: Mapping[str, Any]) -> str:
    """The heading, from the rules' outcomes: passed only with metrics and no failed rule."""
    rules = rules_of(report)
    failures = [rule for rule in rules if rule.passed is False]
    undecided = [rule for rule in rules if rule.inconclusive and rule.passed]
    if not failures and undecided and _side(report, "metrics", "head") is not None:
        n = len(undecided)
        return (
            f"## ⚠️ Quality gate passed, {n} rule{'s' if n > 1 else ''} inconclusive: "
            f"{describe(undecided[0], code)}"
        )
    if not failures and _side(report, "metrics", "head") is not None:
        return "## ✅ Quality gate passed"
    if not failures:
        return "## ❌ Quality gate failed: the pipeline produced no metrics to check"
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"## ❌ Quality gate failed: {describe(failures[0], code)}{more}"


def render(report: Mapping[str, Any], images: Mapping[str, str] | None, max_chars: int) -> str:
    """The whole report as markdown; `images` maps a figure to its link (None: no images).

    Raises shape.Malformed when the data is not a report of this format.
    """
    report = shape.obj(report, "the report")
    if report.get("format") != FORMAT:
        raise shape.Malformed(f"format must be {FORMAT!r}")
    figures = _figures(report, images)
    if report.get("pipeline_error") is not None:
        parts = [header(report), what_broke(report), params(report), data(report, figures)]
    else:
        parts = [
            header(report) + "\n\n" + metrics(report, figures),
            gate(report),
            flips(report),
            slices(report),
            cost(report),
            params(report),
            data(report, figures),
            confusion(report, figures),
            selection(report, figures),
            importance(report, figures),
        ]
    parts.append(notes(report))
    return fit([part for part in parts if part], max_chars, FULL_REPORT) + "\n"


def _figures(report: Mapping[str, Any], images: Mapping[str, str] | None) -> dict[str, str]:
    """Per figure the report has: its image markdown, or where to find it without images."""
    shown = {}
    for i, name in enumerate(shape.items(report.get("figures", []), "figures")):
        name = shape.choice(name, FIGURES, f"figures[{i}]")
        file, alt = FIGURES[name]
        if images is None:
            shown[name] = f"*({alt}: `{file}` in the workflow run's `report` artifact)*"
        elif name in images:
            shown[name] = f"![{alt}]({images[name]})"
    return shown


def _side(report: Mapping[str, Any], section: str, side: str) -> Any:
    return shape.obj(report.get(section) or {}, section).get(side)


def header(report: Mapping[str, Any]) -> str:
    """Verdict, what was compared with what, and first of all a changed data contract."""
    base = shape.obj(report.get("base"), "base")
    head_sha = shape.maybe_text(shape.obj(report.get("head"), "head").get("sha"), "head.sha")
    base_sha = shape.maybe_text(base.get("sha"), "base.sha")
    head = code(head_sha) if head_sha else "the working tree"
    against = revision(report) + (f" ({code(base_sha)})" if base_sha else "")
    text = f"{verdict(report)}\n\nModel report for {head} against {against}."
    changes = _contract_change(report)
    if changes:
        text += (
            f"\n\n> ⚠️ **The data contract changed: metrics are not comparable with "
            f"{revision(report)}** ({changes}). Limits on drops are skipped; absolute "
            "limits still apply."
        )
    positive = shape.maybe_text(report.get("positive"), "positive")
    if positive is not None:
        target = code(shape.text(report.get("target"), "target"))
        text += f"\n\nBinary target {target}, positive class {code(positive)}."
    return text


def _contract_change(report: Mapping[str, Any]) -> str:
    phrases = []
    for i, item in enumerate(shape.items(report.get("contract_change", []), "contract_change")):
        what, old, new = _triple(item, f"contract_change[{i}]")
        if what == "target":
            phrases.append(f"target {code(str(old))} → {code(str(new))}")
        elif what == "classes":
            phrases.append(f"classes {names(old)} → {names(new)}")
        else:
            phrases.append("no feature in common")
    return "; ".join(phrases)


def _triple(item: Any, where: str) -> tuple[str, Any, Any]:
    parts = shape.items(item, where)
    if len(parts) != 3:
        raise shape.Malformed(f"{where} must have 3 items")
    return shape.choice(parts[0], ("target", "classes", "features"), where), parts[1], parts[2]


def metrics(report: Mapping[str, Any], figures: Mapping[str, str] | None = None) -> str:
    """Headline metrics: the paired view when there is one (main's model and the PR's on
    the same rows, with intervals), else main | PR | change; per-class scores collapsed."""
    _check_metrics(report)
    paired = paired_metrics(report)
    if paired is not None:
        image = (figures or {}).get("reliability", "")
        parts = [paired, image, as_it_was(report), _per_class(report, True, marks=False)]
        return "\n\n".join(part for part in parts if part)
    return _point_metrics(report)


def _check_metrics(report: Mapping[str, Any]) -> None:
    """Both sides' metrics, each a number (also when the paired view shows others)."""
    for side in SIDES:
        values = shape.obj(_side(report, "metrics", side) or {}, f"metrics.{side}")
        for metric in (m for m in METRICS if m in values):
            shape.real(values[metric], metric)


def _per_class(report: Mapping[str, Any], comparable: bool, marks: bool = True) -> str:
    per_class = _per_class_rows(report, comparable, marks)
    if not per_class:
        return ""
    columns = ["class", "metric", revision(report), "PR", "change"]
    table = grid(columns, per_class, right=(2, 3, 4))
    return details("Per-class scores (each model on its own test split)", table)


def _point_metrics(report: Mapping[str, Any]) -> str:
    """main | PR | change from the results files (no paired view)."""
    base = shape.obj(_side(report, "metrics", "base") or {}, "metrics.base")
    head = shape.obj(_side(report, "metrics", "head") or {}, "metrics.head")
    comparable = not report.get("contract_change")
    if not base:  # a new data contract, or no baseline yet: the PR's numbers on their own
        rows = [
            [_metric_name(m), _with_interval(report, m, shape.real(head[m], m))]
            for m in METRICS
            if m in head
        ]
        text = "### Metrics (test set)\n\n" + grid(["metric", "PR"], rows, right=(1,))
        per_class = [[r[0], r[1], r[3]] for r in _per_class_rows(report, False)]
        if per_class:
            table = grid(["class", "metric", "PR"], per_class, right=(2,))
            text += "\n\n" + details("Per-class scores", table)
        return text
    rows = []
    for m in (m for m in METRICS if m in head or m in base):
        old, new = shape.real(base.get(m), m), shape.real(head.get(m), m)
        shown = change(m, old, new) if comparable else MISSING
        digits = _digits(report, m)
        rows.append([_metric_name(m), number(old, digits), number(new, digits), shown])
    text = "### Metrics (test set)\n\n" + grid(
        ["metric", revision(report), "PR", "change"], rows, right=(1, 2, 3)
    )
    per_class = _per_class_rows(report, comparable)
    if per_class:
        columns = ["class", "metric", revision(report), "PR", "change"]
        text += "\n\n" + details("Per-class scores", grid(columns, per_class, right=(2, 3, 4)))
    return text


def _metric_name(metric: str) -> str:
    return metric if METRICS[metric].higher_is_better else f"{metric} (lower is better)"


def _per_class_rows(
    report: Mapping[str, Any], comparable: bool, marks: bool = True
) -> list[list[str]]:
    """Per class and metric: main, PR, change; without `marks` the change is a plain
    number (point values on few rows: the paired view above judges better or worse)."""
    base = shape.obj(_side(report, "per_class", "base") or {}, "per_class.base")
    head = shape.obj(_side(report, "per_class", "head") or {}, "per_class.head")
    base = base if comparable else {}
    rows = []
    for label in list(dict.fromkeys([*head, *base])):
        old = shape.obj(base.get(label, {}), "per_class.base")
        new = shape.obj(head.get(label, {}), "per_class.head")
        support = [shape.real(side.get("support"), "support") for side in (old, new)]
        # A class's scores rest on its few rows: as many decimals as a proportion of
        # that many rows supports (half-width about 1/sqrt(rows)).
        rows_behind = min((s for s in support if s), default=None)
        digits = decimals(1 / rows_behind**0.5) if rows_behind else 4
        for m in PER_CLASS:
            before, after = shape.real(old.get(m), m), shape.real(new.get(m), m)
            rows.append(
                [
                    code(label),
                    m,
                    number(before, digits),
                    number(after, digits),
                    change("f1", before, after) if marks else _plain(before, after, digits),
                ]
            )
        rows.append([code(label), "support", *(count(_int(s)) for s in support), ""])
    return rows


def _plain(before: float | None, after: float | None, digits: int) -> str:
    if before is None or after is None:
        return MISSING
    return f"{after - before:+.{digits}f}"


def _digits(report: Mapping[str, Any], metric: str) -> int:
    """Decimals for a point value: those its interval on the PR's test split supports."""
    found = evidence(report)
    alone = shape.obj(found.get("head_alone") or {}, "evidence.head_alone")
    metrics = shape.obj(alone.get("metrics") or {}, "evidence.head_alone.metrics")
    bounds = interval(metrics.get(metric), f"evidence.head_alone.metrics.{metric}")
    return decimals((bounds[2] - bounds[1]) / 2) if bounds else 4


def _with_interval(report: Mapping[str, Any], metric: str, point: float | None) -> str:
    """The PR's value, with its interval when the report has one."""
    found = evidence(report)
    alone = shape.obj(found.get("head_alone") or {}, "evidence.head_alone")
    metrics = shape.obj(alone.get("metrics") or {}, "evidence.head_alone.metrics")
    bounds = interval(metrics.get(metric), f"evidence.head_alone.metrics.{metric}")
    if bounds is None or point is None:
        return number(point, 4)
    return shown((point, bounds[1], bounds[2]))


def _int(item: float | None) -> int | None:
    return int(item) if item is not None and float(item).is_integer() else None


def gate(report: Mapping[str, Any]) -> str:
    """Every gate rule and its outcome."""
    marks = {True: "✅", False: "❌", None: "⏭️"}
    rules = rules_of(report)
    if not rules:
        return "### Gate rules\n\nNo rules in `params.yaml` (`gates:`); nothing to check."
    rows = [
        [
            code(rule.key),
            f"{'⚠️' if rule.inconclusive else marks[rule.passed]} {describe(rule, code)}",
        ]
        for rule in rules
    ]
    status = "none failed" if passed(rules) else "some failed"
    undecided = sum(rule.inconclusive for rule in rules)
    if undecided:
        status += f", {undecided} inconclusive"
    return f"### Gate rules: {status}\n\n" + grid(["rule", "result"], rows)


def params(report: Mapping[str, Any]) -> str:
    """Only the keys that changed, old → new."""
    diff = shape.items(report.get("params_diff", []), "params_diff")
    if not diff:
        return "### Params\n\nNo change in `params.yaml`."
    rows = []
    for i, item in enumerate(diff[:PARAMS_SHOWN]):
        entry = shape.items(item, f"params_diff[{i}]")
        if len(entry) != 3:
            raise shape.Malformed(f"params_diff[{i}] must have 3 items")
        rows.append(
            [code(shape.text(entry[0], f"params_diff[{i}]")), value(entry[1]), value(entry[2])]
        )
    text = "### Params changed\n\n" + grid(["key", revision(report), "PR"], rows)
    hidden = max(0, len(diff) - PARAMS_SHOWN) + shape.whole(
        report.get("params_more", 0), "params_more"
    )
    return text + (f"\n\n…and {hidden:,} more changed keys." if hidden > 0 else "")


def notes(report: Mapping[str, Any]) -> str:
    """What the reader should know: missing baseline, stale results, unreadable files."""
    found = shape.obj(report.get("notes", {}), "notes")
    items = []
    if found.get("no_baseline"):
        path = code(shape.text(found.get("metrics_path", ""), "notes.metrics_path"))
        items.append(
            f"📭 No baseline on {revision(report)} yet: it has no {path}. "
            "Limits on drops are skipped; absolute limits still apply."
        )
    stale = _stale(shape.obj(found.get("stale", {}), "notes.stale"))
    if stale:
        items.append(
            f"⚠️ Committed results are stale: {stale}. "
            "Run `make run` (or `dvc repro`) and commit `dvc.lock` and `reports/`."
        )
    unpaired = unpaired_note(report)
    if unpaired:
        items.append(f"⚠️ {unpaired}")
    if found.get("split_differs") and not evidence(report).get("metrics"):
        items.append(
            "🔀 The data or the split settings changed, so the test split differs between "
            f"{revision(report)} and the PR: metric changes mix the model's and the test "
            "set's effects."
        )
    for side in SIDES:
        for note in shape.items(found.get(side, []), f"notes.{side}"):
            where = "the PR" if side == "head" else revision(report)
            items.append(f"⚠️ About {where}: {code(shape.text(note, 'note'), 400)}")
    return "### Notes\n\n" + "\n".join(f"- {item}" for item in items) if items else ""


def _stale(stale: Mapping[str, Any]) -> str:
    what = {
        "lock": "`dvc.lock` committed with other inputs for",
        "differ": "committed results differ from the reproduced ones",
        "outdated": "results are older than their inputs for",
    }
    return "; ".join(f"{what[k]}: {names(stale[k])}" for k in what if stale.get(k))


def what_broke(report: Mapping[str, Any]) -> str:
    """The pipeline's own one-line reason, and how to see it locally."""
    error = shape.text(report.get("pipeline_error"), "pipeline_error")
    return (
        "### What broke\n\n"
        f"{block(error)}\n\n"
        "Nothing was published and no metric below is this commit's. Run `make run` "
        "locally to see the same message, fix it, and push again."
    )


def failure_only(error: str, base_rev: str) -> dict[str, Any]:
    """The report data when neither side has usable params: the verdict and what broke."""
    rule = Rule("pipeline", False, error=error)
    return {
        "format": FORMAT,
        "base": {"rev": base_rev, "sha": None},
        "head": {"sha": None},
        "pipeline_error": error,
        "rules": [rule.to_data()],
    }
