"""Run one pipeline stage: `python -m classifier prepare|train|evaluate` (what dvc.yaml calls).

DVC runs every stage in a process of its own, so loading pandas, scikit-learn and
matplotlib is most of a short stage's time, and Python's cyclic garbage collector
makes it slower: it keeps scanning the hundreds of thousands of objects the imports
create, and scans them all again at exit. It is paused while the stage's module loads,
and what loaded is then frozen out of its view (`gc.freeze`); objects the stage itself
creates are collected as usual. This changes no result and saves about half a second
per stage on 2 cores (`make bench-pipeline`).
"""

import gc
import importlib
import sys

from classifier.errors import run_cli

STAGES = ("prepare", "train", "evaluate")


def main(argv: list[str]) -> None:
    if len(argv) != 1 or argv[0] not in STAGES:
        sys.exit(f"usage: python -m classifier {{{','.join(STAGES)}}}")
    gc.disable()
    try:
        stage = importlib.import_module(f"classifier.{argv[0]}")
    finally:
        gc.freeze()
        gc.enable()
    run_cli(stage.main)


if __name__ == "__main__":
    main(sys.argv[1:])
