"""Load the raw table, hold it to the data contract, split it, and summarise it."""

import csv
import io
from pathlib import Path
from typing import Any, cast

import pandas as pd
import pandera.pandas as pa
from sklearn.model_selection import train_test_split

from classifier.contracts.categories import is_boolean_text
from classifier.contracts.csvfields import ragged_rows
from classifier.contracts.errors import UserError
from classifier.contracts.labels import Label, label_text, parse_label
from classifier.contracts.params import DataContract, Split
from classifier.contracts.schema import MAX_EXAMPLES, contract_schema, line_of, schema_problems
from classifier.tools.dvc_output import not_pulled

OTHER_SEPARATORS = [";", "\t", "|", ","]


def load_raw(path: Path, contract: DataContract) -> pd.DataFrame:
    """Read and validate the raw CSV: typed columns, contract columns only, or a UserError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        pointer = next(
            (p for p in (Path(f"{path}.dvc"), Path(f"{path.parent}.dvc")) if p.exists()), None
        )
        if pointer:
            raise UserError(not_pulled(str(path), str(pointer))) from None
        raise UserError(f"{path}: file not found (params.yaml paths.raw_data)") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, expected a CSV file") from None
    return parse_raw(raw, str(path), contract)


def parse_raw(raw: bytes, name: str, contract: DataContract) -> pd.DataFrame:
    """Validate CSV bytes against the contract; `name` is how messages refer to the file."""
    text = _decode(raw, name)
    _check_header(name, text, contract)
    _check_fields(name, raw, contract)
    frame = _parse(name, text, contract)
    problems = _header_repeats(frame)
    if not problems and contract.target in frame.columns:
        frame, problems = read_target(frame, contract)
    if not problems:
        try:
            frame = contract_schema(contract).validate(frame, lazy=True)
        except pa.errors.SchemaErrors as err:
            problems = schema_problems(err.failure_cases, contract)
    problems = problems or content_problems(frame, contract)
    if problems:
        raise UserError(f"{name}: " + "; ".join(problems))
    dropped = 0
    if contract.duplicates == "drop":
        repeated = repeated_rows(frame)
        dropped = int(repeated.sum())
        frame = frame[~repeated.to_numpy()].reset_index(drop=True)
    header = [str(name) for name in frame.columns]
    frame = spell_booleans(frame[[contract.target, *contract.features]], contract.categorical)
    kind = contract.label_kind
    if kind is not str:  # no missing label is left: the plain dtype of the labels
        frame = frame.astype({contract.target: "int64" if kind is int else "bool"})
    frame.attrs[DROPPED] = dropped  # counted where the user looks: make run, summary, report
    frame.attrs[COLUMNS] = header  # for warnings about data.ignore (stages.quality)
    return frame


def spell_booleans(frame: pd.DataFrame, categorical: list[str]) -> pd.DataFrame:
    """Categoricals holding only true/false (any case; pandas writes `True`) spelled
    `true`/`false`: the one spelling the model, the service and the records share."""
    spelled = {}
    for column in categorical:
        cells = frame[column]
        if is_boolean_text(cells.dropna().unique()):
            spelled[column] = cells.str.strip().str.lower()
    return frame.assign(**spelled) if spelled else frame


def read_target(frame: pd.DataFrame, contract: DataContract) -> tuple[pd.DataFrame, list[str]]:
    """The target column read as the kind of data.classes; cells that cannot be one, named."""
    kind = contract.label_kind
    if kind is str:
        return frame, []
    column = frame[contract.target]
    present = column.notna()
    labels = column[present].map(lambda cell: parse_label(cell, kind))
    bad = labels[labels.isna()]
    if not bad.empty:
        where = ", ".join(
            f"{column[i]!r} at line {line_of(i)}" for i in bad.index[:MAX_EXAMPLES]
        ) + (f" (+{len(bad) - MAX_EXAMPLES} more)" if len(bad) > MAX_EXAMPLES else "")
        noun = "integers" if kind is int else "true or false"
        return frame, [
            f"column '{contract.target}' must hold class labels like data.classes ({noun}): {where}"
        ]
    typed = pd.Series(pd.NA, index=frame.index, dtype="Int64" if kind is int else "boolean")
    typed[present] = labels.to_numpy()
    return frame.assign(**{contract.target: typed}), []


# How many identical rows `parse_raw` dropped (data.duplicates: drop), on the frame it returns.
DROPPED = "duplicates_dropped"
# The file's header, on the frame `parse_raw` returns (which keeps only target and features).
COLUMNS = "file_columns"


def repeated_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows identical to an earlier one in every column, ids (data.ignore) included: two
    rows that differ only in an id are two observations."""
    # Row hashes treat missing values as equal, as `duplicated` does; `==` would not.
    return pd.util.hash_pandas_object(frame, index=False).duplicated()


def _decode(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise UserError(f"{name}: file is empty; expected a header line and data rows")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        byte = raw[err.start : err.start + 1].hex()
        raise UserError(
            f"{name}: line {line} is not valid UTF-8 (byte 0x{byte}); save the file as UTF-8"
        ) from None


def _check_header(name: str, text: str, contract: DataContract) -> None:
    first_line = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([first_line], delimiter=contract.sep))
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise UserError(f"{name}: the header names column {', '.join(map(repr, repeated))} twice")
    if len(header) == 1:
        for sep in OTHER_SEPARATORS:
            if sep != contract.sep and sep in first_line:
                raise UserError(
                    f"{name}: the header has one column and looks {sep!r}-separated; set "
                    f"data.sep: {sep!r} in params.yaml or save the file {contract.sep!r}-separated"
                )


