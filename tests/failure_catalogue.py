"""The catalogue of broken inputs (tests/catalogue/): load, apply to a repository, document.

The catalogue is a project of its own (a 30-row sample and its params), so it never
depends on the project's data or params.yaml. `python -m tests.failure_catalogue` prints
docs/failure-catalogue.md from the messages the pipeline gives today
(`make catalogue-docs` writes it).
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from testkit.datasets import Dataset, params_for
from testkit.repo import ROOT, copy_machinery, write_dataset

from classifier.contracts.errors import UserError
from classifier.stages.commands import check

CATALOGUE = ROOT / "tests/catalogue"
VALID = CATALOGUE / "data/valid.csv"
CONTRACT = {
    "target": "species",
    "classes": ["Adelie", "Chinstrap", "Gentoo"],
    "numeric": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
    "categorical": ["island", "sex"],
    "nullable": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"],
    "ignore": ["year"],
}


def sample() -> Dataset:
    """The valid 30-row sample every data case is made from, with its contract."""
    frame = pd.read_csv(VALID, dtype=str, keep_default_na=False)
    return Dataset("penguins", frame, CONTRACT)


def sample_params() -> dict[str, Any]:
    """The catalogue project's params: a 20 % test share and 5 folds, as the cases assume."""
    data = sample()
    return params_for(
        data,
        split={"test_size": 0.2, "seed": 42},
        train={
            "seed": 42,
            "cv_folds": 5,
            "scoring": "f1_macro",
            "candidates": {
                "logistic_regression": {"C": [1.0]},
                "decision_tree": {"max_depth": [3]},
            },
        },
    )


@dataclass(frozen=True)
class Case:
    kind: str  # "data" or "params"
    name: str
    what: str
    expect: str

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.name}"

    @property
    def file(self) -> Path:
        return CATALOGUE / self.kind / f"{self.name}.{'csv' if self.kind == 'data' else 'yaml'}"

    @property
    def edit(self) -> dict[str, Any]:
        """A params case's edit: {'set': {dotted key: value}} or {'replace': ..., 'with': ...}."""
        return yaml.safe_load(self.file.read_text()) if self.kind == "params" else {}

    def dvc_set_args(self) -> list[str] | None:
        """The edit as `dvc exp run -S` arguments, or None when it is not a keys edit.

        A key the catalogue's params.yaml does not have yet is added with `+key=value`,
        as DVC (through Hydra) requires; without the `+` DVC refuses it itself. An empty
        mapping cannot be set that way (Hydra merges it into the old one, a no-op).
        """
        if "set" not in self.edit or {} in self.edit["set"].values():
            return None
        base = sample_params()
        return [
            f"-S{'' if has_key(base, key) else '+'}{key}={override(value)}"
            for key, value in self.edit["set"].items()
        ]


def has_key(tree: dict[str, Any], dotted: str) -> bool:
    node: Any = tree
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def override(value: Any) -> str:
    """A value in the override grammar `dvc exp run -S` takes (Hydra's): 4, five, [1, 2], {a: 1}."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {override(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(override(v) for v in value) + "]"
    return "null" if value is None else str(value)


def cases() -> list[Case]:
    index = yaml.safe_load((CATALOGUE / "cases.yaml").read_text())
    return [
        Case(kind, name, entry["what"], entry["expect"])
        for kind in ("data", "params")
        for name, entry in index[kind].items()
    ]


def write_project(repo: Path) -> None:
    """The catalogue's valid project: machinery, the sample and its params."""
    copy_machinery(repo)
    write_dataset(repo, sample(), sample_params())
    (repo / sample().path).write_bytes(VALID.read_bytes())


def apply(case: Case, repo: Path) -> None:
    """Put the broken input in place: the raw CSV, or the edit of params.yaml."""
    if case.kind == "data":
        (repo / sample().path).write_bytes(case.file.read_bytes())
        return
    path = repo / "params.yaml"
    edit = case.edit
    if "replace" in edit:
        text = path.read_text()
        assert edit["replace"] in text, f"{case.file}: {edit['replace']!r} not in params.yaml"
        path.write_text(text.replace(edit["replace"], edit["with"], 1))
        return
    params = yaml.safe_load(path.read_text())
    for dotted, value in edit["set"].items():
        *parents, last = dotted.split(".")
        node = params
        for key in parents:
            node = node[key]
        node[last] = value
    path.write_text(yaml.safe_dump(params, sort_keys=False))


@contextlib.contextmanager
def inside(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def message(case: Case) -> str:
    """What `make check` says about this case, in a fresh copy of the catalogue project."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        write_project(repo)
        apply(case, repo)
        with inside(repo):
            try:
                check()
            except UserError as err:
                return str(err)
    raise AssertionError(f"{case.id}: the pipeline accepted it")


def row(case: Case) -> str:
    link = "../" + case.file.relative_to(ROOT).as_posix()
    said = message(case).replace("|", "\\|")
    return f"| {case.kind} | [`{case.name}`]({link}) | {case.what} | `{said}` |"


def render() -> str:
    rows = [row(case) for case in cases()]
    return "\n".join(
        [
            "# Failure catalogue",
            "",
            "Inputs a pull request might bring, and the one line the pipeline answers (after",
            "`error: `). The pipeline's first stage (`prepare`) checks all of them before it",
            "writes anything, so whether it runs from `make run`, bare `dvc repro` or",
            "`dvc exp run`, the run stops there and `dvc.lock` and `reports/` stay as they",
            "were; `make report` (the pull-request comment) shows the same line under",
            "*What broke* and fails the gate. Every case is a file in `tests/catalogue/`, and",
            "`tests/integration/test_catalogue.py` runs each through DVC; regenerate this page",
            "with `make catalogue-docs`.",
            "",
            "| input | case | what is wrong | message |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(render(), end="")  # noqa: T201 - the page is the output
