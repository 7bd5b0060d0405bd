"""Fixtures of the integration tier that need more than a git repository: a Docker engine."""

import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from testkit.engine import Engine, engine
from testkit.moto import moto_server
from testkit.repo import run, tool_env

from classifier.serving.image import LOCAL_BASE, OFFICIAL_BASE

from ..fake_github import fake_github, serve

HEAD = "0123456789abcdef0123456789abcdef01234567"  # the PR head the fake GitHub API knows
PERSON = "person-token"


@pytest.fixture(scope="session")
def docker_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """How to reach a real Docker engine with a base image; the tests using it skip, saying
    why, only where no engine can be started at all. Mark them xdist_group("docker")."""
    found = engine()
    if isinstance(found, str):
        pytest.skip(found)
    assert isinstance(found, Engine)
    env = {**found.env, "IMAGE_NAME": f"classifier-test-{tmp_path_factory.getbasetemp().name}"}
    if not has_image(env, LOCAL_BASE) and not has_image(env, OFFICIAL_BASE):
        run(["classifier", "image", "base"], Path.cwd(), **env)  # one-off: no registry here
    yield env
    found.stop()


def has_image(env: dict[str, str], name: str) -> bool:
    """Whether the engine holds an image of that name."""
    inspected = subprocess.run(
        ["docker", "image", "inspect", name], env=tool_env(**env), capture_output=True
    )
    return inspected.returncode == 0


@pytest.fixture
def moto_s3(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A moto S3 with the bucket testkit.moto.BUCKET, IAM checks off: (URL, working keys)."""
    with moto_server(tmp_path / "moto.log", strict=False) as server:
        yield server


@pytest.fixture
def strict_moto_s3(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The same with IAM checks on: unknown keys are refused."""
    with moto_server(tmp_path / "moto-strict.log", strict=True) as server:
        yield server


# ---- the workflows' jobs (test_workflows, test_pr_loop) ----


@pytest.fixture
def pr_clone(clone) -> Path:
    """A PR branch in a clone whose `origin` is the repository with `main`'s results."""
    run(["git", "remote", "add", "origin", str(clone)], clone)
    run(["git", "fetch", "-q", "origin"], clone)
    run(["git", "checkout", "-q", "-b", "pr"], clone)
    return clone


@pytest.fixture
def fake_upload_host():
    """A stand-in for CML's asset host on 127.0.0.1: records every upload's bytes."""
    received: list[bytes] = []

    class FakeUploadHost(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            pass

    with serve(FakeUploadHost) as url:
        yield url, received


@pytest.fixture
def github():
    """The fake GitHub API with PR #7 at HEAD, and a person's token."""
    with fake_github() as (api, state):
        state.pulls[7] = {"number": 7, "state": "open", "head": {"sha": HEAD}}
        state.users[PERSON] = "octocat"
        yield api, state
