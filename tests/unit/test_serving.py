"""Typed requests from the data contract, readable errors, predictions equal to the model's."""

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from classifier.contracts.categories import typed
from classifier.contracts.features import FeatureSchema
from classifier.serving import messages
from classifier.serving.bento import feature_schema, numeric_ranges
from classifier.serving.messages import request_rows
from classifier.stages.data import split
from classifier.stages.train import CandidateResult, refit

SCHEMA = FeatureSchema.from_json(
    {
        "target": "species",
        "classes": ["Adelie", "Chinstrap", "Gentoo"],
        "numeric": {"bill_length_mm": [0.0, 90.0], "body mass (g)": [0.0, 9000.0]},
        "categorical": {"island": ["Biscoe", "Dream"], "sex": ["female", "male"]},
        "nullable": ["body mass (g)", "sex"],
    }
)
ROW = {"bill_length_mm": 40.0, "body mass (g)": 4000.0, "island": "Dream", "sex": "male"}


def refusal(**changes) -> str:
    with pytest.raises(ValidationError) as err:
        messages.row_model(SCHEMA).model_validate({**ROW, **changes})
    return str(err.value)


def test_a_valid_row_is_accepted_and_keeps_its_column_names():
    row = messages.row_model(SCHEMA).model_validate(ROW)
    assert row.model_dump(by_alias=True) == ROW


