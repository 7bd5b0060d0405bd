"""The service's records read back: predictions, feedback labels and refusals, as tables.

A source is a folder (BentoML's layout: `<monitor>/data/*.log*`, rotated files
included), one JSON-lines file, or the same behind an fsspec URL (s3://, gs://, …).
Files are read with pyarrow's JSON reader against a schema built from the model's
reference, so a million records take seconds and columns keep their types; each
request's lists (classifier.serving.records) become one row per prediction.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from classifier.contracts.errors import UserError
from classifier.monitor.reference import ModelReference
from classifier.serving import records as fields

MONITORS = (fields.PREDICTIONS, fields.FEEDBACK, fields.REFUSALS)
BLOCK = 16 << 20  # bytes per block the JSON reader parses at once


@dataclass(frozen=True)
class Records:
    """Every record found, per kind; `sources` says how many files were read."""

    predictions: pd.DataFrame
    feedback: pd.DataFrame
    refusals: pd.DataFrame
    sources: int


def schemas(ref: ModelReference, label: pa.DataType) -> dict[str, pa.Schema]:
    """The columns each monitor writes, typed as the service writes them."""
    common = [(fields.TIMESTAMP, pa.string()), ("request_id", pa.string())]
    features = [
        (
            fields.FEATURE + name,
            pa.list_(
                pa.float64()
                if spec.numeric
                else pa.int64()
                if ref.integer_codes(name)
                else pa.string()
            ),
        )
        for name, spec in ref.features.items()
    ]
    probabilities = [(fields.PROBABILITY + c, pa.list_(pa.float64())) for c in ref.classes]
    return {
        fields.PREDICTIONS: pa.schema(
            [
                (fields.REQUEST, pa.string()),
                (fields.MODEL, pa.string()),
                *features,
                (fields.LABEL, pa.list_(label)),
                *probabilities,
                *common,
            ]
        ),
        fields.FEEDBACK: pa.schema(
            [
                (fields.REQUEST, pa.list_(pa.string())),
                (fields.ROW, pa.list_(pa.int64())),
                (fields.LABEL, pa.list_(label)),
                *common,
            ]
        ),
        fields.REFUSALS: pa.schema(
            [(fields.REASON, pa.string()), (fields.FIELD, pa.string()), *common]
        ),
    }


def label_type(ref: ModelReference) -> pa.DataType:
    """How labels are written: integers and booleans as JSON numbers and booleans."""
    if all(c.lstrip("-").isdigit() for c in ref.classes):
        return pa.int64()
    if set(ref.classes) <= {"true", "false"}:
        return pa.bool_()
    return pa.string()


def files(source: str) -> tuple[fsspec.AbstractFileSystem, dict[str, list[str]]]:
    """The record files of each monitor under `source` (one file: its monitor by its path)."""
    try:
        fs, root = fsspec.core.url_to_fs(
            str(Path(source).expanduser()) if "://" not in source else source
        )
        if not fs.exists(root):
            raise UserError(f"{source}: no such folder or file of records")
        found = [root] if fs.isfile(root) else sorted(fs.glob(f"{root.rstrip('/')}/**/data/*.log*"))
    except PermissionError as err:
        raise UserError(
            f"{source}: access refused ({_first_line(err)}); check the storage credentials "
            "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for S3)"
        ) from None
    except (OSError, ImportError, ValueError) as err:  # unreachable, no driver, bad URL
        raise UserError(f"{source}: cannot read the records ({_first_line(err)})") from None
    grouped: dict[str, list[str]] = {name: [] for name in MONITORS}
    for path in found:
        monitor = next((m for m in MONITORS if f"/{m}/" in f"/{path}"), None)
        grouped[monitor or kind_of(fs, path)].append(path)
    return fs, grouped


def kind_of(fs: fsspec.AbstractFileSystem, path: str) -> str:
    """A lone file's monitor, from the fields of its first record."""
    with fs.open(path, "rt", encoding="utf-8") as stream:
        first = stream.readline()
    if f'"{fields.REASON}"' in first:
        return fields.REFUSALS
    return fields.PREDICTIONS if f'"{fields.MODEL}"' in first else fields.FEEDBACK


def read_table(fs: fsspec.AbstractFileSystem, paths: list[str], schema: pa.Schema) -> pd.DataFrame:
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    tables = []
    for path in paths:
        with fs.open(path, "rb") as stream:
            try:
                tables.append(
                    pj.read_json(
                        stream, read_options=pj.ReadOptions(block_size=BLOCK), parse_options=options
                    )
                )
            except pa.ArrowInvalid as err:
                raise UserError(f"{path}: not records of this model ({_first_line(err)})") from None
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    frame = rows(table, paths).to_pandas()
    frame[fields.TIMESTAMP] = pd.to_datetime(frame[fields.TIMESTAMP], format="ISO8601")
    return frame


def rows(table: pa.Table, paths: list[str]) -> pa.Table:
    """One row per item of the records' lists (scalars repeated; for predictions, `row`
    is the item's place in its request). A table without lists is returned as it is."""
    lists = [f.name for f in table.schema if pa.types.is_list(f.type)]
    if not lists:
        return table
    lengths = _lengths(table[lists[0]])
    for name in lists[1:]:
        if not np.array_equal(lengths, _lengths(table[name])):
            where = ", ".join(paths)
            raise UserError(f"{where}: a record's `{name}` list does not match its rows")
    parents = pc.list_parent_indices(table[lists[0]])
    columns = {}
    for name in table.column_names:
        column = table[name]
        columns[name] = pc.list_flatten(column) if name in lists else pc.take(column, parents)
    if fields.ROW not in columns:
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        columns[fields.ROW] = pa.array(np.arange(int(lengths.sum())) - starts)
    return pa.table(columns)


def _lengths(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.list_value_length(column).fill_null(0), dtype="int64")


def _first_line(err: Exception) -> str:
    return re.sub(r"\s+", " ", str(err).splitlines()[0])


def read(source: str, ref: ModelReference) -> Records:
    """Every prediction, feedback label and refusal recorded under `source`."""
    fs, grouped = files(source)
    typed = schemas(ref, label_type(ref))
    tables = {name: read_table(fs, grouped[name], typed[name]) for name in MONITORS}
    return Records(
        tables[fields.PREDICTIONS],
        tables[fields.FEEDBACK],
        tables[fields.REFUSALS],
        sum(len(paths) for paths in grouped.values()),
    )
