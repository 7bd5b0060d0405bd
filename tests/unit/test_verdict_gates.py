"""The gate on evidence: a drop fails only when its interval shows it is too large, passes
when it shows it is within, and is inconclusive (its own state) in between."""

import pytest

from classifier.contracts.params import Gates
from classifier.report.gates import Evidence, check_gates
from classifier.report.rules import Rule, plain_verdict
from classifier.report.sections import verdict
from classifier.statistics.paired import Interval, Result, Slice

HEAD = {"accuracy": 0.86, "log_loss": 0.4}
BASE = {"accuracy": 0.88, "log_loss": 0.35}


def iv(value: float, low: float, high: float) -> Interval:
    return Interval(value, low, high, (high - low) / 4)


def paired(change: dict[str, Interval], rows: int = 150, slices: list[Slice] | None = None):
    metrics = {m: iv(BASE[m], BASE[m] - 0.05, BASE[m] + 0.05) for m in change}
    heads = {m: iv(HEAD[m], HEAD[m] - 0.05, HEAD[m] + 0.05) for m in change}
    return Result(rows, 1000, 0.95, {"base": metrics, "head": heads}, change, slices or [])


def drop_rule(change: Interval, metric: str = "accuracy", rows: int = 150, **gates) -> Rule:
    settings = Gates.model_validate({"max_drop": {metric: 0.02}, **gates})
    evidence = Evidence(paired=paired({metric: change}, rows))
    (rule,) = check_gates(settings, HEAD, BASE, evidence=evidence)
    return rule


def test_a_drop_shown_larger_than_allowed_fails_naming_its_interval():
    rule = drop_rule(iv(-0.09, -0.14, -0.05))
    assert rule.passed is False
    assert not rule.inconclusive
    assert "change [-0.140, -0.050] (95 %, 150 rows)" in rule.message
    assert "at least 0.050 worse, more than the 0.02 allowed (`gates.max_drop.accuracy`)" in (
        rule.message
    )


def test_a_drop_shown_within_the_allowance_passes():
    rule = drop_rule(iv(0.005, -0.012, 0.02))
    assert rule.passed is True
    assert not rule.inconclusive
    assert "at worst 0.012 worse, within the 0.02 allowed" in rule.message


def test_an_interval_holding_the_limit_is_inconclusive_and_the_policy_decides():
    lenient = drop_rule(iv(-0.02, -0.06, 0.02))
    assert lenient.inconclusive
    assert lenient.passed is True
    assert "inconclusive, passes (`gates.inconclusive: pass`)" in lenient.message
    strict = drop_rule(iv(-0.02, -0.06, 0.02), inconclusive="fail")
    assert strict.inconclusive
    assert strict.passed is False
    assert plain_verdict([lenient]).startswith("⚠️ Quality gate passed, 1 rule inconclusive")
    assert plain_verdict([strict]).startswith("❌ Quality gate failed")


def test_lower_is_better_metrics_are_judged_the_other_way():
    assert drop_rule(iv(0.1, 0.05, 0.15), metric="log_loss").passed is False
    assert drop_rule(iv(-0.1, -0.15, -0.05), metric="log_loss").passed is True


def test_too_few_paired_rows_are_inconclusive_and_say_so():
    rule = drop_rule(iv(-0.3, -0.5, -0.1), rows=12)
    assert rule.inconclusive
    assert rule.reason == "too_few_rows"
    assert "12 rows" in rule.message
    assert "`gates.min_rows`" in rule.message


@pytest.mark.parametrize(
    ("low", "high", "outcome", "inconclusive"),
    [(0.91, 0.97, True, False), (0.80, 0.88, False, False), (0.85, 0.95, True, True)],
)
def test_bounds_may_be_judged_on_the_interval(low, high, outcome, inconclusive):
    gates = Gates.model_validate({"at_least": {"accuracy": 0.9}, "bounds": "interval"})
    head = {"accuracy": (low + high) / 2}
    evidence = Evidence(head={"accuracy": iv((low + high) / 2, low, high)})
    (rule,) = check_gates(gates, head, BASE, evidence=evidence)
    assert (rule.passed, rule.inconclusive) == (outcome, inconclusive)
    point = Gates.model_validate({"at_least": {"accuracy": 0.9}})
    (by_point,) = check_gates(point, head, BASE, evidence=evidence)
    assert by_point.low is None  # the default judges the value itself


def test_the_slice_gate_names_the_slice_that_fell():
    slices = [
        Slice(
            "origin = north",
            80,
            {"base": iv(0.8, 0.7, 0.9), "head": iv(0.9, 0.8, 0.95)},
            iv(0.1, 0.04, 0.16),
        ),
        Slice(
            "origin = east",
            40,
            {"base": iv(0.95, 0.9, 1.0), "head": iv(0.6, 0.45, 0.75)},
            iv(-0.35, -0.5, -0.2),
        ),
        Slice(
            "origin = tiny",
            5,
            {"base": iv(1.0, 1.0, 1.0), "head": iv(0.0, 0.0, 0.2)},
            iv(-1.0, -1.0, -0.8),
        ),  # under min_support: not judged
    ]
    gates = Gates.model_validate({"slices": {"max_drop": 0.1, "min_support": 20}})
    evidence = Evidence(paired=paired({"accuracy": iv(0.02, -0.01, 0.05)}, slices=slices))
    (rule,) = check_gates(gates, HEAD, BASE, evidence=evidence)
    assert rule.passed is False
    assert rule.slice == "origin = east"
    assert "accuracy on `origin = east` 0.95 → 0.60" in rule.message
    assert "(`gates.slices.max_drop`)" in rule.message


def test_rules_travel_through_report_data_and_the_heading_warns_of_inconclusive_ones():
    rule = drop_rule(iv(-0.02, -0.06, 0.02))
    again = Rule.from_data(rule.to_data(), "rules[0]")
    assert again == rule
    report = {"rules": [rule.to_data()], "metrics": {"head": HEAD}}
    assert verdict(report).startswith("## ⚠️ Quality gate passed, 1 rule inconclusive: ")


def test_cost_budgets_are_at_most_rules_and_only_there():
    gates = Gates.model_validate({"at_most": {"model_mb": 5, "latency_ratio": 1.5}})
    evidence = Evidence(costs={"model_mb": 7.5, "latency_ratio": 1.2})
    size, speed = check_gates(gates, HEAD, BASE, evidence=evidence)
    assert size.passed is False
    assert "`model_mb` 7.5000 > 5, the maximum (`gates.at_most.model_mb`)" in size.message
    assert speed.passed is True
    (unmeasured,) = check_gates(
        Gates.model_validate({"at_most": {"latency_ratio": 1.5}}), HEAD, BASE, evidence=Evidence()
    )
    assert unmeasured.passed is None  # no main model to time against: skipped, said
    with pytest.raises(ValueError, match="at_least"):
        Gates.model_validate({"at_least": {"model_mb": 5}})


def test_a_metric_the_paired_view_has_no_interval_for_is_judged_on_point_values():
    """A model without probabilities has no paired log loss: its drop is judged as before."""
    gates = Gates.model_validate({"max_drop": {"log_loss": 0.02}})
    evidence = Evidence(paired=paired({"accuracy": iv(0.0, -0.01, 0.01)}))
    (rule,) = check_gates(gates, HEAD, BASE, evidence=evidence)
    assert rule.low is None  # no interval: the point comparison
    assert rule.passed is False  # 0.35 -> 0.40 is worse by more than 0.02
    assert "rose by 0.0500" in rule.message
