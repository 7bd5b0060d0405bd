"""Serving figures: the BentoML service against a hand-written baseline, in one run.

Run with `make bench-serve` (needs Debian's wrk). In a temporary copy of the project
it trains the model, builds the bento and serves it on 127.0.0.1, then measures:

- in-process predict_proba rows/s for 1-row and 1,000-row calls (the limits);
- single-row requests at 32 and 64 connections: requests/s, p50 and p99, for the
  service and for bench/baseline_app.py (Starlette + uvicorn, one predict per request)
  with 1 worker (as usually written) and with as many workers as the service;
- the cost of monitoring, the servers up side by side and loaded in turn (median of
  rounds): single-row requests/s at 64 connections of the service with its records on
  (as shipped), with them off (BentoML's config), and of the same bento whose model does
  no work, records off (BentoML's own ceiling on this machine); 1,000-row requests with
  records on and off;
- rows/s for 1,000-row requests, against the in-process 1,000-row rate;
- a candidate in shadow (the model file itself, scored again off the answering path):
  single-row requests/s and p99 at 64 connections beside the same server without it;
- a soak at 64 connections with records on: errors, resident memory of the whole
  server, and the bytes of records written per prediction;
- a schemathesis run against the service's OpenAPI document.

Goals: at 64 connections at least 3x the baseline's requests/s, p99 under 150 ms,
1,000-row requests at least half the in-process rate (issue #4); records on at least
0.85x of the no-work ceiling (issue #13), and 1,000-row requests with records on at
least 0.8x of records off (issue #21); soak with 0 errors and memory within 10 % of
where it started; no schemathesis failure over 500+ cases.
"""

import argparse
import contextlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import joblib
import pandas as pd
from sklearn.dummy import DummyClassifier
from testkit.load import line, request_body, tree_rss, wrk, wrk_script
from testkit.repo import project_repo, run, tool_env
from testkit.server import build_bento, free_port, process_server, schemathesis, served_bento

from classifier.contracts.params import load_params
from classifier.serving.bento import feature_schema
from classifier.serving.messages import request_rows


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


MONITORING_OFF = {"BENTOML_CONFIG_OPTIONS": "services.classifier.monitoring.enabled=false"}


def no_work_home(home: Path, model, train: pd.DataFrame, target: str) -> Path:
    """A copy of the BentoML home whose bento serves a model that does no work: the same
    service, request types and records, with a DummyClassifier (a row of priors) instead."""
    copy = home.with_name(home.name + "-no-work")
    shutil.copytree(home, copy, symlinks=True)
    dummy = DummyClassifier(strategy="prior").fit(train.drop(columns=[target]), train[target])
    assert list(dummy.classes_) == list(model.classes_)
    [served] = copy.glob("models/*/*/model.joblib")  # the bento serves it from the store
    joblib.dump(dummy, served)
    return copy


def monitoring_cost(
    repo: Path, homes: dict[str, Path], tag: str, scripts: dict[str, Path], args, work: Path
) -> dict[str, dict[str, list[dict[str, float]]]]:
    """The three servers (records on, off, no-work ceiling) up side by side, loaded in turn:
    each round runs single-row requests at 64 connections against each, then 1,000-row
    requests at 8 connections against the two real ones. Every wrk run, per server."""
    # shadow: records on, and the model file itself as a candidate in shadow (the same
    # work again, off the answering path: what a real candidate of the same kind costs)
    shadow = {"SHADOW_MODEL": str(repo / "models/model.joblib")}
    env = {"on": {}, "shadow": shadow, "off": MONITORING_OFF, "ceiling": MONITORING_OFF}
    runs: dict[str, dict[str, list[dict[str, float]]]] = {
        name: {"one": [], "thousand": []} for name in env
    }
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(
                served_bento(repo, homes[name], tag, work / f"{name}.log", **env[name])
            )
            for name in env
        }
        for _ in range(args.rounds):
            for name, server in servers.items():
                wrk(server.url, scripts["one"], 64, 2)  # the batching optimiser re-learns
                runs[name]["one"].append(wrk(server.url, scripts["one"], 64, args.seconds))
            for name in ("on", "off"):
                wrk(servers[name].url, scripts["thousand"], 8, 2)
                big = wrk(servers[name].url, scripts["thousand"], 8, args.seconds)
                runs[name]["thousand"].append(big)
    return runs


