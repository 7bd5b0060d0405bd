"""Champion and challenger on the same rows: main's model scored on the PR's test split.

main's model is read through DVC at the base revision, as every other file of main is.
It must not be judged on rows it trained on: where the data or the split changed, some
of the PR's test rows may sit in main's training split, which would flatter it. Those
rows (matched by content: the target and main's features) are left out and counted.

Everything here is optional evidence: when main's model, its training split or a
column it needs cannot be read, the paired view is unavailable and the reason says
why, in one line; the report then falls back to the point values.
"""

import io
import logging
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from dvc.exceptions import DvcException
from pydantic import ValidationError

from classifier.contracts.errors import UserError
from classifier.contracts.labels import label_text
from classifier.contracts.metrics import metrics_for
from classifier.contracts.params import DataContract, Params, Split
from classifier.report.cost import Cost, latency, size_mb
from classifier.report.gates import Evidence
from classifier.report.revision import Reader, Revision, Side, WorkingTree
from classifier.stages.data import parse_raw, split
from classifier.statistics.drift import MISSING
from classifier.statistics.paired import Result, Sample, Scored, bootstrap, mcnemar

log = logging.getLogger(__name__)

FLIPS_SHOWN = 20
CALIBRATION_BINS = 10


class Unpaired(Exception):
    """Why main's model cannot be scored on the PR's rows (one line)."""


@dataclass
class Flips:
    """How the two models' answers differ on the same rows."""

    changed: int
    fixed: int  # wrong on main, right in the PR
    broken: int  # right on main, wrong in the PR
    p_value: float
    shown: list[dict[str, Any]] = field(default_factory=list)  # broken rows, features and both


@dataclass
class Paired:
    """The paired evidence, or why there is none."""

    why: str | None = None
    quiet: bool = False  # no paired view is expected (no baseline, another contract)
    test_rows: int = 0  # the PR's test split
    trained_on: int = 0  # of those, rows main trained on (left out)
    unmatched: int = 0  # rows whose main-only columns could not be found
    result: Result | None = None
    flips: Flips | None = None
    base_alone: Result | None = None  # main's model on main's own test split
    head_alone: Result | None = None  # the PR's model on its whole test split
    reliability: dict[str, list[tuple[float, float, int]]] = field(default_factory=dict)
    slice_features: dict[str, str] = field(default_factory=dict)  # slice -> feature
    cost: Cost | None = None  # model sizes, and latency when measured

    @property
    def rows(self) -> int:
        """The rows both models are judged on."""
        return self.result.rows if self.result else 0

    def gate_evidence(self) -> Evidence:
        """What the gate judges by."""
        own = self.head_alone or self.result
        return Evidence(
            paired=self.result,
            head=own.metrics["head"] if own else {},
            costs=self.cost.values() if self.cost else {},
        )


def paired(root: Path, base_rev: str, params: Params, base: Side, head: Side) -> Paired:
    """Score both models on the PR's test rows main did not train on, and resample.

    Never raises for missing or unusable evidence: the reason is in `why`.
    """
    try:
        return _paired(root, base_rev, params, base, head)
    except Unpaired as reason:
        log.info("paired view unavailable: %s", reason)
        return Paired(why=str(reason))


