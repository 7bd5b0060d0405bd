"""The comment workflow: check a pull request's report artifact, render it, post ONE comment.

This runs with a token that can write pull-request comments, on files a pull request's
own workflow produced (possibly a fork's, which controls every byte). So nothing in
the artifact is executed or trusted:
- pr.json must hold an integer PR number and a full commit SHA, and that PR's head on
  GitHub must be the commit the PR workflow ran on;
- the report is read as data (report.json) and rendered here, with this (the default
  branch's) code: every string from it comes out as an inert code span, and the
  verdict is computed from the gate's outcomes (`classifier.report.sections`);
- only the report's own charts leave the machine: a fixed file name each, PNG bytes
  checked, copied before upload, and uploaded by name with `cml asset publish` (none
  at all with REPORT_IMAGES=false); the body holds their URLs, never a local path;
- the comment is posted through the GitHub API, editing only a comment this token
  wrote and that carries the marker: a comment by anyone else is never touched.
It imports only the standard library, so the job needs no install beyond CML (and
none at all without images).
"""

import argparse
import json
import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from classifier.ci.github import SHA, GitHub
from classifier.contracts.errors import UserError
from classifier.rendering.inert import code
from classifier.rendering.markdown import COMMENT_LIMIT, FIGURES
from classifier.rendering.shape import Malformed, items, obj
from classifier.report.sections import render

log = logging.getLogger(__name__)

MARKER = "<!-- classifier: model report -->"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_REPORT_BYTES = 20_000_000
MAX_IMAGE_BYTES = 10_000_000
# What an uploaded image's URL may look like: no space, quote, bracket or parenthesis
# that could end the markdown image it goes into.
UPLOADED = re.compile(r"(https://|http://127\.0\.0\.1[:/])[A-Za-z0-9._~:/?#@!$&*+,;=%-]+")


def load_pr(artifact: Path) -> tuple[int, str]:
    """PR number and head SHA from the artifact's pr.json, refused unless well-formed."""
    try:
        info = json.loads((artifact / "pr.json").read_text())
    except (OSError, ValueError) as err:
        raise UserError(f"{artifact}/pr.json is missing or not JSON ({err})") from None
    if not isinstance(info, dict):
        raise UserError(f"{artifact}/pr.json must hold an object, got {type(info).__name__}")
    number, sha = info.get("number"), info.get("head_sha")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise UserError(f"pr.json: the PR number must be a positive integer, got {number!r}")
    if not isinstance(sha, str) or not SHA.fullmatch(sha):
        raise UserError(f"pr.json: head_sha must be a full commit SHA, got {sha!r}")
    return number, sha


def pr_head(number: int, github: GitHub) -> str:
    """The head commit of PR `number` of this repository, asked of the GitHub API."""
    status, pull = github.call("GET", f"/pulls/{number}")
    if status != 200:
        raise UserError(f"PR #{number} not found in {github.repository} (HTTP {status})")
    return pull["head"]["sha"]


def verify(artifact: Path, env: Mapping[str, str]) -> int:
    """The PR number, once the artifact and GitHub agree on the commit the workflow ran on."""
    number, sha = load_pr(artifact)
    run_sha = env.get("RUN_HEAD_SHA", "")
    if sha != run_sha:
        raise UserError(f"pr.json names commit {sha}, but the workflow run was for {run_sha!r}")
    head = pr_head(number, GitHub.from_env(env))
    if head != run_sha:
        raise UserError(
            f"PR #{number}'s head is {head}, not {run_sha}: the artifact does not belong to "
            "that PR (or the PR moved on; the next run will comment)"
        )
    return number


def load_report(artifact: Path) -> dict:
    """The artifact's report data, or Malformed saying why it cannot be one."""
    path = artifact / "report.json"
    if path.is_symlink() or not path.is_file():
        raise Malformed("report.json is missing")
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise Malformed(f"report.json is larger than {MAX_REPORT_BYTES:,} bytes")
    try:
        return dict(obj(json.loads(path.read_bytes()), "report.json"))
    except (ValueError, RecursionError) as err:
        raise Malformed(f"report.json is not JSON ({type(err).__name__})") from None


