"""What the service records of each prediction, label and refusal: one name for each field.

The service writes records through BentoML's monitoring API (`bentoml.monitor`):
BentoML's default sink writes one JSON line per record under
`<monitoring.options.log_path>/<monitor>/data/`, and `monitoring.type: otlp` sends them
to an OpenTelemetry collector instead, by configuration alone. Batch scoring writes the
same fields, and `make monitor` reads them back. Standard library only: the bento
ships this module.

A prediction record: `request` (the X-BentoML-Request-ID the response carried), `row`
(its place in the request), `model` (the tag served), one `feature.<column>` per
feature, `label`, one `probability.<class>` per class. A feedback record: `request`,
`row`, `label` (the true class). A refusal: `reason` (the first problem's kind) and
`field`. BentoML adds `timestamp`, its own numeric `request_id` and `trace_id`.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

PREDICTIONS = "classifier_predictions"
FEEDBACK = "classifier_feedback"
REFUSALS = "classifier_refusals"

REQUEST, ROW, MODEL, LABEL, REASON, FIELD = "request", "row", "model", "label", "reason", "field"
FEATURE, PROBABILITY = "feature.", "probability."
TIMESTAMP = "timestamp"  # written by BentoML's monitor (or by batch scoring)

Column = tuple[str, str, str]  # name, role, data type (BentoML's monitoring schema)


def prediction_records(
    request: str,
    model: str,
    rows: Sequence[Mapping[str, Any]],
    answers: Sequence[Mapping[str, Any]],
) -> Iterator[list[tuple[Any, Column]]]:
    """Each row's record as (value, column) pairs, in a stable column order."""
    for row, (features, answer) in enumerate(zip(rows, answers, strict=True)):
        record: list[tuple[Any, Column]] = [
            (request, (REQUEST, "id", "categorical")),
            (row, (ROW, "id", "numerical")),
            (model, (MODEL, "id", "categorical")),
        ]
        for name, value in features.items():
            kind = "numerical" if isinstance(value, float) else "categorical"
            record.append((value, (FEATURE + name, "feature", kind)))
        record.append((answer[LABEL], (LABEL, "prediction", "categorical")))
        for label, probability in answer["probabilities"].items():
            record.append((probability, (PROBABILITY + label, "prediction", "numerical")))
        yield record


def feedback_record(request: str, row: int, label: Any) -> list[tuple[Any, Column]]:
    """A true label for one row of an earlier prediction."""
    return [
        (request, (REQUEST, "id", "categorical")),
        (row, (ROW, "id", "numerical")),
        (label, (LABEL, "target", "categorical")),
    ]


def refusal_record(reason: str, field: str) -> list[tuple[Any, Column]]:
    """A refused request: what kind of problem, in which field."""
    return [
        (reason, (REASON, "refusal", "categorical")),
        (field, (FIELD, "refusal", "categorical")),
    ]
