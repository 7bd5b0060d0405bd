"""`make predict IN=… OUT=…`: score a CSV or Parquet file of any size, chunk by chunk.

Each row is checked by the rules of `POST /predict` (the feature schema stored with the
model: numbers within range, categories seen in training, missing values only where
the contract allows them): checked for all rows at once with NumPy, and a row that
fails is then put through the service's own request type, so its reason is the very
message `/predict` would answer. Good rows are scored with the model, bad ones go to a
rejects file with their reason; neither stops the run.

The output holds the id columns (`--id`, default the row number `row`), `label` and
one `probability.<class>` per class, in the contract's class order. It is written to a
temporary file beside it and moved into place (uploaded, for a URL) only when every
row is done: a failure or Ctrl-C leaves no output. Memory stays flat: one chunk at a
time is read, scored and appended.

The model comes from the working tree (`models/model.joblib`, with the schema computed
from params.yaml and the training split), from the BentoML store by tag, or, in the
image, from the bento the image serves (`docker run IMAGE predict …`). With
`--records`, the predictions are also written as the service's records, so
`make monitor` watches a nightly batch like live traffic.
"""

import argparse
import logging
import os
import signal
import time

import pandas as pd

from classifier.contracts.errors import UserError
from classifier.contracts.locations import records_location
from classifier.serving import messages
from classifier.serving.batch.model import BatchModel, load_model
from classifier.serving.batch.overlap import WriteBehind, prefetched
from classifier.serving.batch.read import RowNumbers, chunks, file_format, ragged
from classifier.serving.batch.record import Recorder
from classifier.serving.batch.rules import screen
from classifier.serving.batch.score import empty_scores, score
from classifier.serving.batch.write import (
    Output,
    no_rows,
    ragged_until,
    rejects_location,
    staging_folder,
    with_lines,
    with_unread,
)
from classifier.serving.speedups import array_model

log = logging.getLogger(__name__)

MODEL_VARIABLE = "CLASSIFIER_MODEL"  # the image sets it to the model it serves
CHUNK_ROWS = 100_000


def predict(
    source: str,
    output: str,
    scorer: BatchModel,
    ids: list[str],
    rejects: str,
    recorder: Recorder | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[int, int]:
    """Score a file chunk by chunk; nothing is left behind on failure.

    Args:
        source: the rows to score, a CSV or Parquet file (a path or an fsspec URL).
        output: where the scores go (.csv or .parquet).
        scorer: the model and the feature schema its rows are checked against.
        ids: columns to copy into the output (default: the row number `row`).
        rejects: where refused rows go, each with its reason.
        recorder: also write the predictions as the service's records (--records).
        chunk_rows: rows per chunk.

    Returns:
        How many rows were scored and how many refused.
    """
    kind = file_format(output, "output")
    Row = messages.row_model(scorer.schema)
    fast = array_model(scorer.model, scorer.schema)
    needed = list(dict.fromkeys([*ids, *scorer.features]))
    scores = Output(output, kind, staging_folder(output))
    refusals = Output(rejects, ".csv", staging_folder(rejects))
    cut = ragged(source, scorer.schema.csv)
    rows = RowNumbers([r.number - 2 for r in cut])
    unread = [(r.number - 2, r.reason) for r in cut]  # data row (0-based), reason
    first, behind = 0, WriteBehind()
    lines = file_format(source, "input") == ".csv"
    try:
        skip = frozenset(r.number - 1 for r in cut)
        for chunk in prefetched(chunks(source, needed, scorer.schema.csv, chunk_rows, skip)):
            chunk.index = rows.of(first, len(chunk))
            first += len(chunk)
            columns, keep, why = screen(chunk, scorer.schema, Row)
            front = chunk[ids] if ids else pd.DataFrame({"row": chunk.index}, index=chunk.index)
            if keep.any():
                kept = columns if keep.all() else {k: v[keep] for k, v in columns.items()}
                answers = score(scorer, kept, fast)
                behind.write(
                    scores, pd.concat([front[keep].reset_index(drop=True), answers], axis=1)
                )
                if recorder is not None:
                    recorder.write(chunk[keep], answers)
            passed, unread = ragged_until(unread, chunk.index[-1] if len(chunk) else -1)
            if why or passed:
                lost = chunk[~keep].astype(object)
                lost.insert(0, "reason", why, allow_duplicates=True)
                lost.insert(0, "row", chunk.index[~keep], allow_duplicates=True)
                lost = lost.loc[:, ~lost.columns.duplicated()]
                behind.write(refusals, with_lines(with_unread(lost, passed), lines))
        if unread:  # ragged rows after the last row read
            behind.write(refusals, with_lines(with_unread(no_rows(needed), unread), lines))
        behind.wait()
        scores.finish(empty_scores(scorer, ids))
        if refusals.rows:
            refusals.finish(pd.DataFrame())
    finally:
        behind.close()
        scores.discard()
        refusals.discard()
    return scores.rows, refusals.rows


def model_source(given: str | None) -> str:
    """Which model scores: --model, else $CLASSIFIER_MODEL, else params.yaml's paths.model."""
    if given or os.environ.get(MODEL_VARIABLE):
        return given or os.environ[MODEL_VARIABLE]
    from classifier.contracts.params import load_params  # a checkout's; not in the image

    return str(load_params().paths.model)


def main(argv: list[str]) -> None:
    """`classifier predict IN OUT [--model M] [--id COLUMN]… [--rejects FILE] [--records DIR]`."""
    parser = argparse.ArgumentParser(prog="classifier predict", description=__doc__.splitlines()[0])
    parser.add_argument("input", metavar="IN", help="CSV or Parquet: a path or an fsspec URL")
    parser.add_argument("output", metavar="OUT", help="where the scores go: .parquet or .csv")
    parser.add_argument(
        "--model",
        help=f"model file or BentoML tag (default: ${MODEL_VARIABLE}, else paths.model)",
    )
    parser.add_argument("--id", action="append", default=[], help="id column to keep (repeat)")
    parser.add_argument("--rejects", help="rejected rows and why (default: OUT's .rejects.csv)")
    parser.add_argument("--records", help="also write the predictions as monitoring records here")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows per chunk")
    args = parser.parse_args(argv[1:])
    if not args.input or not args.output:
        raise UserError("say what to score and where: make predict IN=rows.csv OUT=scores.parquet")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `docker stop`: as Ctrl-C
    started = time.perf_counter()
    scorer = load_model(model_source(args.model), recorded=args.records is not None)
    rejects = args.rejects or rejects_location(args.output)
    recorder = Recorder(records_location(args.records), scorer) if args.records else None
    scored, rejected = predict(
        args.input, args.output, scorer, args.id, rejects, recorder, args.chunk_rows
    )
    where = f" (reasons in {rejects})" if rejected else ""
    log.info(
        "%s: scored %s rows, rejected %s%s, with %s in %.1f s",
        args.output,
        f"{scored:,}",
        f"{rejected:,}",
        where,
        scorer.tag,
        time.perf_counter() - started,
    )
