"""The BentoML service: POST /predict with adaptive batching, GET /metadata.

Request and response types are built from the feature schema stored with the model,
so they must exist when this module is imported: the model is looked up in the
BentoML store here (`make bento` puts it there; a bento carries its own store).
"""

import json
import logging
import os
from typing import TYPE_CHECKING, Annotated, Any, cast

import bentoml
import joblib
import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel, Field

from classifier.contracts.features import FeatureSchema
from classifier.contracts.labels import Label
from classifier.serving import messages, record_fields, shadow, speedups, streams
from classifier.serving.traffic import OneLineRefusals, Traffic

# The exact model `make bento` built this bento with: a build argument, which BentoML keeps
# in the bento and gives back when it serves it. Never `latest` of a store other projects
# on the machine also write to; `latest` only when no bento is involved (development).
MODEL_TAG = getattr(bentoml.use_arguments(), "model", None) or f"{messages.MODEL_NAME}:latest"
MODEL = bentoml.models.BentoModel(MODEL_TAG)


def _stored_model() -> Any:
    stored = MODEL.stored
    if stored is None:
        raise RuntimeError(
            f"no model '{messages.MODEL_NAME}' in the BentoML model store; run `make bento` first"
        )
    return stored


STORED = _stored_model()
SCHEMA = FeatureSchema.from_json(STORED.info.metadata["features"])
CLASSES: list[Label] = list(SCHEMA.classes)
if TYPE_CHECKING:  # built at import from the stored schema; statically, pydantic models
    Row = BaseModel
    Prediction = BaseModel
    Feedback = messages.FeedbackBase
else:
    Row = messages.row_model(SCHEMA)
    Prediction = messages.prediction_model(CLASSES)
    Feedback = messages.feedback_model(CLASSES)
Rows = Annotated[list[Row], Field(min_length=1, max_length=messages.MAX_ROWS)]
Labels = Annotated[list[Feedback], Field(min_length=1, max_length=messages.MAX_ROWS)]
Predictions = speedups.answers_output(Prediction)  # answers written as they are


class Receipt(BaseModel):
    """How many labels were recorded."""

    recorded: int


class Metadata(BaseModel):
    """What is being served: which model, from which commit, how good, on what inputs."""

    model: str = Field(description="BentoML model tag")
    version: str
    git_sha: str
    created: str
    metrics: dict[str, Any]
    classes: list[Label]
    features: dict[str, Any]


# Mounted at "/" after BentoML's own routes, so GET /metadata needs no redirect;
# FastAPI's own docs are off (the service's OpenAPI page documents this route).
metadata_app = FastAPI(title="metadata", docs_url=None, redoc_url=None, openapi_url=None)


@metadata_app.get(
    "/metadata", response_model=Metadata, summary="The model being served", tags=["Service APIs"]
)
def metadata() -> Metadata:
    """Model tag and version, git commit, test-set metrics, classes and features."""
    info = STORED.info
    return Metadata(
        model=str(STORED.tag),
        version=STORED.tag.version or "",
        git_sha=info.metadata["git_sha"],
        created=info.creation_time.isoformat(),
        metrics=json.loads(info.metadata["metrics_json"]),
        classes=CLASSES,
        features=SCHEMA.to_json(),
    )


@bentoml.asgi_app(metadata_app, path="/")
@bentoml.service(
    name=messages.MODEL_NAME,
    # BentoML's timeout keeps each request's timer, future and tracing context alive for
    # the whole timeout, finished or not: with 30 s, full garbage collections slowed to
    # 100 ms+. A tabular model answers in milliseconds; 5 s is ample and keeps p99 low.
    traffic={"timeout": 5},
    # One process per core: request handling, not the model, is the bottleneck.
    workers="cpu_count",
    # One access-log line per request costs ~7% of throughput; /metrics counts traffic.
    # Turn it on with BENTOML_CONFIG_OPTIONS='logging.access.enabled=true'.
    logging={"access": {"enabled": False}},
    # Records of predictions, labels and refusals (classifier.serving.record_fields), as JSON
    # lines, each stream in its own files (messages.streams: BentoML's default monitor
    # mixes them), where contracts.locations says ($BENTOML_HOME/monitoring by default).
    # BentoML's config changes the folder (services.monitoring.options.log_path) or the
    # sink, e.g. BENTOML_CONFIG_OPTIONS='services.monitoring.type=otlp'.
    monitoring={"enabled": True, "type": streams.TYPE},
)
class Classifier:
    """Predicts the class of each row, with the probability of every class."""

    model_ref = MODEL

    def __init__(self) -> None:
        self.model = joblib.load(self.model_ref.path_of(messages.MODEL_FILE))
        # The measured speed-ups (serving/speedups.py): the same fitted steps on arrays,
        # kept only if they answer identically; what loaded frozen out of the collector.
        self.arrays = speedups.array_model(self.model, SCHEMA)
        speedups.settle_after_load()

    @bentoml.api(
        batchable=True,
        max_batch_size=messages.MAX_ROWS,
        max_latency_ms=1000,
        output_spec=Predictions,
    )
    def predict(self, rows: Rows) -> list[dict[str, Any]]:
        """One prediction per row, in order. Send up to 10,000 rows per request."""
        columns = messages.rows_columns(rows, SCHEMA)
        if self.arrays is not None:
            return messages.predict(self.arrays, columns, CLASSES)
        return messages.predict(self.model, pd.DataFrame(columns), CLASSES)

    @bentoml.api
    def feedback(self, labels: Labels) -> Receipt:
        """True labels of earlier predictions, named by the X-BentoML-Request-ID header their
        response carried (and the row, for a request of several rows); monitoring joins them."""
        record = record_fields.feedback_record([(i.request_id, i.row, i.label) for i in labels])
        with bentoml.monitor(record_fields.FEEDBACK) as monitor:
            record_fields.log(monitor, record)
        return Receipt(recorded=len(labels))


# A candidate in shadow (SHADOW_MODEL: a model tag or file): scores what the champion
# answered, off the answering path, both answers recorded (serving/shadow.py).
SHADOW = (
    shadow.Shadow(os.environ[shadow.ENV], SCHEMA, str(STORED.tag))
    if os.environ.get(shadow.ENV)
    else None
)

# A refused request is logged in one line by Traffic; BentoML's own traceback for it is not.
logging.getLogger("bentoml._internal.server.http_app").addFilter(OneLineRefusals())
# The decorators made Classifier a bentoml.Service, which its stubs do not tell mypy.
cast(Any, Classifier).add_asgi_middleware(
    Traffic,
    model=str(STORED.tag),
    features=SCHEMA.features,
    numeric=frozenset(SCHEMA.numeric),
    shadow=SHADOW,
)
