"""What the service needs, without BentoML: typed request/response models and predictions.

Everything here is derived from the feature schema stored with the model
(contracts.features, written by serving.bento): numbers are numbers, categoricals are
limited to the categories seen in training, and null is accepted only for features the
contract lets be missing. The bento ships the serving package and the standard-library
contracts it imports (categories, features, keys, labels), so it holds no pipeline code
(no DVC, pandera, scikit-learn training code).
"""

import json
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, create_model

from classifier.contracts.categories import kind
from classifier.contracts.categories import text as category_text
from classifier.contracts.features import FeatureSchema
from classifier.contracts.keys import dotted
from classifier.contracts.labels import Label, label_text

MODEL_NAME = "classifier"
MODEL_FILE = "model.joblib"
MAX_ROWS = 10_000


def row_model(schema: FeatureSchema) -> type[BaseModel]:
    """One request row: every feature required, typed from the schema, unknown keys refused."""
    nullable = set(schema.nullable)
    names = schema.field_names
    fields: dict[str, Any] = {}
    for column, (low, high) in schema.numeric.items():
        kind: Any = Annotated[float, Field(allow_inf_nan=False, ge=low, le=high)]
        kind = kind | None if column in nullable else kind
        fields[names[column]] = (kind, Field(alias=column, description="number"))
    for column, categories in schema.categorical.items():
        # Integer codes are JSON numbers in requests, true/false JSON booleans.
        kind = one_of(list(categories))
        kind = kind | None if column in nullable else kind
        fields[names[column]] = (kind, Field(alias=column, description="category"))
    config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)
    return create_model("Row", __config__=config, **fields)


def one_of(values: list[Any]) -> Any:
    """The type of a field holding one of `values`: both booleans make a plain `bool`,
    whose refusal reads `Input should be a valid boolean`, not `False or True`."""
    if set(values) == {False, True} and kind(values) is bool:
        return bool
    return Literal[tuple(values)]


def prediction_model(classes: list[Label]) -> type[BaseModel]:
    """One answer: the label and a probability per class."""
    label: Any = one_of(list(classes))
    return create_model(
        "Prediction",
        label=(label, Field(description="the most probable class")),
        probabilities=(dict[str, float], Field(description="probability of each class")),
    )


class FeedbackBase(BaseModel):
    """A true label for one row of an earlier prediction (its label type set per model)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    request_id: str = Field(
        pattern=r"^[0-9a-f]{16}$", description="the X-BentoML-Request-ID of the prediction"
    )
    row: int = Field(0, ge=0, lt=MAX_ROWS, description="the row of that request (0 for one row)")
    label: Any = Field(description="the true class")


def feedback_model(classes: list[Label]) -> type[FeedbackBase]:
    """FeedbackBase with `label` one of the contract's classes."""
    label: Any = one_of(list(classes))
    return create_model(
        "Feedback", __base__=FeedbackBase, label=(label, Field(description="the true class"))
    )


def rows_columns(rows: list[BaseModel], schema: FeatureSchema) -> dict[str, np.ndarray]:
    """Requests as the model's input columns, in contract order: numbers as float64,
    categoricals as the model's text (integer codes included), missing values as NaN."""
    names = schema.field_names
    columns: dict[str, np.ndarray] = {}
    for column in schema.numeric:
        values = [getattr(row, names[column]) for row in rows]
        columns[column] = np.array([np.nan if v is None else v for v in values], dtype="float64")
    for column in schema.categorical:
        # The imputer treats NaN, not None, as missing in object columns.
        values = [getattr(row, names[column]) for row in rows]
        columns[column] = np.array(
            [np.nan if v is None else category_text(v) for v in values], dtype=object
        )
    return columns


def request_rows(frame: pd.DataFrame, schema: FeatureSchema) -> list[dict[str, Any]]:
    """Table rows as request rows (the inverse of `rows_columns`): null for missing,
    integer codes as ints, booleans as booleans."""
    rows = frame[schema.features].astype(object)
    rows = rows.where(rows.notna(), None)
    for column in schema.categorical:
        if schema.category_kind(column) is not str:
            rows[column] = [None if v is None else _typed(schema, column, v) for v in rows[column]]
    return [{str(k): v for k, v in row.items()} for row in rows.to_dict(orient="records")]


def _typed(schema: FeatureSchema, column: str, value: Any) -> Any:
    """A table cell as a request carries it: 2.0 read from a file of codes is 2."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return schema.json_value(column, schema.model_text(value))


def predict(model: Any, frame: Any, classes: list[Label]) -> list[dict[str, Any]]:
    """Label and per-class probabilities for each row, as `model.predict` would label it.

    Labels keep their kind (a JSON number for integer classes); probabilities are keyed
    by the labels' text, in data.classes order.
    """
    proba = model.predict_proba(frame)
    labels = model.classes_[np.argmax(proba, axis=1)].tolist()  # the model's order breaks ties
    order = list(model.classes_)
    ordered = proba[:, [order.index(c) for c in classes]].tolist()
    keys = [label_text(c) for c in classes]
    return [
        {"label": label, "probabilities": dict(zip(keys, p, strict=True))}
        for label, p in zip(labels, ordered, strict=True)
    ]


def readable_error(body: dict[str, Any]) -> dict[str, str]:
    """BentoML's 400 body for a validation failure, as one line naming each field.

    BentoML returns the pydantic error list under `detail`, while its OpenAPI document
    declares `detail` a string; this keeps the list (as JSON text) and makes `error`
    say which field is wrong and why.
    """
    errors = body.get("detail")
    if not isinstance(errors, list):
        return body
    return {"error": error_line(errors), "detail": json.dumps(errors, default=str)}


def error_line(errors: list[dict[str, Any]], limit: int = 5) -> str:
    """Pydantic's errors as one line: `where: what` for each (the first `limit`)."""
    problems = [
        f"{dotted(e.get('loc', [])) or 'body'}: {e.get('msg', 'invalid')}" for e in errors[:limit]
    ]
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(problems) + more