def png(artifact: Path, name: str) -> bytes | None:
    """The bytes of chart `name` if the artifact holds it as a real PNG file, else None."""
    path = artifact / FIGURES[name][0]
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
        return None
    data = path.read_bytes()
    return data if data.startswith(PNG_MAGIC) else None


def publish(name: str, data: bytes, env: Mapping[str, str]) -> str | None:
    """Upload one chart's checked bytes with `cml asset publish`; its URL, or None."""
    with tempfile.TemporaryDirectory(prefix="chart-") as folder:
        # CML reads the copy made here: what it uploads is exactly what was checked.
        copy = Path(folder) / FIGURES[name][0]
        copy.write_bytes(data)
        command = ["cml", "asset", "publish", str(copy), "--mime-type=image/png"]
        command += [f"--repo={_repo_url(env)}"]
        if env.get("CML_ASSET_URL"):
            command.append(f"--url={env['CML_ASSET_URL']}")
        # The token stays here: uploading a chart needs none.
        cml_env = {k: v for k, v in env.items() if k not in ("GITHUB_TOKEN", "REPO_TOKEN")}
        # CML 0.20.6 on Node 18+ fails to publish through Node's built-in fetch.
        cml_env["NODE_OPTIONS"] = "--no-experimental-fetch"
        done = subprocess.run(
            command, env=cml_env, capture_output=True, text=True, check=False, timeout=120
        )
    url = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or not UPLOADED.fullmatch(url):
        log.warning("chart %s was not uploaded: %s", name, done.stderr.strip()[:300])
        return None
    return url


def images(report: dict, artifact: Path, env: Mapping[str, str]) -> dict[str, str] | None:
    """Uploaded URL per chart the report lists; None when images are off."""
    if env.get("REPORT_IMAGES", "true").strip().lower() == "false":
        return None
    urls = {}
    for name in items(report.get("figures", []), "figures"):
        data = png(artifact, name) if isinstance(name, str) and name in FIGURES else None
        url = publish(name, data, env) if data else None
        if url:
            urls[name] = url
    return urls


def body(artifact: Path, env: Mapping[str, str]) -> str:
    """The comment: the report rendered from its data, or a note that it is malformed."""
    limit = COMMENT_LIMIT - len(MARKER) - 10
    try:
        report = load_report(artifact)
        text = render(report, images(report, artifact, env), limit)
    except Malformed as err:
        text = (
            "## ⚠️ No model report: the artifact is malformed\n\n"
            f"The pull-request workflow's `report` artifact cannot be read: {code(str(err))}. "
            "Nothing from it is shown; the workflow run's log says what happened.\n"
        )
    return f"{text}\n{MARKER}\n"


def upsert(github: GitHub, number: int, text: str) -> str:
    """Edit this token's own report comment on PR `number`, or create it; what was done."""
    own = github.own_items(f"/issues/{number}/comments", MARKER)
    if own:
        comment = min(own, key=lambda item: item["id"])
        status, _ = github.call("PATCH", f"/issues/comments/{comment['id']}", {"body": text})
        action = f"edited comment {comment['id']}"
    else:
        status, _ = github.call("POST", f"/issues/{number}/comments", {"body": text})
        action = "created the comment"
    if status not in (200, 201):
        raise UserError(f"the GitHub API refused to comment on PR #{number} (HTTP {status})")
    return action


def post(artifact: Path, env: Mapping[str, str]) -> str:
    """Verify, render and post; says what was done."""
    number = verify(artifact, env)
    action = upsert(GitHub.from_env(env), number, body(artifact, env))
    log.info("PR #%d: %s", number, action)
    return action


def _repo_url(env: Mapping[str, str]) -> str:
    server = env.get("GITHUB_SERVER_URL", "https://github.com")
    return f"{server}/{env.get('GITHUB_REPOSITORY', '')}"


def main(argv: list[str]) -> None:
    """`classifier comment ARTIFACT_DIR`."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("artifact", type=Path, help="the downloaded report artifact")
    args = parser.parse_args(argv[1:])
    GitHub.from_env(os.environ)  # says which variable is missing before anything is read
    post(args.artifact, os.environ)
