"""params.yaml is validated once, up front, and each mistake names its key and what is allowed."""

import copy
from pathlib import Path

import pytest
from testkit.repo import ROOT

from classifier.contracts.errors import UserError
from classifier.contracts.params import load_params, parse_params, read_yaml


@pytest.fixture(scope="module")
def raw() -> dict:
    return read_yaml(ROOT / "params.yaml")


def problem(raw: dict, change) -> str:
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(UserError) as err:
        parse_params(broken)
    return str(err.value)


def test_bundled_params_are_valid():
    params = load_params(ROOT / "params.yaml")
    assert params.data.target == "species"
    assert params.data.features[:1] == ["bill_length_mm"]
    assert set(params.train.candidates) >= {
        "logistic_regression",
        "decision_tree",
        "random_forest",
        "gradient_boosting",
        "knn",
        "svm",
    }


def test_typo_key_is_named_with_a_suggestion_and_the_allowed_keys(raw):
    message = problem(raw, lambda r: r["train"].update(cv_fold=r["train"].pop("cv_folds")))
    assert "unknown key 'train.cv_fold'" in message
    assert "did you mean 'cv_folds'?" in message
    assert "allowed here: seed, cv_folds, scoring, candidates" in message


def test_typo_in_a_section_name_is_named(raw):
    message = problem(raw, lambda r: r.update(trian=r.pop("train")))
    assert "unknown key 'trian' (did you mean 'train'?)" in message
    assert "missing key" not in message  # the typo explains the missing section


def test_a_section_that_is_really_missing_is_named(raw):
    message = problem(raw, lambda r: r.pop("split"))
    assert message == "params.yaml: missing key 'split'"


def test_wrong_type_names_the_key_and_the_value(raw):
    message = problem(raw, lambda r: r["train"].update(cv_folds="five"))
    assert "'train.cv_folds': Input should be a valid integer" in message
    assert "(got 'five')" in message


def test_negative_test_size_is_out_of_range(raw):
    message = problem(raw, lambda r: r["split"].update(test_size=-0.2))
    assert "'split.test_size': Input should be greater than 0 (got -0.2)" in message


def test_test_size_of_one_is_out_of_range(raw):
    message = problem(raw, lambda r: r["split"].update(test_size=1))
    assert "'split.test_size': Input should be less than 1" in message


def test_unknown_scoring_lists_the_allowed_metrics(raw):
    message = problem(raw, lambda r: r["train"].update(scoring="f1"))
    assert "'train.scoring'" in message
    assert "'f1_macro'" in message
    assert "(got 'f1')" in message


def test_empty_candidate_list_lists_the_models(raw):
    message = problem(raw, lambda r: r["train"].update(candidates={}))
    assert "'train.candidates': list at least one model; allowed: decision_tree" in message


def test_unknown_model_name_lists_the_models(raw):
    message = problem(raw, lambda r: r["train"]["candidates"].update(xgboost={"n": 1}))
    assert "'train.candidates.xgboost': unknown model; allowed:" in message
    assert "random_forest" in message


def test_grid_key_that_is_not_a_parameter_gets_a_suggestion(raw):
    grid = {"n_estimator": [10]}
    message = problem(raw, lambda r: r["train"]["candidates"].update(random_forest=grid))
    assert (
        "'train.candidates.random_forest.n_estimator': not a parameter of RandomForestClassifier"
        in message
    )
    assert "did you mean 'n_estimators'?" in message


def test_grid_value_out_of_range_uses_scikit_learns_constraint(raw):
    grid = {"n_estimators": [100, -1]}
    message = problem(raw, lambda r: r["train"]["candidates"].update(random_forest=grid))
    assert "'train.candidates.random_forest.n_estimators'" in message
    assert "must be an int in the range [1, inf). Got -1" in message


def test_empty_grid_list_is_refused(raw):
    message = problem(raw, lambda r: r["train"]["candidates"].update(svm={"C": []}))
    assert "'train.candidates.svm.C': empty list of values" in message


def test_scalar_grid_value_means_one_fixed_value(raw):
    changed = copy.deepcopy(raw)
    changed["train"]["candidates"]["svm"] = {"C": 2.0}
    assert parse_params(changed).train.candidates["svm"] == {"C": [2.0]}


def test_gate_on_an_unknown_metric_lists_the_metrics(raw):
    message = problem(raw, lambda r: r["gates"]["at_least"].update(f1=0.9))
    assert "'gates.at_least.f1': unknown metric 'f1'; allowed: accuracy" in message


def test_negative_gate_tolerance_is_refused(raw):
    message = problem(raw, lambda r: r["gates"]["max_drop"].update(accuracy=-0.1))
    assert "'gates.max_drop': must be >= 0 for accuracy" in message


def test_feature_listed_twice_in_the_contract_is_named(raw):
    message = problem(raw, lambda r: r["data"]["numeric"].append("island"))
    assert "'data.categorical': 'island' is already in numeric" in message


def test_target_used_as_a_feature_is_named(raw):
    message = problem(raw, lambda r: r["data"]["categorical"].append("species"))
    assert "'data.categorical': 'species' is already the target" in message


def test_nullable_column_that_is_not_a_feature_is_named(raw):
    message = problem(raw, lambda r: r["data"]["nullable"].append("colour"))
    assert "'data.nullable': 'colour' not in numeric or categorical" in message


def test_a_single_class_contract_is_refused(raw):
    message = problem(raw, lambda r: r["data"].update(classes=["Adelie"]))
    assert "'data.classes': List should have at least 2 items" in message


def test_several_mistakes_are_reported_together(raw):
    def change(r):
        r["split"]["seed"] = -1
        r["train"]["cv_folds"] = 1

    message = problem(raw, change)
    assert "'split.seed'" in message
    assert "'train.cv_folds'" in message


def test_message_is_one_line(raw):
    message = problem(raw, lambda r: r["train"]["candidates"].update(xgboost={}, knn={"k": 1}))
    assert "\n" not in message


def test_repeated_yaml_key_is_named_with_its_line(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  seed: 1\n  seed: 2\n")
    with pytest.raises(UserError, match=r"key 'seed' repeated at line 3"):
        load_params(path)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  seed: [1, 2\ntrain: {}\n")
    with pytest.raises(UserError, match=r"params.yaml: line \d+: invalid YAML"):
        load_params(path)


def test_missing_params_file_is_named(tmp_path: Path):
    with pytest.raises(UserError, match=r"params.yaml: file not found"):
        load_params(tmp_path / "params.yaml")
