"""The quality gate: absolute bounds, limits on drops against the base, skipped rules."""

from classifier.contracts.params import Gates
from classifier.report.gates import check_gates, passed

BASE = {"accuracy": 0.95, "f1_macro": 0.94, "log_loss": 0.10}


def test_drop_beyond_tolerance_fails_and_names_the_rule():
    gates = Gates(max_drop={"f1_macro": 0.01})
    [rule] = check_gates(gates, {**BASE, "f1_macro": 0.92}, BASE)
    assert rule.passed is False
    assert rule.message == (
        "`f1_macro` fell by 0.0200 (0.9400 → 0.9200), more than the 0.01 allowed "
        "(`gates.max_drop.f1_macro`)"
    )


def test_drop_equal_to_the_tolerance_passes():
    [rule] = check_gates(Gates(max_drop={"f1_macro": 0.01}), {**BASE, "f1_macro": 0.93}, BASE)
    assert rule.passed is True


def test_a_rising_loss_is_a_drop():
    [rule] = check_gates(Gates(max_drop={"log_loss": 0.05}), {**BASE, "log_loss": 0.2}, BASE)
    assert rule.passed is False
    assert "`log_loss` rose by 0.1000" in rule.message


def test_absolute_minimum_and_maximum():
    gates = Gates(at_least={"accuracy": 0.96}, at_most={"log_loss": 0.2})
    low, ok = check_gates(gates, BASE, None)
    assert (low.passed, ok.passed) == (False, True)
    assert low.message == "`accuracy` 0.9500 < 0.96, the minimum (`gates.at_least.accuracy`)"


def test_without_a_baseline_drops_are_skipped_not_failed():
    rules = check_gates(Gates(at_least={"accuracy": 0.9}, max_drop={"accuracy": 0.0}), BASE, None)
    assert [r.passed for r in rules] == [True, None]
    assert passed(rules)


def test_undefined_metric_fails_the_rule():
    [rule] = check_gates(Gates(at_least={"roc_auc_ovr": 0.9}), {"roc_auc_ovr": None}, None)
    assert rule.passed is False


def test_no_metrics_at_all_fails_the_gate():
    assert not passed(check_gates(Gates(), None, BASE))