def _paired(root: Path, base_rev: str, params: Params, base: Side, head: Side) -> Paired:
    tree, revision = WorkingTree(root), Revision(root, base_rev)
    head_bytes = _read(tree, head.paths.model, "the PR's model")
    base_bytes = _read(revision, base.paths.model, f"{base_rev}'s model")
    head_model = _load(head_bytes, head.paths.model, "the PR's model")
    base_model = _load(base_bytes, base.paths.model, f"{base_rev}'s model")
    test = _parquet(tree, head.paths.test_data, "the PR's test split")
    rows = _with_columns(test, base, head, tree)
    wanted = [base.contract.target, *base.contract.features]
    trained = _trained_rows(revision, base, base_rev)
    seen = np.isin(row_keys(rows, wanted), row_keys(trained, wanted))
    usable = rows[~seen & rows["__matched"].to_numpy()].reset_index(drop=True)
    outcome = Paired(
        test_rows=len(test),
        trained_on=int(seen.sum()),
        unmatched=int((~rows["__matched"]).sum()),
    )
    confidence, resamples = params.gates.confidence, params.report.resamples
    if usable.empty:  # every test row was main's to learn: nothing to judge it on
        outcome.result = Result(0, resamples, confidence, {"base": {}, "head": {}})
        return outcome
    contract = params.data
    codes = {label_text(c): i for i, c in enumerate(contract.classes)}
    truth = _codes(usable[contract.target], codes, "the PR's test split")
    base_scored = _score(base_model, base.contract, usable, codes, f"{base_rev}'s model")
    head_scored = _score(head_model, contract, usable, codes, "the PR's model")
    positive = None if contract.positive is None else codes[label_text(contract.positive)]
    slices, features = _slices(usable, params)
    sample = Sample(
        truth=truth,
        classes=len(codes),
        models={"base": base_scored, "head": head_scored},
        positive=positive,
        slices=slices,
    )
    outcome.result = bootstrap(sample, _metrics(params), confidence, resamples)
    outcome.flips = _flips(usable, truth, base_scored, head_scored, contract, list(codes))
    outcome.reliability = {
        name: reliability(truth, scored) for name, scored in sample.models.items()
    }
    outcome.slice_features = features
    outcome.cost = Cost(size_mb={"base": size_mb(base_bytes), "head": size_mb(head_bytes)})
    if params.report.latency or "latency_ratio" in params.gates.at_most:
        X_base, _ = base.contract.model_inputs(usable)
        X_head, _ = contract.model_inputs(usable)
        outcome.cost.latency_ms = latency(
            {"base": (base_model, X_base), "head": (head_model, X_head)}
        )
    if _split_moved(base, head, params):
        outcome.base_alone = _alone(
            revision, base.paths.test_data, base.contract, base_model, "base", params
        )
    if outcome.rows != len(test):
        outcome.head_alone = _alone(
            tree, head.paths.test_data, contract, head_model, "head", params
        )
    return outcome


def head_cost(root: Path, head: Side) -> Cost | None:
    """The PR's model size alone (no paired view: nothing to time it against)."""
    try:
        content = _read(WorkingTree(root), head.paths.model, "the PR's model")
    except Unpaired:
        return None
    return Cost(size_mb={"head": size_mb(content)})


def head_intervals(root: Path, params: Params, head: Side, found: Paired) -> Result | None:
    """The PR's model on its whole test split (when the paired view does not cover it)."""
    if found.result is not None and found.rows == found.test_rows:
        return None
    tree = WorkingTree(root)
    try:
        model = _model(tree, head.paths.model, "the PR's model")
    except Unpaired:
        return None
    return _alone(tree, head.paths.test_data, params.data, model, "head", params)


def _metrics(params: Params) -> list[str]:
    return metrics_for(len(params.data.classes))


def _model(reader: Reader, path: Path, what: str) -> Any:
    return _load(_read(reader, path, what), path, what)


def _load(content: bytes, path: Path, what: str) -> Any:
    try:
        return joblib.load(io.BytesIO(content))
    except Exception as err:
        raise Unpaired(f"{what} ({path}) cannot be loaded: {type(err).__name__}: {err}") from err


def _read(reader: Reader, path: Path, what: str) -> bytes:
    try:
        content = reader.read(path)
    except (DvcException, OSError) as err:
        raise Unpaired(f"{what} ({path}) is in no DVC cache here ({type(err).__name__})") from err
    if content is None:
        raise Unpaired(f"{what} ({path}) does not exist")
    return content


def _parquet(reader: Reader, path: Path, what: str) -> pd.DataFrame:
    content = _read(reader, path, what)
    try:
        return pd.read_parquet(io.BytesIO(content))
    except Exception as err:
        raise Unpaired(f"{what} ({path}) cannot be read: {type(err).__name__}") from err