def _check_fields(name: str, raw: bytes, contract: DataContract) -> None:
    """Every row has as many fields as the header (pandas would fill or cut it silently)."""
    ragged = ragged_rows(raw, contract.sep)
    if ragged:
        lines = "; ".join(f"line {r.number} has {r.fields} fields" for r in ragged[:MAX_EXAMPLES])
        more = f" (+{len(ragged) - MAX_EXAMPLES} more)" if len(ragged) > MAX_EXAMPLES else ""
        raise UserError(
            f"{name}: {lines}{more}, but the header has {ragged[0].expected}; "
            "every row needs one value (or an empty one) per column"
        )


def _parse(name: str, text: str, contract: DataContract) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=contract.sep,
            dtype=str,
            keep_default_na=False,
            na_values=contract.na_values,
        )
    except pd.errors.ParserError as err:
        raise UserError(f"{name}: {_parser_message(err)}") from None
    if frame.empty:
        raise UserError(f"{name}: has a header but no data rows")
    return frame


def _parser_message(err: Exception) -> str:
    text = str(err).strip().splitlines()[-1]
    return text[0].lower() + text[1:] if text else "cannot be parsed as CSV"


def _header_repeats(frame: pd.DataFrame) -> list[str]:
    """A row equal to the header, as when two CSV files are concatenated with `cat`."""
    is_header = (frame == pd.Series(frame.columns, index=frame.columns)).all(axis=1)
    lines = [str(line_of(i)) for i in frame.index[is_header][:MAX_EXAMPLES]]
    return [f"line {', '.join(lines)} repeats the header (were two files joined?)"] if lines else []


def content_problems(frame: pd.DataFrame, contract: DataContract) -> list[str]:
    """Problems a column-by-column schema cannot see: empty features, absent classes, duplicates."""
    problems = [
        f"column '{name}' has no values at all (every row is missing)"
        for name in contract.features
        if frame[name].isna().all()
    ]
    present = set(frame[contract.target].unique())
    listed = ", ".join(label_text(c) for c in contract.classes)
    if len(present) == 1:
        problems.append(
            f"column '{contract.target}' holds only the class '{label_text(present.pop())}'; "
            f"a classifier needs at least two of data.classes ({listed})"
        )
    else:
        absent = [f"'{label_text(c)}'" for c in contract.classes if c not in present]
        if absent:
            problems.append(f"class {', '.join(absent)} of data.classes has no rows")
    if contract.duplicates == "stop":
        problems.extend(_duplicate_problem(frame))
    return problems


def _duplicate_problem(frame: pd.DataFrame) -> list[str]:
    hashes = pd.util.hash_pandas_object(frame, index=False)
    repeated = hashes.duplicated()
    if not repeated.any():
        return []
    first_copy = hashes[repeated].iloc[0]
    lines = " and ".join(str(line_of(i)) for i in hashes.index[hashes == first_copy][:2])
    extra = int(repeated.sum()) - 1
    more = f" (+{extra} more repeated rows)" if extra > 0 else ""
    return [
        f"lines {lines} are identical in every column{more}; remove the copies, or set "
        "data.duplicates: drop (dropped and counted) or keep (genuine repeated observations)"
    ]


def split(
    frame: pd.DataFrame, contract: DataContract, params: Split
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded stratified train/test split; a UserError when a class is too small to stratify."""
    counts = frame[contract.target].value_counts()
    small = counts[counts < 2]
    if not small.empty:
        raise UserError(
            f"class {', '.join(repr(label_text(c)) for c in small.index)} has only one row; "
            "a stratified split needs at least two rows of every class"
        )
    n_test = int(-(-params.test_size * len(frame) // 1))
    if n_test < len(counts) or len(frame) - n_test < len(counts):
        raise UserError(
            f"split.test_size: {params.test_size} gives {n_test} test rows of {len(frame)}; "
            f"both splits need at least one row of each of the {len(counts)} classes"
        )
    train, test = train_test_split(
        frame,
        test_size=params.test_size,
        stratify=frame[contract.target],
        random_state=params.seed,
    )
    # Stratification can still leave a class of very few rows out of one side.
    short = [c for c in counts.index if not (train[contract.target] == c).any()] + [
        c for c in counts.index if not (test[contract.target] == c).any()
    ]
    if short:
        raise UserError(
            f"class {', '.join(repr(label_text(c)) for c in short)} has too few rows to appear "
            f"in both the training and the test split (split.test_size: {params.test_size}); "
            "add rows of it"
        )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def cv_problems(y: pd.Series, folds: int) -> list[str]:
    """Classes too small for stratified k-fold CV."""
    counts = y.value_counts()
    small = counts[counts < folds]
    return [
        f"class '{label_text(cast(Label, label))}' has {count} training rows but "
        f"train.cv_folds is {folds}; lower cv_folds or add rows of that class"
        for label, count in small.items()
    ]


def summarize(
    raw: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, contract: DataContract
) -> dict[str, Any]:
    """Row counts, class balance per split and missing values per feature, for reports/data.json."""
    rows = {
        "raw": len(raw) + raw.attrs.get(DROPPED, 0),
        "duplicates_dropped": raw.attrs.get(DROPPED, 0),
        "train": len(train),
        "test": len(test),
    }
    return {
        "rows": rows,
        "classes": {
            label_text(label): {
                "train": int((train[contract.target] == label).sum()),
                "test": int((test[contract.target] == label).sum()),
            }
            for label in contract.classes
        },
        "missing": {name: int(raw[name].isna().sum()) for name in contract.features},
    }
