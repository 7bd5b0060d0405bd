"""A gate rule's outcome as data, and the one sentence that describes it.

The verdict is computed from these outcomes wherever it is shown (the report, the job
summary, the comment, gate.json, the job's annotations), never copied as text: a rule
carries its kind, metric and numbers, and the sentence is written here. Standard
library only: the comment job reads rules from an artifact and renders them.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from classifier.contracts.metrics import METRICS
from classifier.rendering import shape

KINDS = frozenset({"at_least", "at_most", "max_drop", "pipeline", "metrics"})
OUTCOMES = {"passed": True, "failed": False, "skipped": None}
REASONS = frozenset({"no_baseline", "undefined", "undefined_in_base", "contract_changed"})


@dataclass(frozen=True)
class Rule:
    """One gate rule's outcome; `passed` is None when it could not apply (a skip)."""

    kind: str
    passed: bool | None
    metric: str | None = None
    value: float | None = None
    limit: float | None = None
    before: float | None = None
    reason: str | None = None
    error: str | None = None  # the pipeline's own message (kind "pipeline")

    @property
    def key(self) -> str:
        """The params.yaml key the rule comes from, or the kind of check."""
        return f"gates.{self.kind}.{self.metric}" if self.metric else self.kind

    @property
    def message(self) -> str:
        """The sentence in plain text (logs, gate.json, annotations)."""
        return describe(self, lambda name: f"`{name}`", with_error=True)

    def to_data(self) -> dict[str, Any]:
        """The rule as report data (its outcome spelled out)."""
        data = asdict(self)
        data["outcome"] = next(k for k, v in OUTCOMES.items() if v is self.passed)
        del data["passed"]
        return data

    @classmethod
    def from_data(cls, data: Any, where: str) -> "Rule":
        """A rule read back from report data, each field checked."""
        item = shape.obj(data, where)
        metric = item.get("metric")
        if metric is not None:
            shape.choice(metric, METRICS, f"{where}.metric")
        reason = item.get("reason")
        if reason is not None:
            shape.choice(reason, REASONS, f"{where}.reason")
        return cls(
            kind=shape.choice(item.get("kind"), KINDS, f"{where}.kind"),
            passed=OUTCOMES[shape.choice(item.get("outcome"), OUTCOMES, f"{where}.outcome")],
            metric=metric,
            value=shape.real(item.get("value"), f"{where}.value"),
            limit=shape.real(item.get("limit"), f"{where}.limit"),
            before=shape.real(item.get("before"), f"{where}.before"),
            reason=reason,
            error=shape.maybe_text(item.get("error"), f"{where}.error"),
        )


def passed(rules: list[Rule]) -> bool:
    """The gate passes when no rule failed (skipped rules do not fail it)."""
    return all(rule.passed is not False for rule in rules)


def plain_verdict(rules: list[Rule]) -> str:
    """The verdict as one line of plain text (the log)."""
    failures = [rule.message for rule in rules if rule.passed is False]
    if not failures:
        return "✅ Quality gate passed"
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"❌ Quality gate failed: {failures[0]}{more}"


def describe(rule: Rule, name: Callable[[str], str], with_error: bool = False) -> str:
    """The rule's sentence; `name` writes a metric or key (a code span in markdown)."""
    if rule.kind == "pipeline":
        return "the pipeline failed" + (f": {rule.error}" if with_error and rule.error else "")
    if rule.kind == "metrics" or rule.metric is None:
        return "the pipeline produced no metrics to check"
    metric, key = name(rule.metric), name(rule.key)
    skip = SKIPS.get(rule.reason or "")
    if skip:
        return f"{metric}: {skip}, skipped"
    if rule.reason == "undefined" or rule.value is None:
        return f"{metric} is undefined in the PR's metrics ({key})"
    if rule.kind == "max_drop":
        return _drop(rule, metric, key)
    above = rule.kind == "at_least"
    ok = rule.passed is not False
    relation = ("≥" if ok else "<") if above else ("≤" if ok else ">")
    sentence = f"{metric} {rule.value:.4f} {relation} {_limit(rule.limit)}"
    return sentence if ok else f"{sentence}, the {'minimum' if above else 'maximum'} ({key})"


SKIPS: Mapping[str, str] = {
    "no_baseline": "no baseline to compare with",
    "undefined_in_base": "undefined in the baseline",
    "contract_changed": "the data contract changed",
}


def _drop(rule: Rule, metric: str, key: str) -> str:
    before, after = _limit(rule.before, ".4f"), _limit(rule.value, ".4f")
    if rule.passed is not False:
        return f"{metric} {before} → {after}, within {_limit(rule.limit)}"
    higher = METRICS[rule.metric].higher_is_better if rule.metric in METRICS else True
    worse = (
        abs((rule.before or 0.0) - (rule.value or 0.0)) if rule.before is not None else float("nan")
    )
    return (
        f"{metric} {'fell' if higher else 'rose'} by {worse:.4f} ({before} → {after}), "
        f"more than the {_limit(rule.limit)} allowed ({key})"
    )


def _limit(number: float | None, spec: str = "g") -> str:
    return "—" if number is None else format(number, spec)
