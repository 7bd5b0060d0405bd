"""`make report`: compare the working tree's pipeline results with a base revision.

Writes a folder with report.json (the report as data: what the comment job renders
and posts), its renderings report.md (the images linked by relative path: the
preview of the bot's comment) and summary.md (without images, for the job summary),
the charts, and gate.json. With --check the exit status is 1 when the gate fails,
after everything is written.
"""

import argparse
import logging
from pathlib import Path

from matplotlib.figure import Figure

from classifier.contracts.errors import UserError
from classifier.contracts.params import PARAMS_FILE, Params, load_params, parse_params
from classifier.contracts.yamlfile import parse_yaml
from classifier.rendering.markdown import COMMENT_LIMIT, FIGURES
from classifier.report.comparison import compare
from classifier.report.facts import report_data
from classifier.report.figures import figures
from classifier.report.revision import Revision
from classifier.report.rules import Rule, passed, plain_verdict
from classifier.report.sections import failure_only, render
from classifier.stages import commands
from classifier.tools.files import write_folder
from classifier.tools.git import short_sha

log = logging.getLogger(__name__)


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


def write_report(out: Path, data: dict, figures: dict[str, Figure], gate: dict, limit: int) -> None:
    """The report folder: report.json (the data), its renderings, the charts, gate.json."""
    images = {name: FIGURES[name][0] for name in figures}
    texts = {"report.md": render(data, images, limit), "summary.md": render(data, None, limit)}
    files = {FIGURES[name][0]: figure for name, figure in figures.items()}
    write_folder(out, texts, files, {"report.json": data, "gate.json": gate})


def pipeline_error(reproduce: bool) -> str | None:
    """Why the pipeline cannot produce this commit's results, or None.

    Without --reproduce only the checks run (seconds, `make check`): a broken PR must
    never pass the gate on results left over from an earlier run.
    """
    try:
        if reproduce:
            commands.restore_outputs()  # a fresh checkout: what the restored cache holds
            commands.reproduce()
        else:
            commands.check()
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


def build(
    root: Path, base_rev: str, out: Path, reproduce: bool = False, head_sha: str | None = None
) -> bool:
    """Compare the working tree with a base revision, render and write the report folder.

    Args:
        root: the repository.
        base_rev: the revision to compare with (main).
        out: the report folder (report.json, report.md, summary.md, charts, gate.json).
        reproduce: run the pipeline first (what CI does); else only its checks.
        head_sha: the commit to name as the PR's (CI: the PR head).

    Returns:
        Whether the quality gate passed.
    """
    error = pipeline_error(reproduce)
    params = report_params(root, base_rev)
    if params is None:
        reason = error or "params.yaml cannot be read"
        data = failure_only(reason, base_rev)
        rules = [Rule("pipeline", False, error=reason)]
        gate = gate_json(rules, base_rev, short_sha(root, base_rev), head_sha)
        write_report(out, data, {}, gate, COMMENT_LIMIT)
        log.info("❌ the pipeline failed: %s", reason)
        return False
    comparison = compare(root, base_rev, params, head_sha=head_sha, pipeline_error=error)
    charts = figures(comparison)
    data = report_data(comparison, list(charts))
    verdict = gate_json(comparison.rules, base_rev, comparison.base_sha, comparison.head_sha)
    write_report(out, data, charts, verdict, params.report.max_chars)
    log.info("%s", plain_verdict(comparison.rules))
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
