"""`python -m classifier.stages STAGE`: what each stage of dvc.yaml runs."""

import sys

from classifier.runtime.cli import dispatch

STAGES: dict[str, tuple[str, str]] = {
    "prepare": ("classifier.stages.prepare", "validate the raw data and split it"),
    "train": ("classifier.stages.train", "model selection; refit the best on the training split"),
    "evaluate": ("classifier.stages.evaluate", "test-set metrics, confusion, importance"),
}

if __name__ == "__main__":
    dispatch(sys.argv[1:], STAGES, "python -m classifier.stages")
