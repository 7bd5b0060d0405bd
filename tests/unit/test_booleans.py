"""Booleans have one spelling end to end: JSON `true`/`false` in requests, answers and
feedback, `true`/`false` as text (keys, CSV output, the model's categories)."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from testkit.datasets import enrolment, params_for

from classifier.contracts.labels import label_text
from classifier.contracts.params import parse_params
from classifier.serving import messages
from classifier.serving.batch.command import predict
from classifier.serving.batch.model import BatchModel
from classifier.serving.bento import feature_schema
from classifier.stages.data import parse_raw, split
from classifier.stages.train import CandidateResult, refit
from classifier.statistics.drift import counts, reference


@pytest.fixture(scope="module")
def trained():
    data = enrolment()
    params = parse_params(params_for(data))
    frame = parse_raw(data.csv().encode(), data.path, params.data)
    train, test = split(frame, params.data, params.split)
    X, y = params.data.features_and_target(train)
    best = CandidateResult("logistic_regression", 0.9, 0.0, [], {"C": 1.0}, 1, 0.0)
    model = refit(best, X, y, params)
    return data, params, frame, test, model, feature_schema(model, params.data, train)


def test_boolean_cells_in_any_case_are_read_as_one_spelling(trained):
    data, _, frame, *_ = trained
    assert set(data.frame["married"]) == {"TRUE", "false"}  # as the file writes them
    assert set(frame["married"]) == {"true", "false"}
    assert set(frame["degree"]) == {"true", "false"}  # pandas' True/False
    assert set(frame["region"]) == {"north", "south"}  # other text is left alone
    assert frame["enrolled"].dtype == bool


def test_the_service_takes_json_booleans_for_boolean_features_and_nothing_else(trained):
    schema = trained[-1]
    assert schema.categorical["degree"] == (False, True)
    Row = messages.row_model(schema)
    row = {"age": 30.0, "income": 20000.0, "degree": True, "married": False, "region": "north"}
    parsed = Row.model_validate(row)
    columns = messages.rows_columns([parsed], schema)
    assert columns["degree"].tolist() == ["true"]  # the model's spelling
    for spelling in ("true", "True", 1):
        with pytest.raises(ValidationError, match="valid boolean"):
            Row.model_validate({**row, "degree": spelling})


def test_answers_and_feedback_use_json_booleans(trained):
    _, params, _, test, model, schema = trained
    X = test.drop(columns=["enrolled"]).head(5)
    answers = messages.predict(model, X, list(params.data.classes))
    assert {type(a["label"]) for a in answers} == {bool}
    assert list(answers[0]["probabilities"]) == ["false", "true"]
    Feedback = messages.feedback_model(list(params.data.classes))
    Feedback.model_validate({"request_id": "0" * 16, "label": True})
    with pytest.raises(ValidationError, match="Input should be a valid boolean"):
        Feedback.model_validate({"request_id": "0" * 16, "label": "true"})
    rows = messages.request_rows(X, schema)
    assert {type(r["degree"]) for r in rows} == {bool}


def test_numpy_labels_are_spelled_like_python_ones():
    assert label_text(np.bool_(False)) == "false"
    assert label_text(np.int64(3)) == "3"
    assert label_text(np.str_("Adelie")) == "Adelie"


def test_batch_scoring_reads_any_spelling_and_writes_true_and_false(trained, tmp_path):
    *_, test, model, schema = trained
    rows = test.drop(columns=["enrolled"]).head(6).reset_index(drop=True)
    rows["degree"] = ["True", "FALSE", "true", "false", "yes", "True"]  # `yes` is no boolean
    inp = tmp_path / "in.csv"
    rows.to_csv(inp, index=False)
    out = tmp_path / "out.csv"
    scorer = BatchModel(model, schema, "test")
    assert predict(str(inp), str(out), scorer, [], str(tmp_path / "rejects.csv")) == (5, 1)
    found = pd.read_csv(out, dtype=str)
    assert set(found["label"]) <= {"true", "false"}
    expected = rows.drop(index=4).assign(degree=lambda f: f["degree"].str.lower())
    assert found["label"].tolist() == [label_text(v) for v in model.predict(expected)]
    refused = pd.read_csv(tmp_path / "rejects.csv")
    assert refused["row"].tolist() == [4]
    assert refused["reason"][0] == "degree: Input should be a valid boolean"


def test_recorded_booleans_count_in_the_training_categories(trained):
    _, _, frame, *_ = trained
    ref = reference(frame["degree"])
    assert ref.categories == ["false", "true"]
    recorded = pd.Series([True, False, True, None])  # JSON booleans read back from records
    assert counts(ref, recorded).tolist() == [1, 2, 1, 0]  # false, true, missing, other
