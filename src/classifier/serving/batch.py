"""`make predict IN=… OUT=…`: score a CSV or Parquet file of any size, chunk by chunk.

Each row is checked by the rules of `POST /predict` (the feature schema stored with the
model: numbers within range, categories seen in training, missing values only where
the contract allows them): checked for all rows at once with NumPy, and a row that
fails is then put through the service's own request type, so its reason is the very
message `/predict` would answer. Good rows are scored with the model, bad ones go to a
rejects file with their reason; neither stops the run.

The output holds the id columns (`--id`, default the row number `row`), `label` and
one `probability.<class>` per class, in the contract's class order. It is written to a
temporary file beside it and moved into place (uploaded, for a URL) only when every
row is done: a failure or Ctrl-C leaves no output. Memory stays flat: one chunk at a
time is read, scored and appended.

The model comes from the working tree (`models/model.joblib`, with the schema computed
from params.yaml and the training split), from the BentoML store by tag, or, in the
image, from the bento the image serves (`docker run IMAGE predict …`). With
`--records`, the predictions are also written as the service's records, so
`make monitor` watches a nightly batch like live traffic.
"""

import argparse
import contextlib
import logging
import os
import re
import secrets
import signal
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ValidationError

from classifier.contracts.categories import BOOLEAN
from classifier.contracts.categories import text as category_text
from classifier.contracts.csvfields import Ragged, ragged_rows
from classifier.contracts.errors import UserError
from classifier.contracts.features import CsvDialect, FeatureSchema
from classifier.contracts.labels import label_text
from classifier.contracts.locations import records_location
from classifier.serving import api, records
from classifier.serving.arrays import array_model

log = logging.getLogger(__name__)

MODEL = os.environ.get("CLASSIFIER_MODEL", "models/model.joblib")
CHUNK_ROWS = 100_000
RECORD_ROWS = 1_000  # rows per record line, as a 1,000-row request would be recorded
FORMATS = (".csv", ".parquet")


@dataclass(frozen=True)
class Scorer:
    """A model with the schema its inputs are checked against, and how to name it."""

    model: Any
    schema: FeatureSchema
    tag: str

    @property
    def features(self) -> list[str]:
        return self.schema.features


def load_scorer(source: str, recorded: bool = False) -> Scorer:
    """A model file (the working tree's, with params.yaml) or a BentoML model tag.

    With `recorded`, a model file the last `make bento` stored is named by its tag, so
    monitoring judges its records as that model's (not "another model's")."""
    if source.endswith(".joblib") or Path(source).is_file():
        return _from_file(Path(source), recorded)
    return _from_store(source)


def _from_file(path: Path, recorded: bool) -> Scorer:
    import joblib

    from classifier.contracts.params import load_params
    from classifier.serving.bento import feature_schema

    if not path.is_file():
        raise UserError(f"{path} not found; run `make run` (or `dvc pull`) first")
    params = load_params()
    train_path = params.paths.train_data
    if not train_path.is_file():
        raise UserError(f"{train_path} not found; run `make run` (or `dvc pull`) first")
    model = joblib.load(path)
    schema = feature_schema(model, params.data, pd.read_parquet(train_path))
    return Scorer(model, schema, _file_tag(path) if recorded else str(path))


def _file_tag(path: Path) -> str:
    """How records name a model file: the stored model's tag when the last `make bento`
    stored these very bytes (so `make monitor` judges them as that model), else the path."""
    import bentoml

    from classifier.contracts.files import read_json  # not in the bento: a checkout's path
    from classifier.serving.artifacts import BENTO_INFO

    try:
        tag = read_json(BENTO_INFO)["model"]
        stored = Path(bentoml.models.get(tag).path_of(api.MODEL_FILE))
        same = stored.read_bytes() == path.read_bytes()
    except (OSError, KeyError, TypeError, ValueError, bentoml.exceptions.NotFound):
        return str(path)
    return str(tag) if same else str(path)


