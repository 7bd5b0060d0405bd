"""Model selection: grid search per candidate, a reproducible winner, CV feasibility."""

import pandas as pd
import pytest

from classifier.stages.candidates import MODELS, build_pipeline, make_model
from classifier.stages.data import cv_problems, split
from classifier.stages.train import CandidateResult, pick_best, refit, search, selection_rows


def result(name: str, mean: float, std: float = 0.01) -> CandidateResult:
    return CandidateResult(name, mean, std, [mean], {}, 1, 0.0)


@pytest.fixture(scope="module")
def train_xy(fruit_frame, fruit_params):
    train, _ = split(fruit_frame, fruit_params.data, fruit_params.split)
    return fruit_params.data.features_and_target(train)


@pytest.fixture(scope="module")
def serial(fruit_params):
    assert fruit_params.compute.n_jobs == 1
    return fruit_params


@pytest.fixture(scope="module")
def parallel(fruit_params):
    return fruit_params.model_copy(
        update={"compute": fruit_params.compute.model_copy(update={"n_jobs": 2})}
    )


def test_best_has_the_highest_mean():
    results = [result("a", 0.90), result("b", 0.95), result("c", 0.93)]
    assert pick_best(results, "f1_macro").name == "b"


def test_tie_goes_to_the_smaller_std_then_the_first_listed():
    assert pick_best([result("a", 0.9, 0.05), result("b", 0.9, 0.01)], "accuracy").name == "b"
    assert pick_best([result("a", 0.9), result("b", 0.9)], "accuracy").name == "a"


def test_lower_is_better_metric_picks_the_lowest():
    assert pick_best([result("a", 0.30), result("b", 0.10)], "log_loss").name == "b"


def test_search_picks_the_grid_point_that_scores_best_and_reports_every_fold(train_xy, serial):
    # A one-split tree cannot tell three classes apart; an unlimited one can.
    X, y = train_xy
    found = search("decision_tree", {"max_depth": [1, None]}, X, y, serial)
    stump = search("decision_tree", {"max_depth": [1]}, X, y, serial)
    assert found.grid_size == 2
    assert found.best_params == {"max_depth": None}
    assert found.mean > stump.mean + 0.1
    assert len(found.folds) == serial.train.cv_folds
    assert found.mean == pytest.approx(sum(found.folds) / len(found.folds))


def test_search_is_reproducible_and_independent_of_the_job_count(train_xy, serial, parallel):
    X, y = train_xy
    grid = {"n_estimators": [20], "max_depth": [2, None]}
    one = search("random_forest", grid, X, y, serial)
    two = search("random_forest", grid, X, y, parallel)
    assert one.summary() == two.summary()


def test_log_loss_scoring_is_reported_as_a_positive_loss(train_xy, serial):
    X, y = train_xy
    scored = serial.model_copy(
        update={"train": serial.train.model_copy(update={"scoring": "log_loss"})}
    )
    found = search("logistic_regression", {"C": [1.0]}, X, y, scored)
    assert 0 < found.mean < 1
    accuracy = serial.model_copy(
        update={"train": serial.train.model_copy(update={"scoring": "accuracy"})}
    )
    tuned = search("logistic_regression", {"C": [1e-4, 1.0]}, X, y, scored)
    assert tuned.best_params == {"C": 1.0}  # the smaller loss wins, not the larger
    assert search("logistic_regression", {"C": [1.0]}, X, y, accuracy).mean > 0.5


def test_refit_svm_is_calibrated_to_give_probabilities_for_every_class(train_xy, serial):
    X, y = train_xy
    model = refit(result("svm", 0.9), X, y, serial)
    proba = model.predict_proba(X.head(5))
    assert proba.shape == (5, 3)
    assert list(model.classes_) == sorted(serial.data.classes)


def test_binary_scoring_uses_the_positive_class(churn_frame, churn_params):
    train, _ = split(churn_frame, churn_params.data, churn_params.split)
    X, y = churn_params.data.features_and_target(train)
    f1 = churn_params.model_copy(
        update={"train": churn_params.train.model_copy(update={"scoring": "f1"})}
    )
    found = search("logistic_regression", {"C": [1.0]}, X, y, f1)
    positive_share = (y == 1).mean()
    # F1 of the rarer positive class (1) is well below F1 of the majority class.
    assert positive_share < 0.5
    negative = f1.model_copy(update={"data": f1.data.model_copy(update={"positive_class": 0})})
    assert search("logistic_regression", {"C": [1.0]}, X, y, negative).mean > found.mean


def test_classes_smaller_than_the_fold_count_are_named():
    y = pd.Series(["a"] * 10 + ["b"] * 3)
    assert cv_problems(y, 5) == [
        "class 'b' has 3 training rows but train.cv_folds is 5; "
        "lower cv_folds or add rows of that class"
    ]
    assert cv_problems(y, 3) == []


@pytest.mark.parametrize("name", sorted(MODELS))
def test_categories_as_pandas_categories_give_the_same_model_bit_for_bit(
    name, fruit_frame, fruit_params
):
    train, test = split(fruit_frame, fruit_params.data, fruit_params.split)
    contract = fruit_params.data
    fitted = []
    for inputs in (contract.features_and_target, contract.model_inputs):
        X, y = inputs(train)
        pipeline = build_pipeline(make_model(name, 0), contract.numeric, contract.categorical)
        fitted.append(pipeline.fit(X, y).predict_proba(inputs(test)[0]))
    assert fitted[0].tobytes() == fitted[1].tobytes()
    X, _ = contract.model_inputs(train)
    assert all(X[c].dtype == "category" for c in contract.categorical)


def test_numbers_stay_float64_because_float32_would_move_the_probabilities(
    fruit_frame, fruit_params
):
    # Half the memory, but scikit-learn's scaler and SVM compute in the input's precision,
    # so the probabilities change (on the bundled penguins the SVM's log loss moved in the
    # 6th decimal, which metrics.json keeps): results would not stay identical.
    train, test = split(fruit_frame, fruit_params.data, fruit_params.split)
    contract = fruit_params.data
    X, y = contract.model_inputs(train)
    X_test = contract.model_inputs(test)[0]
    assert all(X[c].dtype == "float64" for c in contract.numeric)
    narrow = {c: "float32" for c in contract.numeric}
    probabilities = []
    for train_x, test_x in ((X, X_test), (X.astype(narrow), X_test.astype(narrow))):
        pipeline = build_pipeline(make_model("svm", 0), contract.numeric, contract.categorical)
        probabilities.append(pipeline.fit(train_x, y).predict_proba(test_x))
    assert probabilities[0].tobytes() != probabilities[1].tobytes()


def with_limit(params, rows: int):
    return params.model_copy(
        update={"train": params.train.model_copy(update={"selection_max_rows": rows})}
    )


def test_selection_runs_on_a_seeded_stratified_sample_above_the_limit(train_xy, fruit_params):
    X, y = train_xy
    assert selection_rows(X, y, with_limit(fruit_params, len(X)))[2] is None  # at the limit
    limited = with_limit(fruit_params, 100)
    X_sample, y_sample, sample = selection_rows(X, y, limited)
    assert sample == (100, len(X))
    assert len(X_sample) == len(y_sample) == 100
    assert X_sample.index.equals(y_sample.index)
    shares, sample_shares = y.value_counts(normalize=True), y_sample.value_counts(normalize=True)
    assert (shares - sample_shares).abs().max() < 0.01  # each class keeps its share
    again = selection_rows(X, y, limited)[0]
    assert again.index.equals(X_sample.index)  # the same rows every run
