"""Metrics: the headline numbers, per-class scores and which direction is worse."""

import numpy as np
import pytest

from classifier.contracts.metrics import compute_metrics, worsening

CLASSES = ["a", "b", "c"]


def test_metrics_on_a_hand_checked_example():
    y_true = np.array(["a", "a", "b", "c"])
    y_pred = np.array(["a", "b", "b", "c"])
    proba = np.array([[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    scores = compute_metrics(y_true, y_pred, proba, CLASSES)
    assert scores["accuracy"] == pytest.approx(0.75)
    assert scores["per_class"]["a"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }
    assert scores["per_class"]["b"]["precision"] == pytest.approx(0.5)
    assert scores["recall_macro"] == pytest.approx((0.5 + 1 + 1) / 3)
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.4, 0.8, 0.8])))


def test_binary_classification_uses_the_positive_class_probability():
    y_true = np.array(["no", "yes", "yes", "no"])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    scores = compute_metrics(y_true, np.array(["no", "yes", "no", "no"]), proba, ["no", "yes"])
    assert scores["roc_auc_ovr"] == pytest.approx(1.0)


def test_worsening_respects_the_metric_direction():
    assert worsening("accuracy", 0.90, 0.85) == pytest.approx(0.05)
    assert worsening("accuracy", 0.85, 0.90) == pytest.approx(-0.05)
    assert worsening("log_loss", 0.10, 0.30) == pytest.approx(0.20)
