"""params.yaml is validated once, up front, and each mistake names its key and what is allowed."""

import copy
from pathlib import Path

import pytest
from testkit.datasets import churn, fruit, params_for

from classifier.contracts.errors import UserError
from classifier.contracts.params import load_params, parse_params
from classifier.contracts.yamlfile import parse_yaml


@pytest.fixture
def raw() -> dict:
    """A complete, valid params.yaml (multi-class) as a parsed mapping."""
    return params_for(fruit())


@pytest.fixture
def binary() -> dict:
    """A complete, valid params.yaml for a binary target with integer labels."""
    return params_for(churn())


def problem(raw: dict, change) -> str:
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(UserError) as err:
        parse_params(broken)
    return str(err.value)


def test_valid_params_load_with_their_types(raw):
    params = parse_params(raw)
    assert params.data.features == [
        "weight (g)",
        "width/height",
        "sugar %",
        "origin",
        "grade",
        "colour",
    ]
    assert params.train.candidates["logistic_regression"] == {"C": [0.1, 1.0]}
    assert params.data.binary is False
    assert params.data.positive is None


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
    message = problem(raw, lambda r: r["train"].update(scoring="f2"))
    assert "'train.scoring'" in message
    assert "'f1_macro'" in message
    assert "(got 'f2')" in message


def test_empty_grid_list_is_refused(raw):
    message = problem(raw, lambda r: r["train"]["candidates"].update(svm={"C": []}))
    assert "'train.candidates.svm.C': empty list of values" in message


def test_scalar_grid_value_means_one_fixed_value(raw):
    changed = copy.deepcopy(raw)
    changed["train"]["candidates"]["svm"] = {"C": 2.0}
    assert parse_params(changed).train.candidates["svm"] == {"C": [2.0]}


def test_gate_on_an_unknown_metric_lists_the_metrics(raw):
    message = problem(raw, lambda r: r["gates"]["at_least"].update(f2=0.9))
    assert "'gates.at_least.f2': unknown metric 'f2'; allowed: accuracy" in message


def test_negative_gate_tolerance_is_refused(raw):
    message = problem(raw, lambda r: r["gates"]["max_drop"].update(accuracy=-0.1))
    assert "'gates.max_drop': must be >= 0 for accuracy" in message


def test_feature_listed_twice_in_the_contract_is_named(raw):
    message = problem(raw, lambda r: r["data"]["numeric"].append("origin"))
    assert "'data.categorical': 'origin' is already in numeric" in message


def test_target_used_as_a_feature_is_named(raw):
    message = problem(raw, lambda r: r["data"]["categorical"].append("kind"))
    assert "'data.categorical': 'kind' is already the target" in message


def test_nullable_column_that_is_not_a_feature_is_named(raw):
    message = problem(raw, lambda r: r["data"]["nullable"].append("shape"))
    assert "'data.nullable': 'shape' not in numeric or categorical" in message


def test_a_single_class_contract_is_refused(raw):
    message = problem(raw, lambda r: r["data"].update(classes=["pear"]))
    assert "'data.classes': List should have at least 2 items" in message


def test_several_mistakes_are_reported_together(raw):
    def change(r):
        r["split"]["seed"] = -1
        r["train"]["cv_folds"] = 1

    message = problem(raw, change)
    assert "'split.seed'" in message
    assert "'train.cv_folds'" in message


def test_message_is_one_line(raw):
    message = problem(raw, lambda r: r["train"].update(cv_fold=2, seed="x"))
    assert "\n" not in message


def test_repeated_yaml_key_is_named_with_its_line(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  seed: 1\n  seed: 2\n")
    with pytest.raises(
        UserError, match=r'params.yaml: line 3: invalid YAML: found duplicate key "seed"'
    ):
        load_params(path)


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  seed: [1, 2\ntrain: {}\n")
    with pytest.raises(UserError, match=r"params.yaml: line \d+: invalid YAML"):
        load_params(path)


def test_missing_params_file_is_named(tmp_path: Path):
    with pytest.raises(UserError, match=r"params.yaml: file not found"):
        load_params(tmp_path / "params.yaml")


def test_yes_and_no_are_text_labels_as_dvc_reads_them():
    # YAML 1.1 turns yes/no into booleans; params.yaml is read as YAML 1.2, like DVC does.
    assert parse_yaml("classes: [yes, no, true]", "params.yaml") == {"classes": ["yes", "no", True]}


# ---- class labels ----


@pytest.mark.parametrize(
    ("classes", "kind"),
    [(["b", "a"], str), ([2, 0, 1], int), ([True, False], bool)],
)
def test_labels_may_be_text_integers_or_booleans_in_any_order(raw, classes, kind):
    raw["data"]["classes"] = classes
    raw["gates"] = {}
    params = parse_params(raw)
    assert params.data.classes == classes
    assert params.data.label_kind is kind


def test_labels_of_mixed_kinds_are_refused(raw):
    message = problem(raw, lambda r: r["data"].update(classes=["a", 1]))
    assert "'data.classes': mixes kinds of labels (int, str); use one kind" in message


def test_a_decimal_label_is_refused(raw):
    message = problem(raw, lambda r: r["data"].update(classes=[0.5, 1.5]))
    assert "'data.classes[0]': a class label is text, an integer or true/false" in message
    assert message.count("'data.classes[0]'") == 1


def test_a_repeated_label_is_refused(raw):
    message = problem(raw, lambda r: r["data"].update(classes=["a", "b", "a"]))
    assert "'data.classes': lists 'a' more than once" in message


def test_the_positive_class_defaults_to_the_second_listed(binary):
    binary["data"].pop("positive_class")
    binary["data"]["classes"] = [0, 1]
    assert parse_params(binary).data.positive == 1


def test_a_named_positive_class_wins(binary):
    assert binary["data"]["classes"] == [1, 0]
    assert parse_params(binary).data.positive == 1


def test_a_positive_class_that_is_not_a_class_is_refused(binary):
    message = problem(binary, lambda r: r["data"].update(positive_class=2))
    assert "'data.positive_class': 2 is not in data.classes (1, 0)" in message


def test_a_positive_class_of_another_kind_is_refused(binary):
    message = problem(binary, lambda r: r["data"].update(positive_class="1"))
    assert "'data.positive_class': '1' is not in data.classes" in message


def test_a_positive_class_needs_a_binary_target(raw):
    message = problem(raw, lambda r: r["data"].update(positive_class="pear"))
    assert "'data.positive_class': only for a binary target; data.classes lists 3" in message


# ---- metrics that must fit the target ----


def test_a_binary_metric_on_a_multi_class_target_is_refused(raw):
    message = problem(raw, lambda r: r["gates"]["at_least"].update(f1=0.9))
    assert "'gates.at_least.f1': 'f1' is defined for binary targets only" in message
    assert "multi-class target: use one of accuracy" in message


def test_a_multi_class_metric_on_a_binary_target_is_refused(binary):
    message = problem(binary, lambda r: r["train"].update(scoring="roc_auc_ovr"))
    assert "'train.scoring': 'roc_auc_ovr' is defined for multi-class targets only" in message
    assert "roc_auc" in message


def test_binary_metrics_are_accepted_for_a_binary_target(binary):
    binary["gates"] = {"at_least": {"recall": 0.5, "average_precision": 0.5}}
    binary["train"]["scoring"] = "f1"
    assert parse_params(binary).gates.at_least == {"recall": 0.5, "average_precision": 0.5}
