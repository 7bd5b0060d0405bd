"""Small synthetic datasets and the params.yaml that describes each: the suite's own fixtures.

The template's tests never read the user's data or params.yaml: a team that swaps in
its own dataset keeps a green suite. These tables are seeded, so every run builds the
same bytes. Their names are deliberately awkward (spaces, slashes, parentheses), their
classes are listed out of sorted order, and they carry missing values, categorical
codes stored as numbers and an ignored column, so the machinery meets what real
files bring.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Dataset:
    """A table and its data contract, as a user would write them in data/raw/ and params.yaml."""

    name: str
    frame: pd.DataFrame
    contract: dict[str, Any]
    file: str = field(default="")

    @property
    def path(self) -> str:
        """Where the table lives in a project (params.yaml paths.raw_data)."""
        return f"data/raw/{self.file or self.name + '.csv'}"

    def csv(self) -> str:
        """The table as the CSV a user would commit (missing values as NA)."""
        return self.frame.to_csv(index=False, na_rep="NA", lineterminator="\n")


def fruit(rows: int = 240, seed: int = 0) -> Dataset:
    """Multi-class, text labels listed unsorted, numeric + categorical + nullable + ignored."""
    rng = np.random.default_rng(seed)
    classes = ["pear", "apple", "cherry"]
    kind = rng.choice(classes, size=rows, p=[0.3, 0.45, 0.25])
    centre = {"pear": (180.0, 0.8), "apple": (150.0, 1.0), "cherry": (8.0, 1.05)}
    weight = np.array([rng.normal(centre[k][0], 0.12 * centre[k][0]) for k in kind])
    ratio = np.array([rng.normal(centre[k][1], 0.06) for k in kind])
    sugar = rng.normal(np.where(kind == "cherry", 14.0, 10.0), 1.5)
    sugar[rng.random(rows) < 0.08] = np.nan
    origin = np.where(
        kind == "cherry",
        rng.choice(["north", "south"], size=rows),
        rng.choice(["north", "south", "east"], size=rows),
    )
    grade = rng.choice(["1", "2", "3"], size=rows)
    colour = np.where(kind == "apple", "red", np.where(kind == "pear", "green", "dark red"))
    colour = np.where(rng.random(rows) < 0.1, None, colour)
    frame = pd.DataFrame(
        {
            "kind": kind,
            "weight (g)": np.round(weight, 1),
            "width/height": np.round(ratio, 3),
            "sugar %": np.round(sugar, 2),
            "origin": origin,
            "grade": grade,
            "colour": colour,
            "batch": rng.integers(1, 9, size=rows),
        }
    )
    contract = {
        "target": "kind",
        "classes": classes,
        "numeric": ["weight (g)", "width/height", "sugar %"],
        "categorical": ["origin", "grade", "colour"],
        "nullable": ["sugar %", "colour"],
        "ignore": ["batch"],
    }
    return Dataset("fruit", frame, contract)


def churn(rows: int = 240, seed: int = 1) -> Dataset:
    """Binary, integer labels listed [1, 0] with 1 positive, a categorical stored as codes."""
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(2.0, 12.0, size=rows)
    calls = rng.poisson(2.0, size=rows)
    plan = rng.choice([1, 2, 3], size=rows, p=[0.5, 0.3, 0.2])
    charge = rng.normal(50.0, 15.0, size=rows)
    score = (
        -0.08 * tenure
        + 0.6 * calls
        + 0.5 * (plan == 1)
        + 0.02 * charge
        + rng.normal(0, 1.0, size=rows)
    )
    churned = (score > np.quantile(score, 0.65)).astype(int)
    frame = pd.DataFrame(
        {
            "customer id": np.arange(1000, 1000 + rows),
            "tenure months": np.round(tenure, 2),
            "support calls": calls,
            "monthly charge": np.round(charge, 2),
            "plan": plan,
            "churned": churned,
        }
    )
    contract = {
        "target": "churned",
        "classes": [1, 0],
        "positive_class": 1,
        "numeric": ["tenure months", "support calls", "monthly charge"],
        "categorical": ["plan"],
        "ignore": ["customer id"],
    }
    return Dataset("churn", frame, contract)


def enrolment(rows: int = 240, seed: int = 2) -> Dataset:
    """Binary, a True/False target and boolean features as pandas writes them (`True`),
    one of them also spelled `TRUE`/`false` by another tool, and a plain category."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 60, size=rows)
    degree = rng.random(rows) < 0.4
    married = rng.random(rows) < 0.5
    region = rng.choice(["north", "south"], size=rows)
    income = np.round(rng.gamma(2.0, 9000.0, size=rows), 2)
    score = -0.05 * age + 1.2 * ~degree + 0.4 * married + rng.normal(0, 0.8, size=rows)
    enrolled = score > np.quantile(score, 0.7)
    frame = pd.DataFrame(
        {
            "enrolled": enrolled,
            "age": age,
            "income": income,
            "degree": degree,
            "married": np.where(married, "TRUE", "false"),
            "region": region,
        }
    )
    contract = {
        "target": "enrolled",
        "classes": [False, True],
        "positive_class": True,
        "numeric": ["age", "income"],
        "categorical": ["degree", "married", "region"],
    }
    return Dataset("enrolment", frame, contract)


