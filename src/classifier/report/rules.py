"""A gate rule's outcome as data, and the one sentence that describes it.

The verdict is computed from these outcomes wherever it is shown (the report, the job
summary, the comment, gate.json, the job's annotations), never copied as text: a rule
carries its kind, metric and numbers, and the sentence is written here. Standard
library only: the comment job reads rules from an artifact and renders them.
"""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from classifier.contracts.metrics import COSTS, METRICS
from classifier.rendering import shape
from classifier.rendering.inert import decimals

KINDS = frozenset({"at_least", "at_most", "max_drop", "slices", "pipeline", "metrics"})
OUTCOMES = {"passed": True, "failed": False, "skipped": None}
REASONS = frozenset(
    {
        "no_baseline",
        "undefined",
        "undefined_in_base",
        "contract_changed",
        "too_few_rows",
        "unpaired",
        "no_slice",
    }
)


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
    # The interval judged (at `confidence`): of the change PR - main for max_drop and
    # slices, of the PR's value for bounds judged on intervals. None: point values.
    low: float | None = None
    high: float | None = None
    confidence: float | None = None
    rows: int | None = None  # rows behind the interval (paired rows, a slice's support)
    inconclusive: bool = False  # the interval could not decide; `passed` follows the policy
    slice: str | None = None  # kind "slices": the slice judged

    @property
    def key(self) -> str:
        """The params.yaml key the rule comes from, or the kind of check."""
        if self.kind == "slices":
            return "gates.slices.max_drop"
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
            shape.choice(metric, [*METRICS, *COSTS], f"{where}.metric")
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
            low=shape.real(item.get("low"), f"{where}.low"),
            high=shape.real(item.get("high"), f"{where}.high"),
            confidence=shape.real(item.get("confidence"), f"{where}.confidence"),
            rows=None if item.get("rows") is None else shape.whole(item["rows"], f"{where}.rows"),
            inconclusive=shape.flag(item.get("inconclusive", False), f"{where}.inconclusive"),
            slice=shape.maybe_text(item.get("slice"), f"{where}.slice"),
        )


def passed(rules: list[Rule]) -> bool:
    """The gate passes when no rule failed (skipped rules do not fail it)."""
    return all(rule.passed is not False for rule in rules)


def plain_verdict(rules: list[Rule]) -> str:
    """The verdict as one line of plain text (the log)."""
    failures = [rule.message for rule in rules if rule.passed is False]
    undecided = [rule for rule in rules if rule.inconclusive and rule.passed]
    if not failures and undecided:
        return f"⚠️ Quality gate passed, {_inconclusive(len(undecided))}: {undecided[0].message}"
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
    if rule.reason == "too_few_rows":
        return (
            f"{metric}: {rule.rows or 0:,} rows of the PR's test split are new to both models, "
            f"too few to decide (`gates.min_rows`); inconclusive, {_policy(rule)}"
        )
    if rule.reason == "undefined" or rule.value is None:
        return f"{metric} is undefined in the PR's metrics ({key})"
    if rule.kind == "slices":
        return _slice(rule, name, key)
    if rule.kind == "max_drop":
        return _drop(rule, metric, key) if rule.low is None else _paired_drop(rule, metric, key)
    if rule.low is not None:
        return _bound_interval(rule, metric, key)
    above = rule.kind == "at_least"
    ok = rule.passed is not False
    relation = ("≥" if ok else "<") if above else ("≤" if ok else ">")
    sentence = f"{metric} {rule.value:.4f} {relation} {_limit(rule.limit)}"
    return sentence if ok else f"{sentence}, the {'minimum' if above else 'maximum'} ({key})"


