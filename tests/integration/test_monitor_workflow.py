"""The monitoring workflow's jobs, step by step, against stand-ins for GitHub.

Records are real BentoML monitor files (testkit.records) of the repository's own model;
the GitHub API is a recording stand-in on 127.0.0.1 (tests/fake_github.py), and `gh
release download` a recording stand-in that hands over the released reference.
"""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from testkit.moto import BUCKET, client
from testkit.records import replay
from testkit.repo import git_commit, run

from classifier.ci.monitor_issue import MARKER
from classifier.contracts.params import load_params
from classifier.serving.bento import monitoring_reference
from classifier.tools.files import write_json

from ..failure_catalogue import inside
from ..fake_github import REPO, fake_github, seed_main
from ..workflow import Runner, fake_command, load_job, runner_env

FAKE_GH = """import os, shutil, sys
# `gh release download --pattern reference.json --dir build --clobber`: the released file.
assert sys.argv[1:3] == ["release", "download"], sys.argv
os.makedirs("build", exist_ok=True)
shutil.copy(os.environ["RELEASED_REFERENCE"], "build/reference.json")
"""


MONITOR_STEP = "Read the records; compare them with the reference (fails on an alert)"
ISSUE_STEP = 'Keep the "Model monitoring" issue up to date'


def noop(_: dict) -> None:
    """A GitHub-only action with nothing to do here (the checkout already happened)."""


