"""`make report`: compare the working tree's pipeline results with a base revision.

Writes a folder with report.md (what the bot posts on the pull request), the images
it links by relative path, summary.md (the same without images, for the job
summary) and gate.json. With --check the exit status is 1 when the gate fails,
after everything is written.
"""

import argparse
import logging
from pathlib import Path

from classifier.contracts.errors import UserError
from classifier.contracts.files import write_folder
from classifier.contracts.git import short_sha
from classifier.contracts.params import PARAMS_FILE, Params, load_params, parse_params
from classifier.contracts.yamlfile import parse_yaml
from classifier.report import sections
from classifier.report.comparison import compare
from classifier.report.figures import figures
from classifier.report.gates import Rule, passed
from classifier.report.markdown import IMAGE, fit
from classifier.report.revision import Revision
from classifier.stages import pipeline

log = logging.getLogger(__name__)

FULL_REPORT = "the full report is in the workflow run's `report` artifact"


def without_images(markdown: str) -> str:
    """The variant for the job summary (and a comment without images): tables only."""
    note = r"*(\1: \2 in the workflow run's `report` artifact)*"
    return IMAGE.sub(note, markdown)


def gate_json(rules: list[Rule], base: str, base_sha: str | None, head_sha: str | None) -> dict:
    """Machine-readable verdict, for workflows and scripts: one shape, whatever happened."""
    return {
        "passed": passed(rules),
        "base": base,
        "base_sha": base_sha,
        "head_sha": head_sha,
        "failures": [rule.message for rule in rules if rule.passed is False],
        "rules": [{"key": r.key, "passed": r.passed, "message": r.message} for r in rules],
    }


def pipeline_error(reproduce: bool) -> str | None:
    """Why the pipeline cannot produce this commit's results, or None.

    Without --reproduce only the checks run (seconds, `make check`): a broken PR must
    never pass the gate on results left over from an earlier run.
    """
    try:
        if reproduce:
            pipeline.reproduce()
        else:
            pipeline.check()
    except UserError as err:
        return str(err)
    return None


def report_params(root: Path, base_rev: str) -> Params | None:
    """The head's params; if they are broken, the base's (so a failure still gets a report)."""
    try:
        return load_params(root / PARAMS_FILE)
    except UserError:
        pass
    content = Revision(root, base_rev).read(PARAMS_FILE)
    try:
        return parse_params(parse_yaml(content.decode(), PARAMS_FILE.name)) if content else None
    except UserError:
        return None


def failure_only(error: str) -> str:
    """The report when neither side has usable params: the verdict and what broke."""
    return f"## ❌ Quality gate failed: the pipeline failed: {error}\n\n" + sections.what_broke(
        error
    )


def build(
    root: Path, base_rev: str, out: Path, reproduce: bool = False, head_sha: str | None = None
) -> bool:
    """Compare, render and write the report folder; returns whether the gate passed."""
    error = pipeline_error(reproduce)
    params = report_params(root, base_rev)
    if params is None:
        reason = error or "params.yaml cannot be read"
        text = failure_only(reason)
        rules = [Rule("pipeline", False, f"the pipeline failed: {reason}")]
        gate = gate_json(rules, base_rev, short_sha(root, base_rev), head_sha)
        write_folder(out, {"report.md": text, "summary.md": text}, {}, {"gate.json": gate})
        log.info("❌ the pipeline failed: %s", reason)
        return False
    comparison = compare(root, base_rev, params, head_sha=head_sha, pipeline_error=error)
    markdown = fit(sections.render(comparison), params.report.max_chars, FULL_REPORT) + "\n"
    texts = {"report.md": markdown, "summary.md": without_images(markdown)}
    verdict = gate_json(comparison.rules, base_rev, comparison.base_sha, comparison.head_sha)
    write_folder(out, texts, figures(comparison), {"gate.json": verdict})
    log.info("%s", sections.verdict(comparison).removeprefix("## "))
    log.info("report written to %s/report.md", out)
    return passed(comparison.rules)


def main(argv: list[str]) -> int | None:
    """Parse arguments, write the report, and with --check exit 1 on a failed gate."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--base", default="main", help="git revision to compare with (main)")
    parser.add_argument("--out", type=Path, default=Path("report"), help="report folder (report)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the gate fails")
    parser.add_argument(
        "--reproduce", action="store_true", help="run the pipeline first (what CI does)"
    )
    parser.add_argument("--head-sha", help="commit to name as the PR's (CI: the PR head)")
    args = parser.parse_args(argv[1:])
    ok = build(Path.cwd(), args.base, args.out, args.reproduce, args.head_sha)
    return 1 if args.check and not ok else None
