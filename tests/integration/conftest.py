"""Fixtures of the integration tier that need more than a git repository: a Docker engine."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit.engine import Engine, engine
from testkit.moto import moto_server
from testkit.repo import run, tool_env

from classifier.serving.image import LOCAL_BASE, OFFICIAL_BASE


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
