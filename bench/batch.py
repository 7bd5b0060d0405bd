"""Batch scoring at scale: `classifier predict` on 1M and 10M rows beside in-process predict_proba.

Run with `make bench-batch` (sizes with --sizes). A temporary fixture project (the
fruit table) is trained; its held-out rows, repeated, make Parquet files of each size
(and a CSV of the smallest). For each file the figures are `classifier predict`'s
seconds, rows/s and peak resident memory (its whole process, reading, checking,
scoring and writing Parquet), and, in this process on the very same chunks, the rate
of the model's `predict_proba` alone (reading not timed): the most any scorer of that
model can reach.

Goal (issue #14): at least 0.8x of the in-process rate, memory flat as rows grow and
under 1 GB at 10M rows.
"""

import argparse
import tempfile
import time
from pathlib import Path

import joblib
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from testkit.datasets import fruit
from testkit.measure import timed
from testkit.repo import fixture_repo, run, tool_env

from classifier.serving.batch.command import CHUNK_ROWS

BLOCK = 1_000_000  # rows written per row group while making the files


def make_file(rows: pd.DataFrame, size: int, path: Path) -> None:
    """`size` rows: the held-out rows repeated, written a block at a time."""
    block = pd.concat([rows] * (BLOCK // len(rows) + 1), ignore_index=True).head(BLOCK)
    if path.suffix == ".csv":
        for start in range(0, size, BLOCK):
            part = block.head(min(BLOCK, size - start))
            part.to_csv(path, mode="a", header=start == 0, index=False, na_rep="NA")
        return
    table = pa.Table.from_pandas(block, preserve_index=False)
    with pq.ParquetWriter(path, table.schema) as writer:
        for start in range(0, size, BLOCK):
            writer.write_table(table.slice(0, min(BLOCK, size - start)))


def in_process(model, path: Path, features: list[str]) -> float:
    """predict_proba rows/s over the file's chunks (only the model call timed)."""
    seconds, rows = 0.0, 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS, columns=features):
        chunk = batch.to_pandas()
        started = time.perf_counter()
        model.predict_proba(chunk)
        seconds += time.perf_counter() - started
        rows += len(chunk)
    return rows / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        repo = fixture_repo(work / "repo", fruit(rows=1200, seed=4))
        run(["classifier", "run"], repo)
        model = joblib.load(repo / "models/model.joblib")
        held_out = pd.read_parquet(repo / "data/prepared/test.parquet").drop(columns=["kind"])
        features = list(held_out.columns)
        make_file(held_out, 5, work / "tiny.parquet")
        tiny = ["classifier", "predict", str(work / "tiny.parquet"), str(work / "tiny.out.parquet")]
        start_up, *_ = timed(tiny, repo, tool_env())
        files = [(size, work / f"rows-{size}.parquet") for size in args.sizes]
        files.append((min(args.sizes), work / f"rows-{min(args.sizes)}.csv"))
        for size, path in files:
            make_file(held_out, size, path)
            out = work / f"scores-{size}{path.suffix}.parquet"
            seconds, peak, status, output = timed(
                ["classifier", "predict", str(path), str(out)], repo, tool_env()
            )
            if status != 0:
                raise RuntimeError(f"classifier predict failed:\n{output[-3000:]}")
            assert pq.ParquetFile(out).metadata.num_rows == size
            parquet = path if path.suffix == ".parquet" else work / f"rows-{size}.parquet"
            limit = in_process(model, parquet, features)
            figures.append((size, path.suffix, seconds, peak, limit))
            out.unlink()

    print(f"batch scoring ({psutil.cpu_count()} cores; chunks of {CHUNK_ROWS:,} rows)")
    print(f"  start-up (imports, model, a 5-row file): {start_up:.1f} s, in every figure below")
    head = f"  {'rows':>11}  {'input':>8}  {'seconds':>8}  {'rows/s':>10}  {'in-process':>10}"
    print(head + f"  {'ratio':>6}  {'peak':>8}")
    for size, kind, seconds, peak, limit in figures:
        rate = size / seconds
        print(
            f"  {size:>11,}  {kind:>8}  {seconds:6.1f} s  {rate:10,.0f}  {limit:10,.0f}  "
            f"{rate / limit:5.2f}x  {peak / 2**30:5.2f} GB"
        )
    print("goal: >= 0.8x the in-process rate; memory flat, under 1 GB at 10M rows")


if __name__ == "__main__":
    main()
