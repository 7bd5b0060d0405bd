"""`classifier COMMAND` (or `python -m classifier COMMAND`): the verbs the Makefile calls.

Each command's module is imported only when that command runs, so a CI step that posts
a comment loads the standard library and nothing else. The pipeline's stages have a
runner of their own (`python -m classifier.stages`), so adding a command here does not
make DVC retrain anything.
"""

import sys
from collections.abc import Sequence

from classifier.runtime.cli import dispatch

# command -> (module with a `main(argv)`, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("classifier.stages.commands", "validate params.yaml and the raw data; run nothing"),
    "run": ("classifier.stages.commands", "validate, then `dvc repro`"),
    "report": ("classifier.report.build", "compare the working tree's results with a base"),
    "bento": ("classifier.serving.bento", "model into the BentoML store; build the bento"),
    "serve": ("classifier.serving.local", "serve the last built bento on 127.0.0.1"),
    "smoke": ("classifier.serving.smoke", "serve the bento; its answers must be the model's"),
    "image": ("classifier.serving.image", "the container image: base, build, smoke, push"),
    "predict": ("classifier.serving.batch.command", "score a CSV or Parquet file of any size"),
    "monitor": ("classifier.monitor.report", "served traffic against the model's reference"),
    "pull": ("classifier.ci.remote", "dvc pull from the default remote"),
    "push": ("classifier.ci.remote", "dvc push to the default remote"),
    "ci": ("classifier.ci.steps", "pull-request workflow steps: pr-info, summary, gate"),
    "comment": ("classifier.ci.comment", "post a report artifact on its PR with CML"),
    "release": ("classifier.ci.release", "release workflow steps"),
    "deploy": ("classifier.ci.deploy", "POST the released image to the deploy webhook"),
    "rollback": ("classifier.ci.rollback", "point :latest at a released version and deploy it"),
    "cloud-runner": ("classifier.ci.runner", "launch a cloud runner with CML for one job"),
    "promote": ("classifier.ci.promotion", "check the rules, then assign a version a stage"),
    "registry": ("classifier.ci.promotion", "versions, stages and image digests"),
    "promote-step": ("classifier.ci.promote_steps", "promote workflow steps"),
    "monitor-issue": ("classifier.ci.monitor_issue", "keep the one 'Model monitoring' issue"),
    "retrain-pr": ("classifier.ci.retrain", "open a pull request with labelled traffic"),
}


def main(argv: Sequence[str] | None = None) -> None:
    """Run one command; without one (or with an unknown one) list them."""
    dispatch(sys.argv[1:] if argv is None else argv, COMMANDS, "classifier")


if __name__ == "__main__":
    main()
