"""The verdict that tells signal from noise, from real pipeline runs in temporary repositories:
main's model read through DVC at `main`, scored on the PR's test rows it never trained
on, every change judged by its interval."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from testkit.datasets import fruit, params_for, regional
from testkit.repo import fixture_repo, git_commit, run

from .test_report import edit_params, report, reproduce_and_commit

# Large enough that a changed split still leaves main's model 150 rows it never saw.
ROWS = 2400


@pytest.fixture(scope="module")
def fruit_main(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`main` with 2,400 fruit rows reproduced and committed (DVC cache included)."""
    data = fruit(rows=ROWS)
    repo = fixture_repo(tmp_path_factory.mktemp("verdict") / "repo", data, params_for(data))
    run(["classifier", "run"], repo)
    git_commit(repo, "results")
    return repo


@pytest.fixture
def pr(fruit_main: Path, tmp_path: Path) -> Path:
    """A private copy of that main, on a branch `pr`."""
    repo = tmp_path / "pr"
    shutil.copytree(fruit_main, repo, symlinks=True)
    run(["git", "checkout", "-q", "-b", "pr"], repo)
    return repo


def evidence(repo: Path) -> dict:
    return json.loads((repo / "report/report.json").read_text())["evidence"]


def section(markdown: str, title: str) -> str:
    return markdown.split(title, 1)[1].split("\n### ", 1)[0]


def drop_rules(gate: dict) -> list[dict]:
    return [r for r in gate["rules"] if r["key"].startswith("gates.max_drop.")]


def assert_noise_only(repo: Path, markdown: str, gate: dict) -> None:
    found = evidence(repo)
    assert found["trained_on"] > 0  # main trained on some of the PR's test rows...
    assert found["rows"] == found["test_rows"] - found["trained_on"]  # ...which are left out
    assert found["rows"] >= 30
    paired = section(markdown, "### Metrics: both models on the same rows")
    assert f"`main`'s model and the PR's answered the same **{found['rows']:,} rows**" in paired
    assert "within noise" in paired
    assert "🔴" not in markdown
    assert gate["passed"] is True
    for rule in drop_rules(gate):
        assert rule["passed"] is True
        assert f"(95 %, {found['rows']:,} rows)" in rule["message"]


def test_a_pr_that_only_changes_the_split_seed_passes_within_noise(pr):
    edit_params(pr, lambda p: p["split"].update(seed=8))
    reproduce_and_commit(pr, "another split seed")
    status, markdown, gate = report(pr, "--base", "main", "--check")
    assert status == 0
    assert_noise_only(pr, markdown, gate)
    assert "(the base as it was)" in markdown  # each model on its own split, collapsed
    first = {name: (pr / "report" / name).read_bytes() for name in ("report.json", "report.md")}
    report(pr, "--base", "main")
    for name, content in first.items():  # the same commit gives the same bytes
        assert (pr / "report" / name).read_bytes() == content, name


def test_a_pr_that_drops_a_few_percent_of_rows_at_random_passes_within_noise(pr):
    raw = pr / "data/raw/fruit.csv"
    header, *lines = raw.read_text().splitlines()
    keep = np.random.default_rng(4).permutation(len(lines))[: int(len(lines) * 0.97)]
    raw.write_text("\n".join([header, *(lines[i] for i in sorted(keep))]) + "\n")
    reproduce_and_commit(pr, "3 % of rows dropped")
    status, markdown, gate = report(pr, "--base", "main", "--check")
    assert status == 0
    assert_noise_only(pr, markdown, gate)


def test_a_much_worse_model_fails_the_gate_naming_the_interval(pr):
    edit_params(pr, lambda p: p["train"].update(candidates={"decision_tree": {"max_depth": [1]}}))
    reproduce_and_commit(pr, "a stump")
    status, markdown, gate = report(pr, "--base", "main", "--check")
    assert status == 1
    assert gate["passed"] is False
    accuracy = next(r for r in gate["rules"] if r["key"] == "gates.max_drop.accuracy")
    assert accuracy["passed"] is False
    assert "change [-" in accuracy["message"]
    assert "worse, more than the 0.02 allowed (`gates.max_drop.accuracy`)" in accuracy["message"]
    rows = evidence(pr)["rows"]
    assert rows == evidence(pr)["test_rows"]  # same data, same split: every test row pairs
    assert "🔴 worse" in section(markdown, "### Metrics: ")
    flips = section(markdown, "### Prediction flips (same rows)")
    assert "`main`'s model is right more often" in flips
    assert "<summary>Broken rows (" in flips


