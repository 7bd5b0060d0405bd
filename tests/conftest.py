"""Fixtures: the suite's own datasets and params, and real temporary git + DVC repositories.

Nothing here reads the project's params.yaml or data/raw/ except the `user_*` fixtures,
which only the dataset checks (tests/data, tests/model) use. Tests are tiered by folder:
unit, data and model run in `make test-fast`; integration (real DVC, servers, Docker,
Dask) runs in `make test` too.
"""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from testkit.datasets import Dataset, churn, fruit, params_for
from testkit.repo import ROOT, fixture_repo, git_commit, run

from classifier.contracts.params import Params, load_params, parse_params
from classifier.stages.data import load_raw, parse_raw, split
from classifier.stages.train import CandidateResult, refit

TIERS = ("unit", "data", "model", "integration")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its folder's tier, so `-m 'not integration'` is the fast tier."""
    for item in items:
        parts = Path(item.fspath).relative_to(ROOT / "tests").parts
        if parts and parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))


# ---- the suite's own data ----


@pytest.fixture(scope="session")
def fruit_data() -> Dataset:
    """Multi-class, text labels listed unsorted, awkward column names, missing values."""
    return fruit()


@pytest.fixture(scope="session")
def churn_data() -> Dataset:
    """Binary, integer labels listed [1, 0], positive class 1, a categorical of codes."""
    return churn()


@pytest.fixture(scope="session")
def fruit_params(fruit_data: Dataset) -> Params:
    return parse_params(params_for(fruit_data))


@pytest.fixture(scope="session")
def churn_params(churn_data: Dataset) -> Params:
    return parse_params(params_for(churn_data))


@pytest.fixture(scope="session")
def fruit_frame(fruit_data: Dataset, fruit_params: Params) -> pd.DataFrame:
    """The fruit table as the pipeline reads it: validated and typed."""
    return parse_raw(fruit_data.csv().encode(), fruit_data.path, fruit_params.data)


@pytest.fixture(scope="session")
def churn_frame(churn_data: Dataset, churn_params: Params) -> pd.DataFrame:
    return parse_raw(churn_data.csv().encode(), churn_data.path, churn_params.data)


@pytest.fixture(scope="session")
def fruit_model(
    fruit_frame: pd.DataFrame, fruit_params: Params
) -> tuple[Pipeline, pd.DataFrame, pd.DataFrame]:
    """A small model trained on the fruit table, as the pipeline would refit it; its splits."""
    train, test = split(fruit_frame, fruit_params.data, fruit_params.split)
    X, y = fruit_params.data.features_and_target(train)
    chosen = CandidateResult("logistic_regression", 0.9, 0.0, [], {"C": 1.0}, 1, 0.0)
    return refit(chosen, X, y, fruit_params), train, test


# ---- real repositories ----


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory, fruit_data: Dataset) -> tuple[Path, str]:
    """A fresh repo: a first commit without results, then `main` with one cold `dvc repro`."""
    repo = fixture_repo(tmp_path_factory.mktemp("history") / "repo", fruit_data)
    first = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    result = run(["classifier", "run"], repo)
    assert all(f"Running stage '{s}'" in result.stdout for s in ("prepare", "train", "evaluate"))
    git_commit(repo, "results")
    return repo, first


@pytest.fixture
def clone(history: tuple[Path, str], tmp_path: Path) -> Path:
    """A private copy of `history` (git history and DVC cache included), on `main`."""
    target = tmp_path / "clone"
    shutil.copytree(history[0], target, symlinks=True)
    return target


# ---- the user's own project: only for the dataset checks ----


@pytest.fixture(scope="session")
def user_params() -> Params:
    """The project's params.yaml."""
    return load_params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def user_data(user_params: Params) -> pd.DataFrame:
    """The project's raw data, validated against its contract."""
    return load_raw(ROOT / user_params.paths.raw_data, user_params.data)


@pytest.fixture(scope="session")
def user_split(user_data: pd.DataFrame, user_params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The project's train and test split, as the pipeline makes it."""
    return split(user_data, user_params.data, user_params.split)


@pytest.fixture(scope="session")
def user_model(user_split: tuple[pd.DataFrame, pd.DataFrame], user_params: Params) -> Pipeline:
    """The model-selection winner recorded in reports/cv.json, refit on the training split.

    Refit here rather than loaded from models/ (the DVC cache), so a fresh clone runs
    these checks without `make run`.
    """
    cv = json.loads((ROOT / user_params.paths.cv_report).read_text())
    best = next(c for c in cv["candidates"] if c["name"] == cv["best"])
    X, y = user_params.data.features_and_target(user_split[0])
    chosen = CandidateResult(
        best["name"], best["mean"], best["std"], [], best["best_params"], 1, 0.0
    )
    return refit(chosen, X, y, user_params)
