"""The model candidates params.yaml may name, and the pipeline each one is wrapped in."""

from collections.abc import Callable, Sequence
from difflib import get_close_matches
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from classifier.contracts.keys import dotted

# Fixed settings a grid does not need to repeat: enough iterations to converge and
# the seed wherever there is randomness. Grids in params.yaml name these estimators' parameters.
MODELS: dict[str, Callable[[int], BaseEstimator]] = {
    "logistic_regression": lambda seed: LogisticRegression(max_iter=5000, random_state=seed),
    "decision_tree": lambda seed: DecisionTreeClassifier(random_state=seed),
    "random_forest": lambda seed: RandomForestClassifier(random_state=seed, n_jobs=1),
    "gradient_boosting": lambda seed: GradientBoostingClassifier(random_state=seed),
    "hist_gradient_boosting": lambda seed: HistGradientBoostingClassifier(random_state=seed),
    "knn": lambda seed: KNeighborsClassifier(),
    "svm": lambda seed: SVC(random_state=seed),
}

# Models without predict_proba get Platt scaling (what SVC(probability=True) did before
# scikit-learn 1.9 deprecated it), so ROC AUC, log loss and the service's probabilities exist.
CALIBRATED = {"svm"}

MODEL_STEP = "model"


def make_estimator(name: str, seed: int) -> BaseEstimator:
    """A fresh, unfitted estimator for a registered candidate name, as its grid addresses it."""
    return MODELS[name](seed)


def make_model(name: str, seed: int, settings: dict[str, Any] | None = None) -> BaseEstimator:
    """The pipeline's final step: the estimator with `settings`, calibrated where it needs to be."""
    estimator = make_estimator(name, seed).set_params(**(settings or {}))
    if name in CALIBRATED:
        return CalibratedClassifierCV(estimator, ensemble=False)
    return estimator


def grid_prefix(name: str) -> str:
    """How GridSearchCV addresses a candidate's own parameters inside the pipeline."""
    return f"{MODEL_STEP}__estimator__" if name in CALIBRATED else f"{MODEL_STEP}__"


def candidate_problems(candidates: dict[str, dict[str, list[Any]]]) -> list[str]:
    """Why train.candidates cannot be searched, one "'key': problem" each; empty when fine."""
    if not candidates:
        return [
            f"'train.candidates': list at least one model; allowed: {', '.join(sorted(MODELS))}"
        ]
    return [
        f"'{dotted(('train', 'candidates', *loc))}': {message}"
        for name, grid in candidates.items()
        for loc, message in grid_problems(name, grid)
    ]


def grid_problems(name: str, grid: dict[str, list[Any]]) -> list[tuple[tuple[str, ...], str]]:
    """Why a candidate's grid is invalid: (key path, message) per problem, empty when it is fine."""
    if name not in MODELS:
        hint = _did_you_mean(name, MODELS)
        return [((name,), f"unknown model{hint}; allowed: {', '.join(sorted(MODELS))}")]
    problems: list[tuple[tuple[str, ...], str]] = []
    allowed = make_estimator(name, 0).get_params(deep=False)
    cls = type(make_estimator(name, 0)).__name__
    for key, values in grid.items():
        if key not in allowed:
            hint = _did_you_mean(key, allowed)
            problems.append(((name, key), f"not a parameter of {cls}{hint}"))
            continue
        problems.extend(
            ((name, key), problem) for v in values if (problem := _value_problem(name, key, v))
        )
    return problems


def _value_problem(name: str, key: str, value: Any) -> str | None:
    estimator = make_estimator(name, 0).set_params(**{key: value})
    try:
        estimator._validate_params()
    except InvalidParameterError as err:
        return str(err)
    return None


def _did_you_mean(word: str, choices: Any) -> str:
    match = get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def build_pipeline(
    estimator: BaseEstimator, numeric: Sequence[str], categorical: Sequence[str]
) -> Pipeline:
    """Impute and scale numerics; impute and one-hot categoricals (unknown ones ignored); model."""
    transformers = []
    if numeric:
        numeric_steps = Pipeline(
            [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
        )
        transformers.append(("numeric", numeric_steps, list(numeric)))
    if categorical:
        categorical_steps = Pipeline(
            [
                ("impute", SimpleImputer(strategy="most_frequent")),
                ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]
        )
        transformers.append(("categorical", categorical_steps, list(categorical)))
    preprocess = ColumnTransformer(transformers, remainder="drop")
    return Pipeline([("preprocess", preprocess), (MODEL_STEP, estimator)])
