"""Each broken input of tests/catalogue/ gets its one line from `make check` (no DVC)."""

import pytest
from testkit.repo import ROOT

from ..failure_catalogue import Case, cases, render
from ..failure_catalogue import message as check_message


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_broken_input_is_named_in_one_line(case: Case):
    said = check_message(case)
    assert case.expect in said
    assert "\n" not in said


def test_the_docs_table_lists_every_case_with_todays_message():
    committed = (ROOT / "docs/failure-catalogue.md").read_text()
    assert committed == render(), "run `make catalogue-docs` and commit docs/failure-catalogue.md"


def test_params_cases_are_keys_dvc_can_set_except_file_edits():
    settable = [c.name for c in cases() if c.kind == "params" and c.dvc_set_args() is not None]
    unsettable = {c.name for c in cases() if c.kind == "params"} - set(settable)
    assert sorted(unsettable) == ["empty-candidates", "invalid-yaml"]
    typo = next(c for c in cases() if c.name == "typo-key")
    assert typo.dvc_set_args() == ["-S+train.cv_fold=4"]
