"""Stage `evaluate`: test-set metrics, confusion matrix and permutation importance."""

from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import Pipeline

from classifier.contracts.files import save_figure, write_json
from classifier.contracts.metrics import METRICS, compute_metrics
from classifier.contracts.params import Params, load_params
from classifier.report import plots
from classifier.stages.data import features_and_target


@dataclass(frozen=True)
class Evaluation:
    """Everything evaluate writes, computed before anything is written."""

    metrics: dict[str, Any]
    actual: list[str]
    predicted: list[str]
    importance: list[dict[str, Any]]


def evaluate(model: Pipeline, test: pd.DataFrame, params: Params) -> Evaluation:
    """Score the model on the held-out split."""
    X, y = features_and_target(test, params.data)
    classes = params.data.classes
    proba = model.predict_proba(X)
    proba = proba[:, [list(model.classes_).index(c) for c in classes]]
    predicted = model.predict(X)
    return Evaluation(
        metrics=compute_metrics(y.to_numpy(), predicted, proba, classes),
        actual=y.astype(str).tolist(),
        predicted=[str(p) for p in predicted],
        importance=importance(model, X, y, params),
    )


def importance(
    model: Pipeline, X: pd.DataFrame, y: pd.Series, params: Params
) -> list[dict[str, Any]]:
    """Permutation importance per raw feature, most important first (ties by name)."""
    # Each repeat rescores the whole test set per feature; a sample keeps big data fast.
    sample = min(1.0, params.evaluate.importance_max_rows / len(X))
    result = permutation_importance(
        model,
        X,
        y,
        scoring=METRICS[params.train.scoring].scorer,
        n_repeats=params.evaluate.importance_repeats,
        random_state=params.evaluate.seed,
        max_samples=sample,
    )
    rows = [
        {"feature": name, "mean": float(mean), "std": float(std)}
        for name, mean, std in zip(
            X.columns, result.importances_mean, result.importances_std, strict=True
        )
    ]
    return sorted(rows, key=lambda r: (-round(r["mean"], 9), r["feature"]))


def confusion_counts(matrix: np.ndarray, classes: list[str]) -> list[dict[str, Any]]:
    """Counts per (actual, predicted) pair, every pair listed: k² entries whatever the data size.

    Committed to git, so it must not grow with the test set; .dvc/plots/confusion_counts.json
    is DVC's confusion template summing `count` instead of counting lines.
    """
    return [
        {"actual": a, "predicted": p, "count": int(matrix[i, j])}
        for i, a in enumerate(classes)
        for j, p in enumerate(classes)
    ]


def main(argv: list[str]) -> None:
    """Read the model and test split; write metrics, confusion data, importances, charts."""
    params = load_params()
    model = joblib.load(params.paths.model)
    result = evaluate(model, pd.read_parquet(params.paths.test_data), params)
    classes = params.data.classes
    matrix = confusion_matrix(result.actual, result.predicted, labels=classes)
    confusion_fig = plots.confusion(matrix, classes, "Confusion matrix (test set)")
    importance_fig = plots.importance(
        [r["feature"] for r in result.importance],
        [r["mean"] for r in result.importance],
        [r["std"] for r in result.importance],
        params.train.scoring,
    )
    write_json(params.paths.metrics, result.metrics)
    write_json(params.paths.confusion, confusion_counts(matrix, classes))
    write_json(params.paths.importance, result.importance)
    save_figure(params.paths.confusion_plot, confusion_fig)
    save_figure(params.paths.importance_plot, importance_fig)
