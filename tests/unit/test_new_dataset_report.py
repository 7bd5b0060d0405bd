"""The first report on a team's own data: its results on their own, its class balance
and features, no delta against another dataset's numbers."""

import copy

from classifier.report.datadiff import diff_data, schema_changes
from classifier.report.sections import render

from .test_hostile_report import base_report


def swapped() -> dict:
    """Report data of a PR that replaced the dataset (no feature in common)."""
    report = base_report(True)
    report["contract_change"] = [["target", "kind", "churned"], ["features", None, None]]
    for section in ("metrics", "selection", "importance"):
        report[section]["base"] = None  # what `make report` writes for a new contract
    report["per_class"]["base"] = None
    # No paired view either: main's model answers another task. The PR's own intervals.
    report["evidence"] = {"why": None, "head_alone": report["evidence"]["head_alone"]}
    report["data"]["schema"] = [
        ["added", "tenure", None, "numeric"],
        ["added", "plan", None, "categorical"],
        ["removed", "weight", "numeric", None],
        ["target", None, "kind", "churned"],
        ["nullable", "weight", True, False],
    ]
    report["data"]["classes"] = [["yes", 0, 30], ["no", 0, 170]]
    report["data"]["drift"] = []  # no feature in common
    return report


def test_a_new_dataset_is_shown_on_its_own():
    markdown = render(swapped(), None, 60_000)
    assert "| metric | PR |\n| --- | ---: |\n| accuracy | 0.80 [0.70, 0.90] |" in markdown
    assert "| candidate | mean ± std | best params |" in markdown
    assert "| feature | PR |" in markdown
    assert "🔴" not in markdown
    assert "🟢" not in markdown
    assert "Features of the PR (2): numeric `tenure`; categorical `plan`." in markdown
    assert "Target: `kind` → `churned`." in markdown
    assert "weight" not in markdown  # a feature of the old dataset says nothing here
    assert "| `yes` | 30 | 15.0% |" in markdown
    assert "| `no` | 170 | 85.0% |" in markdown


def test_the_same_contract_keeps_main_beside_the_pr_with_the_share():
    markdown = render(base_report(True), None, 60_000)
    assert "| metric | `main` | PR | change |" in markdown
    assert "| class | `main` | PR | change | share (PR) |" in markdown
    assert "| `yes` | 3 | 4 | +1 | 33.3% |" in markdown


def test_no_baseline_yet_shows_the_pr_alone():
    report = copy.deepcopy(base_report(True))
    report["metrics"]["base"] = None
    report["selection"]["base"] = None
    report["evidence"] = {"why": None}
    assert "| metric | PR |" in render(report, None, 60_000)
    assert "| candidate | mean ± std | best params |" in render(report, None, 60_000)


def test_missing_values_are_compared_only_for_features_both_sides_have(fruit_params):
    base = fruit_params.data
    head = base.model_copy(
        update={"numeric": ["weight (g)", "width/height", "size"], "nullable": ["size"]}
    )
    changes = schema_changes(base, head)
    assert ("nullable", "sugar %", True, False) not in changes  # sugar % was removed
    assert ("removed", "sugar %", "numeric", None) in changes
    assert not [c for c in changes if c[0] == "nullable" and c[1] == "size"]  # size was added


def test_the_class_balance_of_a_new_target_is_counted(
    fruit_frame, churn_frame, fruit_params, churn_params
):
    found = diff_data(fruit_frame, churn_frame, fruit_params.data, churn_params.data)
    counts = churn_frame["churned"].value_counts()
    assert found.classes == {1: (0, int(counts[1])), 0: (0, int(counts[0]))}
