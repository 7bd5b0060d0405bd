"""`make smoke`: serve the built bento on 127.0.0.1 and check it answers like the model file.

The same checks run on the container image (`make smoke-image`, classifier.serving.image)
before anything is published: /readyz, /metadata naming this model and commit, every
test row answered as the model file answers it (labels exactly, probabilities to
rounding), and a bad request refused with a 400 that names the field.

A test row the service's own request type refuses (a category training never saw: the
model's encoder would ignore it, the service refuses it) is expected to be refused,
with the same field named; every other row must be answered as the model answers it.
So a rare level that fell into the test split never breaks a release, and the smoke
test says which rows it was.

Calls go through BentoML's own client (`bentoml.SyncHTTPClient`). Readiness does not:
its wait loop retries a refused connection without pausing (one core spinning while
the server starts on the other) and cannot tell a crashed server from a slow one;
`wait_ready` polls every 0.3 s and asks whether the server is still alive.
"""

import logging
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bentoml
import httpx
import joblib
import numpy as np
import pandas as pd
from pydantic import ValidationError

from classifier.contracts.errors import UserError
from classifier.contracts.features import FeatureSchema
from classifier.contracts.keys import dotted
from classifier.contracts.labels import label_text
from classifier.contracts.params import Params, load_params
from classifier.serving.artifacts import built_bento
from classifier.serving.messages import request_rows, row_model
from classifier.tools.git import commit_sha

log = logging.getLogger(__name__)

READY_TIMEOUT = 120.0


