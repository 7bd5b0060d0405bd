"""The quality gate: absolute bounds on the PR's metrics and limits on how much worse than base."""

from typing import Any

from classifier.contracts.metrics import worsening
from classifier.contracts.params import Gates
from classifier.report.rules import Rule, passed

__all__ = ["Rule", "check_gates", "passed"]

# Metrics are written rounded to 6 decimals; a drop equal to the tolerance must pass.
EPSILON = 1e-9


def check_gates(
    gates: Gates,
    head: dict[str, Any] | None,
    base: dict[str, Any] | None,
    contract_changed: bool = False,
) -> list[Rule]:
    """Every rule of params.yaml's gates section, evaluated on head (and base) metrics.

    With `contract_changed` (the two sides are different prediction tasks) the
    `max_drop` rules are skipped; absolute bounds still apply.
    """
    if head is None:
        return [Rule("metrics", False)]
    rules = [_bound("at_least", m, head, b) for m, b in gates.at_least.items()]
    rules += [_bound("at_most", m, head, b) for m, b in gates.at_most.items()]
    for metric, tol in gates.max_drop.items():
        if contract_changed:
            rules.append(Rule("max_drop", None, metric, limit=tol, reason="contract_changed"))
        else:
            rules.append(_drop(metric, head, base, tol))
    return rules


def _value(metrics: dict[str, Any], metric: str) -> float | None:
    value = metrics.get(metric)
    return float(value) if isinstance(value, (int, float)) else None


def _bound(kind: str, metric: str, head: dict[str, Any], bound: float) -> Rule:
    value = _value(head, metric)
    if value is None:
        return Rule(kind, False, metric, limit=bound, reason="undefined")
    ok = value >= bound - EPSILON if kind == "at_least" else value <= bound + EPSILON
    return Rule(kind, ok, metric, value=value, limit=bound)


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
