"""`--records`: the scored rows written as the service's prediction records, so
`make monitor` watches a nightly batch like live traffic."""

import secrets

import pandas as pd

from classifier.contracts.labels import label_text
from classifier.serving import record_fields
from classifier.serving.batch.model import BatchModel
from classifier.serving.batch.rules import request_row

RECORD_ROWS = 1_000  # rows per record line, as a 1,000-row request would be recorded


class Recorder:
    """The predictions as the service's records (`make monitor` reads them)."""

    def __init__(self, folder: str, scorer: BatchModel) -> None:
        import bentoml

        from classifier.serving import streams

        options = {"log_path": folder}
        self.monitor = lambda: bentoml.monitor(record_fields.PREDICTIONS, streams.TYPE, options)
        self.scorer, self.run, self.count = scorer, secrets.token_hex(4), 0

    def write(self, good: pd.DataFrame, scored: pd.DataFrame) -> None:
        schema = self.scorer.schema
        rows = [request_row(r, schema) for _, r in good.iterrows()]
        classes = [label_text(c) for c in schema.classes]
        answers = [
            {"label": label, "probabilities": {c: p[f"probability.{c}"] for c in classes}}
            for label, (_, p) in zip(scored["label"].tolist(), scored.iterrows(), strict=True)
        ]
        for start in range(0, len(rows), RECORD_ROWS):
            part = slice(start, start + RECORD_ROWS)
            request = f"batch-{self.run}-{self.count:08d}"
            record = record_fields.prediction_record(
                request,
                self.scorer.tag,
                rows[part],
                answers[part],
                self.scorer.features,
                set(schema.numeric),
            )
            with self.monitor() as monitor:
                record_fields.log(monitor, record)
            self.count += 1
