"""The typed, validated view of params.yaml: one loader for the stages, report and service.

Structure, types and ranges are checked here (pydantic, unknown keys refused). Whether
a candidate's grid suits its scikit-learn model is checked by the prepare stage
(classifier.stages.candidates), so loading params imports no scikit-learn.
"""

from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from classifier.contracts.errors import UserError
from classifier.contracts.keys import dotted
from classifier.contracts.labels import Label, label_kind, label_text
from classifier.contracts.metrics import COSTS, METRICS, CostName, MetricName, target_kind
from classifier.contracts.yamlfile import read_yaml

if TYPE_CHECKING:
    import pandas as pd

PARAMS_FILE = Path("params.yaml")

# Strict, so YAML's `1` stays an integer label and `true` a boolean one (never coerced).
LabelValue = StrictBool | StrictInt | StrictStr
# What pydantic reports for a value that fits none of LabelValue's kinds (once per kind).
LABEL_TYPE_ERRORS = frozenset({"bool_type", "int_type", "string_type"})


class Problems(ValueError):
    """Validation problems found below a field, each with its key path relative to that field."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Section):
    """Every file the pipeline reads or writes; dvc.yaml interpolates the same keys."""

    raw_data: Path
    train_data: Path
    test_data: Path
    data_report: Path
    model: Path
    cv_report: Path
    metrics: Path
    per_class: Path
    confusion: Path
    importance: Path

    @field_validator("*")
    @classmethod
    def _inside_the_repository(cls, path: Path) -> Path:
        """Relative and without `..`: a PR's params must not make `make run` write elsewhere."""
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ValueError(
                f"{str(path)!r} is not inside the repository; "
                "give a path relative to its root, without '..'"
            )
        return path

    def check_inside(self, root: Path) -> None:
        """Every path, symlinks followed, lands inside `root`; else a UserError naming the key."""
        top = root.resolve()
        for key in type(self).model_fields:
            target = (root / getattr(self, key)).resolve()
            if not target.is_relative_to(top):
                raise UserError(
                    f"params.yaml: 'paths.{key}' leads outside the repository through a "
                    f"symbolic link (to {target}); point it at a file inside the repository"
                )


class DataContract(_Section):
    """What the raw table must hold; schema, preprocessing and request model derive from it."""

    target: str = Field(min_length=1)
    classes: list[LabelValue] = Field(min_length=2)
    positive_class: LabelValue | None = None
    numeric: list[str] = []
    categorical: list[str] = []
    nullable: list[str] = []
    ignore: list[str] = []
    na_values: list[str] = ["NA", ""]
    sep: str = Field(",", min_length=1, max_length=1)
    # Identical rows (every column, ids included): stop the run, drop them (counted), or
    # keep them (genuine repeated observations).
    duplicates: Literal["stop", "drop", "keep"] = "stop"

    @property
    def features(self) -> list[str]:
        """Feature columns in model input order: numerics, then categoricals."""
        return [*self.numeric, *self.categorical]

    def features_and_target(self, frame: "pd.DataFrame") -> tuple["pd.DataFrame", "pd.Series"]:
        """A prepared table as model inputs (feature order of the contract) and the target."""
        return frame[self.features], frame[self.target]

    def model_inputs(self, frame: "pd.DataFrame") -> tuple["pd.DataFrame", "pd.Series"]:
        """`features_and_target` with the categoricals as pandas categories: the same values,
        but scikit-learn's object arrays then point at one string per category, not one per
        cell (gigabytes at 10M rows). Results are identical; memory is not."""
        X, y = self.features_and_target(frame)
        return X.astype({c: "category" for c in self.categorical}), y

    @property
    def binary(self) -> bool:
        """Two classes: the positive class and the binary metrics apply."""
        return len(self.classes) == 2

    @property
    def positive(self) -> Label | None:
        """The positive class of a binary target: `positive_class`, else the second listed."""
        if not self.binary:
            return None
        return self.classes[1] if self.positive_class is None else self.positive_class

    @property
    def label_kind(self) -> type:
        """bool, int or str: how the target column is read."""
        return label_kind(self.classes)

    @field_validator("classes")
    @classmethod
    def _one_kind(cls, classes: list[Label]) -> list[Label]:
        label_kind(classes)  # ValueError when kinds are mixed
        texts = [label_text(c) for c in classes]
        repeated = sorted({t for t in texts if texts.count(t) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(map(repr, repeated))} more than once")
        return classes

    @field_validator("numeric", "categorical", "nullable", "ignore")
    @classmethod
    def _unique(cls, names: list[str]) -> list[str]:
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(map(repr, repeated))} more than once")
        return names

    @model_validator(mode="after")
    def _consistent(self) -> "DataContract":
        if not self.features:
            raise Problems(
                [(("numeric",), "no features: list at least one numeric or categorical")]
            )
        groups = {"numeric": self.numeric, "categorical": self.categorical, "ignore": self.ignore}
        seen: dict[str, str] = {self.target: "the target"}
        for group, names in groups.items():
            for name in names:
                if name in seen:
                    raise Problems([((group,), f"'{name}' is already {seen[name]}")])
                seen[name] = f"in {group}"
        stray = [n for n in self.nullable if n not in self.features]
        if stray:
            listed = ", ".join(map(repr, stray))
            raise Problems([(("nullable",), f"{listed} not in numeric or categorical")])
        self._check_positive_class()
        return self

    def _check_positive_class(self) -> None:
        if self.positive_class is None:
            return
        if not self.binary:
            raise Problems(
                [
                    (
                        ("positive_class",),
                        f"only for a binary target; data.classes lists {len(self.classes)}",
                    )
                ]
            )
        if self.positive_class not in self.classes or type(self.positive_class) is not type(
            self.classes[0]
        ):
            listed = ", ".join(repr(c) for c in self.classes)
            raise Problems(
                [
                    (
                        ("positive_class",),
                        f"{self.positive_class!r} is not in data.classes ({listed})",
                    )
                ]
            )


