"""The paired bootstrap: point values as scikit-learn computes them, intervals that agree
with the analytic ones where those exist, McNemar as scipy's exact binomial test, and
the same bytes on every run."""

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn import metrics as sk

from classifier.contracts.metrics import METRICS
from classifier.statistics.paired import (
    Sample,
    Scored,
    bootstrap,
    detectable,
    mcnemar,
    resample_blocks,
    wilson,
)

ALL = list(METRICS)  # every metric the report knows


def scored(truth: np.ndarray, k: int, rng: np.random.Generator, skill: float = 1.0) -> Scored:
    """Probabilities leaning towards the truth by `skill`, rounded so that scores tie."""
    n = len(truth)
    proba = rng.dirichlet(np.ones(k), n)
    proba[np.arange(n), truth] += skill * rng.random(n)
    proba = np.round(proba / proba.sum(axis=1, keepdims=True), 2)
    proba /= proba.sum(axis=1, keepdims=True)
    return Scored(proba.argmax(axis=1), proba)


def reference(metric: str, truth: np.ndarray, model: Scored, positive: int = 1) -> float:
    p, y, proba = model.predicted, truth, model.proba
    assert proba is not None
    return {
        "accuracy": lambda: sk.accuracy_score(y, p),
        "balanced_accuracy": lambda: sk.balanced_accuracy_score(y, p),
        "f1_macro": lambda: sk.f1_score(y, p, average="macro", zero_division=0),
        "precision_macro": lambda: sk.precision_score(y, p, average="macro", zero_division=0),
        "recall_macro": lambda: sk.recall_score(y, p, average="macro", zero_division=0),
        "roc_auc_ovr": lambda: sk.roc_auc_score(y, proba, multi_class="ovr"),
        "log_loss": lambda: sk.log_loss(y, proba),
        "precision": lambda: sk.precision_score(y, p, pos_label=positive, zero_division=0),
        "recall": lambda: sk.recall_score(y, p, pos_label=positive),
        "f1": lambda: sk.f1_score(y, p, pos_label=positive),
        "roc_auc": lambda: sk.roc_auc_score(y == positive, proba[:, positive]),
        "average_precision": lambda: sk.average_precision_score(y == positive, proba[:, positive]),
        "brier": lambda: (
            sk.brier_score_loss(y == positive, proba[:, positive])
            if proba.shape[1] == 2
            else float(((proba - np.eye(proba.shape[1])[y]) ** 2).sum(axis=1).mean())
        ),
    }[metric]()


@pytest.mark.parametrize("k", [2, 3])
def test_point_values_are_scikit_learns(k):
    rng = np.random.default_rng(k)
    truth = rng.integers(0, k, 400)
    model = scored(truth, k, rng)
    sample = Sample(truth, k, {"head": model}, positive=1 if k == 2 else None)
    result = bootstrap(sample, ALL, 0.95, resamples=200)
    found = result.metrics["head"]
    expected = {m for m in ALL if m in found} | {"brier"}
    assert set(found) >= expected
    assert ("roc_auc_ovr" in found) == (k == 3)
    for metric in expected:
        assert found[metric].value == pytest.approx(reference(metric, truth, model), abs=1e-12)
        assert found[metric].low <= found[metric].value <= found[metric].high


def test_a_class_the_rows_lack_counts_as_scikit_learn_counts_it():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 300)  # class 2 never occurs, yet is predicted sometimes
    proba = rng.dirichlet(np.ones(3), 300)
    model = Scored(proba.argmax(axis=1), proba)
    result = bootstrap(Sample(truth, 3, {"head": model}), ["f1_macro", "balanced_accuracy"], 0.9)
    macro = sk.f1_score(truth, model.predicted, average="macro", labels=[0, 1, 2], zero_division=0)
    assert result.metrics["head"]["f1_macro"].value == pytest.approx(macro)


