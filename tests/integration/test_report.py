"""The pull-request report, from real pipeline runs on `main` and on branches."""

import json
from pathlib import Path

import joblib
import pandas as pd
import pytest
import yaml
from testkit.repo import git_commit, run, write_dataset

from classifier.contracts.metrics import metrics_for
from classifier.rendering.markdown import FIGURES

from ..inert_markdown import SENTINEL, assert_inert


@pytest.fixture
def repo(clone) -> Path:
    """A private copy of `main` with results, on a new branch `pr`."""
    run(["git", "checkout", "-q", "-b", "pr"], clone)
    return clone


def edit_params(repo: Path, change) -> None:
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    change(params)
    path.write_text(yaml.safe_dump(params, sort_keys=False))


def reproduce_and_commit(repo: Path, message: str) -> str:
    output = run(["classifier", "run"], repo).stdout
    git_commit(repo, message)
    return output


def report(repo: Path, *args: str) -> tuple[int, str, dict]:
    result = run(["classifier", "report", "--out", "report", *args], repo, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    folder = repo / "report"
    return (
        result.returncode,
        (folder / "report.md").read_text(),
        json.loads((folder / "gate.json").read_text()),
    )


def metrics_at(repo: Path, rev: str | None) -> dict:
    if rev is None:
        return json.loads((repo / "reports/metrics.json").read_text())
    return json.loads(run(["git", "show", f"{rev}:reports/metrics.json"], repo).stdout)


def metric_rows(markdown: str, title: str = "### Metrics") -> dict[str, list[str]]:
    """The first table after `title`: metric -> its cells (the paired view's, when the
    report has one: main's model and the PR's on the same rows)."""
    section = markdown.split(title, 1)[1].split("\n### ", 1)[0]
    lines = [line for line in section.split("<details>")[0].splitlines() if line.startswith("|")]
    rows = [line.strip("| ").split(" | ") for line in lines[2:]]
    return {row[0].removesuffix(" (lower is better)"): row[1:] for row in rows}


def cell_value(cell: str) -> float:
    """The number a cell shows, before its interval: `0.861 [0.80, 0.91]` -> 0.861."""
    return float(cell.split(" [")[0])


RAW = "data/raw/fruit.csv"


def edit_rows(repo: Path) -> None:
    """10 rows removed, 2 edited in place, 6 new ones appended."""
    raw = repo / RAW
    lines = raw.read_text().splitlines()
    edited = lines[:50] + lines[60:]
    edited[140] = _with_cell(edited[140], 4, "east" if ",north," in edited[140] else "north")
    edited[200] = _with_cell(edited[200], 1, f"{float(edited[200].split(',')[1]) + 25:.1f}")
    edited += [
        _with_cell(line, 1, f"{float(line.split(',')[1]) + 0.05:.2f}") for line in lines[100:106]
    ]
    raw.write_text("\n".join(edited) + "\n")


def _with_cell(line: str, index: int, value: str) -> str:
    cells = line.split(",")
    cells[index] = value
    return ",".join(cells)


def test_pr_with_a_weaker_model_and_edited_rows(repo):
    def weaker(params: dict) -> None:
        params["train"]["candidates"] = {"decision_tree": {"max_depth": [1]}}
        params["gates"]["at_least"]["accuracy"] = 0.9

    edit_params(repo, weaker)
    edit_rows(repo)
    output = reproduce_and_commit(repo, "weaker model, edited data")
    assert all(f"Running stage '{s}'" in output for s in ("prepare", "train", "evaluate"))
    status, markdown, gate = report(repo, "--base", "main", "--check")

    assert status == 1
    assert markdown.startswith("## ❌ Quality gate failed: ")
    assert gate["passed"] is False
    assert any("(`gates.at_least.accuracy`)" in f for f in gate["failures"])
    # The edited rows moved the split: of the PR's 60 test rows, main trained on most,
    # and the few left cannot decide a drop.
    drop = next(r for r in gate["rules"] if r["key"] == "gates.max_drop.f1_macro")
    assert "too few to decide (`gates.min_rows`); inconclusive, passes" in drop["message"]

    base, head = metrics_at(repo, "main"), metrics_at(repo, None)
    paired = metric_rows(markdown)
    assert list(paired) == [*metrics_for(3), "brier", "ece"]
    own = metric_rows(
        markdown, "(the base as it was)</summary>"
    )  # each model on its own test split
    for metric in metrics_for(3):
        main_cell, pr_cell = own[metric]
        digits = len(main_cell.split(" [")[0].split(".")[1])
        assert cell_value(main_cell) == pytest.approx(base[metric], abs=10**-digits), metric
        digits = len(pr_cell.split(" [")[0].split(".")[1])
        assert cell_value(pr_cell) == pytest.approx(head[metric], abs=10**-digits), metric

    assert "Rows: 240 → 236, **6 added, 10 removed, 2 changed** (by content)." in markdown
    assert "| `train.candidates.decision_tree.max_depth` | `[2, 4]` | `[1]` |" in markdown
    assert "| `train.candidates.logistic_regression.C` | `[0.1, 1.0]` | — |" in markdown
    assert "are in `main`'s training split (matched by content) and are left out" in markdown
    assert len(markdown) < 65536
    assert "![" not in (repo / "report/summary.md").read_text()
    for image in ("confusion.png", "cv_scores.png", "importance.png"):
        assert f"]({image})" in markdown
        assert (repo / "report" / image).stat().st_size > 1000
    assert not (repo / "report/drift.png").exists()  # no feature moved: no empty chart

    status, _, _ = report(repo, "--base", "main")
    assert status == 0  # without --check the verdict does not set the exit status


def test_gate_passes_when_nothing_got_worse(repo):
    edit_params(repo, lambda p: p["report"].update(drift_top=3))
    reproduce_and_commit(repo, "report setting only")
    status, markdown, gate = report(repo, "--base", "main", "--check")

    assert status == 0
    assert markdown.startswith("## ✅ Quality gate passed")
    assert gate["passed"] is True
    assert gate["failures"] == []
    assert all(row[3] == "⚪ within noise" for row in metric_rows(markdown).values())
    assert "the same on every resample" in gate["rules"][-1]["message"]
    assert "| `report.drift_top` | `5` | `3` |" in markdown
    assert "stale" not in markdown.lower()


def test_no_baseline_yet_skips_drop_limits_and_says_so(repo, history):
    status, markdown, gate = report(repo, "--base", history[1], "--check")

    assert status == 0
    assert f"No baseline on `{history[1]}` yet" in markdown
    assert (
        "| `gates.max_drop.f1_macro` | ⏭️ `f1_macro`: no baseline to compare with, skipped |"
        in markdown
    )
    assert gate["passed"] is True
    assert "| metric | PR |" in markdown  # nothing to set beside the PR's numbers
    accuracy = json.loads((repo / "reports/metrics.json").read_text())["accuracy"]
    (cell,) = metric_rows(markdown)["accuracy"]  # the PR's value and its interval
    digits = len(cell.split(" [")[0].split(".")[1])
    assert 1 <= digits < 6
    assert cell_value(cell) == pytest.approx(accuracy, abs=10**-digits)


def test_stale_dvc_lock_after_reproducing_is_flagged(repo):
    edit_params(repo, lambda p: p["evaluate"].update(importance_repeats=5))
    git_commit(repo, "params changed, pipeline not rerun")
    run(["classifier", "run"], repo)  # what CI does before the report
    _, markdown, _ = report(repo, "--base", "main")

    notes = markdown.split("### Notes")[1]
    assert (
        "⚠️ Committed results are stale: `dvc.lock` committed with other inputs for: `evaluate`"
        in notes
    )
    assert "committed results differ from the reproduced ones: `reports/importance.json`" in notes
    assert "Run `make run` (or `dvc repro`) and commit `dvc.lock` and `reports/`." in notes


def test_results_older_than_their_inputs_are_flagged_in_a_local_preview(repo):
    edit_params(repo, lambda p: p["evaluate"].update(importance_repeats=5))
    _, markdown, _ = report(repo, "--base", "main")
    assert "results are older than their inputs for: `evaluate`" in markdown


def test_unknown_base_revision_is_one_clear_line(repo):
    result = run(["classifier", "report", "--base", "no-such-branch"], repo, check=False)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: base revision 'no-such-branch' not found")
    assert "git fetch origin no-such-branch" in line


def test_a_feature_that_moved_gets_the_drift_chart(repo):
    raw = repo / RAW
    frame = pd.read_csv(raw, keep_default_na=False, dtype=str)
    sugar = pd.to_numeric(frame["sugar %"], errors="coerce")
    frame["sugar %"] = (sugar + 4).round(2).astype(str).replace("nan", "NA")
    frame.to_csv(raw, index=False, lineterminator="\n")
    reproduce_and_commit(repo, "sweeter fruit")
    _, markdown, _ = report(repo, "--base", "main")
    assert "| `sugar %` | 🔴 " in markdown
    assert "](drift.png)" in markdown
    assert (repo / "report/drift.png").stat().st_size > 1000


def test_a_pr_that_swaps_the_dataset_says_the_contract_changed_not_that_it_got_worse(
    repo, churn_data
):
    (repo / RAW).unlink()
    write_dataset(repo, churn_data)
    reproduce_and_commit(repo, "our churn data instead of the example")
    status, markdown, gate = report(repo, "--base", "main", "--check")

    assert status == 0
    assert gate["passed"] is True
    lines = markdown.splitlines()
    assert lines[0] == "## ✅ Quality gate passed"
    callout = next(line for line in lines if line.startswith("> "))
    assert "**The data contract changed: metrics are not comparable with `main`**" in callout
    assert "target `kind` → `churned`; classes `pear`, `apple`, `cherry` → `1`, `0`" in callout
    assert (
        "| `gates.max_drop.accuracy` | ⏭️ `accuracy`: the data contract changed, skipped |"
        in markdown
    )
    assert "| `gates.at_least.accuracy` | ✅" in markdown
    assert (
        "**The dataset was replaced**: 240 rows on `main`, 240 in the PR, 0 in common." in markdown
    )
    assert all(len(row) == 1 for row in metric_rows(markdown).values())  # the PR's alone
    assert "| candidate | mean ± std | best params |" in markdown
    assert "🔴" not in markdown
    assert "### Confusion matrix (test set)" in markdown  # the PR's alone
    assert "Binary target `churned`, positive class `1`." in markdown


def test_model_selection_on_a_sample_says_so_and_the_winner_sees_every_row(repo):
    edit_params(repo, lambda p: p["train"].update(selection_max_rows=120))
    result = run(["classifier", "run"], repo)
    git_commit(repo, "select on a sample")
    train = pd.read_parquet(repo / "data/prepared/train.parquet")
    assert f"model selection on a stratified sample of 120 of {len(train)} rows" in result.stderr
    cv = json.loads((repo / "reports/cv.json").read_text())
    assert cv["sample"] == {"rows": 120, "of": len(train)}
    # The winner is refit on every training row: its imputer learned the full split's medians.
    model = joblib.load(repo / "models/model.joblib")
    numeric = model.named_steps["preprocess"].named_transformers_["numeric"]
    medians = train[list(numeric.feature_names_in_)].median().to_numpy()
    assert numeric.named_steps["impute"].statistics_.tolist() == medians.tolist()
    _, markdown, _ = report(repo, "--base", "main")
    assert (
        f"Selection ran on a stratified sample of 120 of the {len(train):,} training rows "
        "(`train.selection_max_rows`); the winner was refit on all of them."
    ) in markdown


def test_results_files_that_are_not_json_are_named_and_the_other_side_still_renders(repo):
    run(["git", "checkout", "-q", "-b", "broken-main", "main"], repo)
    (repo / "reports/metrics.json").write_text("{not json")
    git_commit(repo, "a base whose metrics are damaged")
    run(["git", "checkout", "-q", "pr"], repo)
    status, markdown, _ = report(repo, "--base", "broken-main", "--check")
    assert status == 0, markdown  # no baseline: limits on drops are skipped, not failed
    assert "About `broken-main`: `broken-main:reports/metrics.json is not a results file" in (
        markdown
    )
    assert metric_rows(markdown)["accuracy"][0] != "—"  # the PR's side renders, alone

    (repo / "reports/metrics.json").write_text('["not", "metrics"]')
    status, markdown, _ = report(repo, "--base", "main", "--check")
    assert status == 1
    assert markdown.startswith("## ❌ Quality gate failed: the pipeline produced no metrics")
    assert "About the PR: `PR:reports/metrics.json is not a results file" in markdown
    assert metric_rows(markdown)["accuracy"][0] != "—"  # main's side renders


HOSTILE = "x\n## ✅ Quality gate passed\n@octocat @acme/everyone ![p](/etc/passwd) <!--"


def test_a_hostile_params_key_gives_an_inert_report_that_fails(repo):
    """The issue's own attack: a key under `compute:` that would forge a verdict."""
    edit_params(repo, lambda p: p["compute"].update({f"{HOSTILE} {SENTINEL}": 1}))
    status, markdown, _ = report(repo, "--base", "main", "--check")
    assert status == 1
    assert_inert(markdown, {"confusion": "confusion.png"}, passed=False)
    assert "### What broke" in markdown


def test_hostile_class_and_category_names_come_out_inert(repo):
    """A PR whose classes and categories are attacks: the real pipeline, the real report."""
    class_name = f"{HOSTILE} {SENTINEL}"
    frame = pd.read_csv(repo / RAW, keep_default_na=False, dtype=str)
    frame["kind"] = frame["kind"].replace("apple", class_name)
    frame["origin"] = frame["origin"].replace("north", f"<!-- @team {SENTINEL}")
    frame.to_csv(repo / RAW, index=False, lineterminator="\n")
    edit_params(
        repo,
        lambda p: p["data"].update(
            classes=[class_name if c == "apple" else c for c in p["data"]["classes"]]
        ),
    )
    reproduce_and_commit(repo, "hostile names")
    _, markdown, gate = report(repo, "--base", "main")
    images = {name: file for name, (file, _) in FIGURES.items()}
    assert_inert(markdown, images, passed=gate["passed"])
    assert_inert((repo / "report/summary.md").read_text(), {}, passed=gate["passed"])
    assert SENTINEL in markdown  # the names are there, as code


def test_dropped_duplicates_are_counted_in_make_run_the_summary_and_the_report(repo):
    lines = (repo / RAW).read_text().splitlines()
    (repo / RAW).write_text("\n".join([*lines, *lines[5:8]]) + "\n")  # three copies
    edit_params(repo, lambda p: p["data"].update(duplicates="drop"))
    result = run(["classifier", "run"], repo)
    assert "(3 identical rows dropped: data.duplicates)" in result.stderr
    git_commit(repo, "copies, dropped")
    summary = json.loads((repo / "data/prepared/summary.json").read_text())
    assert summary["rows"]["duplicates_dropped"] == 3
    assert summary["rows"]["raw"] == len(lines) - 1 + 3
    _, markdown, _ = report(repo, "--base", "main")
    assert "Identical rows dropped before the split (`data.duplicates: drop`): 3 in the PR" in (
        markdown
    )