def _from_store(tag: str) -> Scorer:
    import bentoml
    import joblib

    try:
        stored = bentoml.models.get(tag)
    except (bentoml.exceptions.NotFound, ValueError) as err:
        raise UserError(
            f"model {tag!r}: not a model file and not in the BentoML store ({err}); "
            "`bentoml models list` shows the store"
        ) from None
    model = joblib.load(stored.path_of(api.MODEL_FILE))
    metadata: dict[str, Any] = dict(stored.info.metadata)
    schema = FeatureSchema.from_json(metadata["features"], metadata.get("csv"))
    return Scorer(model, schema, str(stored.tag))


# ---- reading ----


def _format(location: str, role: str) -> str:
    suffix = Path(location.split("?")[0]).suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{location}: the {role} must be a .csv or .parquet file")
    return suffix


def ragged(location: str, dialect: CsvDialect) -> list[Ragged]:
    """A CSV file's rows with another number of fields than its header (a second read)."""
    if _format(location, "input") != ".csv":
        return []
    try:
        with fsspec.open(location, "rb") as stream:
            return ragged_rows(stream, dialect.sep)
    except OSError:
        return []  # the reading proper says what is wrong


def chunks(
    location: str,
    columns: list[str],
    dialect: CsvDialect,
    rows: int,
    skip: frozenset[int] = frozenset(),
) -> Iterator[pd.DataFrame]:
    """The file's `columns` in chunks of `rows` rows (CSV cells as text, NA as missing);
    `skip` names CSV rows (the header is 0) that are not read."""
    kind = _format(location, "input")
    try:
        with fsspec.open(location, "rb") as stream:
            if kind == ".parquet":
                table = pq.ParquetFile(stream)
                _check_columns(location, table.schema_arrow.names, columns)
                for batch in table.iter_batches(batch_size=rows, columns=columns):
                    yield batch.to_pandas()
                return
            header = pd.read_csv(stream, sep=dialect.sep, nrows=0).columns.tolist()
            _check_columns(location, header, columns)
            stream.seek(0)
            yield from pd.read_csv(
                stream,
                sep=dialect.sep,
                dtype=str,
                keep_default_na=False,
                na_values=list(dialect.na_values),
                usecols=columns,
                chunksize=rows,
                skiprows=sorted(skip) or None,
            )
    except FileNotFoundError:
        raise UserError(f"{location}: no such file") from None
    except PermissionError as err:
        raise UserError(f"{location}: access refused ({err})") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pa.ArrowException) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"{location}: cannot be read as {kind[1:]} ({first})") from None


def _check_columns(location: str, found: list[str], needed: list[str]) -> None:
    missing = [c for c in needed if c not in found]
    if missing:
        raise UserError(f"{location}: no column {', '.join(map(repr, missing))}")


# ---- checking ----


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


def verdicts(rows: pd.DataFrame, Row: type[BaseModel], schema: FeatureSchema) -> list[Any]:
    """For each row, the service's request type's verdict: the row as it parsed it, or why
    `/predict` would refuse it (a one-line reason)."""
    found: list[Any] = []
    for _, row in rows.iterrows():
        try:
            found.append(Row.model_validate(request_row(row, schema)))
        except ValidationError as err:
            found.append(api.error_line(err.errors(include_url=False)))  # type: ignore[arg-type]
    return found


