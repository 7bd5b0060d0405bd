"""Stage `evaluate`: test-set metrics, per-class scores, confusion counts, feature importance."""

import logging
import time
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import check_scoring, confusion_matrix
from sklearn.pipeline import Pipeline

from classifier.contracts.labels import Label, label_text
from classifier.contracts.params import Params, load_params
from classifier.stages.compute import backend
from classifier.stages.scoring import compute_metrics, per_class, scorer
from classifier.tools.files import write_json

log = logging.getLogger(__name__)

# Below this much sequential scoring, permutation importance runs in this process: a
# pool of worker processes takes about a second to start (each imports scikit-learn).
IN_PROCESS_SECONDS = 2.0


@dataclass(frozen=True)
class Evaluation:
    """Everything evaluate writes, computed before anything is written."""

    metrics: dict[str, float]
    per_class: dict[str, dict[str, Any]]
    confusion: list[dict[str, Any]]
    importance: list[dict[str, Any]]


def evaluate(model: Pipeline, test: pd.DataFrame, params: Params) -> Evaluation:
    """Score the model on the held-out split.

    Args:
        model: the fitted pipeline.
        test: the test split, target included.
        params: the validated params.yaml (classes, scoring, importance settings).

    Returns:
        Metrics (in the model's label order), per-class scores, confusion counts and
        permutation importance, as the stage writes them.
    """
    X, y = params.data.model_inputs(test)
    y_true = y.to_numpy()
    predicted = model.predict(X)
    proba = model.predict_proba(X)  # columns in model.classes_ order, as the metrics expect
    classes = list(params.data.classes)
    matrix = confusion_matrix(y_true, predicted, labels=classes)
    return Evaluation(
        metrics=compute_metrics(y_true, predicted, proba, model.classes_.tolist(), params.data),
        per_class=per_class(y_true, predicted, params.data),
        confusion=confusion_counts(matrix, classes),
        importance=importance(model, X, y, params),
    )


def importance(
    model: Pipeline, X: pd.DataFrame, y: pd.Series, params: Params
) -> list[dict[str, Any]]:
    """Permutation importance per raw feature, most important first (ties by name)."""
    # Each repeat rescores the whole test set per feature; a sample keeps big data fast.
    sample = min(1.0, params.evaluate.importance_max_rows / len(X))
    score = scorer(params.train.scoring, params.data)
    result = permutation_importance(
        model,
        X,
        y,
        scoring=score,
        n_repeats=params.evaluate.importance_repeats,
        random_state=params.evaluate.seed,
        max_samples=sample,
        n_jobs=importance_jobs(model, X, y, score, params),
    )
    rows = [
        {"feature": name, "mean": float(mean), "std": float(std)}
        for name, mean, std in zip(
            X.columns, result.importances_mean, result.importances_std, strict=True
        )
    ]
    return sorted(rows, key=lambda r: (-round(r["mean"], 9), r["feature"]))


def importance_jobs(
    model: Pipeline, X: pd.DataFrame, y: pd.Series, score: Any, params: Params
) -> int:
    """compute.n_jobs, unless the work is too small to pay for starting worker processes
    (about a second; this process has none running yet): then 1. Results are the same
    either way (each feature's permutations are seeded alike), only the time differs."""
    if params.compute.n_jobs == 1 or params.compute.backend != "local":
        return params.compute.n_jobs
    rows = min(len(X), params.evaluate.importance_max_rows)
    started = time.perf_counter()
    check_scoring(model, scoring=score)(model, X.iloc[:rows], y.iloc[:rows])
    once = time.perf_counter() - started
    work = once * X.shape[1] * params.evaluate.importance_repeats
    return 1 if work < IN_PROCESS_SECONDS else params.compute.n_jobs


def confusion_counts(matrix: np.ndarray, classes: list[Label]) -> list[dict[str, Any]]:
    """Counts per (actual, predicted) pair, every pair listed: k² entries whatever the data size.

    Committed to git, so it must not grow with the test set; .dvc/plots/confusion_counts.json
    is DVC's confusion template summing `count` instead of counting lines.
    """
    return [
        {"actual": a, "predicted": p, "count": int(matrix[i, j])}
        for i, a in enumerate(classes)
        for j, p in enumerate(classes)
    ]


def never_predicted(confusion: list[dict[str, Any]], classes: list[Label]) -> list[str]:
    """The classes (as text) the model predicted for no test row."""
    predicted = {label_text(r["predicted"]) for r in confusion if r["count"]}
    return [label_text(c) for c in classes if label_text(c) not in predicted]


def main(argv: list[str]) -> None:
    """Read the model and test split; write metrics, per-class scores, confusion, importances."""
    params = load_params()
    model = joblib.load(params.paths.model)
    with backend(params.compute):
        result = evaluate(model, pd.read_parquet(params.paths.test_data), params)
    for label in never_predicted(result.confusion, params.data.classes):
        log.warning(
            "warning: the model predicts class %r for no test row: its precision and F1 are "
            "0, and `make test`'s model checks fail on it (tests/model/test_behaviour.py)",
            label,
        )
    write_json(params.paths.metrics, result.metrics)
    write_json(params.paths.per_class, result.per_class)
    write_json(params.paths.confusion, result.confusion)
    write_json(params.paths.importance, result.importance)
