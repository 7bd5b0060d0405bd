"""The fitted pipeline called on NumPy arrays: the same fitted estimators, without pandas.

On a pandas DataFrame, scikit-learn's ColumnTransformer and every step after it spend
about 2.5 ms per call selecting columns and checking feature names, however few the
rows; at the batch sizes the service sees under load (a handful of rows) that was a
third of its throughput (bench/serve.py). `ArrayModel` calls the very same fitted
transformers and model on arrays, column groups as the ColumnTransformer selected
them, outputs joined in its order, so no name check applies; about 3.5x less per call.

`array_model` builds it and keeps it only if it answers exactly what the pipeline
answers, bit for bit, on rows made from the feature schema (every category, missing
values, the edges of every range). Any other pipeline is served as it is.
"""

import copy
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from classifier.contracts.categories import text
from classifier.contracts.features import FeatureSchema

log = logging.getLogger(__name__)

Columns = Mapping[str, np.ndarray]


def _without_names(estimator: Any) -> Any:
    """A copy that was never told its input's column names (a pipeline's steps too)."""
    estimator = copy.deepcopy(estimator)
    for part in [estimator, *(s for _, s in getattr(estimator, "steps", []))]:
        if "feature_names_in_" in vars(part):  # a pipeline's is its first step's
            del part.feature_names_in_
    return estimator


class ArrayModel:
    """predict_proba on a mapping of column -> 1-D array (float for numbers, object else)."""

    def __init__(self, pipeline: Pipeline) -> None:
        preprocess, model = (step for _, step in pipeline.steps)
        if not isinstance(preprocess, ColumnTransformer) or preprocess.sparse_output_:
            raise TypeError("not a dense ColumnTransformer followed by a model")
        self.parts: list[tuple[Any, list[str]]] = []
        for _, transformer, columns in preprocess.transformers_:
            if isinstance(transformer, str) and transformer != "drop":
                raise TypeError(f"{transformer} columns are served as the pipeline does")
            if isinstance(transformer, str) or not len(columns):
                continue
            self.parts.append((_without_names(transformer), list(columns)))
        self.model = _without_names(model)
        self.classes_ = pipeline.classes_

    def predict_proba(self, columns: Columns) -> np.ndarray:
        blocks = [t.transform(_block(columns, names)) for t, names in self.parts]
        return self.model.predict_proba(np.hstack(blocks))


def _block(columns: Columns, names: list[str]) -> np.ndarray:
    arrays = [columns[name] for name in names]
    dtype = float if all(a.dtype.kind == "f" for a in arrays) else object
    return np.column_stack(arrays).astype(dtype, copy=False)


def probe(schema: FeatureSchema) -> dict[str, np.ndarray]:
    """Rows made from a feature schema as requests can carry them: every category, each
    range's edges and middle, a missing value in every column that may be missing."""
    nullable = set(schema.nullable)
    categories = {c: [text(v) for v in values] for c, values in schema.categorical.items()}
    rows = max([4, *(len(v) + 1 for v in categories.values())])
    columns: dict[str, np.ndarray] = {}
    for column, (low, high) in schema.numeric.items():
        cycle = [low, high, (low + high) / 2, *([np.nan] if column in nullable else [])]
        columns[column] = np.array([cycle[i % len(cycle)] for i in range(rows)], dtype="float64")
    for column, values in categories.items():
        options = [*values, *([np.nan] if column in nullable else [])]
        columns[column] = np.array([options[i % len(options)] for i in range(rows)], dtype=object)
    return columns


def array_model(pipeline: Any, schema: FeatureSchema) -> ArrayModel | None:
    """The array path, or None where it would answer differently (or cannot be built)."""
    try:
        fast = ArrayModel(pipeline)
        rows = probe(schema)
        same = np.array_equal(
            fast.predict_proba(rows), pipeline.predict_proba(pd.DataFrame(rows)), equal_nan=True
        )
    except (TypeError, ValueError, AttributeError) as err:
        log.info("serving the pipeline on data frames: no array path (%s)", err)
        return None
    if not same:
        log.warning("serving the pipeline on data frames: the array path answers differently")
        return None
    return fast