class Split(_Section):
    """Stratified train/test split."""

    test_size: float = Field(gt=0, lt=1)
    seed: int = Field(ge=0)


GridValue = list[Any]


class Train(_Section):
    """Model selection: every candidate tuned by grid search with stratified k-fold CV."""

    seed: int = Field(ge=0)
    cv_folds: int = Field(ge=2, le=50)
    scoring: MetricName
    candidates: dict[str, dict[str, GridValue]]
    # Above this many training rows, model selection runs on a seeded stratified sample
    # of that size; the winner is refit on every training row.
    selection_max_rows: int = Field(1_000_000, ge=100)

    @field_validator("candidates", mode="before")
    @classmethod
    def _grids(cls, candidates: Any) -> Any:
        """`name:` alone means the model's defaults; a scalar, one fixed value."""
        if not isinstance(candidates, dict):
            return candidates  # pydantic names the type that was expected
        return {
            name: _as_grid(name, grid or {}) if isinstance(grid, dict) or grid is None else grid
            for name, grid in candidates.items()
        }


def _as_grid(name: str, grid: dict[str, Any]) -> dict[str, GridValue]:
    """A scalar means one fixed value; an empty list is a mistake."""
    out = {}
    for key, values in grid.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise Problems([((name, key), "empty list of values; give at least one")])
        out[key] = values
    return out


class Evaluate(_Section):
    """Test-set evaluation: permutation importance settings."""

    importance_repeats: int = Field(ge=1, le=100)
    importance_max_rows: int = Field(100_000, ge=100)
    seed: int = Field(ge=0)


class SliceGate(_Section):
    """The largest drop in accuracy allowed in any slice of the test rows."""

    max_drop: float = Field(ge=0, le=1, description="largest drop in a slice's accuracy")
    min_support: int = Field(30, ge=1, description="slices with fewer paired rows: not judged")


