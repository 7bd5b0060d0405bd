"""The comment workflow: check the report artifact of a pull request, then post it with CML.

This runs with a token that can write pull-request comments, on files a pull request
produced (possibly from a fork). So nothing in the artifact is executed or trusted:
- pr.json must hold an integer PR number and a full commit SHA, and that PR's head on
  GitHub must be the commit the PR workflow ran on;
- the markdown is rewritten so it can reference only this report's own PNG files (CML
  uploads every local file a comment references: `![](/proc/self/environ)` would
  publish the token) and carries no HTML beyond collapsible blocks;
- CML gets a file path and fixed arguments.
It imports only the standard library, so the job needs no install beyond CML.
"""

import argparse
import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from classifier.ci.github import SHA, GitHub
from classifier.contracts.errors import UserError
from classifier.report.markdown import COMMENT_LIMIT, IMAGE, cut

WATERMARK = "model-report"
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)]*)\)")
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)[^>]*>")
SAFE_PNG = re.compile(r"[A-Za-z0-9_-]+\.png")
ALLOWED_TAGS = {"details", "summary", "br"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


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


def sanitize(markdown: str, artifact: Path) -> str:
    """Only this report's PNG files as images, no local links, no HTML but <details>."""

    def image(match: re.Match) -> str:
        alt, target = match.group(1), match.group(2).strip()
        path = artifact / target
        if SAFE_PNG.fullmatch(target) and path.is_file() and path.read_bytes()[:8] == PNG_MAGIC:
            return f"![{alt}]({target})"
        return f"*(image {alt!r} removed: not a PNG of this report)*"

    def link(match: re.Match) -> str:
        text, target = match.group(1), match.group(2).strip()
        return match.group(0) if target.startswith(("https://", "#")) else text

    def tag(match: re.Match) -> str:
        kept = match.group(1).lower() in ALLOWED_TAGS
        return match.group(0) if kept else match.group(0).replace("<", "&lt;")

    text = TAG.sub(tag, LINK.sub(link, IMAGE.sub(image, markdown)))
    # CML appends its watermark: leave it room below GitHub's limit.
    return cut(text, COMMENT_LIMIT - 500, "the run's artifact has it all")


def cml_command(body: Path, number: int, repo_url: str) -> list[str]:
    """The exact CML call: edit the one comment carrying our watermark, or create it."""
    return [
        "cml",
        "comment",
        "update",
        f"--target=pr/{number}",
        f"--watermark-title={WATERMARK}",
        f"--repo={repo_url}",
        str(body.name),
    ]


def post(artifact: Path, env: Mapping[str, str]) -> list[str]:
    """Verify, sanitize and post; returns the CML command that ran."""
    number = verify(artifact, env)
    images = env.get("REPORT_IMAGES", "true").strip().lower() != "false"
    source = artifact / ("report.md" if images else "summary.md")
    body = artifact / "comment.md"
    body.write_text(sanitize(source.read_text(encoding="utf-8"), artifact), encoding="utf-8")
    repo_url = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env['GITHUB_REPOSITORY']}"
    command = cml_command(body, number, repo_url)
    cml_env = {
        **env,
        "REPO_TOKEN": env["GITHUB_TOKEN"],
        # CML 0.20.6 on Node 18+ fails to publish images through Node's built-in fetch.
        "NODE_OPTIONS": "--no-experimental-fetch",
    }
    if subprocess.run(command, cwd=artifact, env=cml_env, check=False).returncode != 0:
        raise UserError(f"cml could not comment on PR #{number}; its message is above")
    return command


def main(argv: list[str]) -> None:
    """`classifier comment ARTIFACT_DIR`."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("artifact", type=Path, help="the downloaded report artifact")
    args = parser.parse_args(argv[1:])
    GitHub.from_env(os.environ)  # says which variable is missing before anything is read
    post(args.artifact, os.environ)
