"""The project's own dataset against its contract: expectations any good dataset meets.

These read params.yaml and data/raw/, so they follow the data a team swaps in. Schema
checks run in the pipeline itself (the prepare stage); these catch data that is valid
but unfit. Add checks of your own domain beside them (see test_penguins_example.py).
"""

import pytest
from testkit.repo import ROOT

from classifier.contracts.labels import label_text
from classifier.report.comparison import outdated_stages


def test_every_class_is_in_both_splits_and_every_cross_validation_fold(user_split, user_params):
    train, test = user_split
    target, folds = user_params.data.target, user_params.train.cv_folds
    for label in user_params.data.classes:
        in_train = int((train[target] == label).sum())
        assert in_train >= folds, f"class {label_text(label)}: {in_train} training rows"
        assert (test[target] == label).any(), f"class {label_text(label)} is not in the test split"


def test_no_feature_is_constant(user_data, user_params):
    constant = [f for f in user_params.data.features if user_data[f].nunique(dropna=True) < 2]
    assert constant == [], "these features hold a single value: drop them or list them in ignore"


def test_no_feature_is_a_copy_of_the_target(user_data, user_params):
    target = user_data[user_params.data.target].astype(str)
    copies = [
        feature
        for feature in user_params.data.features
        if user_data[feature]
        .astype(str)
        .reset_index(drop=True)
        .equals(target.reset_index(drop=True))
    ]
    assert copies == [], "a feature equal to the target leaks the answer into the model"


def test_no_feature_is_mostly_missing(user_data, user_params):
    share = user_data[user_params.data.features].isna().mean()
    assert (share < 0.5).all(), share[share >= 0.5].to_dict()


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the project's git checkout")
def test_committed_results_match_the_code_data_and_params():
    # Missing cached outputs (a fresh clone) are fine; changed inputs mean `make run` + commit.
    assert outdated_stages(ROOT) == [], "dvc.lock is stale: run `make run` and commit it"
