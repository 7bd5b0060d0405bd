"""A freshly built bento under a real `bentoml serve` (used by tests and benches)."""

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from classifier.serving.bento import find_uv
from classifier.serving.smoke import Server, bentoml_serve, free_port, process_server
from testkit.datasets import Dataset
from testkit.repo import fixture_repo, run, tool_env

__all__ = [
    "Server",
    "build_bento",
    "built_project",
    "free_port",
    "process_server",
    "schemathesis",
    "served_bento",
]


def build_bento(repo: Path, bentoml_home: Path) -> str:
    """`make bento`'s work in `repo` (which holds a trained model); returns the bento tag."""
    run(["classifier", "bento"], repo, BENTOML_HOME=str(bentoml_home), UV=find_uv())
    return json.loads((repo / "build/bento.json").read_text())["bento"]


def built_project(folder: Path, dataset: Dataset) -> tuple[Path, Path, str]:
    """A project on `dataset` in `folder`, reproduced, its bento built in a store of its
    own: (repository, BENTOML_HOME, bento tag)."""
    repo = fixture_repo(folder / "repo", dataset)
    run(["classifier", "run"], repo)
    home = repo.parent / "bentoml"
    return repo, home, build_bento(repo, home)


@contextmanager
def served_bento(
    repo: Path, bentoml_home: Path, tag: str, log: Path, **env: str
) -> Iterator[Server]:
    """`bentoml serve TAG` from `repo`'s store, on a free port of 127.0.0.1 (`env` added)."""
    served = tool_env(BENTOML_HOME=str(bentoml_home), **env)
    with bentoml_serve(tag, repo, log, served) as server:
        yield server


def schemathesis(url: str, examples: int, workdir: Path) -> subprocess.CompletedProcess:
    """Fuzz the service's /predict and /metadata from its OpenAPI schema, every check but one.

    positive_data_acceptance is left out: BentoML's spec omits requestBody.required, so an
    empty body looks valid to the fuzzer, yet refusing it (400 naming `rows`) is right.
    """
    command = ["schemathesis", "run", f"{url}/docs.json", "--checks", "all"]
    command += ["--exclude-checks", "positive_data_acceptance", "--max-examples", str(examples)]
    command += ["--seed", "1", "--generation-database", "none", "--no-color"]
    command += ["--include-path-regex", "^/(predict|metadata)$"]
    return subprocess.run(
        command, cwd=workdir, env=tool_env(), capture_output=True, text=True, check=False
    )