def median(figures: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median requests/s."""
    return sorted(figures, key=lambda f: f["rps"])[len(figures) // 2]


def record_bytes(home: Path) -> int:
    return sum(f.stat().st_size for f in (home / "monitoring").rglob("*") if f.is_file())


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
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the monitoring cost")
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
            written = record_bytes(home)
            soak = wrk(server.url, one, 64, args.soak)
            rss_end = tree_rss(server.pid)
            time.sleep(1)  # records are written after each response
            per_record = (record_bytes(home) - written) / (soak["rps"] * args.soak)
            fuzzed = fuzz(server.url, args.examples, work)
        homes = {"on": home, "shadow": home, "off": home}
        homes["ceiling"] = no_work_home(home, model, train, params.data.target)
        scripts = {"one": one, "thousand": thousand}
        cost = monitoring_cost(repo, homes, tag, scripts, args, work)

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
    print(f"the cost of monitoring: servers side by side, median of {args.rounds} rounds")
    names = {
        "on": "records on (as shipped)",
        "shadow": "records on, a candidate in shadow",
        "off": "records off",
        "ceiling": "no-work model",
    }
    one_row = {name: median(runs["one"]) for name, runs in cost.items()}
    print("  single-row requests, 64 connections")
    for name, figures in one_row.items():
        print(line(names[name], figures))
    ceiling = one_row["ceiling"]["rps"]
    on, off = one_row["on"]["rps"] / ceiling, one_row["off"]["rps"] / ceiling
    print(f"  records on / ceiling: {on:.2f}x; records off / ceiling: {off:.2f}x")
    shadowed = one_row["shadow"]["rps"] / one_row["on"]["rps"]
    print(
        f"  shadow on / off (records on both): {shadowed:.2f}x (goal >= 0.6x); p99 "
        f"{one_row['shadow']['p99']:.0f} ms vs {one_row['on']['p99']:.0f} ms"
    )
    print("  1,000-row requests, 8 connections")
    rates = {}
    for name in ("on", "off"):
        rates[name] = median(cost[name]["thousand"])["rps"] * 1000
        rate = rates[name]
        print(f"  {names[name]:<34} {rate:8.0f} rows/s = {rate / limits[1000]:.2f}x in-process")
    print(f"  records on / records off: {rates['on'] / rates['off']:.2f}x (goal >= 0.8x)")
    rows_per_s = big["rps"] * 1000
    ratio = rows_per_s / limits[1000]
    print(f"1,000-row requests: {rows_per_s:.0f} rows/s = {ratio:.2f}x in-process, ", end="")
    print(f"p99 {big['p99']:.0f} ms, errors {big['errors']:.0f}")
    start_mib, end_mib = rss_start / 2**20, rss_end / 2**20
    print(f"soak {args.soak} s at 64 connections: {soak['rps']:.0f} req/s, ", end="")
    print(f"errors {soak['errors']:.0f}, p99 {soak['p99']:.1f} ms, ", end="")
    print(f"memory {start_mib:.0f} -> {end_mib:.0f} MiB ({end_mib / start_mib - 1:+.1%}), ", end="")
    print(f"{per_record:.0f} bytes of records per prediction")
    print(f"schemathesis: {fuzzed}")
    print(
        "goals: >= 3x baseline at 64 connections, p99 < 150 ms, 1,000-row >= 0.5x in-process, "
        "records on >= 0.85x ceiling, soak 0 errors and memory within 10 %"
    )


if __name__ == "__main__":
    main()