def test_nullable_features_accept_null_others_do_not():
    messages.row_model(SCHEMA).model_validate({**ROW, "sex": None, "body mass (g)": None})
    assert "island" in refusal(island=None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"island": "Anvers"}, "island"),
        ({"bill_length_mm": "40"}, "bill_length_mm"),
        ({"bill_length_mm": float("nan")}, "bill_length_mm"),
        ({"bill_length_mm": float("inf")}, "bill_length_mm"),
        ({"bill_length_mm": 1e247}, "bill_length_mm"),
        ({"bill_length_mm": True}, "bill_length_mm"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_wrong_values_are_refused_naming_the_field(changes, field):
    assert field in refusal(**changes)


def test_a_missing_field_is_refused():
    with pytest.raises(ValidationError, match="island"):
        messages.row_model(SCHEMA).model_validate({k: v for k, v in ROW.items() if k != "island"})


def test_readable_error_names_each_field_and_keeps_the_detail_as_text():
    body = {
        "error": "2 validation errors for Input",
        "detail": [
            {"loc": ["rows", 0, "island"], "msg": "Input should be 'Biscoe' or 'Dream'"},
            {"loc": ["rows"], "msg": "List should have at least 1 item"},
        ],
    }
    out = messages.readable_error(body)
    assert out["error"] == (
        "rows[0].island: Input should be 'Biscoe' or 'Dream'; "
        "rows: List should have at least 1 item"
    )
    assert json.loads(out["detail"]) == body["detail"]


def test_readable_error_leaves_other_bodies_alone():
    assert messages.readable_error({"error": "x"}) == {"error": "x"}


def test_predictions_equal_the_models_own(fruit_model, fruit_params):
    model, train, test = fruit_model
    X, _ = fruit_params.data.features_and_target(test)
    schema = feature_schema(model, fruit_params.data, train)
    Row = messages.row_model(schema)
    rows = [Row.model_validate(r) for r in request_rows(X, schema)]
    answers = messages.predict(
        model, pd.DataFrame(messages.rows_columns(rows, schema)), fruit_params.data.classes
    )
    assert [a["label"] for a in answers] == list(model.predict(X))
    proba = pd.DataFrame(model.predict_proba(X), columns=model.classes_)
    served = pd.DataFrame([a["probabilities"] for a in answers])[list(model.classes_)]
    np.testing.assert_array_equal(served.to_numpy(), proba.to_numpy())


def test_schema_limits_categories_to_those_seen_in_training(fruit_model, fruit_params):
    model, train, _ = fruit_model
    schema = feature_schema(model, fruit_params.data, train)
    assert schema.categorical["origin"] == ("east", "north", "south")
    assert schema.categorical["colour"] == ("dark red", "green", "red")
    assert schema.classes == ("pear", "apple", "cherry")


def test_integer_codes_are_json_numbers_in_requests(fruit_model, fruit_params):
    model, train, _ = fruit_model
    schema = feature_schema(model, fruit_params.data, train)
    assert schema.categorical["grade"] == (1, 2, 3)
    Row = messages.row_model(schema)
    row = {
        "weight (g)": 150.0,
        "width/height": 1.0,
        "sugar %": None,
        "origin": "north",
        "colour": "red",
    }
    frame = pd.DataFrame(messages.rows_columns([Row.model_validate({**row, "grade": 2})], schema))
    assert frame["grade"].tolist() == ["2"]  # the text the model was trained on
    with pytest.raises(ValidationError, match="grade"):
        Row.model_validate({**row, "grade": "2"})


def test_codes_are_numbers_only_when_all_are_integers_as_written():
    assert typed(["10", "2", "-1"]) == [-1, 2, 10]
    assert typed(["01", "2"]) == ["01", "2"]
    assert typed(["1.0", "2"]) == ["1.0", "2"]
    assert typed(["a", "1"]) == ["a", "1"]


def test_true_and_false_in_any_case_are_booleans_and_nothing_else_is():
    assert typed(["false", "true"]) == [False, True]
    assert typed(["True"]) == [True]
    assert typed(["FALSE", "True"]) == [False, True]
    assert typed(["no", "yes"]) == ["no", "yes"]  # words, not booleans: text
    assert typed(["0", "1"]) == [0, 1]  # integer codes stay integers
    assert typed(["true", "maybe"]) == ["true", "maybe"]


def test_integer_labels_are_answered_as_numbers_with_text_keys(churn_frame, churn_params):
    train, test = split(churn_frame, churn_params.data, churn_params.split)
    X, y = churn_params.data.features_and_target(train)
    model = refit(
        CandidateResult("decision_tree", 0.9, 0.0, [], {"max_depth": 3}, 1, 0.0), X, y, churn_params
    )
    [answer] = messages.predict(
        model, churn_params.data.features_and_target(test)[0].head(1), [1, 0]
    )
    assert answer["label"] in (0, 1)
    assert list(answer["probabilities"]) == ["1", "0"]
    Prediction = messages.prediction_model([1, 0])
    assert Prediction.model_validate(answer).model_dump_json().startswith('{"label":')


def test_columns_that_differ_only_in_punctuation_get_distinct_fields():
    schema = FeatureSchema("y", (0, 1), {"a b": (0.0, 1.0), "a_b": (0.0, 1.0)}, {})
    names = schema.field_names
    assert len(set(names.values())) == 2
    row = messages.row_model(schema).model_validate({"a b": 0.5, "a_b": 0.25})
    assert pd.DataFrame(messages.rows_columns([row], schema)).iloc[0].tolist() == [0.5, 0.25]


def test_numeric_ranges_widen_the_training_span_and_stay_non_negative():
    train = pd.DataFrame({"a": [10.0, 20.0, np.nan], "b": [-5.0, 5.0, 0.0]})
    assert numeric_ranges(train, ["a", "b"]) == {"a": [0.0, 30.0], "b": [-15.0, 15.0]}


def test_numeric_ranges_are_rounded_outwards_to_readable_numbers():
    train = pd.DataFrame({"a": [32.1, 59.6], "b": [0.0012, 0.0034], "d": [-3.3, 7.1]})
    ranges = numeric_ranges(train, ["a", "b", "d"])
    assert ranges == {"a": [4.6, 87.1], "b": [0.0, 0.0056], "d": [-13.7, 17.5]}
    for column, (low, high) in ranges.items():  # still wider than the widened span
        span = train[column].max() - train[column].min()
        assert low <= max(train[column].min() - span, 0 if train[column].min() >= 0 else -1e9)
        assert high >= train[column].max() + span
