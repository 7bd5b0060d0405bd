"""The catalogue of broken inputs (tests/catalogue/): load, apply to a repository, document.

`python -m tests.broken` prints docs/failure-catalogue.md from the messages the
pipeline gives today (`make catalogue-docs` writes it).
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from testkit.repo import ROOT, copy_project

from classifier.contracts.errors import UserError
from classifier.contracts.params import load_params
from classifier.stages.pipeline import preflight

CATALOGUE = ROOT / "tests/catalogue"


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


def cases() -> list[Case]:
    index = yaml.safe_load((CATALOGUE / "cases.yaml").read_text())
    return [
        Case(kind, name, entry["what"], entry["expect"])
        for kind in ("data", "params")
        for name, entry in index[kind].items()
    ]


def apply(case: Case, repo: Path) -> None:
    """Put the broken input in place: the raw CSV, or the edit of params.yaml."""
    if case.kind == "data":
        (repo / "data/raw/penguins.csv").write_bytes(case.file.read_bytes())
        return
    edit = yaml.safe_load(case.file.read_text())
    path = repo / "params.yaml"
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
    """What the preflight says about this case, in a fresh copy of the project."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        copy_project(repo, with_results=False)
        apply(case, repo)
        with inside(repo):
            try:
                preflight(load_params())
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
            "Inputs a pull request might bring, and the one line `make run` answers (after",
            "`error: `). For each, the run stops before DVC starts, so `data/prepared/`,",
            "`models/`, `reports/` and `dvc.lock` stay as they were, and `make report` (the",
            "pull-request comment) shows the same line under *What broke* and fails the gate.",
            "Every case is a file in `tests/catalogue/` and a test in",
            "`tests/integration/test_catalogue.py`; regenerate this page with",
            "`make catalogue-docs`.",
            "",
            "| input | case | what is wrong | message |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    print(render(), end="")  # noqa: T201 - the page is the output
