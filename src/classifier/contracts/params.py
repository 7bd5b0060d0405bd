"""The typed, validated view of params.yaml: one loader for the stages, report and service."""

from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from classifier.contracts.errors import UserError
from classifier.contracts.metrics import METRICS, MetricName
from classifier.stages.candidates import MODELS, grid_problems

PARAMS_FILE = Path("params.yaml")


class Problems(ValueError):
    """Validation problems found below a field, each with its key path relative to that field."""

    def __init__(self, problems: list[tuple[tuple[str, ...], str]]):
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
    cv_plot: Path
    metrics: Path
    confusion: Path
    confusion_plot: Path
    importance: Path
    importance_plot: Path


class DataContract(_Section):
    """What the raw table must hold; schema, preprocessing and request model derive from it."""

    target: str = Field(min_length=1)
    classes: list[str] = Field(min_length=2)
    numeric: list[str] = []
    categorical: list[str] = []
    nullable: list[str] = []
    ignore: list[str] = []
    na_values: list[str] = ["NA", ""]
    sep: str = Field(",", min_length=1, max_length=1)
    drop_duplicates: bool = False

    @property
    def features(self) -> list[str]:
        """Feature columns in model input order: numerics, then categoricals."""
        return [*self.numeric, *self.categorical]

    @field_validator("classes", "numeric", "categorical", "nullable", "ignore")
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
        return self


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
    candidates: dict[str, dict[str, Any] | None]

    @field_validator("candidates")
    @classmethod
    def _grids(
        cls, candidates: dict[str, dict[str, Any] | None]
    ) -> dict[str, dict[str, GridValue]]:
        if not candidates:
            raise ValueError(f"list at least one model; allowed: {', '.join(sorted(MODELS))}")
        grids = {name: _as_grid(name, grid or {}) for name, grid in candidates.items()}
        problems = [p for name, grid in grids.items() for p in grid_problems(name, grid)]
        if problems:
            raise Problems(problems)
        return grids


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


class Gates(_Section):
    """Quality gate: absolute bounds, and how much worse than the base a metric may get."""

    at_least: dict[MetricName, float] = {}
    at_most: dict[MetricName, float] = {}
    max_drop: dict[MetricName, float] = {}

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


class Compute(_Section):
    """How many cores to use; does not change results, so no stage declares it."""

    n_jobs: int = Field(-1, ge=-1)

    @field_validator("n_jobs")
    @classmethod
    def _not_zero(cls, n_jobs: int) -> int:
        if n_jobs == 0:
            raise ValueError("must be -1 (all cores) or a positive number of cores")
        return n_jobs


class Params(_Section):
    """All of params.yaml."""

    paths: Paths
    data: DataContract
    split: Split
    train: Train
    evaluate: Evaluate
    gates: Gates = Gates()
    report: Report = Report()
    compute: Compute = Compute()


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; a repeated key is worth naming."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' repeated at line {line}"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, naming the file and line on a syntax error or a repeated key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    return parse_yaml(text, str(path))


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text; `name` is how the error message refers to it."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise UserError(f"{name}:{where}: invalid YAML: {problem}") from None


def load_params(path: Path = PARAMS_FILE) -> Params:
    """Read and validate params.yaml; any problem is a UserError naming each key."""
    return parse_params(read_yaml(path), str(path))


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
        raise UserError(f"{name}: " + "; ".join(problems)) from None


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
    key = dotted(loc)
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
    shown = "" if kind.startswith("value_error") else f" (got {error.get('input')!r})"
    return f"'{key}': {message}{shown}" if key else f"{message}{shown}"


def dotted(loc: tuple) -> str:
    """('train', 'candidates', 'svm', 'C', 0) -> 'train.candidates.svm.C[0]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("[key]",):
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Params
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
