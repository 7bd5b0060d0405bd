"""The quality gate: absolute bounds on the PR's metrics and limits on how much worse than base."""

from dataclasses import dataclass
from typing import Any

from classifier.contracts.metrics import METRICS, worsening
from classifier.contracts.params import Gates

# Metrics are written rounded to 6 decimals; a drop equal to the tolerance must pass.
EPSILON = 1e-9


@dataclass(frozen=True)
class Rule:
    """One gate rule's outcome; `passed` is None when it could not apply (no baseline)."""

    key: str
    passed: bool | None
    message: str


def check_gates(
    gates: Gates,
    head: dict[str, Any] | None,
    base: dict[str, Any] | None,
    skip_drops: str | None = None,
) -> list[Rule]:
    """Every rule of params.yaml's gates section, evaluated on head (and base) metrics.

    `skip_drops` says why the base cannot be compared with (a changed data contract):
    the `max_drop` rules are then skipped with that reason; absolute bounds still apply.
    """
    if head is None:
        return [Rule("metrics", False, "the pipeline produced no metrics to check")]
    rules = [
        _bound(f"gates.at_least.{m}", m, head, b, above=True) for m, b in gates.at_least.items()
    ]
    rules += [
        _bound(f"gates.at_most.{m}", m, head, b, above=False) for m, b in gates.at_most.items()
    ]
    for metric, tol in gates.max_drop.items():
        key = f"gates.max_drop.{metric}"
        if skip_drops:
            rules.append(Rule(key, None, f"`{metric}`: {skip_drops}, skipped"))
        else:
            rules.append(_drop(key, metric, head, base, tol))
    return rules


def passed(rules: list[Rule]) -> bool:
    """The gate passes when no rule failed (skipped rules do not fail it)."""
    return all(rule.passed is not False for rule in rules)


def _value(metrics: dict[str, Any], metric: str) -> float | None:
    value = metrics.get(metric)
    return float(value) if isinstance(value, (int, float)) else None


def _bound(key: str, metric: str, head: dict[str, Any], bound: float, above: bool) -> Rule:
    value = _value(head, metric)
    if value is None:
        return Rule(key, False, f"`{metric}` is undefined in the PR's metrics ({key})")
    ok = value >= bound - EPSILON if above else value <= bound + EPSILON
    relation = ("≥" if ok else "<") if above else ("≤" if ok else ">")
    limit = "minimum" if above else "maximum"
    message = f"`{metric}` {value:.4f} {relation} {bound:g}"
    return Rule(key, ok, message if ok else f"{message}, the {limit} ({key})")


def _drop(
    key: str, metric: str, head: dict[str, Any], base: dict[str, Any] | None, tol: float
) -> Rule:
    if base is None:
        return Rule(key, None, f"`{metric}`: no baseline to compare with, skipped")
    before, after = _value(base, metric), _value(head, metric)
    if after is None:
        return Rule(key, False, f"`{metric}` is undefined in the PR's metrics ({key})")
    if before is None:
        return Rule(key, None, f"`{metric}` is undefined in the baseline, skipped")
    worse = worsening(metric, before, after)
    if worse <= tol + EPSILON:
        return Rule(key, True, f"`{metric}` {before:.4f} → {after:.4f}, within {tol:g}")
    verb = "fell" if METRICS[metric].higher_is_better else "rose"
    return Rule(
        key,
        False,
        f"`{metric}` {verb} by {worse:.4f} ({before:.4f} → {after:.4f}), "
        f"more than the {tol:g} allowed ({key})",
    )
