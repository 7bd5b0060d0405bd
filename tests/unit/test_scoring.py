"""Metrics follow the model's probability columns, whatever order data.classes lists."""

import numpy as np
import pytest

from classifier.contracts.metrics import metrics_for, worsening
from classifier.contracts.params import DataContract
from classifier.stages.scoring import compute_metrics, per_class


def contract(classes: list, **extra) -> DataContract:
    return DataContract(target="y", classes=classes, numeric=["x"], **extra)


def test_binary_log_loss_and_auc_whatever_the_listed_order():
    # The model's columns are sorted labels: benign, malignant. Listing malignant first
    # once gave log loss 5.5 instead of 0.2 (scikit-learn assumed sorted labels).
    y_true = np.array(["malignant", "benign", "benign", "malignant"])
    y_pred = np.array(["malignant", "benign", "malignant", "malignant"])
    proba = np.array([[0.1, 0.9], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])  # benign, malignant
    listed = contract(["malignant", "benign"], positive_class="malignant")
    scores = compute_metrics(y_true, y_pred, proba, ["benign", "malignant"], listed)
    expected_loss = -np.mean(np.log([0.9, 0.8, 0.4, 0.7]))
    assert scores["log_loss"] == pytest.approx(expected_loss)
    assert scores["roc_auc"] == pytest.approx(1.0)  # every malignant ranked above every benign
    assert scores["precision"] == pytest.approx(2 / 3)  # of the positive class, malignant
    assert scores["recall"] == pytest.approx(1.0)
    assert scores["average_precision"] == pytest.approx(1.0)
    assert list(scores) == metrics_for(2)


def test_the_positive_class_decides_the_binary_scores():
    y_true = np.array([1, 0, 0, 0])
    y_pred = np.array([1, 1, 0, 0])
    proba = np.array([[0.4, 0.6], [0.2, 0.8], [0.9, 0.1], [0.7, 0.3]])  # 0, 1
    ones = compute_metrics(y_true, y_pred, proba, [0, 1], contract([0, 1], positive_class=1))
    zeros = compute_metrics(y_true, y_pred, proba, [0, 1], contract([0, 1], positive_class=0))
    assert ones["precision"] == pytest.approx(0.5)
    assert zeros["precision"] == pytest.approx(1.0)
    assert ones["roc_auc"] == pytest.approx(zeros["roc_auc"])  # symmetric
    assert ones["average_precision"] == pytest.approx(0.5)
    assert zeros["average_precision"] == pytest.approx((1 + 1 + 0.75) / 3)


def test_multi_class_classes_listed_unsorted_do_not_crash_or_shift_columns():
    # `labels` out of sorted order once raised "Parameter 'labels' must be ordered".
    y_true = np.array(["low", "medium", "high", "high"])
    y_pred = np.array(["low", "high", "high", "high"])
    proba = np.array(  # columns: high, low, medium (sorted)
        [[0.1, 0.8, 0.1], [0.5, 0.1, 0.4], [0.7, 0.2, 0.1], [0.6, 0.2, 0.2]]
    )
    listed = contract(["low", "medium", "high"])
    scores = compute_metrics(y_true, y_pred, proba, ["high", "low", "medium"], listed)
    assert scores["log_loss"] == pytest.approx(-np.mean(np.log([0.8, 0.4, 0.7, 0.6])))
    assert scores["accuracy"] == pytest.approx(0.75)
    assert "roc_auc_ovr" in scores
    assert "f1" not in scores


def test_per_class_scores_follow_the_listed_order_and_spell_labels_as_text():
    y_true = np.array([True, True, False, False])
    y_pred = np.array([True, False, False, False])
    table = per_class(y_true, y_pred, contract([True, False]))
    assert list(table) == ["true", "false"]
    assert table["true"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": pytest.approx(2 / 3),
        "support": 2,
    }


def test_worsening_respects_the_metric_direction():
    assert worsening("accuracy", 0.90, 0.85) == pytest.approx(0.05)
    assert worsening("accuracy", 0.85, 0.90) == pytest.approx(-0.05)
    assert worsening("log_loss", 0.10, 0.30) == pytest.approx(0.20)