def row_keys(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row of `columns`, the same for the same content whatever the
    column's dtype (numbers as floats, everything else as text, missing as missing)."""
    normal: dict[str, pd.Series] = {}
    for column in columns:
        cells = frame[column]
        if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
            normal[column] = cells.astype("float64")
        else:
            normal[column] = cells.astype(str).where(cells.notna().to_numpy(), "\0missing")
    table = pd.DataFrame(normal, index=range(len(frame)))
    return pd.util.hash_pandas_object(table, index=False).to_numpy()


def _with_columns(test: pd.DataFrame, base: Side, head: Side, tree: WorkingTree) -> pd.DataFrame:
    """The PR's test rows with every column main's model reads (`__matched`: found)."""
    missing = [f for f in base.contract.features if f not in test.columns]
    if not missing:
        return test.assign(__matched=True)
    # A feature the PR dropped: read it from the PR's raw data under main's contract,
    # and join on the columns both sides have.
    content = _read(tree, head.paths.raw_data, "the PR's raw data")
    contract = base.contract.model_copy(update={"duplicates": "keep"})
    try:
        raw = parse_raw(content, f"PR:{head.paths.raw_data}", contract)
    except UserError as err:
        raise Unpaired(
            f"main's model reads {', '.join(missing)}, not in the PR's data ({err})"
        ) from err
    shared = [base.contract.target] + [f for f in head.contract.features if f in raw.columns]
    table = raw.assign(__key=row_keys(raw, shared)).drop_duplicates("__key")
    extra = table.set_index("__key")[missing]
    keys = row_keys(test, shared)
    found = pd.Index(extra.index).get_indexer(keys)
    joined = test.copy()
    for column in missing:
        values = extra[column].to_numpy()
        joined[column] = pd.Series(values[found], dtype=extra[column].dtype).where(found >= 0)
    return joined.assign(__matched=found >= 0)


def _trained_rows(revision: Revision, base: Side, base_rev: str) -> pd.DataFrame:
    """main's training split: its DVC output, or the same split made again from main's data."""
    try:
        return _parquet(revision, base.paths.train_data, f"{base_rev}'s training split")
    except Unpaired as unread:
        settings = (base.params or {}).get("split")
        if base.raw is None or not isinstance(settings, dict):
            raise unread
        try:
            train, _ = split(base.raw, base.contract, Split.model_validate(settings))
        except (UserError, ValidationError) as err:
            raise Unpaired(f"{unread}; splitting {base_rev}'s data again failed: {err}") from err
        return train


def _codes(labels: pd.Series, codes: dict[str, int], what: str) -> np.ndarray:
    texts = [label_text(v) for v in labels.tolist()]
    unknown = sorted({t for t in texts if t not in codes})
    if unknown:
        raise Unpaired(f"{what} holds labels outside data.classes: {', '.join(unknown[:5])}")
    return np.array([codes[t] for t in texts], dtype=np.int64)


def _score(
    model: Any, contract: DataContract, rows: pd.DataFrame, codes: dict[str, int], what: str
) -> Scored:
    """The model's classes (as codes) and probabilities (columns in code order)."""
    X, _ = contract.model_inputs(rows)
    try:
        predicted = model.predict(X)
        proba = model.predict_proba(X) if hasattr(model, "predict_proba") else None
    except Exception as err:
        raise Unpaired(f"{what} cannot score the PR's test rows: {type(err).__name__}") from err
    known = [label_text(c) for c in model.classes_]
    if set(known) != set(codes):
        raise Unpaired(f"{what} predicts other classes ({', '.join(known[:5])})")
    order = [known.index(label) for label in codes]
    return Scored(
        _codes(pd.Series(predicted), codes, what), None if proba is None else proba[:, order]
    )


def _slices(rows: pd.DataFrame, params: Params) -> tuple[list[tuple[str, np.ndarray]], dict]:
    """Each categorical value, and quantile bins of report.slices' numeric features."""
    slices: list[tuple[str, np.ndarray]] = []
    features: dict[str, str] = {}
    for feature in params.data.categorical:
        cells = rows[feature].astype(object)
        for value in sorted({str(v) for v in cells.dropna()}):
            name = f"{feature} = {value}"
            slices.append(
                (name, (cells.astype(str) == value).to_numpy() & cells.notna().to_numpy())
            )
            features[name] = feature
        if cells.isna().any():
            name = f"{feature} = {MISSING}"
            slices.append((name, cells.isna().to_numpy()))
            features[name] = feature
    for feature in params.report.slices:
        values = rows[feature].astype("float64")
        finite = values.dropna()
        if finite.empty:
            continue
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, params.report.slice_bins + 1)))
        for low, high in pairwise(edges):
            last = high == edges[-1]
            inside = (values >= low) & ((values <= high) if last else (values < high))
            name = f"{feature} in [{low:.4g}, {high:.4g}{']' if last else ')'}"
            slices.append((name, inside.to_numpy()))
            features[name] = feature
    return slices, features


