"""`make monitor-issue`: keep ONE open issue "Model monitoring" in step with `make monitor`.

While an alert is on, the issue exists and holds the latest report (created once, then
edited); when a run finds everything within thresholds again, it says so in a comment
and closes the issue. The issue is recognised by a hidden marker in its body, so
renaming it does not make a second one. Standard library only.
"""

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from classifier.ci.github import GitHub
from classifier.contracts.errors import UserError
from classifier.rendering.markdown import COMMENT_LIMIT, cut

log = logging.getLogger(__name__)

TITLE = "Model monitoring"
MARKER = "<!-- classifier: model monitoring -->"


def open_issue(github: GitHub) -> dict[str, Any] | None:
    """The open monitoring issue this token wrote (pull requests excluded), or None.

    Anyone can open an issue carrying the marker; only the bot's own is ever edited.
    """
    issues = github.own_items("/issues?state=open", MARKER)
    return next((i for i in issues if "pull_request" not in i), None)


def body(summary: str, env: Mapping[str, str]) -> str:
    """The issue's text: the marker, the report (tables only), and the run it came from."""
    run = env.get("GITHUB_RUN_ID")
    link = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}"
    where = f"\n\n[The monitoring run]({link}/actions/runs/{run}) has the charts." if run else ""
    return cut(f"{MARKER}\n{summary}{where}", COMMENT_LIMIT - 100, "the run's artifact has it all")


def keep(out: Path, env: Mapping[str, str]) -> str:
    """Create, edit or close the issue as the findings say; what was done, in a word."""
    findings_file = out / "findings.json"
    if not findings_file.is_file():
        raise UserError(
            f"{findings_file} not found: `make monitor` did not finish; issue unchanged"
        )
    findings = json.loads(findings_file.read_text())
    alert = bool(findings["alert"])
    # Too few predictions to judge: never "back within thresholds".
    judged = findings.get("state") != "not judged"
    text = body((out / "summary.md").read_text(encoding="utf-8"), env)
    github = GitHub.from_env(env)
    issue = open_issue(github)
    if alert and issue:
        answer = github.call("PATCH", f"/issues/{issue['number']}", {"body": text})
        return _done(answer, "edited", issue["number"])
    if alert:
        return _done(github.call("POST", "/issues", {"title": TITLE, "body": text}), "created")
    if issue and not judged:
        answer = github.call("PATCH", f"/issues/{issue['number']}", {"body": text})
        return _done(answer, "edited (not judged)", issue["number"])
    if issue:
        note = "✅ Back within thresholds: closing.\n\n" + text.replace(MARKER, "")
        answer = github.call("POST", f"/issues/{issue['number']}/comments", {"body": note})
        _done(answer, "commented on", issue["number"])
        answer = github.call("PATCH", f"/issues/{issue['number']}", {"state": "closed"})
        return _done(answer, "closed", issue["number"])
    return "nothing to do: no alert and no open issue"


def _done(answer: tuple[int, Any], action: str, number: int | None = None) -> str:
    status, reply = answer
    if status not in (200, 201):
        raise UserError(
            f"the GitHub API refused: the monitoring issue was not {action} (HTTP {status})"
        )
    return f"{action} issue #{reply['number'] if number is None else number}"


def main(argv: list[str]) -> None:
    """`classifier monitor-issue [REPORT_DIR]` (monitor/ by default)."""
    out = Path(argv[1]) if len(argv) > 1 else Path("monitor")
    log.info("%s: %s", TITLE, keep(out, os.environ))