SKIPS: Mapping[str, str] = {
    "no_baseline": "no baseline to compare with",
    "undefined_in_base": "undefined in the baseline",
    "contract_changed": "the data contract changed",
    "unpaired": "main's model could not be scored on the PR's rows (see the notes)",
    "no_slice": "no slice has `gates.slices.min_support` rows",
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


def _inconclusive(n: int) -> str:
    return f"{n} rule{'s' if n > 1 else ''} inconclusive"


def _policy(rule: Rule) -> str:
    verb = "passes" if rule.passed else "fails"
    return f"{verb} (`gates.inconclusive: {'pass' if rule.passed else 'fail'}`)"


def interval_text(low: float | None, high: float | None, signed: bool = False) -> str:
    """[low, high] with the decimals its width supports."""
    if low is None or high is None:
        return "[—]"
    digits = decimals((high - low) / 2)
    spec = f"{'+' if signed else ''}.{digits}f"
    return f"[{format(low, spec)}, {format(high, spec)}]"


def _evidence(rule: Rule) -> str:
    confidence = f"{(rule.confidence or 0) * 100:g} %"
    rows = f", {rule.rows:,} rows" if rule.rows is not None else ""
    return f"{confidence}{rows}"


def _worsening(rule: Rule) -> tuple[float, float, float]:
    """Point, low, high of how much worse the PR is (positive: worse)."""
    higher = METRICS[rule.metric].higher_is_better if rule.metric in METRICS else True
    change = (rule.value or 0.0) - (rule.before or 0.0)
    low, high = rule.low or 0.0, rule.high or 0.0
    return (-change, -high, -low) if higher else (change, low, high)


def _paired_drop(rule: Rule, metric: str, key: str) -> str:
    change = interval_text(rule.low, rule.high, signed=True)
    digits = decimals(((rule.high or 0) - (rule.low or 0)) / 2)
    before, after = _limit(rule.before, f".{digits}f"), _limit(rule.value, f".{digits}f")
    head = f"{metric} {before} → {after}, change {change} ({_evidence(rule)})"
    if rule.low == 0 and rule.high == 0:
        head = (
            f"{metric} {_limit(rule.value, '.4f')}, the same on every resample ({_evidence(rule)})"
        )
    _, low, high = _worsening(rule)
    allowed = _limit(rule.limit)
    if rule.inconclusive:
        return (
            f"{head}: cannot tell whether it is worse by more than the {allowed} allowed; "
            f"inconclusive, {_policy(rule)}"
        )
    if rule.passed and high <= 0:
        return f"{head}: not worse, within the {allowed} allowed"
    if rule.passed:
        return f"{head}: at worst {format(high, f'.{digits}f')} worse, within the {allowed} allowed"
    worse = format(low, f".{digits}f")
    return f"{head}: at least {worse} worse, more than the {allowed} allowed ({key})"


def _bound_interval(rule: Rule, metric: str, key: str) -> str:
    above = rule.kind == "at_least"
    shown = interval_text(rule.low, rule.high)
    head = f"{metric} {_limit(rule.value, '.4f')} {shown} ({_evidence(rule)})"
    side = "minimum" if above else "maximum"
    if rule.inconclusive:
        limit = _limit(rule.limit)
        return f"{head}: the interval holds the {side} {limit}; inconclusive, {_policy(rule)}"
    if rule.passed:
        return f"{head} {'≥' if above else '≤'} {_limit(rule.limit)}"
    return f"{head} {'<' if above else '>'} {_limit(rule.limit)}, the {side} ({key})"


def _slice(rule: Rule, name: Callable[[str], str], key: str) -> str:
    if rule.slice is None:
        return f"no slice has `gates.slices.min_support` rows; nothing to judge ({key})"
    where = name(rule.slice)
    change = interval_text(rule.low, rule.high, signed=True)
    digits = decimals(((rule.high or 0) - (rule.low or 0)) / 2)
    before, after = _limit(rule.before, f".{digits}f"), _limit(rule.value, f".{digits}f")
    head = f"accuracy on {where} {before} → {after}, change {change} ({_evidence(rule)})"
    allowed = _limit(rule.limit)
    if rule.inconclusive:
        return f"{head}: cannot tell whether it fell by more than {allowed}; {_policy(rule)}"
    if rule.passed:
        return f"no slice's accuracy fell by more than {allowed}; the largest fall: {head}"
    return f"{head}: fell by more than the {allowed} allowed in a slice ({key})"
