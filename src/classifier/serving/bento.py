"""`make bento`: put the trained model in the BentoML store with its metadata, build the bento.

The metadata carries everything the service derives its types from (the feature
schema with the categories seen in training) and what /metadata reports (git
commit, params, test-set metrics). The build's tags are written to build/bento.json
for the steps that follow (serve, smoke test, containerize).
"""

import json
import logging
import math
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bentoml
import joblib
import pandas as pd
from sklearn.pipeline import Pipeline

from classifier.contracts.categories import Category, typed
from classifier.contracts.errors import UserError
from classifier.contracts.features import CsvDialect, FeatureSchema
from classifier.contracts.labels import Label, label_text
from classifier.contracts.params import PARAMS_FILE, DataContract, Params, load_params
from classifier.contracts.yamlfile import read_yaml
from classifier.serving import messages
from classifier.serving.artifacts import BENTO_INFO, REFERENCE
from classifier.statistics.drift import reference
from classifier.tools.files import read_json, write_json
from classifier.tools.git import commit_sha

log = logging.getLogger(__name__)

BENTOFILE = Path("bentofile.yaml")
BUILD_CONTEXT = Path("src")
REQUIREMENTS = Path("build/bento-requirements.txt")  # `uv export --only-group serve`
REFERENCE_FILE = "reference.json"  # in the stored model's folder


def numeric_ranges(train: pd.DataFrame, columns: list[str]) -> dict[str, list[float]]:
    """Accepted range per number: what training saw, widened by its span on each side.

    Far outside it, a model extrapolates into nonsense (a linear model's probabilities
    overflow to NaN), so such requests are refused with a message naming the field.
    A feature never negative in training stays non-negative.
    """
    ranges = {}
    for column in columns:
        low, high = float(train[column].min()), float(train[column].max())
        span = (high - low) or 1.0
        bottom = max(low - span, 0.0) if low >= 0 else low - span
        # Rounded outwards to three digits of the span: messages say 6.6, not 6.600000000000001.
        step = 10.0 ** (math.floor(math.log10(span)) - 2)
        ranges[column] = [
            _outward(bottom, step, math.floor),
            _outward(high + span, step, math.ceil),
        ]
    return ranges


def _outward(value: float, step: float, direction: Callable[[float], int]) -> float:
    return round(direction(value / step) * step, max(0, -math.floor(math.log10(step))))


def feature_schema(model: Pipeline, contract: DataContract, train: pd.DataFrame) -> FeatureSchema:
    """The inputs the service accepts: numbers in range, categoricals seen in training."""
    categories: dict[str, tuple[Category, ...]] = {}
    if contract.categorical:
        encoder = model.named_steps["preprocess"].named_transformers_["categorical"]["onehot"]
        for column, seen in zip(contract.categorical, encoder.categories_, strict=True):
            categories[column] = tuple(typed([str(value) for value in seen]))
    ranges = numeric_ranges(train, contract.numeric)
    return FeatureSchema(
        target=contract.target,
        classes=tuple(contract.classes),
        numeric={column: (low, high) for column, (low, high) in ranges.items()},
        categorical=categories,
        nullable=tuple(contract.nullable),
        csv=CsvDialect(contract.sep, tuple(contract.na_values)),
    )


def model_metadata(model: Pipeline, params: Params, raw_params: dict, sha: str) -> dict[str, Any]:
    """Metadata stored with the model: schema, classes, commit, params and metrics.

    BentoML metadata refuses None, which params (`max_depth: null`) and metrics (an
    undefined ROC AUC) can hold, so those two are stored as JSON text.
    """
    metrics_path = params.paths.metrics
    if not metrics_path.is_file():
        raise UserError(f"{metrics_path} not found; run `make run` before `make bento`")
    train = pd.read_parquet(params.paths.train_data)
    return {
        "features": feature_schema(model, params.data, train).to_json(),
        "classes": list(params.data.classes),
        "git_sha": sha,
        "model_class": type(model.named_steps["model"]).__name__,
        "params_json": json.dumps(raw_params, sort_keys=True),
        "metrics_json": json.dumps(read_json(metrics_path), sort_keys=True),
        # How a CSV of these features is written (batch scoring reads files the same way).
        "csv": CsvDialect(params.data.sep, tuple(params.data.na_values)).to_json(),
    }


