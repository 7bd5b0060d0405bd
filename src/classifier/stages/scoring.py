"""Metrics and scorers, computed with an explicit label order that matches the probabilities.

scikit-learn's probability metrics read the columns of `predict_proba` in the order of
`model.classes_` (sorted labels), whatever order params.yaml lists the classes in, and
`log_loss` silently assumes sorted labels. Every probability metric here is therefore
computed against `model.classes_`, and only the per-class table follows data.classes.
"""

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    make_scorer,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

from classifier.contracts.labels import Label, label_text
from classifier.contracts.metrics import metrics_for
from classifier.contracts.params import DataContract

# scikit-learn's scorer names for metrics whose value does not depend on which class is
# positive (ROC AUC is symmetric: ranking by P(a) or by 1 - P(a) gives the same area).
SCORER_NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced_accuracy",
    "f1_macro": "f1_macro",
    "precision_macro": "precision_macro",
    "recall_macro": "recall_macro",
    "roc_auc_ovr": "roc_auc_ovr",
    "log_loss": "neg_log_loss",
    "roc_auc": "roc_auc",
}
POSITIVE_CLASS_SCORES = {
    "precision": precision_score,
    "recall": recall_score,
    "f1": f1_score,
}


def scorer(name: str, contract: DataContract) -> Any:
    """What GridSearchCV and permutation importance get for `name` (greater is better)."""
    if name in SCORER_NAMES:
        return SCORER_NAMES[name]
    if name == "average_precision":
        return make_scorer(
            average_precision_score, response_method="predict_proba", pos_label=contract.positive
        )
    score = POSITIVE_CLASS_SCORES[name]
    return make_scorer(score, pos_label=contract.positive, zero_division=0)


def compute_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray,
    model_classes: Sequence[Label],
    contract: DataContract,
) -> dict[str, float]:
    """The headline metrics for this target; `proba`'s columns follow `model_classes`."""
    labels = list(model_classes)
    macro = {"average": "macro", "labels": labels, "zero_division": 0}
    values: dict[str, Any] = {
        "accuracy": lambda: accuracy_score(y_true, y_pred),
        "balanced_accuracy": lambda: balanced_accuracy_score(y_true, y_pred),
        "f1_macro": lambda: f1_score(y_true, y_pred, **macro),
        "precision_macro": lambda: precision_score(y_true, y_pred, **macro),
        "recall_macro": lambda: recall_score(y_true, y_pred, **macro),
        "roc_auc_ovr": lambda: roc_auc_score(y_true, proba, multi_class="ovr", labels=labels),
        "log_loss": lambda: log_loss(y_true, proba, labels=labels),
    }
    positive = contract.positive
    if positive is not None:
        is_positive, score = y_true == positive, proba[:, [labels.index(positive)]].ravel()
        single = {"pos_label": positive, "zero_division": 0}
        values |= {
            "precision": lambda: precision_score(y_true, y_pred, **single),
            "recall": lambda: recall_score(y_true, y_pred, **single),
            "f1": lambda: f1_score(y_true, y_pred, **single),
            "roc_auc": lambda: roc_auc_score(is_positive, score),
            "average_precision": lambda: average_precision_score(is_positive, score),
        }
    return {name: float(values[name]()) for name in metrics_for(len(contract.classes))}


def per_class(
    y_true: np.ndarray, y_pred: np.ndarray, contract: DataContract
) -> dict[str, dict[str, float | int]]:
    """Precision, recall, F1 and support of each class, in data.classes order."""
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(contract.classes), zero_division=0
    )
    return {
        label_text(label): {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(contract.classes)
    }
