"""The model a batch is scored with: the working tree's file (schema from params.yaml
and the training split) or a stored model by tag, and how its records name it."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.contracts.errors import UserError
from classifier.contracts.features import FeatureSchema
from classifier.serving import messages


@dataclass(frozen=True)
class BatchModel:
    """A model with the schema its inputs are checked against, and how to name it."""

    model: Any
    schema: FeatureSchema
    tag: str

    @property
    def features(self) -> list[str]:
        return self.schema.features


def load_model(source: str, recorded: bool = False) -> BatchModel:
    """A model file (the working tree's, with params.yaml) or a BentoML model tag.

    With `recorded`, a model file the last `make bento` stored is named by its tag, so
    monitoring judges its records as that model's (not "another model's")."""
    if source.endswith(".joblib") or Path(source).is_file():
        return _from_file(Path(source), recorded)
    return _from_store(source)


def _from_file(path: Path, recorded: bool) -> BatchModel:
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
    return BatchModel(model, schema, _file_tag(path) if recorded else str(path))


def _file_tag(path: Path) -> str:
    """How records name a model file: the stored model's tag when the last `make bento`
    stored these very bytes (so `make monitor` judges them as that model), else the path."""
    import bentoml

    from classifier.serving.artifacts import BENTO_INFO
    from classifier.tools.files import read_json  # not in the bento: a checkout's path

    try:
        tag = read_json(BENTO_INFO)["model"]
        stored = Path(bentoml.models.get(tag).path_of(messages.MODEL_FILE))
        same = stored.read_bytes() == path.read_bytes()
    except (OSError, KeyError, TypeError, ValueError, bentoml.exceptions.NotFound):
        return str(path)
    return str(tag) if same else str(path)


def _from_store(tag: str) -> BatchModel:
    import bentoml
    import joblib

    try:
        stored = bentoml.models.get(tag)
    except (bentoml.exceptions.NotFound, ValueError) as err:
        raise UserError(
            f"model {tag!r}: not a model file and not in the BentoML store ({err}); "
            "`bentoml models list` shows the store"
        ) from None
    model = joblib.load(stored.path_of(messages.MODEL_FILE))
    metadata: dict[str, Any] = dict(stored.info.metadata)
    schema = FeatureSchema.from_json(metadata["features"], metadata.get("csv"))
    return BatchModel(model, schema, str(stored.tag))