@pytest.fixture
def released(clone: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The repository with monitoring judged from 100 rows, and its model's reference file."""
    params = clone / "params.yaml"
    edited = yaml.safe_load(params.read_text())
    edited["monitor"] = {"min_records": 100}
    params.write_text(yaml.safe_dump(edited, sort_keys=False))
    git_commit(clone, "monitor from 100 rows")
    with inside(clone):
        loaded = load_params()
        model = __import__("joblib").load(loaded.paths.model)
        reference = {"model": "classifier:test", **monitoring_reference(model, loaded)}
    path = tmp_path / "released-reference.json"
    write_json(path, reference)
    return clone, path


def training_rows(repo: Path, shift: bool) -> pd.DataFrame:
    rows = pd.read_parquet(repo / "data/prepared/train.parquet")
    if shift:
        rows["weight (g)"] = rows["weight (g)"] * 1.6
    return rows


def monitor_job(
    repo: Path, tmp_path: Path, api: str, reference: Path, records: Path | str, **context: str
) -> object:
    bin_dir = tmp_path / "fake-bin"
    fake_command(bin_dir, "gh", FAKE_GH)
    env = runner_env(
        repo, GITHUB_API_URL=api, GITHUB_RUN_ID="77", RELEASED_REFERENCE=str(reference)
    )
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    context = {"github.token": "fake-token", "vars.MONITOR_RECORDS": str(records), **context}
    actions = {"actions/checkout": noop, "astral-sh/setup-uv": noop}
    return Runner(repo, context, actions, env).run(load_job("monitor.yml", "monitor"))


def test_one_issue_is_created_then_edited_while_the_alert_lasts_and_closed_after(
    released, tmp_path
):
    repo, reference = released
    with fake_github() as (api, state):
        # A person's issue that carries the bot's marker: never the one the bot edits.
        planted = {"title": "Model monitoring", "body": f"{MARKER}\nmine", "state": "open"}
        state.issues[100] = {"number": 100, **planted, "user": {"login": "octocat"}}
        outcomes = []
        for run_no, shift in enumerate([True, True, False]):
            records = tmp_path / f"records-{run_no}"
            replay(repo, training_rows(repo, shift), records)
            job = monitor_job(repo, tmp_path / f"run-{run_no}", api, reference, records)
            verdict = job.step(MONITOR_STEP).status
            outcomes.append((verdict, job.step(ISSUE_STEP).output))

    statuses = [status for status, _ in outcomes]
    assert [status != 0 for status in statuses] == [True, True, False]  # fails while alerting
    assert "created issue #1" in outcomes[0][1]
    assert "edited issue #1" in outcomes[1][1]
    assert "closed issue #1" in outcomes[2][1]
    person = state.issues.pop(100)
    assert person == {"number": 100, **planted, "user": {"login": "octocat"}}
    [issue] = state.issues.values()
    assert issue["title"] == "Model monitoring"
    assert issue["state"] == "closed"
    assert "`weight (g)` drifted: PSI" in issue["body"]
    assert f"/{REPO}/actions/runs/77" in issue["body"]
    [note] = [c["body"] for c in state.comments[1]]
    assert note.startswith("✅ Back within thresholds: closing.")
    writes = [c for c in state.calls if c["method"] != "GET"]
    assert all(c["auth"] == "Bearer fake-token" for c in writes)


def test_no_alert_and_no_issue_touches_nothing(released, tmp_path):
    repo, reference = released
    records = tmp_path / "records"
    replay(repo, training_rows(repo, shift=False), records)
    with fake_github() as (api, state):
        job = monitor_job(repo, tmp_path, api, reference, records)
    assert not job.failed, [(s.name, s.output[-500:]) for s in job.steps if s.status]
    assert "nothing to do: no alert and no open issue" in job.steps[-1].output
    assert {c["method"] for c in state.calls} == {"GET"}  # who am I, which issues: no write


def upload(records: Path, endpoint: str, keys: dict[str, str], prefix: str) -> str:
    """The records folder copied to s3://BUCKET/prefix, as a sync job would ship them."""
    s3 = client("s3", endpoint, keys)
    for path in records.rglob("*.log*"):
        s3.upload_file(str(path), BUCKET, f"{prefix}/{path.relative_to(records)}")
    return f"s3://{BUCKET}/{prefix}"


def s3_context(endpoint: str, keys: dict[str, str]) -> dict[str, str]:
    return {
        "vars.AWS_ENDPOINT_URL": endpoint,
        "secrets.AWS_ACCESS_KEY_ID": keys["AWS_ACCESS_KEY_ID"],
        "secrets.AWS_SECRET_ACCESS_KEY": keys["AWS_SECRET_ACCESS_KEY"],
    }


def test_records_in_s3_compatible_storage_are_read_with_the_configured_keys(
    released, tmp_path, moto_s3
):
    repo, reference = released
    records = tmp_path / "records"
    replay(repo, training_rows(repo, shift=False), records)
    endpoint, keys = moto_s3
    url = upload(records, endpoint, keys, "prod/monitoring")
    with fake_github() as (api, _):
        job = monitor_job(repo, tmp_path, api, reference, url, **s3_context(endpoint, keys))
    assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
    rows = len(training_rows(repo, shift=False))
    report = (repo / "monitor/report.md").read_text()
    assert f"{rows:,} predictions of `classifier:test` in {rows:,} requests" in report


def test_refused_storage_keys_fail_the_step_in_one_line_naming_the_url(
    released, tmp_path, strict_moto_s3
):
    repo, reference = released
    records = tmp_path / "records"
    replay(repo, training_rows(repo, shift=False).head(20), records)
    endpoint, keys = strict_moto_s3
    url = upload(records, endpoint, keys, "prod/monitoring")
    wrong = {**keys, "AWS_SECRET_ACCESS_KEY": "not-the-key"}
    with fake_github() as (api, _):
        job = monitor_job(repo, tmp_path, api, reference, url, **s3_context(endpoint, wrong))
    step = job.step(MONITOR_STEP)
    assert step.status != 0
    [error] = [line for line in step.output.splitlines() if line.startswith("error:")]
    assert error.startswith(f"error: {url}: access refused (")
    assert "check the storage credentials" in error
    assert "Traceback" not in step.output


def retrain_job(repo: Path, tmp_path: Path, api: str, reference: Path, records: Path) -> object:
    bin_dir = tmp_path / "fake-bin"
    fake_command(bin_dir, "gh", FAKE_GH)
    env = runner_env(repo, GITHUB_API_URL=api, RELEASED_REFERENCE=str(reference))
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    context = {"github.token": "fake-token", "vars.MONITOR_RECORDS": str(records)}
    actions = {"actions/checkout": noop, "astral-sh/setup-uv": noop}
    return Runner(repo, context, actions, env).run(load_job("monitor.yml", "retrain"))


def test_labelled_traffic_becomes_a_retraining_pull_request_whose_data_passes_make_check(
    released, tmp_path
):
    repo, reference = released
    raw = repo / "data/raw/fruit.csv"
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    new = test.assign(**{"weight (g)": test["weight (g)"] + 0.05})  # rows the data lacks
    records = tmp_path / "records"
    ids = replay(
        repo, pd.concat([new, training_rows(repo, False).head(10)]), records, label_every=2
    )
    with fake_github() as (api, state):
        seed_main(state, {"data/raw/fruit.csv": raw.read_bytes()})
        job = retrain_job(repo, tmp_path, api, reference, records)
        assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
        again = retrain_job(repo, tmp_path / "again", api, reference, records)

    [pull] = state.pulls.values()
    labelled = len(range(0, len(new), 2))
    assert pull["title"] == f"Retrain on {labelled} labelled rows from served traffic"
    assert pull["base"] == "main"
    assert pull["head"]["ref"].startswith("retrain/")
    assert f"`{sorted(ids[: len(new)][::2])[0]}`" in pull["body"]
    assert "- Left out: 5 rows already in the data" in pull["body"]
    assert "still open: nothing new opened" in again.steps[-1].output
    content = state.file(pull["head"]["ref"], "data/raw/fruit.csv")
    assert content.startswith(raw.read_bytes())
    assert len(content.decode().splitlines()) == len(raw.read_text().splitlines()) + labelled
    watermark = json.loads(state.file(pull["head"]["ref"], "data/feedback.json"))
    assert watermark["rows"] == labelled

    before = len(raw.read_text().splitlines()) - 1
    raw.write_bytes(content)  # what the pull request's check sees
    checked = run(["classifier", "check"], repo).stderr
    train, test_rows = map(
        int, re.findall(r"valid: (\d+) training and (\d+) test rows", checked)[0]
    )
    assert train + test_rows == before + labelled
