"""Behavioural checks of the project's own model: expectations any good model meets.

The model (conftest's `user_model`) is refit in-process from the committed
model-selection result, so these run on a fresh clone without `make run`. They read
the contract and the gate from params.yaml; add checks of your own domain beside them
(see test_penguins_example.py).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from classifier.stages.scoring import compute_metrics


@pytest.fixture(scope="module")
def test_xy(user_split, user_params):
    return user_params.data.features_and_target(user_split[1])


@pytest.fixture(scope="module")
def metrics(user_model, test_xy, user_params):
    X, y = test_xy
    proba = user_model.predict_proba(X)
    predicted = user_model.predict(X)
    return compute_metrics(
        y.to_numpy(), predicted, proba, user_model.classes_.tolist(), user_params.data
    )


def test_the_model_beats_the_majority_class_baseline(user_model, test_xy, user_split, user_params):
    X, y = test_xy
    majority = user_split[0][user_params.data.target].mode().iloc[0]
    baseline = accuracy_score(y, np.full(len(y), majority))
    assert accuracy_score(y, user_model.predict(X)) > baseline
    # Balanced accuracy of always answering one class is 1/k.
    assert balanced_accuracy_score(y, user_model.predict(X)) > 1 / len(user_params.data.classes)


def test_the_model_meets_the_gates_absolute_bounds(metrics, user_params):
    gates = user_params.gates
    low = {m: metrics[m] for m, bound in gates.at_least.items() if metrics[m] < bound}
    high = {m: metrics[m] for m, bound in gates.at_most.items() if metrics[m] > bound}
    assert low == {}, f"below gates.at_least: {low}"
    assert high == {}, f"above gates.at_most: {high}"


def test_every_class_is_predicted_for_some_test_row(user_model, test_xy, user_params):
    X, y = test_xy
    assert (
        f1_score(y, user_model.predict(X), average=None, labels=user_params.data.classes).min() > 0
    )


def test_probabilities_are_well_formed_and_agree_with_the_labels(user_model, test_xy, user_params):
    X, _ = test_xy
    proba = user_model.predict_proba(X)
    assert proba.shape == (len(X), len(user_params.data.classes))
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    assert sorted(user_model.classes_.tolist()) == sorted(user_params.data.classes)
    argmax = user_model.classes_[proba.argmax(axis=1)]
    assert (user_model.predict(X) == argmax).mean() > 0.99  # ties may break either way


def test_prediction_of_a_row_does_not_depend_on_its_batch(user_model, test_xy):
    X, _ = test_xy
    rows = X.head(40)
    together = user_model.predict_proba(rows)
    alone = np.vstack([user_model.predict_proba(rows.iloc[[i]]) for i in range(len(rows))])
    shuffled = user_model.predict_proba(rows.iloc[::-1])[::-1]
    np.testing.assert_allclose(alone, together, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(shuffled, together, rtol=1e-9, atol=1e-12)


def test_ignored_and_unknown_columns_change_nothing(user_model, test_xy, user_params):
    X, _ = test_xy
    rows = X.head(40)
    extra = rows.assign(**{name: "anything" for name in [*user_params.data.ignore, "unknown"]})
    np.testing.assert_array_equal(user_model.predict_proba(extra), user_model.predict_proba(rows))


def test_a_missing_value_is_imputed_as_the_training_data_says(user_model, test_xy, user_params):
    # What the preprocessing learned: the median of each number, the mode of each category.
    nullable = user_params.data.nullable
    if not nullable:
        pytest.skip("the contract lets no feature be missing")
    X, _ = test_xy
    row = X.head(1)
    missing = row.assign(**dict.fromkeys(nullable, np.nan))
    filled = row.assign(**fills(user_model, nullable))
    np.testing.assert_allclose(user_model.predict_proba(missing), user_model.predict_proba(filled))


def fills(model, columns: list[str]) -> dict[str, object]:
    """The value the fitted imputers put in place of a missing one, per column."""
    preprocess = model.named_steps["preprocess"]
    values: dict[str, object] = {}
    for name, steps, features in preprocess.transformers_:
        if name in ("numeric", "categorical"):
            stats = steps.named_steps["impute"].statistics_
            values.update({f: v for f, v in zip(features, stats, strict=True) if f in columns})
    return values


def test_an_unseen_category_is_ignored_not_an_error(user_model, test_xy, user_params):
    if not user_params.data.categorical:
        pytest.skip("the contract has no categorical feature")
    X, _ = test_xy
    column = user_params.data.categorical[0]
    one = X.head(5).assign(**{column: "never seen"})
    other = X.head(5).assign(**{column: "also never seen"})
    np.testing.assert_array_equal(user_model.predict_proba(one), user_model.predict_proba(other))
    assert isinstance(user_model.predict(pd.DataFrame(one)), np.ndarray)
