"""The rules of `POST /predict`, applied to a whole chunk with NumPy; a row that breaks
one goes through the service's own request type, so its reason is `/predict`'s words."""

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ValidationError

from classifier.contracts.categories import BOOLEAN
from classifier.contracts.categories import text as category_text
from classifier.contracts.features import FeatureSchema
from classifier.serving import messages


def _numbers(column: pd.Series) -> np.ndarray:
    """Numbers as float64, NaN where missing or not a number."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _texts(column: pd.Series) -> np.ndarray:
    """Category cells as the text training saw (integer-valued numbers without `.0`), as
    objects with NaN for missing: vectorised, a chunk is 100,000 rows."""
    if pd.api.types.infer_dtype(column, skipna=True) == "string":
        text = column.to_numpy(dtype=object, na_value=np.nan)
        return text if text.flags.writeable else text.copy()
    present = column.notna().to_numpy()
    out = np.full(len(column), np.nan, dtype=object)
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        whole = present & (values == np.floor(values))
        out[whole] = values[whole].astype("int64").astype(str)
        out[present & ~whole] = values[present & ~whole].astype(str)
    else:  # integers, booleans, mixed objects
        out[present] = column[present].astype(str).to_numpy(dtype=object)
    return out


def _arrow_texts(column: pd.Series, known: list[str]) -> tuple[np.ndarray, ...]:
    """Arrow strings through their dictionary, 4x faster than one object per cell: the
    cells as objects (NaN for missing), which are known, which are missing."""
    encoded = pa.chunked_array(pa.array(column.array)).combine_chunks().dictionary_encode()
    values = np.array([*encoded.dictionary.to_pylist(), np.nan], dtype=object)
    index = encoded.indices.fill_null(len(values) - 1).to_numpy(zero_copy_only=False)
    seen = np.array([*(v in known for v in values[:-1]), False])
    return values[index], seen[index], index == len(values) - 1


def _booleans(column: pd.Series) -> pd.Series:
    """A boolean feature's cells in the model's spelling: `True`, `TRUE` and a parquet
    boolean all read `true`; anything else is left for the check to refuse."""
    if pd.api.types.is_bool_dtype(column):
        return column.map(category_text, na_action="ignore").astype(object)
    cells = column.astype("string")
    words = cells.str.strip().str.lower()
    return words.where(words.isin(list(BOOLEAN)), cells).astype(object)


def check(chunk: pd.DataFrame, schema: FeatureSchema) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The chunk as model input columns, and which rows break the schema's rules."""
    nullable = set(schema.nullable)
    bad = np.zeros(len(chunk), dtype=bool)
    columns: dict[str, np.ndarray] = {}
    for name, (low, high) in schema.numeric.items():
        values = _numbers(chunk[name])
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(values) & (values >= low) & (values <= high)
        if name in nullable:
            ok = ok | chunk[name].isna().to_numpy()
        bad |= ~ok
        columns[name] = values
    for name, categories in schema.categorical.items():
        column, known = chunk[name], [schema.model_text(c) for c in categories]
        if schema.category_kind(name) is bool:
            column = _booleans(column)
        if isinstance(column.dtype, pd.StringDtype):
            text, ok, missing = _arrow_texts(column, known)
        else:
            text = _texts(column)
            ok, missing = pd.Series(text).isin(known).to_numpy(), pd.isna(text)
        bad |= ~(ok | (missing & (name in nullable)))
        columns[name] = text
    return columns, bad


def request_row(row: pd.Series, schema: FeatureSchema) -> dict[str, Any]:
    """A file row as a JSON request would carry it (for the service's own request type)."""
    out: dict[str, Any] = {}
    for name in schema.numeric:
        value = row[name]
        if pd.isna(value):
            out[name] = None
        else:
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            out[name] = value if pd.isna(number) else float(number)
    for name in schema.categorical:
        text = _texts(pd.Series([row[name]], dtype=object))[0]
        out[name] = None if pd.isna(text) else schema.json_value(name, text)
    return out


def request_verdicts(rows: pd.DataFrame, Row: type[BaseModel], schema: FeatureSchema) -> list[Any]:
    """For each row, the service's request type's verdict: the row as it parsed it, or why
    `/predict` would refuse it (a one-line reason)."""
    found: list[Any] = []
    for _, row in rows.iterrows():
        try:
            found.append(Row.model_validate(request_row(row, schema)))
        except ValidationError as err:
            found.append(messages.error_line(err.errors(include_url=False)))  # type: ignore[arg-type]
    return found


def screen(
    chunk: pd.DataFrame, schema: FeatureSchema, Row: type[BaseModel]
) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Model input columns, which rows to score, and why each other row is refused."""
    columns, flagged = check(chunk, schema)
    keep = ~flagged
    if not flagged.any():
        return columns, keep, []
    # The request type decides; what it accepts is scored as it parsed it.
    where = np.flatnonzero(flagged)
    found = request_verdicts(chunk.iloc[where], Row, schema)
    accepted = [(i, v) for i, v in zip(where, found, strict=True) if not isinstance(v, str)]
    if accepted:
        at = [i for i, _ in accepted]
        for name, values in messages.rows_columns([v for _, v in accepted], schema).items():
            columns[name][at] = values
        keep[at] = True
    return columns, keep, [v for v in found if isinstance(v, str)]
