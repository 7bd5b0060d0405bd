"""`make smoke`: serve the built bento on 127.0.0.1 and check it answers like the model file.

What the release workflow runs before it containerizes anything: /readyz, predictions
for every test row equal to the offline model's (labels exactly, probabilities to
rounding), and /metadata naming this commit.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from classifier.contracts.errors import UserError
from classifier.contracts.git import commit_sha
from classifier.contracts.labels import label_text
from classifier.contracts.params import load_params
from classifier.serving.api import request_rows
from classifier.serving.bento import built_tag

log = logging.getLogger(__name__)

READY_TIMEOUT = 120.0


@dataclass(frozen=True)
class Server:
    """A running server: where to reach it, and the process at the root of its tree."""

    url: str
    pid: int


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = READY_TIMEOUT) -> None:
    """Poll /readyz until it answers 200; a server that exits or never gets ready is an error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(f"the server exited with status {process.returncode} before /readyz")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310 - our URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise UserError(f"{url}/readyz did not answer 200 within {timeout:.0f} s")


@contextmanager
def serving(
    command: list[str], cwd: Path, url: str, log: Path, env: dict[str, str]
) -> Iterator[Server]:
    """Run a server in its own process group until the block ends, ready before it starts."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_ready(url, process)
        yield Server(url, process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def bentoml_serve(
    tag: str, cwd: Path, log: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`bentoml serve TAG` on a free port of 127.0.0.1."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = ["bentoml", "serve", tag, "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, cwd, url, log, env or dict(os.environ)) as server:
        yield server


def post_json(url: str, payload: Any) -> Any:
    """POST JSON and decode the JSON answer."""
    request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 URL
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our URL
        return json.loads(response.read())


def mismatches(answers: list[dict[str, Any]], model: Any, frame: pd.DataFrame) -> list[str]:
    """Where the service disagrees with the model file (rounding of 1e-12 allowed)."""
    problems = []
    expected = model.predict(frame)
    proba = model.predict_proba(frame)
    for i, answer in enumerate(answers):
        if answer["label"] != expected[i]:
            problems.append(f"row {i}: label {answer['label']!r}, model says {expected[i]!r}")
        served = np.array([answer["probabilities"][label_text(c)] for c in model.classes_])
        if not np.allclose(served, proba[i], rtol=1e-12, atol=1e-15):
            problems.append(f"row {i}: probabilities differ from the model's")
    if len(answers) != len(frame):
        problems.append(f"{len(answers)} answers for {len(frame)} rows")
    return problems


def check(url: str, model_path: Path, test_path: Path, target: str) -> str:
    """Everything the smoke test asserts; raises UserError naming what disagrees."""
    model = joblib.load(model_path)
    frame = pd.read_parquet(test_path).drop(columns=[target])
    with urllib.request.urlopen(f"{url}/metadata", timeout=10) as response:  # noqa: S310 - our URL
        metadata = json.loads(response.read())
    rows = request_rows(frame, metadata["features"])
    problems = mismatches(post_json(f"{url}/predict", {"rows": rows}), model, frame)
    if problems:
        raise UserError("the service disagrees with the model file: " + "; ".join(problems[:5]))
    served_sha = metadata["git_sha"]
    if served_sha != commit_sha():
        raise UserError(f"/metadata names commit {served_sha}, but this is {commit_sha()}")
    return (
        f"{len(frame)} test rows answered as the model file answers them; commit {served_sha[:12]}"
    )


def main(argv: list[str]) -> None:
    """Serve the last built bento, check it, stop it."""
    params = load_params()
    tag = built_tag()
    with bentoml_serve(tag, Path.cwd(), Path("build/smoke-serve.log")) as server:
        summary = check(server.url, params.paths.model, params.paths.test_data, params.data.target)
    log.info("smoke test of %s passed: %s", tag, summary)
