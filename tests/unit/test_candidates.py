"""Each candidate's grid is checked against its scikit-learn model before anything runs."""

from classifier.stages.candidates import candidate_problems


def test_empty_candidate_list_lists_the_models():
    [message] = candidate_problems({})
    assert message.startswith("'train.candidates': list at least one model; allowed: decision_tree")


def test_unknown_model_name_lists_the_models():
    [message] = candidate_problems({"xgboost": {"n": [1]}})
    assert message.startswith("'train.candidates.xgboost': unknown model; allowed:")
    assert "random_forest" in message


def test_grid_key_that_is_not_a_parameter_gets_a_suggestion():
    [message] = candidate_problems({"random_forest": {"n_estimator": [10]}})
    assert message == (
        "'train.candidates.random_forest.n_estimator': not a parameter of "
        "RandomForestClassifier (did you mean 'n_estimators'?)"
    )


def test_grid_value_out_of_range_uses_scikit_learns_constraint():
    [message] = candidate_problems({"random_forest": {"n_estimators": [100, -1]}})
    assert message.startswith("'train.candidates.random_forest.n_estimators'")
    assert "must be an int in the range [1, inf). Got -1" in message


def test_every_problem_of_every_candidate_is_listed():
    problems = candidate_problems({"knn": {"k": [1]}, "svm": {"C": [-1.0]}, "xgboost": {}})
    assert [p.split("'")[1] for p in problems] == [
        "train.candidates.knn.k",
        "train.candidates.svm.C",
        "train.candidates.xgboost",
    ]


def test_a_valid_grid_has_no_problem():
    assert candidate_problems({"svm": {"C": [0.5, 2.0], "kernel": ["rbf", "linear"]}}) == []
