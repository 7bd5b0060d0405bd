"""Every broken input of tests/catalogue/, through DVC itself: one line, nothing committed lost.

The pipeline's first stage validates before it writes, so the committed results stay
as they were whichever command runs the pipeline: `make run`, bare `dvc repro`, or
`dvc exp run -S` (the way the README teaches to try a setting).
"""

import json
import shutil
from pathlib import Path

import pytest
from testkit.repo import git_commit, run

from classifier.report.build import build

from ..failure_catalogue import Case, apply, cases, inside, write_project

COMMITTED = ["dvc.lock", "reports"]


@pytest.fixture(scope="module")
def catalogue_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalogue's valid project on `main`, with its results reproduced and committed."""
    repo = tmp_path_factory.mktemp("catalogue") / "repo"
    repo.mkdir()
    write_project(repo)
    run(["git", "init", "-q", "-b", "main"], repo)
    git_commit(repo, "project")
    run(["classifier", "run"], repo)
    git_commit(repo, "results")
    return repo


@pytest.fixture
def repo(catalogue_repo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(catalogue_repo, target, symlinks=True)
    return target


def committed_changes(repo: Path) -> str:
    """What git sees changed among the committed results (empty: nothing lost)."""
    return run(["git", "status", "--porcelain", "--", *COMMITTED], repo).stdout


def stopped_with(result, case: Case) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert case.expect in result.stderr, result.stderr
    if case.name != "invalid-yaml":  # DVC parses params.yaml before any stage runs
        [ours] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert case.expect in ours


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_bare_dvc_repro_stops_with_the_line_and_loses_nothing(case: Case, repo: Path):
    apply(case, repo)
    stopped_with(run(["dvc", "repro"], repo, check=False), case)
    assert committed_changes(repo) == ""


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.id)
def test_dvc_exp_run_stops_with_the_line_and_loses_nothing(case: Case, repo: Path):
    settings = case.dvc_set_args()
    if settings is None:  # a broken file, not a setting: put it in place first
        apply(case, repo)
        settings = ["-Strain.seed=42"]  # an unchanged value: the experiment runs as is
    stopped_with(run(["dvc", "exp", "run", *settings], repo, check=False), case)
    assert committed_changes(repo) == ""


@pytest.mark.parametrize("name", ["data-text-in-numeric", "params-typo-key"])
def test_make_run_says_one_line_and_the_report_says_what_broke(name: str, repo: Path):
    case = next(c for c in cases() if c.id == name)
    apply(case, repo)
    result = run(["classifier", "run"], repo, check=False)
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if line.lower().startswith("error")]
    assert line.startswith("error: ")
    assert case.expect in line
    assert committed_changes(repo) == ""

    with inside(repo):
        passed = build(repo, "main", repo / "report")
    assert passed is False
    report = (repo / "report/report.md").read_text()
    assert report.startswith("## ❌ Quality gate failed: the pipeline failed\n")
    assert "### What broke" in report
    assert case.expect in report
    assert json.loads((repo / "report/gate.json").read_text())["passed"] is False


def test_after_the_fix_the_pipeline_reruns_nothing(repo: Path):
    # The failed run deleted only the first stage's cached outputs; putting the input
    # back restores them from DVC's run-cache and nothing retrains.
    raw = repo / "data/raw/penguins.csv"
    good = raw.read_bytes()
    raw.write_bytes(good.replace(b"Adelie,Torgersen,39.1", b"Adelie,Torgersen,long", 1))
    assert run(["dvc", "repro"], repo, check=False).returncode != 0
    raw.write_bytes(good)
    result = run(["dvc", "repro"], repo)
    assert "Running stage" not in result.stdout
    assert run(["git", "status", "--porcelain"], repo).stdout == ""
