"""Shared fixtures: the project's params and data, and real temporary git + DVC repositories."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from testkit.repo import ROOT, git_commit, new_repo, run

from classifier.contracts.params import Params, load_params
from classifier.stages.data import features_and_target, load_raw, split
from classifier.stages.train import CandidateResult, refit


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Build a temporary git repository holding the project, committed on branch main."""

    def factory(name: str = "repo", with_results: bool = True) -> Path:
        return new_repo(tmp_path / name, with_results=with_results)

    return factory


@pytest.fixture(scope="session")
def history(tmp_path_factory) -> tuple[Path, str]:
    """A fresh repo: a first commit without results, then `main` with one cold `dvc repro`."""
    repo = new_repo(tmp_path_factory.mktemp("history") / "repo", with_results=False)
    first = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    result = run(["classifier", "run"], repo)
    assert all(f"Running stage '{s}'" in result.stdout for s in ("prepare", "train", "evaluate"))
    git_commit(repo, "results")
    return repo, first


@pytest.fixture
def clone(history, tmp_path: Path) -> Path:
    """A private copy of `history` (git history and DVC cache included), on `main`."""
    target = tmp_path / "clone"
    shutil.copytree(history[0], target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def params() -> Params:
    """The project's params.yaml."""
    return load_params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def penguins(params: Params) -> pd.DataFrame:
    """The bundled dataset, validated."""
    return load_raw(ROOT / params.paths.raw_data, params.data)


@pytest.fixture(scope="session")
def selected_model(penguins: pd.DataFrame, params: Params) -> Pipeline:
    """The committed model-selection winner (reports/cv.json), refit on the training split."""
    cv = json.loads((ROOT / params.paths.cv_report).read_text())
    best = next(c for c in cv["candidates"] if c["name"] == cv["best"])
    train, _ = split(penguins, params.data, params.split)
    X, y = features_and_target(train, params.data)
    chosen = CandidateResult(
        best["name"], best["mean"], best["std"], [], best["best_params"], 1, 0.0
    )
    return refit(chosen, X, y, params)