class Gates(_Section):
    """Quality gate: absolute bounds, and how much worse than the base a metric may get.

    Drops are judged on main's and the PR's models scored on the same rows, with
    intervals at `confidence`: a rule fails when the interval shows the drop is larger
    than allowed, passes when it shows it is within, and is inconclusive in between;
    `inconclusive` says whether that fails (the strict policy) or passes with a warning.
    """

    at_least: dict[MetricName, float] = {}
    # also the cost of the PR's model: its file's MB, its single-row latency over main's
    at_most: dict[MetricName | CostName, float] = {}
    max_drop: dict[MetricName, float] = {}
    confidence: float = Field(0.95, ge=0.5, le=0.999, description="of every interval")
    inconclusive: Literal["pass", "fail"] = "pass"
    bounds: Literal["point", "interval"] = "point"
    min_rows: int = Field(30, ge=1, description="fewer paired rows: drops are inconclusive")
    slices: SliceGate | None = None

    @field_validator("max_drop")
    @classmethod
    def _non_negative(cls, drops: dict[str, float]) -> dict[str, float]:
        negative = [k for k, v in drops.items() if v < 0]
        if negative:
            raise ValueError(f"must be >= 0 for {', '.join(negative)} (a tolerance, not a target)")
        return drops


class Report(_Section):
    """Pull-request report settings."""

    drift_top: int = Field(5, ge=1, le=50)
    max_chars: int = Field(60000, ge=5000, le=65000)
    resamples: int = Field(1000, ge=100, le=100_000, description="bootstrap resamples")
    slices: list[str] = Field([], description="numeric features sliced into quantile bins")
    slice_bins: int = Field(4, ge=2, le=20)
    latency: bool = Field(False, description="time both models' predictions (varies per run)")


class Monitor(_Section):
    """When `make monitor` raises an alert: served traffic against the model's reference."""

    drift: float = Field(0.25, gt=0, description="PSI of a feature against training")
    significance: float = Field(
        0.01, gt=0, lt=1, description="chance of a drift alert on honest traffic, all features"
    )
    prediction_mix: float = Field(0.25, gt=0, description="PSI of predicted classes against test")
    missing: float = Field(0.10, ge=0, le=1, description="rise in a feature's missing share")
    refused: float = Field(0.05, ge=0, le=1, description="share of requests refused with a 400")
    accuracy_drop: float = Field(0.05, ge=0, le=1, description="live accuracy below test's by")
    min_records: int = Field(200, ge=1, description="fewer: not judged, the report says so")
    unreadable: float = Field(0.01, ge=0, le=1, description="share of records that are unreadable")
    records: str = Field(
        "$BENTOML_HOME/monitoring", min_length=1, description="where the service records"
    )
    window: str = Field(
        "1d", pattern=r"^(all|\d+[mhdw])$", description="the span judged, back from now"
    )
    trend_days: int = Field(28, ge=0, le=366, description="days of the daily trend (0: none)")


class Compute(_Section):
    """Where and on how many cores model selection runs; does not change results."""

    n_jobs: int = Field(-1, ge=-1)
    backend: Literal["local", "dask"] = "local"

    @field_validator("n_jobs")
    @classmethod
    def _not_zero(cls, n_jobs: int) -> int:
        if n_jobs == 0:
            raise ValueError("must be -1 (all cores) or a positive number of cores")
        return n_jobs


class Promote(_Section):
    """The stages a registered version goes through, in order, and the evidence each
    step needs (`make promote`, the promote workflow)."""

    # GTO stage -> the GitHub environment that deploys it (its own hook and reviewers).
    stages: dict[str, str] = Field(
        default_factory=lambda: {"staging": "staging", "prod": "production"}, min_length=1
    )
    min_soak: str = Field(
        "1d", pattern=r"^\d+[smhdw]$", description="time in the previous stage before the next"
    )
    min_records: int = Field(200, ge=0, description="predictions the previous stage has seen")
    # Where the candidate shadowed the stage's champion: it must agree this often, or
    # be shown (95 % interval) to beat it on labelled rows by at least this margin.
    shadow_agreement: float = Field(0.9, ge=0, le=1)
    shadow_margin: float = Field(0.0, ge=-1, le=1)

    @field_validator("stages")
    @classmethod
    def _names(cls, stages: dict[str, str]) -> dict[str, str]:
        bad = [s for s in stages if not s.replace("-", "").replace("_", "").isalnum()]
        if bad:
            raise ValueError(f"stage names are letters, digits, - and _: {', '.join(bad)}")
        return stages


