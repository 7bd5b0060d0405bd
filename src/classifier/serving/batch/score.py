"""Scoring: `label` and one `probability.<class>` per class, in the contract's order."""

from typing import Any

import numpy as np
import pandas as pd

from classifier.contracts.labels import label_text
from classifier.serving.batch.model import BatchModel


def score(scorer: BatchModel, columns: dict[str, np.ndarray], fast: Any) -> pd.DataFrame:
    """`label` and `probability.<class>` (contract order) for model input columns."""
    if fast is not None:
        proba = fast.predict_proba(columns)
    else:
        proba = scorer.model.predict_proba(pd.DataFrame(columns, columns=scorer.features))
    order = list(scorer.model.classes_)
    classes = list(scorer.schema.classes)
    # A categorical: written as a dictionary, not a hundred thousand strings (and the
    # contract's class order, not the model's, is the categories' order).
    picked = [classes.index(c) for c in order]
    codes = np.asarray(picked)[np.argmax(proba, axis=1)]
    out: dict[str, Any] = {"label": pd.Categorical.from_codes(codes, pd.Index(classes))}
    for c in classes:
        out[f"probability.{label_text(c)}"] = proba[:, order.index(c)]
    return pd.DataFrame(out)


def empty_scores(scorer: BatchModel, ids: list[str]) -> pd.DataFrame:
    """The output's columns, for a file without a row to score."""
    columns = {c: pd.Series(dtype=object) for c in ids or ["row"]}
    columns["label"] = pd.Series(dtype=object)
    for c in scorer.schema.classes:
        columns[f"probability.{label_text(c)}"] = pd.Series(dtype="float64")
    return pd.DataFrame(columns)
