"""`make monitor` at scale: seconds and peak memory on 100,000 and 1,000,000 predictions.

Run with `make bench-monitor` (sizes with --sizes). A temporary fixture project (the
fruit table) is trained and its monitoring reference written, as `make bento` does.
10,000 single-row requests are recorded through BentoML's own monitor
(testkit.records), each with its true label; those records are then copied, line by
line, with fresh request ids and timestamps spread over a week, to the sizes measured
(one JSON line per request: the largest file count a service writes for that many
predictions), a tenth of them with feedback. The figure is `classifier monitor` run
on the folder: seconds and the peak resident memory of its process.

Goal (issue #13): 1,000,000 recorded predictions in under 60 s and under 2 GB.
"""

import argparse
import contextlib
import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import joblib
import pandas as pd
import psutil
from testkit.datasets import fruit
from testkit.measure import timed
from testkit.records import replay
from testkit.repo import fixture_repo, run, tool_env

from classifier.contracts.params import load_params
from classifier.serving import record_fields as fields
from classifier.serving.bento import monitoring_reference
from classifier.tools.files import write_json

TEMPLATE = 10_000
FILE_LINES = 250_000  # lines per data file, as a daily rotation would split them


def reference(repo: Path) -> Path:
    """What `make bento` stores with the model for monitoring, written to build/."""
    with contextlib.chdir(repo):
        params = load_params()
        model = joblib.load(params.paths.model)
        path = Path("build/reference.json")
        # The tag testkit.records.replay records: the version the report judges.
        write_json(path, {"model": "classifier:test", **monitoring_reference(model, params)})
    return repo / path


def template(repo: Path, folder: Path) -> tuple[list[dict], dict[str, dict]]:
    """TEMPLATE recorded requests and their feedback (by request id), as BentoML wrote them."""
    rows = pd.read_parquet(repo / "data/prepared/train.parquet")
    rows = rows.sample(TEMPLATE, replace=True, random_state=0).reset_index(drop=True)
    replay(repo, rows, folder, label_every=1)

    def lines(monitor: str) -> list[dict]:
        files = sorted((folder / monitor / "data").glob("*.log*"))
        return [json.loads(line) for f in files for line in f.read_text().splitlines()]

    feedback = {record[fields.REQUEST][0]: record for record in lines(fields.FEEDBACK)}
    return lines(fields.PREDICTIONS), feedback


def scaled(
    size: int,
    predictions: list[dict],
    feedback: dict[str, dict],
    out: Path,
    span: timedelta = timedelta(days=7),
) -> None:
    """`size` requests copied from the template into BentoML's layout under `out`."""
    start, step = datetime(2026, 11, 1), span / size
    for monitor in (fields.PREDICTIONS, fields.FEEDBACK):
        (out / monitor / "data").mkdir(parents=True)
    streams: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        for i in range(size):
            if i % FILE_LINES == 0:
                for monitor in (fields.PREDICTIONS, fields.FEEDBACK):
                    path = out / monitor / "data" / f"data.0.log.{i // FILE_LINES}"
                    streams[monitor] = stack.enter_context(path.open("w"))
            record = predictions[i % TEMPLATE]
            request, when = f"{i:016x}", (start + step * i).isoformat()
            copy = {**record, fields.REQUEST: request, fields.TIMESTAMP: when}
            streams[fields.PREDICTIONS].write(json.dumps(copy) + "\n")  # type: ignore[attr-defined]
            if i % 10 == 0:
                label = feedback[record[fields.REQUEST]]
                copy = {**label, fields.REQUEST: [request], fields.TIMESTAMP: when}
                streams[fields.FEEDBACK].write(json.dumps(copy) + "\n")  # type: ignore[attr-defined]


DAYS = 30
FIRST = datetime(2026, 11, 1)


