"""The evaluation metrics: their names, which direction is better, and how they are computed."""

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

MetricName = Literal[
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "precision_macro",
    "recall_macro",
    "roc_auc_ovr",
    "log_loss",
]


@dataclass(frozen=True)
class Metric:
    """How a metric is named for scikit-learn's scorers and which way is better."""

    scorer: str
    higher_is_better: bool = True


METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy"),
    "balanced_accuracy": Metric("balanced_accuracy"),
    "f1_macro": Metric("f1_macro"),
    "precision_macro": Metric("precision_macro"),
    "recall_macro": Metric("recall_macro"),
    "roc_auc_ovr": Metric("roc_auc_ovr"),
    "log_loss": Metric("neg_log_loss", higher_is_better=False),
}


def compute_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, classes: list[str]
) -> dict[str, Any]:
    """Headline metrics and per-class precision, recall, F1 and support."""
    macro = {"average": "macro", "labels": classes, "zero_division": 0}
    scores = {
        "accuracy": accuracy_score(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "f1_macro": f1_score(y_true, y_pred, **macro),
        "precision_macro": precision_score(y_true, y_pred, **macro),
        "recall_macro": recall_score(y_true, y_pred, **macro),
        "roc_auc_ovr": _roc_auc(y_true, proba, classes),
        "log_loss": log_loss(y_true, proba, labels=classes),
    }
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=0
    )
    scores["per_class"] = {
        label: {
            "precision": precision[i],
            "recall": recall[i],
            "f1": f1[i],
            "support": int(support[i]),
        }
        for i, label in enumerate(classes)
    }
    return scores


def _roc_auc(y_true: np.ndarray, proba: np.ndarray, classes: list[str]) -> float:
    present = set(np.unique(y_true))
    if len(present) < 2:
        return float("nan")  # undefined with one class in the test set; written as null
    if len(classes) == 2:
        return roc_auc_score(y_true == classes[1], proba[:, 1])
    return roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)


def worsening(name: str, base: float, head: float) -> float:
    """How much worse `head` is than `base` (positive = worse), whichever direction is better."""
    delta = head - base
    return -delta if METRICS[name].higher_is_better else delta
