"""Model selection: grid search per candidate, a reproducible winner, CV feasibility."""

import pandas as pd
import pytest

from classifier.stages.data import cv_problems, features_and_target, split
from classifier.stages.train import CandidateResult, pick_best, refit, search


def result(name: str, mean: float, std: float = 0.01) -> CandidateResult:
    return CandidateResult(name, mean, std, [mean], {}, 1, 0.0)


@pytest.fixture(scope="module")
def train_xy(penguins, params):
    train, _ = split(penguins, params.data, params.split)
    return features_and_target(train, params.data)


@pytest.fixture(scope="module")
def serial(params):
    return params.model_copy(update={"compute": params.compute.model_copy(update={"n_jobs": 1})})


def test_best_has_the_highest_mean():
    results = [result("a", 0.90), result("b", 0.95), result("c", 0.93)]
    assert pick_best(results, "f1_macro").name == "b"


def test_tie_goes_to_the_smaller_std_then_the_first_listed():
    assert pick_best([result("a", 0.9, 0.05), result("b", 0.9, 0.01)], "accuracy").name == "b"
    assert pick_best([result("a", 0.9), result("b", 0.9)], "accuracy").name == "a"


def test_lower_is_better_metric_picks_the_lowest():
    assert pick_best([result("a", 0.30), result("b", 0.10)], "log_loss").name == "b"


def test_search_reports_the_best_grid_point_and_every_fold(train_xy, serial):
    X, y = train_xy
    found = search("knn", {"n_neighbors": [1, 15], "weights": ["uniform"]}, X, y, serial)
    assert found.grid_size == 2
    assert found.best_params["n_neighbors"] in (1, 15)
    assert len(found.folds) == serial.train.cv_folds
    assert found.mean == pytest.approx(sum(found.folds) / len(found.folds))
    assert 0.5 < found.mean <= 1.0


def test_search_is_reproducible_and_independent_of_the_job_count(train_xy, serial, params):
    X, y = train_xy
    grid = {"n_estimators": [20], "max_depth": [2, None]}
    one = search("random_forest", grid, X, y, serial)
    two = search("random_forest", grid, X, y, params)  # n_jobs: -1
    assert one.summary() == two.summary()


def test_log_loss_scoring_is_reported_as_a_positive_loss(train_xy, serial):
    X, y = train_xy
    scored = serial.model_copy(
        update={"train": serial.train.model_copy(update={"scoring": "log_loss"})}
    )
    found = search("logistic_regression", {"C": [1.0]}, X, y, scored)
    assert 0 < found.mean < 1


def test_refit_model_predicts_probabilities_for_every_class(train_xy, serial):
    X, y = train_xy
    model = refit(result("svm", 0.9), X, y, serial)
    proba = model.predict_proba(X.head(5))
    assert proba.shape == (5, 3)
    assert proba.sum(axis=1) == pytest.approx([1.0] * 5)


def test_classes_smaller_than_the_fold_count_are_named():
    y = pd.Series(["a"] * 10 + ["b"] * 3)
    assert cv_problems(y, 5) == [
        "class 'b' has 3 training rows but train.cv_folds is 5; "
        "lower cv_folds or add rows of that class"
    ]
    assert cv_problems(y, 3) == []