def regional(rows: int = 2000, seed: int = 3) -> Dataset:
    """Binary, where one region's rows are told apart by another feature than the rest's:
    `signal east` decides the east (20 % of rows), `signal elsewhere` every other region,
    and `weak` a little of all. A model without `signal east` gains elsewhere and breaks
    the east: the slice a model can lose while its average gains."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east"], size=rows, p=[0.4, 0.4, 0.2])
    latent = rng.normal(0, 1, size=rows)
    east = region == "east"
    frame = pd.DataFrame(
        {
            "outcome": np.where(latent > 0, "yes", "no"),
            "weak": np.round(latent + rng.normal(0, 2.0, size=rows), 3),
            "signal east": np.round(np.where(east, latent + rng.normal(0, 0.1, rows), 0.0), 3),
            "signal elsewhere": np.round(np.where(east, 0.0, latent + rng.normal(0, 0.2, rows)), 3),
            "region": region,
        }
    )
    contract = {
        "target": "outcome",
        "classes": ["no", "yes"],
        "positive_class": "yes",
        "numeric": ["weak", "signal east"],
        "categorical": ["region"],
        "ignore": ["signal elsewhere"],
    }
    return Dataset("regional", frame, contract)


def params_for(dataset: Dataset, **sections: dict[str, Any]) -> dict[str, Any]:
    """A complete params.yaml for `dataset`: quick model selection, a gate, standard paths.

    Two cheap candidates and 3 folds keep a cold `dvc repro` at a few seconds; each
    section can be replaced whole through `sections`.
    """
    params: dict[str, Any] = {
        "paths": {
            "raw_data": dataset.path,
            "train_data": "data/prepared/train.parquet",
            "test_data": "data/prepared/test.parquet",
            "data_report": "data/prepared/summary.json",
            "model": "models/model.joblib",
            "cv_report": "reports/cv.json",
            "metrics": "reports/metrics.json",
            "per_class": "reports/per_class.json",
            "confusion": "reports/confusion.json",
            "importance": "reports/importance.json",
        },
        "data": {**dataset.contract, "na_values": ["NA", ""], "sep": ","},
        "split": {"test_size": 0.25, "seed": 7},
        "train": {
            "seed": 3,
            "cv_folds": 3,
            "scoring": "f1_macro",
            "candidates": {
                "logistic_regression": {"C": [0.1, 1.0]},
                "decision_tree": {"max_depth": [2, 4]},
            },
        },
        "evaluate": {"importance_repeats": 3, "importance_max_rows": 100000, "seed": 5},
        "gates": {"at_least": {"accuracy": 0.6}, "max_drop": {"accuracy": 0.02, "f1_macro": 0.02}},
        "report": {"drift_top": 5, "max_chars": 60000},
        "compute": {"n_jobs": 1},
    }
    params.update(sections)
    return params