def _flips(
    rows: pd.DataFrame,
    truth: np.ndarray,
    base: Scored,
    head: Scored,
    contract: DataContract,
    labels: list[str],
) -> Flips:
    right_before, right_after = base.predicted == truth, head.predicted == truth
    broken = np.flatnonzero(right_before & ~right_after)
    fixed = int((~right_before & right_after).sum())
    shown = [
        {
            "features": {f: _cell(rows[f].iloc[i]) for f in contract.features},
            "actual": labels[truth[i]],
            "base": labels[base.predicted[i]],
            "head": labels[head.predicted[i]],
        }
        for i in broken[:FLIPS_SHOWN]
    ]
    return Flips(
        changed=int((base.predicted != head.predicted).sum()),
        fixed=fixed,
        broken=len(broken),
        p_value=mcnemar(len(broken), fixed),
        shown=shown,
    )


def _cell(item: Any) -> Any:
    """A cell as JSON: numbers as numbers, missing as None, anything else as text."""
    if item is None or (isinstance(item, float) and np.isnan(item)) or item is pd.NA:
        return None
    if isinstance(item, (bool, np.bool_)):
        return bool(item)
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, (float, np.floating)):
        return float(item)
    return str(item)


def reliability(truth: np.ndarray, scored: Scored) -> list[tuple[float, float, int]]:
    """Per confidence bin with rows: (mean confidence, accuracy, rows) of the top class."""
    if scored.proba is None or not len(truth):
        return []
    top = scored.proba.argmax(axis=1)
    confidence = scored.proba[np.arange(len(truth)), top]
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    out = []
    for b in range(CALIBRATION_BINS):
        inside = bins == b
        if inside.any():
            right = float((top[inside] == truth[inside]).mean())
            out.append((float(confidence[inside].mean()), right, int(inside.sum())))
    return out


def _split_moved(base: Side, head: Side, params: Params) -> bool:
    split_before = (base.params or {}).get("split")
    return split_before != params.split.model_dump() or _data_moved(base, head)


def _data_moved(base: Side, head: Side) -> bool:
    if base.raw is None or head.raw is None:
        return True
    return not base.raw.equals(head.raw)


def _alone(
    reader: Reader, path: Path, contract: DataContract, model: Any, name: str, params: Params
) -> Result | None:
    """One model on one side's own test split, with intervals ("main as it was")."""
    try:
        test = _parquet(reader, path, f"{reader.label}'s test split")
        codes = {label_text(c): i for i, c in enumerate(contract.classes)}
        truth = _codes(test[contract.target], codes, f"{reader.label}'s test split")
        scored = _score(model, contract, test, codes, f"{reader.label}'s model")
    except Unpaired:
        return None
    positive = contract.positive
    sample = Sample(
        truth=truth,
        classes=len(codes),
        models={name: scored},
        positive=None if positive is None else codes[label_text(positive)],
    )
    return bootstrap(sample, _metrics(params), params.gates.confidence, params.report.resamples)
