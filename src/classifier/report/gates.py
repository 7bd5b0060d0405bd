"""The quality gate: absolute bounds on the PR's metrics and limits on how much worse than base.

A drop is judged on evidence: main's and the PR's models scored on the same rows, the
change's interval at `gates.confidence` (classifier.statistics.paired). A rule fails
when the interval shows the drop is larger than allowed, passes when it shows the drop
is within the allowance, and is inconclusive when the interval holds the limit;
`gates.inconclusive` says whether that fails. Without paired evidence (main's model
unreadable) drops are judged on point values, as the report's notes say.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from classifier.contracts.metrics import COSTS, METRICS, worsening
from classifier.contracts.params import Gates
from classifier.report.rules import Rule, passed
from classifier.statistics.paired import Interval, Result, Slice

__all__ = ["Evidence", "Rule", "check_gates", "passed"]

# Metrics are written rounded to 6 decimals; a drop equal to the tolerance must pass.
EPSILON = 1e-9


@dataclass(frozen=True)
class Evidence:
    """What the gate judges by: the paired resampling, and the PR's own intervals."""

    paired: Result | None = None  # models "base" and "head" on the same rows
    head: Mapping[str, Interval] = field(default_factory=dict)  # the PR's whole test split
    costs: Mapping[str, float] = field(default_factory=dict)  # model_mb, latency_ratio


def check_gates(
    gates: Gates,
    head: dict[str, Any] | None,
    base: dict[str, Any] | None,
    contract_changed: bool = False,
    evidence: Evidence | None = None,
) -> list[Rule]:
    """Every rule of params.yaml's gates section, evaluated on head (and base) metrics.

    With `contract_changed` (the two sides are different prediction tasks) the
    `max_drop` and slice rules are skipped; absolute bounds still apply.
    """
    if head is None:
        return [Rule("metrics", False)]
    evidence = evidence or Evidence()
    rules = [_bound("at_least", m, head, b, gates, evidence) for m, b in gates.at_least.items()]
    rules += [_bound("at_most", m, head, b, gates, evidence) for m, b in gates.at_most.items()]
    for metric, tol in gates.max_drop.items():
        if contract_changed:
            rules.append(Rule("max_drop", None, metric, limit=tol, reason="contract_changed"))
        elif evidence.paired is not None and base is not None:
            paired = _paired_drop(metric, tol, gates, evidence.paired)
            rules.append(paired or _drop(metric, head, base, tol))
        else:
            rules.append(_drop(metric, head, base, tol))
    if gates.slices is not None:
        if contract_changed:
            rules.append(Rule("slices", None, "accuracy", reason="contract_changed"))
        else:
            rules.append(_slices(gates, evidence.paired))
    return rules


def _value(metrics: dict[str, Any], metric: str) -> float | None:
    value = metrics.get(metric)
    return float(value) if isinstance(value, (int, float)) else None


def _undecided(gates: Gates) -> bool:
    """What an inconclusive rule does to the gate."""
    return gates.inconclusive == "pass"


def _bound(
    kind: str, metric: str, head: dict[str, Any], bound: float, gates: Gates, evidence: Evidence
) -> Rule:
    if metric in COSTS:
        return _budget(metric, bound, evidence)
    value = _value(head, metric)
    if value is None:
        return Rule(kind, False, metric, limit=bound, reason="undefined")
    interval = evidence.head.get(metric)
    if gates.bounds == "interval" and interval is not None and interval.defined:
        above = kind == "at_least"
        low, high = interval.low, interval.high
        ok = low >= bound - EPSILON if above else high <= bound + EPSILON
        bad = high < bound - EPSILON if above else low > bound + EPSILON
        return Rule(
            kind,
            True if ok else False if bad else _undecided(gates),
            metric,
            value=value,
            limit=bound,
            low=low,
            high=high,
            confidence=gates.confidence,
            inconclusive=not (ok or bad),
        )
    ok = value >= bound - EPSILON if kind == "at_least" else value <= bound + EPSILON
    return Rule(kind, ok, metric, value=value, limit=bound)


def _budget(metric: str, bound: float, evidence: Evidence) -> Rule:
    """A cost budget: the PR's model size, or its latency over main's (needs main's model)."""
    value = evidence.costs.get(metric)
    if value is None:
        reason = "unpaired" if metric == "latency_ratio" else "undefined"
        return Rule(
            "at_most", None if reason == "unpaired" else False, metric, limit=bound, reason=reason
        )
    return Rule("at_most", value <= bound + EPSILON, metric, value=value, limit=bound)