def test_a_pr_that_changes_the_data_is_paired_and_gated(pr):
    raw = pr / "data/raw/fruit.csv"
    header, *lines = raw.read_text().splitlines()
    edited = [line for i, line in enumerate(lines) if i % 10 != 3]  # 10 % removed
    new = [line.replace(",north,", ",south,") for line in lines[:120] if ",north," in line]
    raw.write_text("\n".join([header, *edited, *new]) + "\n")
    reproduce_and_commit(pr, "rows removed and added")
    status, markdown, gate = report(pr, "--base", "main")
    assert status == 0
    found = evidence(pr)
    assert 0 < found["rows"] < found["test_rows"]
    paired = section(markdown, "### Metrics: ")
    assert f"{found['trained_on']:,} of the PR's {found['test_rows']:,} test rows are in" in paired
    assert "the test split differs" not in markdown  # the paired view replaced that caveat
    assert all(f"{found['rows']:,} rows)" in r["message"] for r in drop_rules(gate))


def test_without_mains_model_the_report_says_why_and_judges_point_values(pr):
    edit_params(pr, lambda p: p["report"].update(drift_top=3))
    reproduce_and_commit(pr, "report setting")
    shutil.rmtree(pr / ".dvc/cache")  # as a CI run with no cache restored and no remote
    status, markdown, gate = report(pr, "--base", "main", "--check")
    assert status == 0
    assert "No paired view: `main's model (models/model.joblib) is in no DVC cache here" in (
        markdown
    )
    assert "### Metrics (test set)" in markdown
    assert all(r["passed"] for r in drop_rules(gate))


def test_a_model_that_gains_on_average_but_breaks_one_region_fails_the_slice_gate(tmp_path):
    data = regional()
    params = params_for(
        data,
        train={
            "seed": 3,
            "cv_folds": 3,
            "scoring": "accuracy",
            "candidates": {"logistic_regression": {"C": [1.0]}},
        },
        gates={
            "at_least": {"accuracy": 0.5},
            "max_drop": {"accuracy": 0.02},
            "slices": {"max_drop": 0.1, "min_support": 30},
        },
    )
    repo = fixture_repo(tmp_path / "repo", data, params)
    run(["classifier", "run"], repo)
    git_commit(repo, "results")
    run(["git", "checkout", "-q", "-b", "pr"], repo)

    def elsewhere(p: dict) -> None:  # the east's feature traded for everyone else's
        p["data"]["numeric"] = ["weak", "signal elsewhere"]
        p["data"]["ignore"] = ["signal east"]

    edit_params(repo, elsewhere)
    reproduce_and_commit(repo, "a better feature for most rows")
    status, markdown, gate = report(repo, "--base", "main", "--check")

    assert status == 1
    accuracy = next(r for r in gate["rules"] if r["key"] == "gates.max_drop.accuracy")
    assert accuracy["passed"] is True  # the average gained...
    assert "🟢 better" in section(markdown, "### Metrics: ")
    (failure,) = gate["failures"]  # ...and only the slice rule fails
    assert "accuracy on `region = east`" in failure
    assert "(`gates.slices.max_drop`)" in failure
    found = evidence(repo)
    assert found["unmatched"] == 0  # main's model read `signal east` from the PR's raw data
    assert found["slices"][0]["slice"] == "region = east"  # worst first
    assert "| `region = east` |" in section(markdown, "### Slices (same rows)")


def test_the_cost_of_the_change_is_measured_beside_main_and_budgeted(pr):
    def forest(p: dict) -> None:
        p["train"]["candidates"] = {"random_forest": {"n_estimators": [60]}}
        p["gates"]["at_most"] = {"model_mb": 0.05, "latency_ratio": 1000.0}

    edit_params(pr, forest)
    reproduce_and_commit(pr, "a forest")
    status, markdown, gate = report(pr, "--base", "main", "--check")
    assert status == 1
    (failure,) = gate["failures"]
    assert "(`gates.at_most.model_mb`)" in failure
    latency = next(r for r in gate["rules"] if r["key"] == "gates.at_most.latency_ratio")
    assert latency["passed"] is True  # measured: a latency budget turns timing on
    cost = json.loads((pr / "report/report.json").read_text())["evidence"]["cost"]
    forest_mb = (pr / "models/model.joblib").stat().st_size / 1e6
    assert cost["size_mb"]["head"] == pytest.approx(forest_mb, abs=1e-3)
    assert cost["size_mb"]["head"] > cost["size_mb"]["base"]
    for side in ("base", "head"):
        for batch in ("1", "1000"):
            timing = cost["latency_ms"][side][batch]
            assert 0 < timing["median"] <= timing["p99"]
    table = section(markdown, "### Cost of the change")
    assert "| prediction, 1 row (ms, median / p99) |" in table
    assert "| prediction, 1,000 rows (ms, median / p99) |" in table
