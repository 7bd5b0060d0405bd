"""A freshly built bento under a real `bentoml serve` (used by tests and benches)."""

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from classifier.smoke import Server, bentoml_serve, free_port, serving

from .repo import ROOT, run, tool_env

__all__ = ["Server", "build_bento", "free_port", "served_bento", "serving", "uv_binary"]


def uv_binary() -> str:
    """uv as the Makefile finds it: on PATH, else the copy `make` installed in .tools/."""
    return shutil.which("uv") or str(ROOT / ".tools/bin/uv")


def build_bento(repo: Path, bentoml_home: Path) -> str:
    """`make bento`'s work in `repo` (which holds a trained model); returns the bento tag."""
    run(["python", "-m", "classifier.bento"], repo, BENTOML_HOME=str(bentoml_home), UV=uv_binary())
    return json.loads((repo / "build/bento.json").read_text())["bento"]


@contextmanager
def served_bento(repo: Path, bentoml_home: Path, tag: str, log: Path) -> Iterator[Server]:
    """`bentoml serve TAG` from `repo`'s store, on a free port of 127.0.0.1."""
    with bentoml_serve(tag, repo, log, tool_env(BENTOML_HOME=str(bentoml_home))) as server:
        yield server
