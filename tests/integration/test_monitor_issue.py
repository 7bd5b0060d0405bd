"""The monitoring issue follows the verdict; "not judged" never closes it (fake GitHub API)."""

import json

from classifier.ci.monitor_issue import MARKER, keep

from ..fake_github import fake_github


def findings(tmp_path, state: str) -> None:
    out = tmp_path / "monitor"
    out.mkdir()
    (out / "findings.json").write_text(json.dumps({"state": state, "alert": state == "alert"}))
    (out / "summary.md").write_text(f"## verdict: {state}\n")


def env(api: str) -> dict[str, str]:
    return {"GITHUB_API_URL": api, "GITHUB_REPOSITORY": "acme/Penguins", "GITHUB_TOKEN": "t"}


def test_too_few_predictions_keep_an_open_issue_open_and_say_so(tmp_path):
    findings(tmp_path, "not judged")
    with fake_github() as (api, state):
        issue = {"number": 1, "state": "open", "title": "Model monitoring", "body": MARKER}
        state.issues[1] = {**issue, "user": {"login": "github-actions[bot]"}}
        assert keep(tmp_path / "monitor", env(api)) == "edited (not judged) issue #1"
        assert state.issues[1]["state"] == "open"
        assert "not judged" in state.issues[1]["body"]


def test_too_few_predictions_and_no_issue_touch_nothing(tmp_path):
    findings(tmp_path, "not judged")
    with fake_github() as (api, state):
        assert keep(tmp_path / "monitor", env(api)).startswith("nothing to do")
        assert state.issues == {}
