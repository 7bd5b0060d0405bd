"""Report timing: `make report` on a fresh clone right after the pipeline ran, and on a PR.

Run with `make bench-report`. It builds a temporary repository whose `main` holds
reproduced results, times the report there (nothing changed), then on a branch that
changes params and data the way a pull request would. With --example DIR, the PR's
report folder is copied to DIR: that is how docs/example-report/ is made.

Target (issue #3): the report finishes in under 10 s beyond the pipeline run.

`--stats-rows N` (default 1,000,000; 0 skips) also times the paired statistics alone
on N synthetic test rows: two models' answers on 3 classes, the bootstrap of every
metric with calibration, flips and 16 slices, in a child process whose peak memory is
read back. Target (issue #24): under 60 s and 4 GB at 1M rows. For scale, the same run
times one pass of scikit-learn's point metrics over both models.
"""

import argparse
import itertools
import json
import resource
import shutil
import statistics
import subprocess
import sys
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


def paired_statistics(rows: int) -> dict[str, float]:
    """Run in a child: the report's statistics on `rows` synthetic test rows (seconds)."""
    import numpy as np
    import pandas as pd
    from sklearn import metrics as sk

    from classifier.contracts.params import DataContract
    from classifier.report.paired import Scored, _flips, reliability
    from classifier.statistics.paired import Sample, bootstrap

    rng = np.random.default_rng(0)
    k = 3
    truth = rng.integers(0, k, rows)
    frame = pd.DataFrame(
        {
            "y": truth.astype(str),
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "plan": rng.choice([f"p{i}" for i in range(8)], rows),
            "size": rng.gamma(2.0, 10.0, rows),
        }
    )
    models = {}
    for name, skill in (("base", 1.0), ("head", 1.1)):
        proba = rng.dirichlet(np.ones(k), rows)
        proba[np.arange(rows), truth] += skill * rng.random(rows)
        proba /= proba.sum(axis=1, keepdims=True)
        models[name] = Scored(proba.argmax(axis=1), proba)
    slices = [
        (f"region = {v}", (frame["region"] == v).to_numpy()) for v in frame["region"].unique()
    ]
    slices += [(f"plan = {v}", (frame["plan"] == v).to_numpy()) for v in frame["plan"].unique()]
    edges = np.quantile(frame["size"], [0, 0.25, 0.5, 0.75, 1.0])
    slices += [
        (f"size bin {i}", ((frame["size"] >= lo) & (frame["size"] <= hi)).to_numpy())
        for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]
    metrics = ["accuracy", "balanced_accuracy", "f1_macro", "precision_macro", "recall_macro"]
    metrics += ["roc_auc_ovr", "log_loss"]
    started = time.perf_counter()
    for scored in models.values():
        sk.accuracy_score(truth, scored.predicted)
        sk.f1_score(truth, scored.predicted, average="macro")
        sk.log_loss(truth, scored.proba)
        sk.roc_auc_score(truth, scored.proba, multi_class="ovr")
    point = time.perf_counter() - started
    started = time.perf_counter()
    sample = Sample(truth, k, models, slices=slices)
    bootstrap(sample, metrics, 0.95, resamples=1000)
    contract = DataContract.model_validate(
        {
            "target": "y",
            "classes": ["0", "1", "2"],
            "numeric": ["size"],
            "categorical": ["region", "plan"],
        }
    )
    _flips(frame, truth, models["base"], models["head"], contract, ["0", "1", "2"])
    for scored in models.values():
        reliability(truth, scored)
    return {"statistics": time.perf_counter() - started, "point": point}


def stats_in_child(rows: int) -> tuple[dict[str, float], float]:
    """The statistics' seconds, and the child's peak resident memory in GB."""
    code = f"import json, bench.report as b; print(json.dumps(b.paired_statistics({rows})))"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        raise RuntimeError("the child's peak memory was not measured")
    return json.loads(out.stdout.strip().splitlines()[-1]), peak / 1024**2  # kB -> GB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="report runs per case (median)")
    parser.add_argument("--example", type=Path, help="copy the PR's report folder here")
    parser.add_argument("--stats-rows", type=int, default=1_000_000, help="0: skip")
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
    if args.stats_rows:
        figures, peak = stats_in_child(args.stats_rows)
        ratio = figures["statistics"] / figures["point"]
        print(f"paired statistics on {args.stats_rows:,} test rows (1,000 resamples, 16 slices)")
        print(f"  point metrics, both models (scale)  {figures['point']:6.2f} s")
        print(
            f"  bootstrap, flips, slices, calibr.   {figures['statistics']:6.2f} s  ({ratio:.1f}x)"
        )
        print(f"  peak memory of that process         {peak:6.2f} GB")
        print("target: under 60 s and 4 GB")


if __name__ == "__main__":
    main()