def month(
    per_day: int,
    predictions: list[dict],
    feedback: dict[str, dict],
    work: Path,
    repo: Path,
    ref: Path,
) -> dict[str, tuple[float, int]]:
    """30 days of `per_day` predictions in dated daily files, as BentoML's rotation leaves
    them; `make monitor SINCE=1d` on the last day against that day's file alone."""
    day_one = work / "day-one"
    scaled(per_day, predictions, feedback, day_one, span=timedelta(days=1))
    template = b"".join(
        p.read_bytes() for p in sorted((day_one / fields.PREDICTIONS / "data").glob("*"))
    )
    store, alone = work / "month", work / "last-day"
    for folder in (store, alone):
        (folder / fields.PREDICTIONS / "data").mkdir(parents=True)
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        content = template.replace(
            FIRST.strftime("%Y-%m-%d").encode(), day.strftime("%Y-%m-%d").encode()
        )
        last = n == DAYS - 1
        name = "data.0.log" if last else f"data.0.log.{day:%Y-%m-%d}"
        (store / fields.PREDICTIONS / "data" / name).write_bytes(content)
        if last:
            (alone / fields.PREDICTIONS / "data" / name).write_bytes(content)
    until = (FIRST + timedelta(days=DAYS)).strftime("%Y-%m-%d")
    out = {}
    for name, folder in (("one day's file alone", alone), ("SINCE=1d over the month", store)):
        command = ["classifier", "monitor", "--records", str(folder), "--since", "1d"]
        command += ["--until", until, "--reference", str(ref), "--trend-days", "0"]
        command += ["--out", str(work / "monitor-month")]
        seconds, peak, status, output = timed(command, repo, tool_env())
        if status not in (0, 1):
            raise RuntimeError(f"classifier monitor failed:\n{output[-3000:]}")
        found = json.loads((work / "monitor-month/findings.json").read_text())
        assert found["rows"] == per_day, found["rows"]
        out[name] = (seconds, peak)
    command = ["classifier", "monitor", "--records", str(store), "--since", "1d", "--until", until]
    command += ["--reference", str(ref), "--trend-days", str(DAYS), "--out", str(work / "trend")]
    seconds, peak, status, output = timed(command, repo, tool_env())
    if status not in (0, 1):
        raise RuntimeError(f"classifier monitor failed:\n{output[-3000:]}")
    out[f"the same, with the {DAYS}-day trend"] = (seconds, peak)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--month",
        type=int,
        default=1_000_000,
        help="predictions a day for the 30-day case (0: skip)",
    )
    args = parser.parse_args()
    figures = []
    month_figures: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        work = Path(tmp)
        repo = fixture_repo(work / "repo", fruit(rows=1200, seed=4))
        run(["classifier", "run"], repo)
        ref = reference(repo)
        predictions, feedback = template(repo, work / "template")
        for size in args.sizes:
            folder = work / f"records-{size}"
            scaled(size, predictions, feedback, folder)
            megabytes = sum(f.stat().st_size for f in folder.rglob("*.log*")) / 2**20
            command = ["classifier", "monitor", "--records", str(folder), "--since", "all"]
            command += ["--reference", str(ref), "--out", str(work / f"monitor-{size}")]
            command += ["--trend-days", "0"]
            seconds, peak, status, output = timed(command, repo, tool_env())
            if status not in (0, 1):  # 1: an alert, still a finished report
                raise RuntimeError(f"classifier monitor failed:\n{output[-3000:]}")
            found = json.loads((work / f"monitor-{size}/findings.json").read_text())
            assert found["rows"] == size, found["rows"]
            figures.append((size, megabytes, seconds, peak))
        if args.month:
            month_figures = month(args.month, predictions, feedback, work, repo, ref)

    print(f"make monitor at scale ({psutil.cpu_count()} cores; one request per line)")
    print(f"  {'predictions':>11}  {'records':>9}  {'seconds':>8}  {'rows/s':>9}  {'peak':>8}")
    for size, megabytes, seconds, peak in figures:
        print(
            f"  {size:>11,}  {megabytes:6.0f} MB  {seconds:6.1f} s  {size / seconds:9,.0f}  "
            f"{peak / 2**30:5.2f} GB"
        )
    print("goal: 1,000,000 predictions in under 60 s and under 2 GB")
    if args.month:
        print(f"a one-day window over {DAYS} days of {args.month:,} predictions a day")
        for name, (seconds, peak) in month_figures.items():
            print(f"  {name:<42} {seconds:6.1f} s  {peak / 2**30:5.2f} GB")
        alone, window = (
            month_figures["one day's file alone"],
            month_figures["SINCE=1d over the month"],
        )
        print(
            f"  the window over the month against the day alone: {window[0] / alone[0]:.2f}x time, "
            f"{window[1] / alone[1]:.2f}x memory (1.00x: only that day is read)"
        )


if __name__ == "__main__":
    main()
