"""Typed requests from the data contract, readable errors, predictions equal to the model's."""

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from classifier.contracts.errors import UserError
from classifier.serving import api as serving
from classifier.serving.bento import feature_schema, find_uv, numeric_ranges
from classifier.stages.data import features_and_target, split

SCHEMA = {
    "target": "species",
    "classes": ["Adelie", "Chinstrap", "Gentoo"],
    "numeric": {"bill_length_mm": [0.0, 90.0], "body mass (g)": [0.0, 9000.0]},
    "categorical": {"island": ["Biscoe", "Dream"], "sex": ["female", "male"]},
    "nullable": ["body mass (g)", "sex"],
}
ROW = {"bill_length_mm": 40.0, "body mass (g)": 4000.0, "island": "Dream", "sex": "male"}


def refusal(**changes) -> str:
    with pytest.raises(ValidationError) as err:
        serving.row_model(SCHEMA).model_validate({**ROW, **changes})
    return str(err.value)


def test_a_valid_row_is_accepted_and_keeps_its_column_names():
    row = serving.row_model(SCHEMA).model_validate(ROW)
    assert row.model_dump(by_alias=True) == ROW


def test_nullable_features_accept_null_others_do_not():
    serving.row_model(SCHEMA).model_validate({**ROW, "sex": None, "body mass (g)": None})
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
        serving.row_model(SCHEMA).model_validate({k: v for k, v in ROW.items() if k != "island"})


def test_readable_error_names_each_field_and_keeps_the_detail_as_text():
    body = {
        "error": "2 validation errors for Input",
        "detail": [
            {"loc": ["rows", 0, "island"], "msg": "Input should be 'Biscoe' or 'Dream'"},
            {"loc": ["rows"], "msg": "List should have at least 1 item"},
        ],
    }
    out = serving.readable_error(body)
    assert out["error"] == (
        "rows[0].island: Input should be 'Biscoe' or 'Dream'; "
        "rows: List should have at least 1 item"
    )
    assert json.loads(out["detail"]) == body["detail"]


def test_readable_error_leaves_other_bodies_alone():
    assert serving.readable_error({"error": "x"}) == {"error": "x"}


def test_predictions_equal_the_models_own(selected_model, penguins, params):
    _, test = split(penguins, params.data, params.split)
    X, _ = features_and_target(test, params.data)
    schema = feature_schema(selected_model, params.data, penguins)
    Row = serving.row_model(schema)
    records = X.astype(object).where(X.notna(), None).to_dict(orient="records")
    rows = [Row.model_validate(r) for r in records]
    answers = serving.predict(selected_model, serving.rows_frame(rows, schema), params.data.classes)
    assert [a["label"] for a in answers] == list(selected_model.predict(X))
    proba = pd.DataFrame(selected_model.predict_proba(X), columns=selected_model.classes_)
    served = pd.DataFrame([a["probabilities"] for a in answers])[list(selected_model.classes_)]
    np.testing.assert_array_equal(served.to_numpy(), proba.to_numpy())


def test_schema_limits_categories_to_those_seen_in_training(selected_model, penguins, params):
    schema = feature_schema(selected_model, params.data, penguins)
    assert schema["categorical"] == {
        "island": ["Biscoe", "Dream", "Torgersen"],
        "sex": ["female", "male"],
    }
    assert schema["classes"] == params.data.classes


def test_numeric_ranges_widen_the_training_span_and_stay_non_negative():
    train = pd.DataFrame({"a": [10.0, 20.0, np.nan], "b": [-5.0, 5.0, 0.0]})
    assert numeric_ranges(train, ["a", "b"]) == {"a": [0.0, 30.0], "b": [-15.0, 15.0]}


def test_bento_finds_the_makefiles_uv_when_it_is_not_on_path(tmp_path, monkeypatch):
    # On a fresh machine uv lives in .tools/bin (the Makefile's install); BentoML only looks
    # on PATH, so the build must hand it this one, as an absolute path.
    tools = tmp_path / ".tools/bin"
    tools.mkdir(parents=True)
    (tools / "uv").write_text("#!/bin/sh\n")
    (tools / "uv").chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_uv() == str(tools / "uv")
    (tools / "uv").unlink()
    with pytest.raises(UserError, match="uv not found; run `make bento`"):
        find_uv()