def judge(
    chunk: pd.DataFrame, schema: FeatureSchema, Row: type[BaseModel]
) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Model input columns, which rows to score, and why each other row is refused."""
    columns, flagged = check(chunk, schema)
    keep = ~flagged
    if not flagged.any():
        return columns, keep, []
    # The request type decides; what it accepts is scored as it parsed it.
    where = np.flatnonzero(flagged)
    found = verdicts(chunk.iloc[where], Row, schema)
    accepted = [(i, v) for i, v in zip(where, found, strict=True) if not isinstance(v, str)]
    if accepted:
        at = [i for i, _ in accepted]
        for name, values in api.rows_columns([v for _, v in accepted], schema).items():
            columns[name][at] = values
        keep[at] = True
    return columns, keep, [v for v in found if isinstance(v, str)]


# ---- writing ----


class Output:
    """A table written chunk by chunk to a temporary file, moved to `location` at the end."""

    def __init__(self, location: str, kind: str, folder: Path) -> None:
        self.location, self.kind = location, kind
        handle, name = tempfile.mkstemp(prefix=".predict-", suffix=kind, dir=folder)
        os.close(handle)
        self.temp = Path(name)
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self.kind == ".parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.temp, table.schema)
            self.writer.write_table(table.cast(self.writer.schema))
        else:
            safe = spreadsheet_safe(frame)
            safe.to_csv(self.temp, mode="a", header=self.rows == 0, index=False)
        self.rows += len(frame)

    def finish(self, empty: pd.DataFrame) -> None:
        """Move the file into place (`empty` gives the columns when no row was written)."""
        if self.rows == 0:
            self.write(empty)
        if self.writer is not None:
            self.writer.close()
        fs, path = fsspec.core.url_to_fs(self.location)
        if isinstance(fs, fsspec.implementations.local.LocalFileSystem):
            # mkstemp made it 0600; the output gets a new file's usual mode (umask applied).
            os.chmod(self.temp, 0o666 & ~_umask())
            os.replace(self.temp, path)
        else:
            fs.put_file(str(self.temp), path)  # the object appears whole, or not at all

    def discard(self) -> None:
        """Remove the temporary file (if it was not moved into place)."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        self.temp.unlink(missing_ok=True)


# OWASP's advice on CSV injection: a text cell that a spreadsheet would read as a
# formula (starting with = + - @, a tab or a carriage return) gets a leading quote.
# Numbers, and text that is a number (an id "-15", "+3.5e2"), are left as they are.
FORMULA = re.compile(r"[=+\-@\t\r]")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every formula-like text cell quoted; other cells untouched."""
    out = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):  # the label: quote its categories
            # Labels spelled as everywhere else: booleans `true`/`false`, not Python's.
            names = pd.Series([label_text(c) for c in column.cat.categories], dtype=object)
            out[name] = column.cat.rename_categories(_quoted(names, names).tolist())
        elif column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = _quoted(column, column.astype("string").fillna(""))
    return out


def _quoted(column: pd.Series, text: pd.Series) -> pd.Series:
    risky = (text.str.match(FORMULA) & ~text.str.fullmatch(NUMBER)).to_numpy(dtype=bool)
    return column.where(~risky, "'" + text.astype(object)) if risky.any() else column


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _staging(location: str) -> Path:
    """Where the temporary file goes: beside a local output (same disk), else tmp."""
    fs, path = fsspec.core.url_to_fs(location)
    if isinstance(fs, fsspec.implementations.local.LocalFileSystem):
        folder = Path(path).parent
        if not folder.is_dir():
            raise UserError(f"{location}: no folder {folder} to write into")
        return folder
    return Path(tempfile.gettempdir())


def rejects_location(output: str) -> str:
    stem, _ = os.path.splitext(output)
    return f"{stem}.rejects.csv"


class Recorder:
    """The predictions as the service's records (`make monitor` reads them)."""

    def __init__(self, folder: str, scorer: Scorer) -> None:
        import bentoml

        from classifier.serving import streams

        options = {"log_path": folder}
        self.monitor = lambda: bentoml.monitor(records.PREDICTIONS, streams.TYPE, options)
        self.scorer, self.run, self.count = scorer, secrets.token_hex(4), 0

    def write(self, good: pd.DataFrame, scored: pd.DataFrame) -> None:
        schema = self.scorer.schema
        rows = [request_row(r, schema) for _, r in good.iterrows()]
        classes = [label_text(c) for c in schema.classes]
        answers = [
            {"label": label, "probabilities": {c: p[f"probability.{c}"] for c in classes}}
            for label, (_, p) in zip(scored["label"].tolist(), scored.iterrows(), strict=True)
        ]
        for start in range(0, len(rows), RECORD_ROWS):
            part = slice(start, start + RECORD_ROWS)
            request = f"batch-{self.run}-{self.count:08d}"
            record = records.prediction_record(
                request,
                self.scorer.tag,
                rows[part],
                answers[part],
                self.scorer.features,
                set(schema.numeric),
            )
            with self.monitor() as monitor:
                records.log(monitor, record)
            self.count += 1


