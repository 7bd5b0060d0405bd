"""Image figures: size per layer, build times, cold start, and throughput beside the host.

Run with `make bench-image` (needs a Docker engine and Debian's wrk; testkit starts a
private engine as root when none answers). In a temporary copy of the project it trains,
builds the bento and then, in one run:

- a cold build (`--no-cache`; the base image is reused) and its size per layer;
- a rebuild after the model changed (the wheels layer comes from the cache);
- cold start: `docker run` to the first 200 from /readyz, median of three;
- single-row requests/s at 64 connections: the container against `bentoml serve` of
  the same bento on the host (wrk, one thread, 127.0.0.1).

Goals (issue #12): 650 MB or less, container at 0.9x the host's requests/s or better.
"""

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import joblib
import pandas as pd
import yaml
from testkit.engine import Engine, engine
from testkit.load import line, request_body, wrk, wrk_script
from testkit.repo import project_repo, run, tool_env
from testkit.server import build_bento, served_bento

from classifier.contracts.params import load_params
from classifier.serving.bento import feature_schema
from classifier.serving.image import container
from classifier.serving.messages import request_rows


def timed(command: list[str], repo: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    run(command, repo, **env)
    return time.perf_counter() - started


def layers(image: str, env: dict[str, str]) -> list[tuple[int, str]]:
    out = subprocess.run(
        ["docker", "history", "--no-trunc", "--format", "{{json .}}", image],
        env=tool_env(**env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    sized = [(size_bytes(r["Size"]), r["CreatedBy"]) for r in rows]
    return [(size, command) for size, command in sized if size]


def size_bytes(text: str) -> int:
    units = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * units[unit])
    return 0


def cold_start(image: str, env: dict[str, str]) -> float:
    os.environ.update(env)  # container() calls docker in this process
    started = time.perf_counter()
    with container(image, f"bench-cold-{os.getpid()}"):
        return time.perf_counter() - started


def retrain(repo: Path) -> None:
    """Another model: a different seed for the split, so the bento's model changes."""
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params["split"]["seed"] += 1
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    run(["classifier", "run"], repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="duration of each load run")
    args = parser.parse_args()
    found = engine()
    if isinstance(found, str):
        raise SystemExit(f"no Docker engine: {found}")
    assert isinstance(found, Engine)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-image-") as tmp:
            report(Path(tmp), found.env, args.seconds)
    finally:
        found.stop()


def report(work: Path, engine_env: dict[str, str], seconds: int) -> None:
    repo = project_repo(work / "repo")
    run(["classifier", "run"], repo)
    home = work / "bentoml"
    tag = build_bento(repo, home)
    env = {**engine_env, "BENTOML_HOME": str(home), "IMAGE_NAME": "classifier-bench"}
    cold = timed(["classifier", "image", "build", "--no-cache"], repo, env)
    image = json.loads((repo / "build/image.json").read_text())["id"]
    sizes = layers(image, env)
    starts = [cold_start(image, env) for _ in range(3)]

    params = load_params(repo / "params.yaml")
    model = joblib.load(repo / params.paths.model)
    train = pd.read_parquet(repo / params.paths.train_data)
    test = pd.read_parquet(repo / params.paths.test_data).drop(columns=[params.data.target])
    rows = request_rows(test, feature_schema(model, params.data, train))
    one = wrk_script(work / "one.lua", request_body(rows[:1]))
    with served_bento(repo, home, tag, work / "serve.log") as server:
        wrk(server.url, one, 64, 3)
        host = wrk(server.url, one, 64, seconds)
    with container(image, f"bench-load-{os.getpid()}") as server:
        wrk(server.url, one, 64, 3)
        boxed = wrk(server.url, one, 64, seconds)

    retrain(repo)
    build_bento(repo, home)
    rebuild = timed(["classifier", "image", "build"], repo, env)

    print(f"image {image[:19]}: {sum(s for s, _ in sizes) / 1e6:.0f} MB in {len(sizes)} layers")
    for size, command in sizes:
        shown = command.replace("/bin/sh -c ", "")[:90] or "(the base image)"
        print(f"  {size / 1e6:8.1f} MB  {shown}")
    print(f"cold build (no cache; base image reused)    {cold:6.1f} s")
    print(f"rebuild after the model changed             {rebuild:6.1f} s")
    print(f"cold start to /readyz (median of 3)         {statistics.median(starts):6.1f} s")
    print("single-row requests, 64 connections")
    print(line("bentoml serve on the host", host))
    print(line("the image (docker run, host network)", boxed))
    print(f"  container / host: {boxed['rps'] / host['rps']:.2f}x")
    print("goals: <= 650 MB; container >= 0.9x the host")


if __name__ == "__main__":
    main()
