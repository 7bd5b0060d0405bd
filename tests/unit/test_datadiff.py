"""Data diff: rows compared by content, schema changes named, drift measured."""

import numpy as np
import pandas as pd
import pytest

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


def test_identical_tables_have_no_changes_and_no_drift(penguins, params):
    diff = diff_data(penguins, penguins.copy(), params.data, params.data)
    assert (diff.rows.added, diff.rows.removed, diff.rows.changed) == (0, 0, 0)
    assert diff.schema == []
    assert all(d.psi == pytest.approx(0.0) for d in diff.drift)


def test_a_shifted_feature_drifts_most(penguins, params):
    head = penguins.copy()
    head["body_mass_g"] = head["body_mass_g"] + 800
    diff = diff_data(penguins, head, params.data, params.data)
    assert diff.drift[0].feature == "body_mass_g"
    assert diff.drift[0].psi > 0.25
    assert diff.rows.changed == len(penguins.dropna(subset=["body_mass_g"]))


def test_class_balance_before_and_after(penguins, params):
    head = penguins[penguins["species"] != "Chinstrap"]
    diff = diff_data(penguins, head, params.data, params.data)
    assert diff.classes["Chinstrap"] == (68, 0)
    assert diff.classes["Adelie"] == (152, 152)
    assert diff.rows.removed == 68


def test_psi_of_categories_counts_missing_as_a_category():
    base = pd.Series(["a"] * 50 + ["b"] * 50)
    head = pd.Series(["a"] * 50 + [np.nan] * 50, dtype=object)
    assert psi(base, head) > 1


def test_schema_changes_name_the_feature(params):
    head = params.data.model_copy(
        update={
            "numeric": params.data.numeric[:-1],
            "categorical": [*params.data.categorical, "body_mass_g"],
        }
    )
    assert schema_changes(params.data, head) == ["feature `body_mass_g`: numeric → categorical"]
