"""Every broken input of tests/catalogue/: one line, nothing lost, a report that says why."""

import json

import pytest
from testkit.repo import ROOT, run, snapshot

from classifier.report.build import build

from ..broken import Case, apply, cases, inside


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_broken_input_stops_the_run_with_one_line_and_loses_nothing(case: Case, clone):
    apply(case, clone)
    before = snapshot(clone)

    result = run(["classifier", "run"], clone, check=False)

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert case.expect in line
    assert snapshot(clone) == before

    with inside(clone):
        passed = build(clone, "main", clone / "report")
    assert passed is False
    report = (clone / "report/report.md").read_text()
    assert report.startswith("## ❌ Quality gate failed: the pipeline failed: ")
    assert "### What broke" in report
    assert case.expect in report
    gate = json.loads((clone / "report/gate.json").read_text())
    assert gate["passed"] is False


def test_the_docs_table_lists_every_case_with_todays_message():
    from ..broken import render

    committed = (ROOT / "docs/failure-catalogue.md").read_text()
    assert committed == render(), "run `make catalogue-docs` and commit docs/failure-catalogue.md"


def test_the_valid_sample_the_cases_are_made_from_is_accepted(clone):
    (clone / "data/raw/penguins.csv").write_bytes(
        (ROOT / "tests/catalogue/data/valid.csv").read_bytes()
    )
    result = run(["classifier", "check"], clone)
    assert "are valid: 24 training and 6 test rows" in result.stderr