class Params(_Section):
    """All of params.yaml."""

    paths: Paths
    data: DataContract
    split: Split
    train: Train
    evaluate: Evaluate
    gates: Gates = Gates()
    report: Report = Report()
    monitor: Monitor = Monitor()
    compute: Compute = Compute()
    promote: Promote = Promote()

    @model_validator(mode="after")
    def _metrics_fit_the_target(self) -> "Params":
        """A metric named in train.scoring or a gate must be defined for this target."""
        n_classes = len(self.data.classes)
        kind = target_kind(n_classes)
        named = [(("train", "scoring"), self.train.scoring)] + [
            (("gates", rule, metric), metric)
            for rule in ("at_least", "at_most", "max_drop")
            for metric in getattr(self.gates, rule)
            if metric not in COSTS
        ]
        problems: list[tuple[tuple[str | int, ...], str]] = [
            (loc, f"'{metric}' is defined for {_kinds(metric)} targets only; {_instead(kind)}")
            for loc, metric in named
            if kind not in METRICS[metric].targets
        ]
        problems += [
            (("report", "slices", i), f"'{name}' is not one of data.numeric")
            for i, name in enumerate(self.report.slices)
            if name not in self.data.numeric
        ]
        if problems:
            raise Problems(problems)
        return self


def _kinds(metric: str) -> str:
    return " and ".join(sorted(METRICS[metric].targets))


def _instead(kind: str) -> str:
    usable = [m for m, spec in METRICS.items() if kind in spec.targets]
    return f"data.classes makes this a {kind} target: use one of {', '.join(usable)}"


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and validate params.yaml; any problem is a UserError naming each key.

    Its `paths` must stay inside the folder that holds it (the repository), links
    followed: a reviewer's `make run` on a PR never writes outside the checkout.
    """
    params = parse_params(read_yaml(path), str(path))
    params.paths.check_inside(path.parent)
    return params


def parse_params(raw: Any, name: str = str(PARAMS_FILE)) -> Params:
    """Validate already-parsed params; `name` is how the error message refers to the file."""
    if not isinstance(raw, dict):
        raise UserError(f"{name}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as err:
        errors = err.errors()
        explained = {_typo_of(e) for e in errors} - {None}
        problems = [
            problem
            for e in errors
            if not (e["type"] == "missing" and tuple(e["loc"]) in explained)
            for problem in describe_error(e)
        ]
        # A label that fits no kind fails once per kind; say it once.
        raise UserError(f"{name}: " + "; ".join(dict.fromkeys(problems))) from None


def _typo_of(error: Any) -> tuple | None:
    """The missing key an unknown key probably misspells, if any."""
    if error["type"] != "extra_forbidden":
        return None
    loc = tuple(error["loc"])
    hint = get_close_matches(str(loc[-1]), _allowed_keys(loc[:-1]), n=1)
    return (*loc[:-1], hint[0]) if hint else None


def describe_error(error: Any) -> list[str]:
    """A pydantic error as 'key: what is wrong, what is allowed' (several if it holds several)."""
    loc = tuple(error["loc"])
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, Problems):
        return [f"'{dotted(loc + sub)}': {message}" for sub, message in cause.problems]
    return [_describe_one(loc, error)]


def _describe_one(loc: tuple, error: Any) -> str:
    key = dotted(_label_loc(loc))
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        hint = get_close_matches(str(loc[-1]), allowed, n=1)
        guess = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"unknown key '{key}'{guess}; allowed here: {', '.join(allowed)}"
    if kind == "missing":
        return f"missing key '{key}'"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "literal_error" and "[key]" in loc:
        return f"'{key}': unknown metric '{error['input']}'; allowed: {', '.join(METRICS)}"
    if kind in LABEL_TYPE_ERRORS and loc[:2] in (("data", "classes"), ("data", "positive_class")):
        message = "a class label is text, an integer or true/false"
    shown = "" if kind.startswith("value_error") else f" (got {error.get('input')!r})"
    return f"'{key}': {message}{shown}" if key else f"{message}{shown}"


def _label_loc(loc: tuple) -> tuple:
    """Drop the union branch names pydantic adds to a label's location (`bool`, `int`, `str`)."""
    return tuple(p for p in loc if p not in ("bool", "int", "str"))


def _allowed_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Params
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
