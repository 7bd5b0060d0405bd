"""Report timing: `make report` on a fresh clone right after the pipeline ran, and on a PR.

Run with `make bench-report`. It builds a temporary repository whose `main` holds
reproduced results, times the report there (nothing changed), then on a branch that
changes params and data the way a pull request would. With --example DIR, the PR's
report folder is copied to DIR: that is how docs/example-report/ is made.

Target (issue #3): the report finishes in under 10 s beyond the pipeline run.
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from testkit.readme import update_readme
from testkit.repo import git_commit, project_repo, run


def timed_report(repo: Path, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run(["classifier", "report", "--base", "main", "--out", "report"], repo)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def make_pull_request(repo: Path) -> None:
    """A typical PR: one shallow tree for interpretability, 20 rows dropped, 4 new rows."""
    run(["git", "checkout", "-q", "-b", "interpretable-tree"], repo)
    params_path = repo / "params.yaml"
    params = yaml.safe_load(params_path.read_text())
    params["train"]["candidates"] = {
        "decision_tree": {"max_depth": [2, 3], "min_samples_leaf": [5]}
    }
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    raw = repo / "data/raw/penguins.csv"
    lines = raw.read_text().splitlines()
    new_rows = [_longer_bill(line) for line in lines[290:294]]
    raw.write_text("\n".join(lines[:200] + lines[220:] + new_rows) + "\n")
    run(["classifier", "run"], repo)
    git_commit(repo, "Interpretable model: one shallow decision tree; new and dropped rows")


def _longer_bill(line: str) -> str:
    """A new penguin: an existing row with a bill 0.4 mm longer."""
    cells = line.split(",")
    cells[2] = f"{float(cells[2]) + 0.4:.1f}"
    return ",".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="report runs per case (median)")
    parser.add_argument("--example", type=Path, help="copy the PR's report folder here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        repo = project_repo(Path(tmp) / "repo")
        started = time.perf_counter()
        run(["classifier", "run"], repo)
        pipeline = time.perf_counter() - started
        git_commit(repo, "results")
        on_main = timed_report(repo, args.rounds)
        make_pull_request(repo)
        on_pr = timed_report(repo, args.rounds)
        if args.example:
            shutil.rmtree(args.example, ignore_errors=True)
            shutil.copytree(repo / "report", args.example)
            update_readme(args.example)
    print(f"report timing, median of {args.rounds} runs")
    print(f"  pipeline (cold, for scale)      {pipeline:6.2f} s")
    print(f"  report on main right after it   {on_main:6.2f} s")
    print(f"  report on a PR (params + data)  {on_pr:6.2f} s")
    print("target: report < 10 s beyond the pipeline")


if __name__ == "__main__":
    main()
