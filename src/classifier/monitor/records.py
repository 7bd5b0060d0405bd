"""The service's records read back: predictions, feedback labels and refusals, as tables.

A source is a folder (BentoML's layout: `<monitor>/data/*.log*`, rotated files
included), one JSON-lines file, or the same behind an fsspec URL (s3://, gs://, …).
Files are read with pyarrow's JSON reader against a schema built from the model's
reference, so a million records take seconds and columns keep their types; each
request's lists (classifier.serving.record_fields) become one row per prediction.

Production files are expected to be damaged now and then: a worker killed mid-write
leaves a cut-off last line, a disk fills up, someone edits a file. A file the fast
reader refuses is read again line by line: each record that is not JSON, not of this
model's types, has a bad timestamp, mismatched lists or an oversized line is skipped
and counted, the first one named by file and line (`Unreadable`). Empty and rotated
files are read as they are. Only a source that cannot be read at all stops the run.
"""

import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from classifier.contracts.errors import UserError
from classifier.monitor.reference import ModelReference
from classifier.monitor.window import ALL, Window
from classifier.serving import record_fields as fields

MONITORS = (fields.PREDICTIONS, fields.FEEDBACK, fields.REFUSALS, fields.SHADOW)
BLOCK = 16 << 20  # bytes per block the JSON reader parses at once


@dataclass(frozen=True)
class Unreadable:
    """Records skipped because they could not be read: how many, and the first of them."""

    count: int = 0
    first: str | None = None  # "file:line: reason"

    def __add__(self, other: "Unreadable") -> "Unreadable":
        return Unreadable(self.count + other.count, self.first or other.first)


@dataclass(frozen=True)
class Records:
    """Every record found, per kind; `sources` says how many files were read, `read` how
    many records (lines) were read, and `unreadable` what was skipped."""

    predictions: pd.DataFrame
    feedback: pd.DataFrame
    refusals: pd.DataFrame
    sources: int
    read: int = 0
    unreadable: Unreadable = field(default_factory=Unreadable)
    shadow: pd.DataFrame | None = None  # a candidate's answers beside the champion's


