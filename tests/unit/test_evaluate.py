"""Evaluate's permutation importance: where it runs does not change what it finds."""

import pytest

from classifier.stages import evaluate
from classifier.stages.data import split
from classifier.stages.train import CandidateResult, refit


@pytest.fixture(scope="module")
def fitted(fruit_frame, fruit_params):
    train, test = split(fruit_frame, fruit_params.data, fruit_params.split)
    X, y = fruit_params.data.model_inputs(train)
    best = CandidateResult("random_forest", 0.0, 0.0, [], {"n_estimators": 20}, 1, 0.0)
    params = fruit_params.model_copy(
        update={"compute": fruit_params.compute.model_copy(update={"n_jobs": 2})}
    )
    return refit(best, X, y, params), *params.data.model_inputs(test), params


def test_small_importance_work_runs_in_this_process_and_big_work_on_workers(fitted, monkeypatch):
    model, X, y, params = fitted
    score = evaluate.scorer(params.train.scoring, params.data)
    assert evaluate.importance_jobs(model, X, y, score, params) == 1
    monkeypatch.setattr(evaluate, "IN_PROCESS_SECONDS", 0.0)
    assert evaluate.importance_jobs(model, X, y, score, params) == 2
    dask = params.model_copy(
        update={"compute": params.compute.model_copy(update={"backend": "dask"})}
    )
    assert evaluate.importance_jobs(model, X, y, score, dask) == 2  # the cluster decides


def test_importance_is_the_same_in_this_process_and_on_worker_processes(fitted, monkeypatch):
    model, X, y, params = fitted
    here = evaluate.importance(model, X, y, params)
    monkeypatch.setattr(evaluate, "IN_PROCESS_SECONDS", 0.0)
    on_workers = evaluate.importance(model, X, y, params)
    assert on_workers == here
    assert {row["feature"] for row in here} == set(X.columns)
    assert any(row["mean"] > 0 for row in here)
