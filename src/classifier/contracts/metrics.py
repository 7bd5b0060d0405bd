"""The evaluation metrics by name: which way is better, and which problems they are defined for.

Computing them is classifier.stages.scoring's job; this module is plain data, so
validating params.yaml or rendering a report needs no scikit-learn.
"""

from dataclasses import dataclass
from typing import Literal

MetricName = Literal[
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "precision_macro",
    "recall_macro",
    "roc_auc_ovr",
    "log_loss",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "average_precision",
]

# Budgets gates.at_most may hold beside metrics: the PR's model file in MB, and its
# median single-row prediction latency over main's (measured by the report).
CostName = Literal["latency_ratio", "model_mb"]
COSTS = {
    "latency_ratio": "median single-row latency, PR over main",
    "model_mb": "size of the PR's model file in MB",
}

BINARY = "binary"
MULTICLASS = "multi-class"
BOTH = frozenset({BINARY, MULTICLASS})


@dataclass(frozen=True)
class Metric:
    """Which way is better, and for which targets the metric is defined."""

    higher_is_better: bool = True
    targets: frozenset[str] = BOTH
    about: str = ""


METRICS: dict[str, Metric] = {
    "accuracy": Metric(about="share of rows labelled right"),
    "balanced_accuracy": Metric(about="mean recall over classes"),
    "f1_macro": Metric(about="F1 averaged over classes"),
    "precision_macro": Metric(about="precision averaged over classes"),
    "recall_macro": Metric(about="recall averaged over classes"),
    "roc_auc_ovr": Metric(targets=frozenset({MULTICLASS}), about="one-vs-rest ROC AUC"),
    "log_loss": Metric(higher_is_better=False, about="log loss of the probabilities"),
    "precision": Metric(targets=frozenset({BINARY}), about="precision of the positive class"),
    "recall": Metric(targets=frozenset({BINARY}), about="recall of the positive class"),
    "f1": Metric(targets=frozenset({BINARY}), about="F1 of the positive class"),
    "roc_auc": Metric(targets=frozenset({BINARY}), about="ROC AUC of the positive class"),
    "average_precision": Metric(
        targets=frozenset({BINARY}), about="area under the positive class's PR curve"
    ),
}


def target_kind(n_classes: int) -> str:
    """'binary' for two classes, 'multi-class' above."""
    return BINARY if n_classes == 2 else MULTICLASS


def metrics_for(n_classes: int) -> list[str]:
    """The metrics defined for a target with `n_classes` classes, in table order."""
    kind = target_kind(n_classes)
    return [name for name, metric in METRICS.items() if kind in metric.targets]


def worsening(name: str, base: float, head: float) -> float:
    """How much worse `head` is than `base` (positive = worse), whichever direction is better."""
    delta = head - base
    return -delta if METRICS[name].higher_is_better else delta
