"""Data diff: rows compared by content, schema changes named, drift measured."""

import numpy as np
import pandas as pd
import pytest

from classifier.report.comparison import contract_change
from classifier.report.datadiff import diff_data, diff_rows, psi, schema_changes


def test_rows_added_removed_and_edited_in_place_are_told_apart():
    base = list(range(20))
    head = base[:3] + base[8:] + [100, 101]  # 5 removed in the middle, 2 appended
    head[10] = 999  # one edited in place, far from the other changes
    diff = diff_rows(base, head)
    assert (diff.added, diff.removed, diff.changed) == (2, 5, 1)
    assert (diff.base, diff.head) == (20, 17)


def test_reordering_is_not_a_content_change_above_the_alignment_limit(monkeypatch):
    monkeypatch.setattr("classifier.report.datadiff.ALIGN_MAX_ROWS", 5)
    diff = diff_rows(list(range(10)), [*reversed(range(10)), 42])
    assert (diff.added, diff.removed, diff.changed, diff.aligned) == (1, 0, 0, False)


def test_identical_tables_have_no_changes_and_no_drift(fruit_frame, fruit_params):
    contract = fruit_params.data
    diff = diff_data(fruit_frame, fruit_frame.copy(), contract, contract)
    assert (diff.rows.added, diff.rows.removed, diff.rows.changed) == (0, 0, 0)
    assert diff.schema == []
    assert all(d.psi == pytest.approx(0.0) for d in diff.drift)


def test_a_shifted_feature_drifts_most(fruit_frame, fruit_params):
    head = fruit_frame.copy()
    head["sugar %"] = head["sugar %"] + 4
    diff = diff_data(fruit_frame, head, fruit_params.data, fruit_params.data)
    assert diff.drift[0].feature == "sugar %"
    assert diff.drift[0].psi > 0.25
    assert diff.rows.changed == len(fruit_frame.dropna(subset=["sugar %"]))


def test_class_balance_before_and_after(fruit_frame, fruit_params):
    head = fruit_frame[fruit_frame["kind"] != "cherry"]
    cherries = int((fruit_frame["kind"] == "cherry").sum())
    apples = int((fruit_frame["kind"] == "apple").sum())
    diff = diff_data(fruit_frame, head, fruit_params.data, fruit_params.data)
    assert diff.classes["cherry"] == (cherries, 0)
    assert diff.classes["apple"] == (apples, apples)
    assert diff.rows.removed == cherries
    assert diff.rows.common == len(head)


def test_psi_of_categories_counts_missing_as_a_category():
    base = pd.Series(["a"] * 50 + ["b"] * 50)
    head = pd.Series(["a"] * 50 + [np.nan] * 50, dtype=object)
    assert psi(base, head) > 1


def test_schema_changes_name_the_feature(fruit_params):
    base = fruit_params.data
    head = base.model_copy(
        update={"numeric": base.numeric[:-1], "categorical": [*base.categorical, "sugar %"]}
    )
    assert schema_changes(base, head) == [("retyped", "sugar %", "numeric", "categorical")]


def test_a_swapped_dataset_is_a_changed_contract(fruit_params, churn_params):
    change = contract_change(fruit_params.data, churn_params.data)
    assert change == [
        ("target", "kind", "churned"),
        ("classes", ["pear", "apple", "cherry"], ["1", "0"]),
        ("features", None, None),
    ]


def test_a_feature_added_or_the_classes_reordered_keep_the_contract(fruit_params):
    base = fruit_params.data
    reordered = base.model_copy(
        update={"classes": ["apple", "cherry", "pear"], "numeric": [*base.numeric, "size"]}
    )
    assert contract_change(base, reordered) == []
