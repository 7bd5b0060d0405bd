"""One side of a comparison: the pipeline results in the working tree or at a git revision.

Files at a revision are read through DVC's filesystem, so the raw data is found
whether it is committed to git or tracked by a `.dvc` pointer (then it comes from
the DVC cache or remote). Anything missing becomes None plus a note, never a crash:
the report must explain a broken or empty side, not fail on it.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pandas as pd
from dvc.api import DVCFileSystem
from dvc.exceptions import DvcException
from pydantic import BaseModel, TypeAdapter, ValidationError

from classifier.contracts.errors import UserError
from classifier.contracts.params import PARAMS_FILE, DataContract, Params, Paths
from classifier.contracts.yamlfile import parse_yaml
from classifier.stages.data import parse_raw
from classifier.tools.git import short_sha

Section = TypeVar("Section", Paths, DataContract)


class Reader(Protocol):
    """Reads files of one side; `read` returns None when the file does not exist there."""

    label: str

    def read(self, path: str | Path) -> bytes | None: ...


class WorkingTree:
    """The files as they are on disk."""

    def __init__(self, root: Path, label: str = "working tree"):
        self.root = root
        self.label = label

    def read(self, path: str | Path) -> bytes | None:
        target = self.root / path
        return target.read_bytes() if target.is_file() else None


class Revision:
    """The files at a git revision, DVC-tracked ones included."""

    def __init__(self, root: Path, rev: str):
        self.label = rev
        # DVC's filesystem is lazy: an unknown revision would read as "no files at all".
        if short_sha(root, rev) is None:
            raise UserError(
                f"base revision '{rev}' not found; fetch it (git fetch origin {rev}) "
                "or pass another with --base"
            )
        self.fs = DVCFileSystem(str(root), rev=rev)

    def read(self, path: str | Path) -> bytes | None:
        key = Path(path).as_posix()
        if not self.fs.exists(key):
            return None
        return self.fs.read_bytes(key)


@dataclass
class Side:
    """What one side holds; a None result is explained in `notes`.

    `paths` and `contract` are the side's own when its params.yaml has them, else the
    head's, so a side always says where to look and how to read its data.
    """

    label: str
    paths: Paths
    contract: DataContract
    params: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    per_class: dict[str, Any] | None = None
    cv: dict[str, Any] | None = None
    importance: list[dict[str, Any]] | None = None
    confusion: list[dict[str, Any]] | None = None
    raw: pd.DataFrame | None = None
    summary: dict[str, Any] | None = None  # the data summary prepare wrote (paths.data_report)
    notes: list[str] = field(default_factory=list)


def load_side(reader: Reader, fallback: Params) -> Side:
    """Read params, results and raw data of one side; `fallback` supplies paths a side lacks."""
    notes: list[str] = []
    params = _read_params(reader, notes)
    side = Side(
        label=reader.label,
        paths=_section(params, "paths", Paths) or fallback.paths,
        contract=_section(params, "data", DataContract) or fallback.data,
        params=params,
        notes=notes,
    )
    side.metrics = _read_json(reader, side.paths.metrics, METRICS_SHAPE, notes)
    side.per_class = _read_json(reader, side.paths.per_class, PER_CLASS_SHAPE, notes)
    side.cv = _read_json(reader, side.paths.cv_report, CV_SHAPE, notes)
    side.importance = _read_json(reader, side.paths.importance, IMPORTANCE_SHAPE, notes)
    side.confusion = _read_json(reader, side.paths.confusion, CONFUSION_SHAPE, notes)
    side.summary = _read_summary(reader, side)
    side.raw = _read_raw(reader, side)
    return side


def _read_params(reader: Reader, notes: list[str]) -> dict[str, Any] | None:
    text = reader.read(PARAMS_FILE)
    if text is None:
        notes.append(f"{PARAMS_FILE} is missing at {reader.label}")
        return None
    try:
        parsed = parse_yaml(text.decode("utf-8"), f"{reader.label}:{PARAMS_FILE}")
    except (UserError, UnicodeDecodeError) as err:
        notes.append(str(err))
        return None
    return parsed if isinstance(parsed, dict) else None


def _section(params: dict[str, Any] | None, key: str, model: type[Section]) -> Section | None:
    """A section validated on its own, so an older params.yaml still yields what it can."""
    try:
        return model.model_validate((params or {})[key])
    except (KeyError, ValidationError):
        return None


class _Candidate(BaseModel):
    name: str
    mean: float | None
    std: float | None
    best_params: dict[str, Any]


class _Sample(BaseModel):
    rows: int
    of: int


class _CV(BaseModel):
    scoring: str
    cv_folds: int
    best: str
    candidates: list[_Candidate]
    sample: _Sample | None = None


class _Importance(BaseModel):
    feature: str
    mean: float
    std: float


class _Cell(BaseModel):
    actual: bool | int | str
    predicted: bool | int | str
    count: int


# The shape each results file must have to be read (extra keys are allowed).
METRICS_SHAPE: TypeAdapter[Any] = TypeAdapter(dict[str, float | None])
PER_CLASS_SHAPE: TypeAdapter[Any] = TypeAdapter(dict[str, dict[str, float | None]])
CV_SHAPE: TypeAdapter[Any] = TypeAdapter(_CV)
IMPORTANCE_SHAPE: TypeAdapter[Any] = TypeAdapter(list[_Importance])
SUMMARY_SHAPE: TypeAdapter[Any] = TypeAdapter(dict[str, Any])
CONFUSION_SHAPE: TypeAdapter[Any] = TypeAdapter(list[_Cell])


def _read_json(reader: Reader, path: Path, expected: TypeAdapter[Any], notes: list[str]) -> Any:
    """A results file's JSON; None, with a note naming the file, when it is absent or unreadable.

    The other side still renders: one malformed file (not JSON, or not the shape the
    pipeline writes) costs its own section, never the report.
    """
    content = reader.read(path)
    if content is None:
        return None
    where = f"{reader.label}:{path}"
    try:
        data = json.loads(content)
        expected.validate_python(data, strict=False)
    except (ValueError, RecursionError) as err:  # JSONDecodeError, UnicodeDecodeError
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        notes.append(f"{where} is not a results file this report can read ({reason}); ignored")
        return None
    return data


def _read_summary(reader: Reader, side: Side) -> dict[str, Any] | None:
    """The data summary: a DVC output, so a revision's may not be in any cache (None)."""
    try:
        return _read_json(reader, side.paths.data_report, SUMMARY_SHAPE, side.notes)
    except (DvcException, OSError):
        return None


def _read_raw(reader: Reader, side: Side) -> pd.DataFrame | None:
    path = side.paths.raw_data
    try:
        content = reader.read(path)
    except (DvcException, OSError) as err:
        side.notes.append(f"{side.label}:{path} could not be read ({err})")
        return None
    if content is None:
        side.notes.append(f"{side.label}:{path} does not exist")
        return None
    try:
        return parse_raw(content, f"{side.label}:{path}", side.contract)
    except UserError as err:
        side.notes.append(str(err))
        return None
