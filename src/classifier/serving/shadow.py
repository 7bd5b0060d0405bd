"""A candidate model in shadow: it scores every row the champion answered, off the
answering path, and both answers are recorded side by side.

The service answers with the champion alone. After the answer has gone out, the
request's rows go to one background thread per worker, which scores them with the
candidate and writes a `classifier_shadow` record (record_fields.shadow_record): the
champion's labels beside the candidate's, both models named. The candidate's latency
and failures never reach a caller: a candidate that raises is recorded with its error
and counted; when the thread falls behind, requests beyond MAX_PENDING are left
unscored and counted, never queued without bound. `make monitor` reads the records
back: agreement, the rows the two disagree on, and with feedback labels both models'
accuracy on the same rows (classifier.monitor.shadow).

SHADOW_MODEL names the candidate: a BentoML model tag in the store (`classifier:…`) or
a path to a model file (`….joblib`). Standard library, joblib and pandas only: the
bento ships this module.
"""

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from classifier.contracts.categories import text as category_text
from classifier.contracts.features import FeatureSchema
from classifier.serving import record_fields

log = logging.getLogger(__name__)

MAX_PENDING = 256  # requests waiting for the candidate; more are counted, not queued
ENV = "SHADOW_MODEL"


def columns(rows: Sequence[dict[str, Any]], schema: FeatureSchema) -> dict[str, np.ndarray]:
    """Request rows (JSON objects keyed by feature) as the model's input columns, as
    messages.rows_columns makes them from the request type's rows."""
    out: dict[str, np.ndarray] = {}
    for column in schema.numeric:
        values = [row.get(column) for row in rows]
        out[column] = np.array([np.nan if v is None else v for v in values], dtype="float64")
    for column in schema.categorical:
        values = [row.get(column) for row in rows]
        out[column] = np.array(
            [np.nan if v is None else category_text(v) for v in values], dtype=object
        )
    return out


class Shadow:
    """The candidate, loaded on first use in its own thread (the champion's start-up and
    answers never wait for it)."""

    def __init__(self, source: str, schema: FeatureSchema, champion: str) -> None:
        self.source, self.schema, self.champion = source, schema, champion
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shadow")
        self.lock = threading.Lock()
        self.pending = 0
        self.skipped = 0  # requests left unscored because the thread fell behind
        self.failed = 0  # requests the candidate raised on
        self.model: Any = None
        self.name = source

    def submit(self, request: str, rows: Sequence[dict[str, Any]], labels: Sequence[Any]) -> bool:
        """Queue a request's rows for the candidate; False when it was left unscored."""
        with self.lock:
            if self.pending >= MAX_PENDING:
                self.skipped += 1
                return False
            self.pending += 1
        self.executor.submit(self._score, request, list(rows), list(labels))
        return True

    def _load(self) -> Any:
        if self.model is None:
            if self.source.endswith((".joblib", ".pkl")) or Path(self.source).is_file():
                self.model = joblib.load(self.source)
            else:
                import bentoml

                stored = bentoml.models.get(self.source)
                self.name = str(stored.tag)
                self.model = joblib.load(stored.path_of("model.joblib"))
        return self.model

    def _score(self, request: str, rows: list[dict[str, Any]], labels: list[Any]) -> None:
        candidate: list[Any] | None = None
        error: str | None = None
        try:
            model = self._load()
            frame = pd.DataFrame(columns(rows, self.schema))
            candidate = [_plain(v) for v in model.predict(frame)]
        except Exception as err:
            error = f"{type(err).__name__}: {str(err)[:200]}"
            with self.lock:
                self.failed += 1
        try:
            import bentoml

            record = record_fields.shadow_record(
                request, self.champion, self.name, labels, candidate, error
            )
            with bentoml.monitor(record_fields.SHADOW) as monitor:
                record_fields.log(monitor, record)
        except Exception:
            log.exception("could not record the shadow's answers")
        finally:
            with self.lock:
                self.pending -= 1


def _plain(value: Any) -> Any:
    """A numpy label as JSON writes it (the champion's labels are plain Python)."""
    return value.item() if hasattr(value, "item") else value
