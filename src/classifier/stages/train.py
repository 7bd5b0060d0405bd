"""Stage `train`: each candidate tuned by grid search with stratified k-fold CV; best refit."""

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from classifier.contracts.errors import UserError
from classifier.contracts.metrics import METRICS
from classifier.contracts.params import Params, load_params
from classifier.stages.candidates import build_pipeline, grid_prefix, make_model
from classifier.stages.compute import backend
from classifier.stages.scoring import scorer
from classifier.tools.files import write_json, write_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CandidateResult:
    """One candidate's cross-validation outcome at its best grid point.

    Fit time is wall-clock: it is logged, not written, so results stay byte-identical
    across runs and dvc.lock does not change when nothing else did.
    """

    name: str
    mean: float
    std: float
    folds: list[float]
    best_params: dict[str, Any]
    grid_size: int
    mean_fit_seconds: float

    def summary(self) -> dict[str, Any]:
        """What reports/cv.json records: everything but the wall-clock fit time."""
        return {
            "name": self.name,
            "mean": self.mean,
            "std": self.std,
            "folds": self.folds,
            "best_params": self.best_params,
            "grid_size": self.grid_size,
            "fits": self.grid_size * len(self.folds),
        }


def search(
    name: str, grid: dict[str, list[Any]], X: pd.DataFrame, y: pd.Series, params: Params
) -> CandidateResult:
    """Grid-search one candidate with stratified k-fold CV.

    Args:
        name: the candidate (a key of train.candidates).
        grid: its scikit-learn parameters, each a list of values to search.
        X, y: the rows model selection runs on (a stratified sample above
            train.selection_max_rows).
        params: the validated params.yaml (folds, seed, scoring, compute).

    Returns:
        The candidate's mean and standard deviation of the score over the folds at its
        best grid point, that point, and the fit times. The same whatever the number of
        jobs or the backend.
    """
    pipeline = build_pipeline(
        make_model(name, params.train.seed), params.data.numeric, params.data.categorical
    )
    cv = StratifiedKFold(params.train.cv_folds, shuffle=True, random_state=params.train.seed)
    prefix = grid_prefix(name)
    searcher = GridSearchCV(
        pipeline,
        {f"{prefix}{key}": values for key, values in grid.items()},
        scoring=scorer(params.train.scoring, params.data),
        cv=cv,
        n_jobs=params.compute.n_jobs,
        refit=False,
        error_score="raise",
    )
    try:
        searcher.fit(X, y)
    except (ValueError, TypeError) as err:
        raise UserError(
            f"train.candidates.{name}: a grid combination cannot be fit: {err}"
        ) from None
    results = searcher.cv_results_
    best = int(searcher.best_index_)
    sign = 1 if METRICS[params.train.scoring].higher_is_better else -1
    folds = [
        sign * float(results[f"split{i}_test_score"][best]) for i in range(params.train.cv_folds)
    ]
    return CandidateResult(
        name=name,
        mean=sign * float(results["mean_test_score"][best]),
        std=float(results["std_test_score"][best]),
        folds=folds,
        best_params={k.removeprefix(prefix): v for k, v in searcher.best_params_.items()},
        grid_size=len(results["params"]),
        mean_fit_seconds=float(results["mean_fit_time"][best]),
    )


def pick_best(results: list[CandidateResult], scoring: str) -> CandidateResult:
    """Best mean CV score; ties go to the smaller std, then to the candidate listed first."""
    sign = 1 if METRICS[scoring].higher_is_better else -1
    return max(
        results, key=lambda r: (round(sign * r.mean, 9), -round(r.std, 9), -results.index(r))
    )


def refit(best: CandidateResult, X: pd.DataFrame, y: pd.Series, params: Params) -> Pipeline:
    """Fit the winning candidate at its best grid point on the whole training set.

    Args:
        best: the winner of model selection.
        X, y: every training row.
        params: the validated params.yaml.

    Returns:
        The fitted pipeline (impute, scale, one-hot, model), as models/model.joblib holds it.
    """
    model = make_model(best.name, params.train.seed, best.best_params)
    return build_pipeline(model, params.data.numeric, params.data.categorical).fit(X, y)


def cv_report(
    results: list[CandidateResult],
    best: CandidateResult,
    params: Params,
    sample: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """reports/cv.json: what model selection tried and chose (and on how many rows, when it
    was a sample: `{"rows": selection rows, "of": training rows}`)."""
    report: dict[str, Any] = {
        "scoring": params.train.scoring,
        "cv_folds": params.train.cv_folds,
        "best": best.name,
        "candidates": [r.summary() for r in results],
    }
    if sample is not None:
        report["sample"] = {"rows": sample[0], "of": sample[1]}
    return report


def selection_rows(
    X: pd.DataFrame, y: pd.Series, params: Params
) -> tuple[pd.DataFrame, pd.Series, tuple[int, int] | None]:
    """The rows model selection runs on: all of them, or above train.selection_max_rows a
    seeded sample stratified by class (each class keeps its share)."""
    limit = params.train.selection_max_rows
    if len(X) <= limit:
        return X, y, None
    X_sample, _, y_sample, _ = train_test_split(
        X, y, train_size=limit, stratify=y, random_state=params.train.seed
    )
    return X_sample, y_sample, (limit, len(X))


SMALL_CLASS = "The least populated class in y has only"


def main(argv: list[str]) -> None:
    """Read the training split; write the best model and reports/cv.json."""
    params = load_params()
    # Said once, in our words, by prepare's data warnings (a class of a few rows); raised
    # per fit by the SVM's internal calibration folds, which train.cv_folds does not set.
    warnings.filterwarnings("ignore", message=SMALL_CLASS, category=UserWarning)
    X, y = params.data.model_inputs(pd.read_parquet(params.paths.train_data))
    X_selection, y_selection, sample = selection_rows(X, y, params)
    if sample:
        log.info("model selection on a stratified sample of %s of %s rows", *map(_n, sample))
    results = []
    with backend(params.compute):
        for name, grid in params.train.candidates.items():
            found = search(name, grid, X_selection, y_selection, params)
            results.append(found)
            log.info(
                "%-22s %s %.4f ± %.4f  %3d fits, %.3f s per fit",
                name,
                params.train.scoring,
                found.mean,
                found.std,
                found.grid_size * len(found.folds),
                found.mean_fit_seconds,
            )
    best = pick_best(results, params.train.scoring)
    model = refit(best, X, y, params)
    log.info("best: %s %s", best.name, best.best_params)
    write_model(params.paths.model, model)
    write_json(params.paths.cv_report, cv_report(results, best, params, sample))


def _n(count: int) -> str:
    return f"{count:,}"