# ---- overlapping input and output with scoring ----


def prefetched(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The next chunk is read (Arrow releases the GIL) while this one is scored."""
    with ThreadPoolExecutor(1, thread_name_prefix="read") as pool:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk


class Behind:
    """Writes done in order on one thread, at most one waiting: memory stays flat."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="write")
        self.last: Future[None] | None = None

    def write(self, out: "Output", frame: pd.DataFrame) -> None:
        self.wait()
        self.last = self.pool.submit(out.write, frame)

    def wait(self) -> None:
        if self.last is not None:
            self.last.result()  # a failed write stops the run here
            self.last = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.wait()
        self.pool.shutdown()


# ---- scoring ----


def score(scorer: Scorer, columns: dict[str, np.ndarray], fast: Any) -> pd.DataFrame:
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


class RowNumbers:
    """Each read row's number in the file (0 = first data row), around the rows skipped."""

    def __init__(self, skipped: list[int]) -> None:
        ordered = np.sort(np.asarray(skipped, dtype="int64"))
        # The count of read rows before each skipped one: where it would have sat.
        self.gaps = ordered - np.arange(len(ordered))

    def of(self, first: int, count: int) -> pd.Index:
        """The file's row numbers of read rows `first` .. `first + count - 1`."""
        read = np.arange(first, first + count)
        return pd.Index(read + np.searchsorted(self.gaps, read, side="right"))


def _until(unread: list[tuple[int, str]], last: int) -> tuple[list[tuple[int, str]], list]:
    """(ragged rows up to row `last`, the ones after it)."""
    split = next((i for i, (row, _) in enumerate(unread) if row > last), len(unread))
    return unread[:split], unread[split:]


def _no_rows(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ["row", "reason", *columns]})
    return frame.loc[:, ~frame.columns.duplicated()]


def _with_unread(lost: pd.DataFrame, unread: list[tuple[int, str]]) -> pd.DataFrame:
    """Refused rows with the ragged ones among them (no values: they could not be read)."""
    if not unread:
        return lost
    rows = pd.DataFrame({"row": [r for r, _ in unread], "reason": [w for _, w in unread]})
    both = pd.concat([lost, rows.astype(object)], ignore_index=True)[list(lost.columns)]
    return both.sort_values("row", kind="stable", ignore_index=True)


def _lines(refused: pd.DataFrame, lines: bool) -> pd.DataFrame:
    """A CSV input's refused rows also by file line, as `make check` names them (the
    header is line 1); `row` stays the 0-based number the output's rows carry."""
    if lines:
        refused.insert(1, "line", pd.to_numeric(refused["row"]) + 2, allow_duplicates=True)
    return refused.loc[:, ~refused.columns.duplicated()]


def empty_scores(scorer: Scorer, ids: list[str]) -> pd.DataFrame:
    """The output's columns, for a file without a row to score."""
    columns = {c: pd.Series(dtype=object) for c in ids or ["row"]}
    columns["label"] = pd.Series(dtype=object)
    for c in scorer.schema.classes:
        columns[f"probability.{label_text(c)}"] = pd.Series(dtype="float64")
    return pd.DataFrame(columns)