@pytest.mark.parametrize("accuracy", [0.6, 0.9])
def test_accuracy_interval_agrees_with_wilson_on_a_large_sample(accuracy):
    """Every class right at the same rate, so stratifying does not narrow the interval:
    the bootstrap bounds then sit within 0.002 of Wilson's (its half-width is ~0.004-0.007)."""
    rng = np.random.default_rng(11)
    n, k = 20_000, 3
    truth = np.repeat(np.arange(k), n // k + 1)[:n]
    right = rng.random(n) < accuracy
    predicted = np.where(right, truth, (truth + 1) % k)
    result = bootstrap(Sample(truth, k, {"m": Scored(predicted)}), ["accuracy"], 0.95)
    found = result.metrics["m"]["accuracy"]
    low, high = wilson(int(right.sum()), n, 0.95)
    assert found.low == pytest.approx(low, abs=0.002)
    assert found.high == pytest.approx(high, abs=0.002)


def test_the_interval_narrows_as_the_test_set_grows():
    rng = np.random.default_rng(2)
    widths = []
    for n in (100, 1600):
        truth = rng.integers(0, 2, n)
        predicted = np.where(rng.random(n) < 0.8, truth, 1 - truth)
        found = bootstrap(Sample(truth, 2, {"m": Scored(predicted)}), ["accuracy"], 0.95)
        interval = found.metrics["m"]["accuracy"]
        widths.append(interval.high - interval.low)
    assert widths[1] == pytest.approx(widths[0] / 4, rel=0.25)  # 16 times the rows


@pytest.mark.parametrize(("broken", "fixed"), [(0, 0), (0, 6), (7, 3), (3, 7), (12, 12), (120, 90)])
def test_mcnemar_is_scipys_exact_binomial_test_on_constructed_flips(broken, fixed):
    rng = np.random.default_rng(broken * 100 + fixed)
    n = 400
    truth = rng.integers(0, 3, n)
    base = truth.copy()
    head = truth.copy()
    rows = rng.permutation(n)
    broke, fix = rows[:broken], rows[broken : broken + fixed]
    head[broke] = (truth[broke] + 1) % 3
    base[fix] = (truth[fix] + 2) % 3
    both_wrong = rows[broken + fixed : broken + fixed + 20]  # wrong on both: not a flip
    base[both_wrong] = (truth[both_wrong] + 1) % 3
    head[both_wrong] = (truth[both_wrong] + 2) % 3
    counted_broken = int(((base == truth) & (head != truth)).sum())
    counted_fixed = int(((base != truth) & (head == truth)).sum())
    assert (counted_broken, counted_fixed) == (broken, fixed)
    expected = 1.0 if broken + fixed == 0 else binomtest(broken, broken + fixed, 0.5).pvalue
    assert mcnemar(counted_broken, counted_fixed) == pytest.approx(expected, rel=1e-12)


def test_the_difference_is_paired_two_similar_models_give_a_narrow_interval():
    """Two models that differ on a few rows: each one's accuracy is uncertain, but their
    difference (same rows in every resample) is known far better."""
    rng = np.random.default_rng(5)
    n = 1000
    truth = rng.integers(0, 2, n)
    first = np.where(rng.random(n) < 0.8, truth, 1 - truth)
    second = first.copy()
    wrong = np.flatnonzero(first != truth)[:20]
    second[wrong] = truth[wrong]  # fixes 20 rows
    sample = Sample(truth, 2, {"base": Scored(first), "head": Scored(second)})
    result = bootstrap(sample, ["accuracy"], 0.95)
    one = result.metrics["base"]["accuracy"]
    change = result.difference["accuracy"]
    assert change.value == pytest.approx(
        (second == truth).mean() - (first == truth).mean(), abs=1e-12
    )
    assert change.low > 0  # better, shown
    assert (change.high - change.low) < (one.high - one.low) / 2
    smallest = detectable(one.se, result.metrics["head"]["accuracy"].se, 0.95)
    assert smallest > change.high - change.low


def test_resamples_keep_each_class_count_and_repeat_byte_for_byte():
    truth = np.array([0] * 7 + [1] * 5 + [2] * 30)
    blocks = list(resample_blocks(truth, 50, seed=3))
    weights = np.hstack(blocks)
    assert weights.shape == (42, 50)
    for code, size in ((0, 7), (1, 5), (2, 30)):
        assert (weights[truth == code].sum(axis=0) == size).all()
    again = np.hstack(list(resample_blocks(truth, 50, seed=3)))
    assert (again == weights).all()


def test_the_same_rows_give_the_same_bytes_and_slices_follow_the_rows():
    rng = np.random.default_rng(9)
    truth = rng.integers(0, 3, 500)
    group = rng.random(500) < 0.3
    models = {"base": scored(truth, 3, rng), "head": scored(truth, 3, rng, skill=0.2)}
    sample = Sample(truth, 3, models, slices=[("g", group), ("rest", ~group)])
    first, second = (bootstrap(sample, ALL, 0.95, resamples=300) for _ in range(2))
    assert first == second
    g = first.slices[0]
    assert g.name == "g"
    assert g.support == int(group.sum())
    right = models["head"].predicted[group] == truth[group]
    assert g.accuracy["head"].value == pytest.approx(right.mean())
    assert first.difference["accuracy"].value < 0  # less skill, fewer right
