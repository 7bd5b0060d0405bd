"""The service's array path answers exactly what the fitted pipeline answers, or is not used."""

import logging

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.contracts.features import FeatureSchema
from classifier.serving.bento import feature_schema
from classifier.serving.speedups import ArrayModel, array_model, probe
from classifier.stages.candidates import MODELS, build_pipeline, make_model
from classifier.stages.data import split


def columns(frame: pd.DataFrame, schema: FeatureSchema) -> dict[str, np.ndarray]:
    """A frame's features as the service builds them from requests."""
    found = {c: frame[c].to_numpy(dtype="float64") for c in schema.numeric}
    for c in schema.categorical:
        found[c] = np.array([v if isinstance(v, str) else np.nan for v in frame[c]], dtype=object)
    return found


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_candidate_answers_bit_for_bit_on_arrays(name, fruit_frame, fruit_params):
    contract = fruit_params.data
    train, test = split(fruit_frame, contract, fruit_params.split)
    X, y = contract.features_and_target(train)
    pipeline = build_pipeline(make_model(name, 0), contract.numeric, contract.categorical)
    pipeline.fit(X, y)
    schema = feature_schema(pipeline, contract, train)
    fast = array_model(pipeline, schema)
    assert isinstance(fast, ArrayModel)
    served = columns(contract.features_and_target(test)[0], schema)
    expected = pipeline.predict_proba(pd.DataFrame(served))
    np.testing.assert_array_equal(fast.predict_proba(served), expected)
    assert list(fast.classes_) == list(pipeline.classes_)


def test_the_probe_holds_every_category_the_range_edges_and_gaps_where_allowed():
    numeric = {"x": (0.0, 10.0), "y": (1.0, 2.0)}
    categorical = {"c": (1, 2, 3, 4, 5), "d": ("p", "q")}
    schema = FeatureSchema("t", (0, 1), numeric, categorical, ("x", "c"))
    rows = probe(schema)
    assert {v for v in rows["c"] if isinstance(v, str)} == {"1", "2", "3", "4", "5"}
    assert pd.isna(rows["c"]).any()
    assert not pd.isna(rows["d"]).any()
    assert {0.0, 10.0, 5.0} <= set(rows["x"][~np.isnan(rows["x"])])
    assert np.isnan(rows["x"]).any()
    assert not np.isnan(rows["y"]).any()


def fitted(transformer) -> tuple[Pipeline, dict]:
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    pipeline = Pipeline(
        [
            ("preprocess", ColumnTransformer([("t", transformer, ["a", "b"])])),
            ("model", LogisticRegression()),
        ]
    ).fit(X, [0, 1, 0, 1])
    schema = FeatureSchema("t", (0, 1), {"a": (0.0, 3.0), "b": (0.0, 1.0)}, {})
    return pipeline, schema


def test_a_step_that_answers_differently_on_arrays_keeps_the_data_frame_path(caplog):
    # A transformer whose output depends on being given a data frame: the probe catches it.
    def by_type(X):
        return np.asarray(X, dtype=float) + (1.0 if isinstance(X, pd.DataFrame) else 0.0)

    pipeline, schema = fitted(FunctionTransformer(by_type))
    with caplog.at_level(logging.WARNING):
        assert array_model(pipeline, schema) is None
    assert "the array path answers differently" in caplog.text


def test_passed_through_columns_take_the_array_path():
    pipeline, schema = fitted("passthrough")
    fast = array_model(pipeline, schema)
    assert fast is not None
    rows = probe(schema)
    np.testing.assert_array_equal(
        fast.predict_proba(rows), pipeline.predict_proba(pd.DataFrame(rows))
    )


def test_a_pipeline_of_another_shape_is_served_as_it_is():
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0]})
    pipeline = Pipeline([("model", LogisticRegression())]).fit(X, [0, 1, 0, 1])
    schema = FeatureSchema("t", (0, 1), {"a": (0.0, 3.0)}, {})
    assert array_model(pipeline, schema) is None
