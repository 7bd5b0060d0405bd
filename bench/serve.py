"""Serving figures: the BentoML service against a hand-written baseline, in one run.

Run with `make bench-serve` (needs Debian's wrk). In a temporary copy of the project
it trains the model, builds the bento and serves it on 127.0.0.1, then measures:

- in-process predict_proba rows/s for 1-row and 1,000-row calls (the limits);
- single-row requests at 32 and 64 connections: requests/s, p50 and p99, for the
  service and for bench/baseline_app.py (Starlette + uvicorn, one predict per request)
  with 1 worker (as usually written) and with as many workers as the service;
- rows/s for 1,000-row requests, against the in-process 1,000-row rate;
- a soak at 64 connections: errors and resident memory of the whole server;
- a schemathesis run against the service's OpenAPI document.

Goals (issue #4): at 64 connections at least 3x the baseline's requests/s, p99 under
150 ms, 1,000-row requests at least half the in-process rate, soak with 0 errors and
memory within 10 % of where it started, no schemathesis failure over 500+ cases.
"""

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import joblib
import pandas as pd
from testkit.load import line, request_body, tree_rss, wrk, wrk_script
from testkit.repo import project_repo, run, tool_env
from testkit.server import build_bento, free_port, process_server, schemathesis, served_bento

from classifier.contracts.params import load_params
from classifier.serving.api import request_rows
from classifier.serving.bento import feature_schema


def in_process(model, frame: pd.DataFrame, rows: int, seconds: float = 3.0) -> float:
    """predict_proba rows/s on `rows`-row calls in this process."""
    batch = pd.concat([frame] * (rows // len(frame) + 1)).head(rows).reset_index(drop=True)
    model.predict_proba(batch)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        model.predict_proba(batch)
        calls += 1
    return calls * rows / (time.perf_counter() - started)


def measure_single_rows(url: str, script: Path, seconds: int) -> dict[int, dict[str, float]]:
    wrk(url, script, 64, 3)  # warm up (BentoML's batching optimiser trains on first calls)
    return {c: wrk(url, script, c, seconds) for c in (32, 64)}


def baseline(repo: Path, script: Path, workers: int, seconds: int, log: Path) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        "uvicorn",
        "--factory",
        "bench.baseline_app:from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    model = str(repo / "models/model.joblib")
    root = str(Path(__file__).resolve().parents[1])
    with process_server(command, Path(root), url, log, tool_env(BASELINE_MODEL=model)):
        return measure_single_rows(url, script, seconds)


def fuzz(url: str, examples: int, workdir: Path) -> str:
    result = schemathesis(url, examples, workdir)
    cases = re.search(r"(\d+) generated, .*", result.stdout)
    verdict = "no issues" if result.returncode == 0 else "FAILURES (see its output)"
    return f"{cases[0] if cases else '?'} -> {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="duration of each load run")
    parser.add_argument("--soak", type=int, default=60, help="soak duration in seconds")
    parser.add_argument(
        "--examples", type=int, default=500, help="schemathesis cases per operation"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        work = Path(tmp)
        repo = project_repo(work / "repo")
        run(["classifier", "run"], repo)
        model = joblib.load(repo / "models/model.joblib")
        params = load_params(repo / "params.yaml")
        train = pd.read_parquet(repo / params.paths.train_data)
        test = pd.read_parquet(repo / params.paths.test_data).drop(columns=[params.data.target])
        rows = request_rows(test, feature_schema(model, params.data, train))
        one = wrk_script(work / "one.lua", request_body(rows[:1]))
        thousand = wrk_script(work / "thousand.lua", request_body((rows * 15)[:1000]))

        limits = {n: in_process(model, test, n) for n in (1, 1000)}
        workers = os.cpu_count() or 1
        base_1 = baseline(repo, one, 1, args.seconds, work / "baseline1.log")
        base_n = baseline(repo, one, workers, args.seconds, work / "baselineN.log")

        home = work / "bentoml"
        tag = build_bento(repo, home)
        with served_bento(repo, home, tag, work / "serve.log") as server:
            assert server.pid is not None
            bento = measure_single_rows(server.url, one, args.seconds)
            wrk(server.url, thousand, 8, 3)  # warm up: the batching optimiser re-learns costs
            big = max(
                (wrk(server.url, thousand, c, args.seconds) for c in (8, 16)),
                key=lambda f: f["rps"],
            )
            rss_start = tree_rss(server.pid)
            soak = wrk(server.url, one, 64, args.soak)
            rss_end = tree_rss(server.pid)
            fuzzed = fuzz(server.url, args.examples, work)

    print(f"serving figures ({workers} cores; wrk with 1 thread)")
    print(f"  in-process predict_proba, 1-row calls      {limits[1]:10.0f} rows/s")
    print(f"  in-process predict_proba, 1,000-row calls  {limits[1000]:10.0f} rows/s")
    for c in (32, 64):
        print(f"single-row requests, {c} connections")
        print(line("BentoML service", bento[c]))
        print(line("baseline, 1 worker", base_1[c]))
        print(line(f"baseline, {workers} workers", base_n[c]))
    print(
        f"  service / baseline at 64 connections: {bento[64]['rps'] / base_1[64]['rps']:.1f}x "
        f"(1 worker), {bento[64]['rps'] / base_n[64]['rps']:.1f}x ({workers} workers)"
    )
    rows_per_s = big["rps"] * 1000
    ratio = rows_per_s / limits[1000]
    print(f"1,000-row requests: {rows_per_s:.0f} rows/s = {ratio:.2f}x in-process, ", end="")
    print(f"p99 {big['p99']:.0f} ms, errors {big['errors']:.0f}")
    start_mib, end_mib = rss_start / 2**20, rss_end / 2**20
    print(f"soak {args.soak} s at 64 connections: {soak['rps']:.0f} req/s, ", end="")
    print(f"errors {soak['errors']:.0f}, p99 {soak['p99']:.1f} ms, ", end="")
    print(f"memory {start_mib:.0f} -> {end_mib:.0f} MiB ({end_mib / start_mib - 1:+.1%})")
    print(f"schemathesis: {fuzzed}")
    print(
        "goals: >= 3x baseline at 64 connections, p99 < 150 ms, 1,000-row >= 0.5x in-process, "
        "soak 0 errors and memory within 10 %"
    )


if __name__ == "__main__":
    main()
