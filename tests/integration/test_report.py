"""The pull-request report, from real pipeline runs on `main` and on branches."""

import json
from pathlib import Path

import pytest
import yaml
from testkit.repo import git_commit, run

from classifier.contracts.metrics import METRICS


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


def metric_rows(markdown: str) -> dict[str, list[str]]:
    section = markdown.split("### Metrics (test set)")[1].split("<details>")[0]
    rows = [line.strip("| ").split(" | ") for line in section.strip().splitlines()[2:]]
    return {row[0].removesuffix(" (lower is better)"): row[1:] for row in rows}


def edit_rows(repo: Path) -> None:
    """10 rows removed, 2 edited in place, 6 new ones appended."""
    raw = repo / "data/raw/penguins.csv"
    lines = raw.read_text().splitlines()
    edited = lines[:50] + lines[60:]
    edited[140] = _with_cell(edited[140], 6, "female" if ",male," in edited[140] else "male")
    edited[240] = _with_cell(edited[240], 5, str(int(edited[240].split(",")[5]) + 25))
    edited += [
        _with_cell(line, 2, f"{float(line.split(',')[2]) + 0.05:.2f}") for line in lines[100:106]
    ]
    raw.write_text("\n".join(edited) + "\n")


def _with_cell(line: str, index: int, value: str) -> str:
    cells = line.split(",")
    cells[index] = value
    return ",".join(cells)


def test_pr_with_a_weaker_model_and_edited_rows(repo):
    edit_params(repo, lambda p: p["train"].update(candidates={"decision_tree": {"max_depth": [1]}}))
    edit_rows(repo)
    output = reproduce_and_commit(repo, "weaker model, edited data")
    assert all(f"Running stage '{s}'" in output for s in ("prepare", "train", "evaluate"))
    status, markdown, gate = report(repo, "--base", "main", "--check")

    assert status == 1
    assert markdown.startswith("## ❌ Quality gate failed: ")
    assert gate["passed"] is False
    assert any("(gates.max_drop.f1_macro)" in f for f in gate["failures"])
    assert any("(gates.at_least.accuracy)" in f for f in gate["failures"])

    base, head = metrics_at(repo, "main"), metrics_at(repo, None)
    rows = metric_rows(markdown)
    for metric in METRICS:
        assert rows[metric][:2] == [f"{base[metric]:.6f}", f"{head[metric]:.6f}"], metric
    assert rows["accuracy"][2].startswith("🔴 -")

    assert "Rows: 344 → 340, **6 added, 10 removed, 2 changed** (by content)." in markdown
    assert "| `train.candidates.decision_tree.max_depth` | `[3, 5, null]` | `[1]` |" in markdown
    assert "| `train.candidates.svm.C` | `[0.5, 2.0, 8.0]` | — |" in markdown
    assert "the test split differs" in markdown
    assert len(markdown) < 65536
    assert "![" not in (repo / "report/summary.md").read_text()
    for image in ("confusion.png", "cv_scores.png", "importance.png", "drift.png"):
        assert f"]({image})" in markdown
        assert (repo / "report" / image).stat().st_size > 1000

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
    assert all(row[2] == "⚪ 0" for row in metric_rows(markdown).values())
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
    rows = metric_rows(markdown)
    assert rows["accuracy"][0] == "—"
    assert rows["accuracy"][2] == "—"


def test_stale_dvc_lock_after_reproducing_is_flagged(repo):
    edit_params(repo, lambda p: p["evaluate"].update(importance_repeats=3))
    git_commit(repo, "params changed, pipeline not rerun")
    run(["classifier", "run"], repo)  # what CI does before the report
    _, markdown, _ = report(repo, "--base", "main")

    notes = markdown.split("### Notes")[1]
    assert (
        "⚠️ Committed results are stale: `dvc.lock` committed with other inputs for: evaluate"
        in notes
    )
    assert "committed results differ from the reproduced ones: reports/importance.json" in notes
    assert "Run `make run` (or `dvc repro`) and commit `dvc.lock` and `reports/`." in notes


def test_results_older_than_their_inputs_are_flagged_in_a_local_preview(repo):
    edit_params(repo, lambda p: p["evaluate"].update(importance_repeats=3))
    _, markdown, _ = report(repo, "--base", "main")
    assert "results are older than their inputs for: evaluate" in markdown


def test_unknown_base_revision_is_one_clear_line(repo):
    result = run(["classifier", "report", "--base", "no-such-branch"], repo, check=False)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: base revision 'no-such-branch' not found")
    assert "git fetch origin no-such-branch" in line
