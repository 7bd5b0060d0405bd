"""What the service records of each request, label and refusal: one name for each field.

The service writes records through BentoML's monitoring API (`bentoml.monitor`):
BentoML's default sink writes one JSON line per record under
`<monitoring.options.log_path>/<monitor>/data/`, and `monitoring.type: otlp` sends them
to an OpenTelemetry collector instead, by configuration alone. Batch scoring writes the
same fields, and `make monitor` reads them back. Standard library only: the bento
ships this module.

One record per answered request, its rows as lists (one JSON line per request, however
many rows: a 1,000-row request costs one record, not a thousand): `request` (the
X-BentoML-Request-ID the response carried), `model` (the tag served), one
`feature.<column>` list per feature, `label` (the predicted classes), one
`probability.<class>` list per class; row i of the request is item i of each list. A
feedback record: `request`, `row` and `label` (the true classes) lists. A refusal:
`reason` (the first problem's kind) and `field`. BentoML adds `timestamp`, its own
numeric `request_id` and `trace_id`.

BentoML knows three roles (feature, prediction, target); ids go with the prediction.
"""

from collections.abc import Collection, Mapping, Sequence
from typing import Any

PREDICTIONS = "classifier_predictions"
FEEDBACK = "classifier_feedback"
REFUSALS = "classifier_refusals"
SHADOW = "classifier_shadow"  # the candidate's answers to the rows the champion answered
CANDIDATE, CANDIDATE_LABEL, ERROR = "candidate", "candidate_label", "error"

REQUEST, ROW, MODEL, LABEL, REASON, FIELD = "request", "row", "model", "label", "reason", "field"
FEATURE, PROBABILITY = "feature.", "probability."
TIMESTAMP = "timestamp"  # written by BentoML's monitor (or by batch scoring)
NUMBERS, CATEGORIES = "numerical_sequence", "categorical"

Column = tuple[str, str, str]  # name, role, data type (BentoML's monitoring schema)
Record = list[tuple[Any, Column]]


def prediction_record(
    request: str,
    model: str,
    rows: Sequence[Mapping[str, Any]],
    answers: Sequence[Mapping[str, Any]],
    features: Sequence[str],
    numeric: Collection[str],
) -> Record:
    """A request's record as (value, column) pairs, in a stable column order: `features`
    in the contract's order, those in `numeric` typed as numbers; a row without a field
    (an optional one) records null."""
    record: Record = [
        (request, (REQUEST, "prediction", CATEGORIES)),
        (model, (MODEL, "prediction", CATEGORIES)),
    ]
    for name in features:
        kind = NUMBERS if name in numeric else CATEGORIES
        record.append(([row.get(name) for row in rows], (FEATURE + name, "feature", kind)))
    record.append(([a[LABEL] for a in answers], (LABEL, "prediction", CATEGORIES)))
    for label in answers[0]["probabilities"]:
        values = [a["probabilities"][label] for a in answers]
        record.append((values, (PROBABILITY + label, "prediction", NUMBERS)))
    return record


def feedback_record(labels: Sequence[tuple[str, int, Any]]) -> Record:
    """True labels of earlier predictions: (request, row, label) triples."""
    return [
        ([request for request, _, _ in labels], (REQUEST, "target", CATEGORIES)),
        ([row for _, row, _ in labels], (ROW, "target", NUMBERS)),
        ([label for _, _, label in labels], (LABEL, "target", CATEGORIES)),
    ]


def shadow_record(
    request: str,
    model: str,
    candidate: str,
    labels: Sequence[Any],
    candidate_labels: Sequence[Any] | None,
    error: str | None,
) -> Record:
    """The candidate in shadow: the champion's labels (what the caller got) beside the
    candidate's for the same rows, both models named; `error` when the candidate failed."""
    return [
        (request, (REQUEST, "prediction", CATEGORIES)),
        (model, (MODEL, "prediction", CATEGORIES)),
        (candidate, (CANDIDATE, "prediction", CATEGORIES)),
        (list(labels), (LABEL, "prediction", CATEGORIES)),
        # A failed candidate answers no row: nulls, one per row, so the lists still pair up.
        (
            [None] * len(labels) if candidate_labels is None else list(candidate_labels),
            (CANDIDATE_LABEL, "prediction", CATEGORIES),
        ),
        (error, (ERROR, "prediction", CATEGORIES)),
    ]


def refusal_record(reason: str, field: str) -> Record:
    """A refused request: what kind of problem, in which field."""
    return [
        (reason, (REASON, "prediction", CATEGORIES)),
        (field, (FIELD, "prediction", CATEGORIES)),
    ]


def log(monitor: Any, record: Record) -> None:
    """Write one record through a `bentoml.monitor(...)` context."""
    for value, (name, role, kind) in record:
        monitor.log(value, name, role, kind)