def predict(
    source: str,
    output: str,
    scorer: Scorer,
    ids: list[str],
    rejects: str,
    recorder: Recorder | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[int, int]:
    """Score `source` into `output`, bad rows into `rejects`: (scored, rejected) rows."""
    kind = _format(output, "output")
    Row = api.row_model(scorer.schema)
    fast = array_model(scorer.model, scorer.schema)
    needed = list(dict.fromkeys([*ids, *scorer.features]))
    scores = Output(output, kind, _staging(output))
    refusals = Output(rejects, ".csv", _staging(rejects))
    cut = ragged(source, scorer.schema.csv)
    rows = RowNumbers([r.number - 2 for r in cut])
    unread = [(r.number - 2, r.reason) for r in cut]  # data row (0-based), reason
    first, behind = 0, Behind()
    lines = _format(source, "input") == ".csv"
    try:
        skip = frozenset(r.number - 1 for r in cut)
        for chunk in prefetched(chunks(source, needed, scorer.schema.csv, chunk_rows, skip)):
            chunk.index = rows.of(first, len(chunk))
            first += len(chunk)
            columns, keep, why = judge(chunk, scorer.schema, Row)
            front = chunk[ids] if ids else pd.DataFrame({"row": chunk.index}, index=chunk.index)
            if keep.any():
                kept = columns if keep.all() else {k: v[keep] for k, v in columns.items()}
                answers = score(scorer, kept, fast)
                behind.write(
                    scores, pd.concat([front[keep].reset_index(drop=True), answers], axis=1)
                )
                if recorder is not None:
                    recorder.write(chunk[keep], answers)
            passed, unread = _until(unread, chunk.index[-1] if len(chunk) else -1)
            if why or passed:
                lost = chunk[~keep].astype(object)
                lost.insert(0, "reason", why, allow_duplicates=True)
                lost.insert(0, "row", chunk.index[~keep], allow_duplicates=True)
                lost = lost.loc[:, ~lost.columns.duplicated()]
                behind.write(refusals, _lines(_with_unread(lost, passed), lines))
        if unread:  # ragged rows after the last row read
            behind.write(refusals, _lines(_with_unread(_no_rows(needed), unread), lines))
        behind.wait()
        scores.finish(empty_scores(scorer, ids))
        if refusals.rows:
            refusals.finish(pd.DataFrame())
    finally:
        behind.close()
        scores.discard()
        refusals.discard()
    return scores.rows, refusals.rows


def main(argv: list[str]) -> None:
    """`classifier predict IN OUT [--model M] [--id COLUMN]… [--rejects FILE] [--records DIR]`."""
    parser = argparse.ArgumentParser(prog="classifier predict", description=__doc__.splitlines()[0])
    parser.add_argument("input", metavar="IN", help="CSV or Parquet: a path or an fsspec URL")
    parser.add_argument("output", metavar="OUT", help="where the scores go: .parquet or .csv")
    parser.add_argument("--model", default=MODEL, help=f"model file or BentoML tag ({MODEL})")
    parser.add_argument("--id", action="append", default=[], help="id column to keep (repeat)")
    parser.add_argument("--rejects", help="rejected rows and why (default: OUT's .rejects.csv)")
    parser.add_argument("--records", help="also write the predictions as monitoring records here")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows per chunk")
    args = parser.parse_args(argv[1:])
    if not args.input or not args.output:
        raise UserError("say what to score and where: make predict IN=rows.csv OUT=scores.parquet")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `docker stop`: as Ctrl-C
    started = time.perf_counter()
    scorer = load_scorer(args.model, recorded=args.records is not None)
    rejects = args.rejects or rejects_location(args.output)
    recorder = Recorder(records_location(args.records), scorer) if args.records else None
    scored, rejected = predict(
        args.input, args.output, scorer, args.id, rejects, recorder, args.chunk_rows
    )
    where = f" (reasons in {rejects})" if rejected else ""
    log.info(
        "%s: scored %s rows, rejected %s%s, with %s in %.1f s",
        args.output,
        f"{scored:,}",
        f"{rejected:,}",
        where,
        scorer.tag,
        time.perf_counter() - started,
    )
