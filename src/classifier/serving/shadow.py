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

import itertools
import logging
import queue
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from classifier.contracts.categories import text as category_text
from classifier.contracts.features import FeatureSchema
from classifier.serving import record_fields, speedups

log = logging.getLogger(__name__)

MAX_PENDING = 256  # requests waiting for the candidate; more are counted, not queued
BATCH_ROWS = 1000  # rows the candidate scores in one call
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
    answers never wait for it). The thread takes every request waiting, up to
    BATCH_ROWS rows, and scores them in one call: a model answers a thousand rows in
    little more time than one, so the candidate keeps up with single-row traffic."""

    def __init__(self, source: str, schema: FeatureSchema, champion: str) -> None:
        self.source, self.schema, self.champion = source, schema, champion
        self.queue: queue.SimpleQueue[tuple[str, list[dict[str, Any]], list[Any]]] = (
            queue.SimpleQueue()
        )
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pending = 0
        self.skipped = 0  # requests left unscored because the thread fell behind
        self.failed = 0  # requests the candidate raised on
        self.model: Any = None
        self.fast: Any = None  # the array path (serving/speedups.py), when it answers alike
        self.name = source

    def submit(self, request: str, rows: Sequence[dict[str, Any]], labels: Sequence[Any]) -> bool:
        """Queue a request's rows for the candidate; False when it was left unscored."""
        with self.lock:
            if self.pending >= MAX_PENDING:
                self.skipped += 1
                return False
            self.pending += 1
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="shadow", daemon=True)
                self.thread.start()
        self.queue.put((request, list(rows), list(labels)))
        return True

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            rows = len(batch[0][1])
            while rows < BATCH_ROWS:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
                rows += len(batch[-1][1])
            try:
                self._score(batch)
            finally:
                with self.lock:
                    self.pending -= len(batch)

    def _load(self) -> Any:
        if self.model is None:
            if self.source.endswith((".joblib", ".pkl")) or Path(self.source).is_file():
                self.model = joblib.load(self.source)
            else:
                import bentoml

                stored = bentoml.models.get(self.source)
                self.name = str(stored.tag)
                self.model = joblib.load(stored.path_of("model.joblib"))
            self.fast = speedups.array_model(self.model, self.schema)
        return self.model

    def _score(self, batch: list[tuple[str, list[dict[str, Any]], list[Any]]]) -> None:
        answered: list[list[Any]] | None = None
        error: str | None = None
        try:
            model = self._load()
            found = columns([row for _, rows, _ in batch for row in rows], self.schema)
            proba = (
                self.fast.predict_proba(found)
                if self.fast is not None
                else model.predict_proba(pd.DataFrame(found))
            )
            # As the service labels a row (messages.predict): the model's order breaks ties.
            labels = [_plain(v) for v in model.classes_[np.argmax(proba, axis=1)]]
            bounds = np.cumsum([0, *(len(rows) for _, rows, _ in batch)])
            answered = [labels[a:b] for a, b in itertools.pairwise(bounds)]
        except Exception as err:
            error = f"{type(err).__name__}: {str(err)[:200]}"
            with self.lock:
                self.failed += len(batch)
        try:
            import bentoml

            for i, (request, _, champion) in enumerate(batch):
                record = record_fields.shadow_record(
                    request,
                    self.champion,
                    self.name,
                    champion,
                    None if answered is None else answered[i],
                    error,
                )
                with bentoml.monitor(record_fields.SHADOW) as monitor:
                    record_fields.log(monitor, record)
        except Exception:
            log.exception("could not record the shadow's answers")


def _plain(value: Any) -> Any:
    """A numpy label as JSON writes it (the champion's labels are plain Python)."""
    return value.item() if hasattr(value, "item") else value
