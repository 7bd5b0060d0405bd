"""The measured speed-ups of serving, in one place, each with the figure that justifies it.

A reader of `service.py` sees the template; what is here makes it fast, and each is
self-checking or changes no answer. The figures are `make bench-serve`'s (2 cores).

1. **The fitted pipeline called on arrays** (`ArrayModel`, `array_model`). On a pandas
   DataFrame, scikit-learn's ColumnTransformer and every step after it spend about
   2.5 ms per call selecting columns and checking feature names, however few the rows;
   at the batch sizes the service sees under load (a handful of rows) that was a third
   of its throughput. `ArrayModel` calls the very same fitted transformers and model on
   arrays, column groups as the ColumnTransformer selected them, outputs joined in its
   order, so no name check applies: about 3.5x less per call. `array_model` keeps it
   only if it answers exactly what the pipeline answers, bit for bit, on rows made from
   the feature schema (every category, missing values, the edges of every range); any
   other pipeline is served as it is.
2. **Answers written as they are** (`answers_output`). Validating the answers again, or
   even `model_construct`-ing one model per row, cost more than the model does (~4 ms
   per 1,000 rows); the output spec keeps `Prediction`'s schema for the OpenAPI
   document and writes the answers with pydantic's serializer.
3. **What loaded is frozen out of the garbage collector's view** (`settle_after_load`).
   Without it, each full collection walks the model and libraries and stalls the
   requests in flight (~300 ms here). (`runtime.cli.load` does the same for every
   command's imports: `make bench-pipeline` measures it.)

Two settings in `service.py` belong with these: a 5 s traffic timeout (with 30 s, full
collections slowed to 100 ms+) and the access log off (~7 % of throughput).
"""

import copy
import gc
import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

# BentoML's base for list outputs; not exported, but the documented way to give an API
# its own output_spec (pinned by bentoml<1.5, exercised by the service tests).
from _bentoml_sdk.io_models import IORootModel
from pydantic import BaseModel
from pydantic_core import to_json
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


def answers_output(prediction: type[BaseModel]) -> type[IORootModel]:
    """The output spec of /predict: one `prediction` per row, written as it is."""

    class Predictions(IORootModel[list[prediction]]):  # type: ignore[valid-type]
        """One prediction per row, in order: the output spec of /predict.

        Its schema (the OpenAPI document, the docs) is `Prediction`'s; `model_dump`
        returns the JSON text, which BentoML sends as the body as it is.
        """

        media_type = "application/json"

        def __init__(self, root: Any) -> None:
            super().__init__(root=[])
            self.__dict__["root"] = root

        def model_dump(self, **kwargs: Any) -> Any:
            return self.model_dump_json()

        def model_dump_json(self, **kwargs: Any) -> str:
            return to_json(self.root).decode()

    return Predictions


def settle_after_load() -> None:
    """Everything loaded so far lives as long as the process: collect once, then freeze it
    out of the collector's view."""
    gc.collect()
    gc.freeze()