@dataclass(frozen=True)
class Server:
    """A running server: where to reach it, why it is gone (None while it runs), its process."""

    url: str
    gone: Callable[[], str | None]
    pid: int | None = None  # the root of a local server's process tree


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(server: Server, timeout: float = READY_TIMEOUT) -> None:
    """Poll /readyz until it answers 200; a server that stops or never gets ready is an error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reason = server.gone()
        if reason:
            raise UserError(f"the server stopped before it was ready: {reason}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise UserError(f"{server.url}/readyz did not answer 200 within {timeout:.0f} s")


@contextmanager
def process_server(
    command: list[str], cwd: Path, url: str, log_file: Path, env: dict[str, str]
) -> Iterator[Server]:
    """Run a server in its own process group until the block ends, ready before it starts."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("w") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def gone() -> str | None:
        status = process.poll()
        return None if status is None else f"it exited with status {status} (log: {log_file})"

    server = Server(url, gone, process.pid)
    try:
        wait_ready(server)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def bentoml_serve(
    tag: str, cwd: Path, log_file: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """`bentoml serve TAG` on a free port of 127.0.0.1."""
    port = free_port()
    command = ["bentoml", "serve", tag, "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with process_server(command, cwd, url, log_file, env or dict(os.environ)) as server:
        yield server


def mismatches(
    answers: list[dict[str, Any]], model: Any, frame: pd.DataFrame, rows: list[int] | None = None
) -> list[str]:
    """Where the service disagrees with the model file (rounding of 1e-12 allowed); `rows`
    numbers the frame's rows in messages (default 0, 1, …)."""
    problems = []
    expected = model.predict(frame)
    proba = model.predict_proba(frame)
    names = rows or list(range(len(frame)))
    for i, answer in enumerate(answers[: len(frame)]):
        if answer["label"] != expected[i]:
            said = f"label {answer['label']!r}, model says {label_text(expected[i])!r}"
            problems.append(f"row {names[i]}: {said}")
        served = np.array([answer["probabilities"].get(label_text(c)) for c in model.classes_])
        if None in served or not np.allclose(
            served.astype(float), proba[i], rtol=1e-12, atol=1e-15
        ):
            problems.append(f"row {names[i]}: probabilities differ from the model's")
    if len(answers) != len(frame):
        problems.append(f"{len(answers)} answers for {len(frame)} rows")
    return problems


def expected_refusals(rows: list[dict[str, Any]], schema: FeatureSchema) -> dict[int, str]:
    """Test rows the service's request type refuses, each with the path it must name."""
    Row = row_model(schema)
    refused = {}
    for i, row in enumerate(rows):
        try:
            Row.model_validate(row)
        except ValidationError as err:
            refused[i] = dotted(["rows", 0, *err.errors()[0]["loc"]])
    return refused


def check(url: str, params: Params, model_tag: str, commit: str) -> list[str]:
    """Everything the smoke test asserts, against a running server.

    Args:
        url: where the service answers (a local bento or the image).
        params: the validated params.yaml (the model file, the test split).
        model_tag: the model the service must name in /metadata.
        commit: the commit it must name.

    Returns:
        One line per check that passed.

    Raises:
        UserError: the first check that failed, named.
    """
    model = joblib.load(params.paths.model)
    frame = pd.read_parquet(params.paths.test_data).drop(columns=[params.data.target])
    with bentoml.SyncHTTPClient(url, server_ready_timeout=0, timeout=60) as client:
        metadata = client.request("GET", "/metadata").json()
        if (metadata["model"], metadata["git_sha"]) != (model_tag, commit):
            served = f"{metadata['model']} from {metadata['git_sha']}"
            raise UserError(f"/metadata names {served}, not {model_tag} from {commit}")
        schema = FeatureSchema.from_json(metadata["features"])
        rows = request_rows(frame, schema)
        expected = expected_refusals(rows, schema)
        kept = [i for i in range(len(rows)) if i not in expected]
        if not kept:
            raise UserError(f"the service's request type refuses all {len(rows)} test rows")
        answers = client.predict(rows=[rows[i] for i in kept])
        problems = mismatches(answers, model, frame.iloc[kept], kept)
        if problems:
            raise UserError("the service disagrees with the model file: " + "; ".join(problems[:5]))
        refused = refusal(client, schema)
        unseen = [refused_as_expected(client, i, rows[i], path) for i, path in expected.items()]
    passed = [
        f"/metadata names model {model_tag}, commit {commit[:12]}",
        f"{len(kept)} test rows answered as the model file answers them",
        f"a bad request is refused: 400 {refused}",
    ]
    if unseen:
        passed.append(
            f"{len(unseen)} test rows refused as expected (values training never saw, which "
            "the model would ignore): " + "; ".join(unseen[:5]) + (" …" if len(unseen) > 5 else "")
        )
    return passed


def refused_as_expected(client: bentoml.SyncHTTPClient, i: int, row: dict, path: str) -> str:
    """Send test row `i` alone; the service must refuse it with a 400 naming `path`."""
    response = client.request("POST", "/predict", json={"rows": [row]})
    error = response.json().get("error", "") if response.status_code == 400 else ""
    if path not in error:
        raise UserError(
            f"test row {i} holds a value training never saw ({path}); the service answered "
            f"HTTP {response.status_code} {response.text[:200]!r}, not a 400 naming it"
        )
    return f"test row {i}: {error.split(';')[0]}"


def refusal(client: bentoml.SyncHTTPClient, schema: FeatureSchema) -> str:
    """Send a row with its first feature missing; the 400 must name that field."""
    field = schema.features[0]
    response = client.request("POST", "/predict", json={"rows": [{}]})
    error = response.json().get("error", "") if response.status_code == 400 else ""
    if dotted(["rows", 0, field]) not in error:
        raise UserError(
            f"a row without '{field}' got HTTP {response.status_code} {response.text[:200]!r}, "
            "not a 400 naming the field"
        )
    return error.split(";")[0]


def main(argv: list[str]) -> None:
    """Serve the last built bento, check it, stop it."""
    params = load_params()
    built = built_bento()
    with bentoml_serve(built["bento"], Path.cwd(), Path("build/smoke-serve.log")) as server:
        passed = check(server.url, params, built["model"], commit_sha())
    log.info("smoke test of %s passed:\n  %s", built["bento"], "\n  ".join(passed))
