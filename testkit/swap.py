"""Swap the template's bundled data for another dataset, as a team adopting it would.

Only params.yaml and data/raw/ change: the tests, code and workflows stay as the
template ships them. The datasets come with scikit-learn (no download) and are written
as the CSVs a user would have: named columns, labels as text or numbers.

`python -m testkit.swap NAME DEST` makes such a project in DEST (a git repository on
`main` holding the template as committed here, then a branch `swap` with the new data),
for trying `make check`, `make run`, `make report`, `make bento` and `make test` by hand.
"""

import argparse
import subprocess
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from sklearn import datasets

from testkit.datasets import fruit
from testkit.repo import ROOT, git_commit, run


@dataclass(frozen=True)
class Swap:
    """A dataset, its file name and the data section and gates a user would write for it."""

    file: str
    frame: pd.DataFrame
    data: dict[str, Any]
    gates: dict[str, Any]
    train: dict[str, Any] = field(default_factory=dict)  # keys of params' train section to replace


def baseline() -> Swap:
    """The suite's own fruit table: what `main` holds before a team's data arrives, so a
    test of the swap never depends on the data the user committed."""
    dataset = fruit()
    return Swap("fruit.csv", dataset.frame, dict(dataset.contract), {"at_least": {"accuracy": 0.5}})


def breast_cancer() -> Swap:
    """Binary, text labels in the order a clinician writes them (positive first)."""
    bunch = datasets.load_breast_cancer(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "diagnosis"})
    frame["diagnosis"] = np.asarray(bunch.target_names)[frame["diagnosis"]]
    features = [str(name) for name in bunch.feature_names]
    data = {
        "target": "diagnosis",
        "classes": ["malignant", "benign"],
        "positive_class": "malignant",
        "numeric": features,
        "categorical": [],
        "nullable": [],
        "ignore": [],
    }
    gates = {"at_least": {"recall": 0.9, "roc_auc": 0.95}, "at_most": {"log_loss": 0.3}}
    return Swap("breast_cancer.csv", frame, data, gates)


def wine() -> Swap:
    """Multi-class, integer labels listed out of order, column names with slashes."""
    bunch = datasets.load_wine(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "cultivar"})
    data = {
        "target": "cultivar",
        "classes": [2, 0, 1],
        "numeric": [str(name) for name in bunch.feature_names],
        "categorical": [],
        "nullable": [],
        "ignore": [],
    }
    gates = {"at_least": {"accuracy": 0.85, "f1_macro": 0.85}}
    return Swap("wine.csv", frame, data, gates)


def iris_with_a_category() -> Swap:
    """Multi-class text labels, names with spaces and parentheses, and a categorical feature."""
    bunch = datasets.load_iris(as_frame=True)
    frame = bunch.frame.rename(columns={"target": "species"})
    frame["species"] = np.asarray(bunch.target_names)[frame["species"]]
    sepal = frame["sepal width (cm)"]
    frame["sepal shape"] = np.where(sepal > 3.3, "wide", np.where(sepal < 2.8, "narrow", "medium"))
    frame.loc[frame.index % 17 == 0, "sepal shape"] = None
    numeric = [str(c) for c in bunch.feature_names if c != "sepal width (cm)"]
    data = {
        "target": "species",
        "classes": ["virginica", "setosa", "versicolor"],
        "numeric": numeric,
        "categorical": ["sepal shape"],
        "nullable": ["sepal shape"],
        "ignore": ["sepal width (cm)"],
        "duplicates": "drop",  # the iris table repeats a few flowers
    }
    gates = {"at_least": {"accuracy": 0.85}}
    return Swap("iris.csv", frame, data, gates)


SWAPS = {"breast_cancer": breast_cancer, "wine": wine, "iris": iris_with_a_category}


def template_clone(dest: Path) -> Path:
    """The template as a team gets it: every committed file of this repository, on `main`."""
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    files = subprocess.run(listing, cwd=ROOT, capture_output=True, text=True, check=True)
    names = files.stdout.split("\0")
    for name in filter(None, names):
        source, target = ROOT / name, dest / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    run(["git", "init", "-q", "-b", "main"], dest)
    git_commit(dest, "the template")
    return dest


def swap(repo: Path, new: Swap) -> None:
    """Replace data/raw/ and edit params.yaml's raw_data, data and gates, comments kept."""
    for old in (repo / "data/raw").iterdir():
        old.unlink()
    new.frame.to_csv(repo / "data/raw" / new.file, index=False, na_rep="NA", lineterminator="\n")
    yaml = YAML()  # round trip: the user's comments stay
    params = yaml.load((repo / "params.yaml").read_text())
    params["paths"]["raw_data"] = f"data/raw/{new.file}"
    kept = {k: v for k, v in params["data"].items() if k in ("na_values", "sep", "duplicates")}
    params["data"] = {**kept, **new.data}
    params["gates"] = {**new.gates, "max_drop": {"accuracy": 0.02}}
    params["train"].update(new.train)
    out = StringIO()
    yaml.dump(params, out)
    (repo / "params.yaml").write_text(out.getvalue())


def baseline_project(dest: Path) -> Path:
    """The template in `dest` with the suite's own baseline reproduced and committed on
    `main`: what a swap is compared against, never the data the user committed."""
    dest.mkdir(parents=True, exist_ok=True)
    template_clone(dest)
    swap(dest, baseline())
    run(["classifier", "run"], dest)
    git_commit(dest, "a baseline of the suite's own on main")
    return dest


def cli(description: str, swaps: dict[str, Any]) -> None:
    """`python -m testkit.swap|testkit.realdata NAME DEST`: a project to try by hand."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("name", choices=sorted(swaps))
    parser.add_argument("dest", type=Path)
    args = parser.parse_args()
    args.dest.mkdir(parents=True)
    repo = template_clone(args.dest)
    run(["git", "checkout", "-q", "-b", "swap"], repo)
    swap(repo, swaps[args.name]())
    print(f"{repo}: branch `swap` holds the {args.name} data; `make run` there")  # noqa: T201


if __name__ == "__main__":
    cli(__doc__.splitlines()[0], SWAPS)
