"""Stage `prepare`: the pipeline's validation stage, then the seeded, stratified split.

DVC deletes a stage's outputs before it runs the stage. So the first stage checks
everything the later ones would refuse — every section of params.yaml they read, each
candidate's grid against its scikit-learn model, the raw data against the contract,
whether both splits and every cross-validation fold can hold each class, and with
`compute.backend: dask` whether the cluster answers — before it writes anything, and
its own outputs live only in the DVC cache. Whichever command
runs the pipeline (`make run`, `dvc repro`, `dvc exp run`), a mistake stops it here
with one line, and the committed results (dvc.lock, reports/) stay as they were.
"""

import logging
from dataclasses import dataclass
from typing import Any

import pandas as pd

from classifier.contracts.errors import UserError
from classifier.contracts.labels import label_text
from classifier.contracts.params import PARAMS_FILE, Params, load_params
from classifier.contracts.quality import phrase
from classifier.stages.candidates import candidate_problems
from classifier.stages.compute import reachable
from classifier.stages.data import COLUMNS, DROPPED, cv_problems, load_raw, split, summarize
from classifier.stages.quality import data_warnings
from classifier.tools.files import write_json, write_parquet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """The validated split and its summary: everything prepare writes, nothing written yet."""

    train: pd.DataFrame
    test: pd.DataFrame
    summary: dict[str, Any]


def prepare(params: Params) -> Prepared:
    """Validate params and data (dropping identical rows if allowed), then split.

    Args:
        params: the validated params.yaml.

    Returns:
        The training and test splits, and the data summary (rows, class balance, missing
        values, dropped duplicates and data-quality warnings) that prepare writes.

    Raises:
        UserError: one line saying what to fix, before anything is written.
    """
    problems = candidate_problems(params.train.candidates)
    if problems:
        raise UserError(f"{PARAMS_FILE}: " + "; ".join(problems))
    raw = load_raw(params.paths.raw_data, params.data)
    train, test = split(raw, params.data, params.split)
    problems = cv_problems(train[params.data.target], params.train.cv_folds)
    if problems:
        raise UserError(f"{params.paths.raw_data}: " + "; ".join(problems))
    reachable(params.compute)
    summary = summarize(raw, train, test, params.data)
    columns = raw.attrs.get(COLUMNS, list(raw.columns))
    summary["warnings"] = data_warnings(
        raw, columns, train, test, params.data, params.train.cv_folds
    )
    return Prepared(train, test, summary)


def warnings(params: Params, prepared: Prepared) -> list[str]:
    """The data-quality warnings as lines for the terminal, the file named."""
    return [
        f"warning: {params.paths.raw_data}: {phrase(found, repr)}"
        for found in prepared.summary["warnings"]
    ]


def describe(params: Params, prepared: Prepared) -> str:
    """One line saying what was validated and what the run will do."""
    positive, classes = params.data.positive, params.data.classes
    target = (
        f"{len(classes)} classes"
        if positive is None
        else f"binary target, positive class '{label_text(positive)}'"
    )
    dropped = prepared.summary["rows"][DROPPED]
    repeats = f" ({dropped} identical rows dropped: data.duplicates)" if dropped else ""
    return (
        f"params.yaml and {params.paths.raw_data} are valid: {len(prepared.train)} training "
        f"and {len(prepared.test)} test rows{repeats}, {target}, "
        f"{len(params.train.candidates)} candidates"
    )


def main(argv: list[str]) -> None:
    """Validate; then write the train/test Parquet files and the data summary."""
    params = load_params()
    prepared = prepare(params)
    log.info("%s", describe(params, prepared))
    for line in warnings(params, prepared):
        log.warning("%s", line)
    write_parquet(params.paths.train_data, prepared.train)
    write_parquet(params.paths.test_data, prepared.test)
    write_json(params.paths.data_report, prepared.summary)