def _drop(metric: str, head: dict[str, Any], base: dict[str, Any] | None, tol: float) -> Rule:
    if base is None:
        return Rule("max_drop", None, metric, limit=tol, reason="no_baseline")
    before, after = _value(base, metric), _value(head, metric)
    if after is None:
        return Rule("max_drop", False, metric, limit=tol, before=before, reason="undefined")
    if before is None:
        return Rule("max_drop", None, metric, value=after, limit=tol, reason="undefined_in_base")
    ok = worsening(metric, before, after) <= tol + EPSILON
    return Rule("max_drop", ok, metric, value=after, limit=tol, before=before)


def _worse(metric: str, change: Interval) -> tuple[float, float]:
    """The interval of how much worse the PR is (positive: worse)."""
    if METRICS[metric].higher_is_better:
        return -change.high, -change.low
    return change.low, change.high


def _paired_drop(metric: str, tol: float, gates: Gates, paired: Result) -> Rule | None:
    """The drop judged on the paired interval; None when the paired view has no interval
    for this metric (a model without probabilities): then it is judged on point values."""
    base, head = paired.metrics["base"].get(metric), paired.metrics["head"].get(metric)
    change = paired.difference.get(metric)
    if paired.rows < gates.min_rows:
        return Rule(
            "max_drop",
            _undecided(gates),
            metric,
            limit=tol,
            rows=paired.rows,
            reason="too_few_rows",
            inconclusive=True,
            confidence=gates.confidence,
        )
    if base is None or head is None or change is None or not change.defined:
        return None
    low, high = _worse(metric, change)
    ok, bad = high <= tol + EPSILON, low > tol + EPSILON
    return Rule(
        "max_drop",
        True if ok else False if bad else _undecided(gates),
        metric,
        value=head.value,
        before=base.value,
        limit=tol,
        low=change.low,
        high=change.high,
        confidence=gates.confidence,
        rows=paired.rows,
        inconclusive=not (ok or bad),
    )


def _fall(s: Slice) -> float:
    """How much a slice's accuracy fell (its point value; negative: it rose)."""
    return s.accuracy["base"].value - s.accuracy["head"].value


def _slices(gates: Gates, paired: Result | None) -> Rule:
    """One rule for every slice: the worst slice shown to fall too far, else the one
    that fell most beyond the allowance without proof, else the largest fall (within)."""
    if gates.slices is None:
        return Rule("slices", None, "accuracy", reason="no_slice")
    tol, support = gates.slices.max_drop, gates.slices.min_support
    if paired is None:
        return Rule("slices", None, "accuracy", limit=tol, reason="unpaired")
    judged = []
    for s in paired.slices:
        if s.support >= support and s.difference is not None and s.difference.defined:
            low, high = _worse("accuracy", s.difference)
            judged.append((low, high, s))
    if not judged:
        return Rule("slices", None, "accuracy", limit=tol, reason="no_slice")
    failed = sorted((j for j in judged if j[0] > tol + EPSILON), key=lambda j: -j[0])
    # Many slices are small, and a small slice's interval nearly always holds the limit:
    # a slice is undecided only when its own fall exceeds the allowance but the
    # interval cannot confirm it, never for noise around a slice that held up.
    undecided = sorted(
        (j for j in judged if j[0] <= tol + EPSILON < _fall(j[2])), key=lambda j: -_fall(j[2])
    )
    if failed:
        low, high, s = failed[0]
        outcome, inconclusive = False, False
    elif undecided:
        low, high, s = undecided[0]
        outcome, inconclusive = _undecided(gates), True
    else:
        low, high, s = max(judged, key=lambda j: j[1])
        outcome, inconclusive = True, False
    difference = s.difference or Interval(float("nan"), float("nan"), float("nan"), 0.0)
    return Rule(
        "slices",
        outcome,
        "accuracy",
        value=s.accuracy["head"].value,
        before=s.accuracy["base"].value,
        limit=tol,
        low=difference.low,
        high=difference.high,
        confidence=gates.confidence,
        rows=s.support,
        inconclusive=inconclusive,
        slice=s.name,
    )