def schemas(ref: ModelReference, label: pa.DataType) -> dict[str, pa.Schema]:
    """The columns each monitor writes, typed as the service writes them."""
    common = [(fields.TIMESTAMP, pa.string()), ("request_id", pa.string())]
    features = [
        (
            fields.FEATURE + name,
            pa.list_(pa.float64() if spec.numeric else ARROW[ref.category_kind(name)]),
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
        fields.SHADOW: pa.schema(
            [
                (fields.REQUEST, pa.string()),
                (fields.MODEL, pa.string()),
                (fields.CANDIDATE, pa.string()),
                (fields.LABEL, pa.list_(label)),
                (fields.CANDIDATE_LABEL, pa.list_(label)),
                (fields.ERROR, pa.string()),
                *common,
            ]
        ),
    }


# A categorical feature's record values by the kind of its categories (contracts.categories).
ARROW = {int: pa.int64(), bool: pa.bool_(), str: pa.string()}


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
    with fs.open(path, "rb") as stream:
        first = stream.readline(BLOCK).decode("utf-8", "replace")
    if f'"{fields.REASON}"' in first:
        return fields.REFUSALS
    if f'"{fields.CANDIDATE}"' in first:
        return fields.SHADOW
    return fields.PREDICTIONS if f'"{fields.MODEL}"' in first else fields.FEEDBACK


def read_table(
    fs: fsspec.AbstractFileSystem, paths: list[str], schema: pa.Schema, window: Window
) -> tuple[pd.DataFrame, int, Unreadable]:
    """The window's records in the files, one row per prediction; how many records; what
    was skipped. A file is filtered as soon as it is read: memory holds the window."""
    tables, skipped = [], Unreadable()
    for path in paths:
        if not window.may_hold(path):
            continue
        table, unread = read_file(fs, path, schema)
        tables.append(within(table, window))
        skipped += unread
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    frame = rows(table, paths).to_pandas()
    frame[fields.TIMESTAMP] = pd.to_datetime(frame[fields.TIMESTAMP], format="ISO8601")
    return frame, table.num_rows, skipped


def read_file(
    fs: fsspec.AbstractFileSystem, path: str, schema: pa.Schema
) -> tuple[pa.Table, Unreadable]:
    """One file: in one pass when it is sound, else line by line, skipping what is not."""
    with fs.open(path, "rb") as stream:
        try:
            table = pj.read_json(stream, read_options=_READ, parse_options=_parse(schema))
        except pa.ArrowInvalid:
            table = None
    if table is not None and _sound(table):
        return table, Unreadable()
    return _read_lines(fs, path, schema)


_READ = pj.ReadOptions(block_size=BLOCK)


def within(table: pa.Table, window: Window) -> pa.Table:
    """The records of `table` in `window`."""
    if window == ALL or table.num_rows == 0:
        return table
    times = pd.to_datetime(table[fields.TIMESTAMP].to_pandas(), format="ISO8601")
    return table.filter(pa.array(window.holds(times).to_numpy()))


def _parse(schema: pa.Schema) -> pj.ParseOptions:
    return pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")


def _sound(table: pa.Table) -> bool:
    """A time on every record and lists of one length per record: what the fast read
    does not check."""
    times = table[fields.TIMESTAMP].to_pandas()
    if pd.to_datetime(times, format="ISO8601", errors="coerce").isna().any():
        return False  # every record the service writes has its time
    lists = [f.name for f in table.schema if pa.types.is_list(f.type)]
    lengths = [_lengths(table[name]) for name in lists]
    return all(np.array_equal(lengths[0], other) for other in lengths[1:])


def _read_lines(
    fs: fsspec.AbstractFileSystem, path: str, schema: pa.Schema
) -> tuple[pa.Table, Unreadable]:
    good: list[bytes] = []
    skipped = Unreadable()
    with fs.open(path, "rb") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            reason = problem(line, schema)
            if reason:
                skipped += Unreadable(1, f"{path}:{number}: {reason}")
            else:
                good.append(line if line.endswith(b"\n") else line + b"\n")
    if not good:
        return schema.empty_table(), skipped
    data = io.BytesIO(b"".join(good))
    return pj.read_json(data, read_options=_READ, parse_options=_parse(schema)), skipped


def problem(line: bytes, schema: pa.Schema) -> str | None:
    """Why one JSON line is not a record of `schema`, or None when it is one."""
    if len(line) >= BLOCK:
        return f"a line of {len(line):,} bytes, longer than {BLOCK:,}"
    try:
        record = json.loads(line)
    except ValueError:
        cut = not line.endswith(b"\n")
        return "cut off mid-write (the last line)" if cut else "not JSON"
    if not isinstance(record, dict):
        return "not a JSON object"
    for column in schema:
        value = record.get(column.name)
        if value is not None and not _fits(value, column.type):
            return f"`{column.name}` is not {column.type}"
    try:
        datetime.fromisoformat(str(record.get(fields.TIMESTAMP)))
    except ValueError:
        return f"`{fields.TIMESTAMP}` is not a time: {str(record.get(fields.TIMESTAMP))[:40]!r}"
    lengths = {len(record[c.name]) for c in schema if isinstance(record.get(c.name), list)}
    return "its lists have different lengths" if len(lengths) > 1 else None


def _fits(value: Any, kind: pa.DataType) -> bool:
    if pa.types.is_list(kind):
        inner = kind.value_type
        return isinstance(value, list) and all(v is None or _fits(v, inner) for v in value)
    if pa.types.is_string(kind):
        return isinstance(value, str)
    if pa.types.is_boolean(kind):
        return isinstance(value, bool)
    if pa.types.is_integer(kind):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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


def read(source: str, ref: ModelReference, window: Window = ALL) -> Records:
    """Every prediction, feedback label and refusal recorded under `source` in `window`."""
    fs, grouped = files(source)
    typed = schemas(ref, label_type(ref))
    tables = {name: read_table(fs, grouped[name], typed[name], window) for name in MONITORS}
    return Records(
        tables[fields.PREDICTIONS][0],
        tables[fields.FEEDBACK][0],
        tables[fields.REFUSALS][0],
        sum(len(paths) for paths in grouped.values()),
        read=sum(count for _, count, _ in tables.values()),
        unreadable=sum((skipped for _, _, skipped in tables.values()), Unreadable()),
        shadow=tables[fields.SHADOW][0],
    )
