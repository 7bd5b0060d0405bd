"""Steps of the pull-request workflow besides the pipeline and the report itself.

`pr-info` hands the PR number and head commit to the comment workflow (inside the
report artifact); `summary` writes the report into the job summary; `gate` fails the
job when the quality gate failed, after everything else has been uploaded.
"""

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from classifier.ci.github import SHA
from classifier.contracts.errors import UserError


def pr_info(out: Path, env: Mapping[str, str]) -> dict:
    """Write pr.json from the runner's PR_NUMBER and HEAD_SHA (set from the event)."""
    number, sha = env.get("PR_NUMBER", ""), env.get("HEAD_SHA", "")
    if not number.isdigit():
        raise UserError(f"PR_NUMBER must be the pull request's number, got {number!r}")
    if not SHA.fullmatch(sha):
        raise UserError(f"HEAD_SHA must be a full commit SHA, got {sha!r}")
    info = {"number": int(number), "head_sha": sha}
    (out / "pr.json").write_text(json.dumps(info) + "\n")
    return info


def job_summary(out: Path, env: Mapping[str, str]) -> None:
    """Append the image-free report to the job summary ($GITHUB_STEP_SUMMARY)."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        raise UserError("GITHUB_STEP_SUMMARY is not set: this step runs on GitHub Actions")
    with open(target, "a", encoding="utf-8") as summary:
        summary.write((out / "summary.md").read_text(encoding="utf-8"))


def gate(out: Path) -> int:
    """0 when the report's gate passed; 1 (with an error annotation) when it failed."""
    verdict = json.loads((out / "gate.json").read_text())
    if verdict["passed"]:
        sys.stdout.write("::notice title=Quality gate::passed\n")
        return 0
    for failure in verdict["failures"]:
        sys.stdout.write(f"::error title=Quality gate failed::{command_data(str(failure))}\n")
    return 1


def command_data(text: str) -> str:
    """`text` as the message of a workflow command: a newline cannot start another command.

    >>> command_data("50% off\\n::add-mask::x")
    '50%25 off%0A::add-mask::x'
    """
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main(argv: list[str]) -> int | None:
    """`classifier ci pr-info|summary|gate --out REPORT_DIR`."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("step", choices=["pr-info", "summary", "gate"])
    parser.add_argument("--out", type=Path, default=Path("report"), help="report folder")
    args = parser.parse_args(argv[1:])
    if not (args.out / "gate.json").is_file():
        raise UserError(f"{args.out}/gate.json not found: run `make ci-report` first")
    if args.step == "pr-info":
        pr_info(args.out, os.environ)
    elif args.step == "summary":
        job_summary(args.out, os.environ)
    else:
        return gate(args.out)
    return None
