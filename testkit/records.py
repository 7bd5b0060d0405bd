"""Records as a served model writes them, without serving: BentoML's own monitor, in a subprocess.

The service (classifier.serving.traffic) logs each answered request through `bentoml.monitor`;
this writes the same fields through the same API into a folder, so the workflow tests
get real record files in seconds. (test_monitoring checks the served path end to end.)
A subprocess, because BentoML keeps one monitor per name for the life of a process.
"""

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from classifier.contracts.features import FeatureSchema
from classifier.contracts.params import load_params
from classifier.serving.bento import feature_schema
from classifier.serving.messages import predict, request_rows
from testkit.repo import tool_env


def write(
    folder: Path,
    predictions: list[list[Any]],
    feedback: list[list[Any]],
    schema: FeatureSchema,
) -> None:
    """Log (request, model, row, answer) single-row predictions and (request, row, label)
    feedback (one call per label), as the service would for rows of that feature schema."""
    payload = json.dumps(
        {
            "log_path": str(folder),
            "predictions": predictions,
            "feedback": feedback,
            "features": schema.features,
            "numeric": list(schema.numeric),
        }
    )
    subprocess.run(
        [sys.executable, "-m", "testkit.records"],
        input=payload,
        text=True,
        env=tool_env(),
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )


def replay(repo: Path, rows: pd.DataFrame, folder: Path, label_every: int = 0) -> list[str]:
    """Answer `rows` (features and target) with the repo's model, one request per row, and
    record them; every `label_every`-th request also gets its true label. Request ids."""
    params = load_params(repo / "params.yaml")
    model = joblib.load(repo / params.paths.model)
    X, y = params.data.features_and_target(rows)
    answers = predict(model, X, list(params.data.classes))
    ids = [secrets.token_hex(8) for _ in answers]
    # As a client sends them: JSON numbers for integer codes, null for missing values.
    schema = feature_schema(model, params.data, pd.read_parquet(repo / params.paths.train_data))
    features = request_rows(X, schema)
    predictions = [
        [i, "classifier:test", f, a] for i, f, a in zip(ids, features, answers, strict=True)
    ]
    truth = y.tolist()
    feedback = (
        [[ids[k], 0, truth[k]] for k in range(0, len(ids), label_every)] if label_every else []
    )
    write(folder, predictions, feedback, schema)
    return ids


if __name__ == "__main__":
    import bentoml

    from classifier.serving import record_fields
    from classifier.serving.streams import StreamMonitor

    given = json.loads(sys.stdin.read())
    options = {"log_path": given["log_path"]}
    features, numeric = given["features"], set(given["numeric"])
    for request, model, row, answer in given["predictions"]:
        record = record_fields.prediction_record(request, model, [row], [answer], features, numeric)
        with bentoml.monitor(record_fields.PREDICTIONS, StreamMonitor, options) as monitor:
            record_fields.log(monitor, record)
    for request, row, label in given["feedback"]:
        with bentoml.monitor(record_fields.FEEDBACK, StreamMonitor, options) as monitor:
            record_fields.log(monitor, record_fields.feedback_record([(request, row, label)]))