def monitoring_reference(model: Pipeline, params: Params) -> dict[str, Any]:
    """What monitoring compares served traffic with, so it needs no training data or DVC.

    Each feature's distribution in the training split (statistics.drift), and on the test
    split: the class mix, the mix the model predicts, its mean confidence and metrics.
    """
    train = pd.read_parquet(params.paths.train_data)
    X, y = params.data.features_and_target(pd.read_parquet(params.paths.test_data))
    proba = model.predict_proba(X)
    predicted = pd.Series(model.classes_[proba.argmax(axis=1)])
    return {
        "classes": [label_text(c) for c in params.data.classes],
        "features": {name: reference(train[name]).to_json() for name in params.data.features},
        "test": {
            "rows": len(y),
            "actual": _shares(y, params.data.classes),
            "predicted": _shares(predicted, params.data.classes),
            "confidence": float(proba.max(axis=1).mean()),
            "metrics": read_json(params.paths.metrics),
        },
    }


def _shares(labels: pd.Series, classes: list[Label]) -> dict[str, float]:
    return {label_text(c): float((labels == c).mean()) for c in classes}


def save_model(params: Params) -> bentoml.Model:
    """Copy models/model.joblib into a new version of the model in the BentoML store.

    Args:
        params: the validated params.yaml (paths, data contract).

    Returns:
        The stored model, with its metadata (feature schema, classes, commit, params,
        metrics) and its monitoring reference (also written to build/reference.json).
    """
    path = params.paths.model
    if not path.is_file():
        raise UserError(f"{path} not found; run `make run` (or `dvc pull`) before `make bento`")
    model = joblib.load(path)
    sha = commit_sha()
    metadata = model_metadata(model, params, read_yaml(PARAMS_FILE), sha)
    labels = {"git_sha": sha[:12], "model_class": metadata["model_class"]}
    with bentoml.models.create(messages.MODEL_NAME, labels=labels, metadata=metadata) as stored:
        shutil.copyfile(path, Path(stored.path) / messages.MODEL_FILE)
        reference_json = {"model": str(stored.tag), **monitoring_reference(model, params)}
        write_json(Path(stored.path) / REFERENCE_FILE, reference_json)
    write_json(REFERENCE, reference_json)
    return stored


def find_uv() -> str:
    """The uv the Makefile uses (`$UV`, else PATH, else .tools/), as an absolute path."""
    for candidate in (os.environ.get("UV"), shutil.which("uv"), ".tools/bin/uv"):
        if candidate and (found := shutil.which(candidate)):
            return str(Path(found).resolve())
    raise UserError("uv not found; run `make bento` (it installs uv when missing)")


def export_requirements(uv: str, path: Path = REQUIREMENTS) -> list[str]:
    """The `serve` dependency group pinned by uv.lock, as requirement lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [uv, "export", "--frozen", "--only-group", "serve", "--no-hashes"]
    command += ["--no-emit-project", "--no-header", "--quiet", "--output-file", str(path)]
    subprocess.run(command, check=True)
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def build(model: bentoml.Model) -> bentoml.Bento:
    """Build the bento that serves `model`.

    Args:
        model: the stored model, served by its exact tag (never `latest`).

    Returns:
        The bento, built from bentofile.yaml plus the packages uv.lock pins, src/ as its
        build context.
    """
    config = read_yaml(BENTOFILE)
    uv = find_uv()
    config["python"] = {**config.get("python", {}), "packages": export_requirements(uv)}
    # BentoML locks the bento's requirements with the `uv` it finds on PATH; without one it
    # tries `pip install uv` into this environment, which uv-made environments cannot do.
    os.environ["PATH"] = os.pathsep.join([str(Path(uv).parent), os.environ.get("PATH", "")])
    args = {"model": str(model.tag)}  # service.py serves exactly this model (use_arguments)
    return bentoml.bentos.build(**config, build_ctx=str(BUILD_CONTEXT), args=args)


def main(argv: list[str]) -> None:
    """Save the model, build the bento, record both tags in build/bento.json."""
    params = load_params()
    stored = save_model(params)
    log.info("model %s saved to the BentoML store", stored.tag)
    bento = build(stored)
    log.info("bento %s built", bento.tag)
    write_json(BENTO_INFO, {"bento": str(bento.tag), "model": str(stored.tag)})
