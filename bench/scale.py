"""Scale: the pipeline on synthetic penguins of 100k, 1M, 3M and 10M rows; 1M on Dask too.

Run with `make bench-scale` (sizes with --sizes). Each size gets a temporary copy of
the project whose raw CSV is drawn from per-species distributions fitted to the real
table (same contract: columns, types, classes, missing values), and one fixed
candidate (logistic regression, no grid; 5-fold CV still runs). Each stage runs as
`dvc repro STAGE`; the figures are its seconds and the peak resident memory of its
whole process tree (workers included), sampled every 50 ms.

Then the same 1M rows again with `compute.backend: dask` against a real cluster on
127.0.0.1 (testkit.dask: a scheduler and two single-threaded workers), to show the
engine's overhead on one machine (it pays off with more machines, not on loopback).

Goals: 1M rows end to end under 5 minutes and 4 GB (issue #6); 10M rows under 10
minutes and 8 GB (issue #15); time growing no worse than linearly with rows.
"""

import argparse
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import yaml
from testkit.dask import Cluster
from testkit.measure import timed
from testkit.repo import ROOT, git_commit, project_repo, tool_env

from classifier.contracts.params import load_params
from classifier.stages.data import load_raw

STAGES = ("prepare", "train", "evaluate")


def synthetic(rows: int, seed: int = 0) -> pd.DataFrame:
    """Penguin-like rows: per-species normal numbers, categories and missing rates as observed."""
    params = load_params(ROOT / "params.yaml")
    real = load_raw(ROOT / params.paths.raw_data, params.data)
    rng = np.random.default_rng(seed)
    shares = real["species"].value_counts(normalize=True)
    species = rng.choice(shares.index.to_numpy(), size=rows, p=shares.to_numpy())
    frame = pd.DataFrame({"species": species})
    for column in params.data.numeric:
        stats = real.groupby("species")[column].agg(["mean", "std"])
        values = rng.normal(stats.loc[species, "mean"], stats.loc[species, "std"])
        missing = rng.random(rows) < real[column].isna().mean()
        frame[column] = np.where(missing, np.nan, np.round(values, 2))
    for column in params.data.categorical:
        out = np.empty(rows, dtype=object)
        for name, group in real.groupby("species"):
            mask = species == name
            counts = group[column].value_counts(normalize=True, dropna=False)
            out[mask] = rng.choice(
                counts.index.to_numpy(dtype=object), size=mask.sum(), p=counts.to_numpy()
            )
        frame[column] = out
    frame["year"] = rng.integers(2007, 2010, size=rows)
    return frame[["species", "island", *params.data.numeric, "sex", "year"]]


def timed_stage(repo: Path, stage: str, **env: str) -> tuple[float, int]:
    """Seconds and peak tree memory (bytes) of `dvc repro STAGE`."""
    seconds, peak, status, output = timed(
        ["dvc", "repro", "--single-item", stage], repo, tool_env(**env)
    )
    if status != 0:
        raise RuntimeError(f"dvc repro {stage} failed:\n{output[-3000:]}")
    return seconds, peak


def run_size(workdir: Path, rows: int, dask: str | None = None) -> dict[str, tuple[float, int]]:
    """Every stage on `rows` synthetic rows; with `dask` (an address), on that cluster."""
    repo = project_repo(workdir / f"rows-{rows}{'-dask' if dask else ''}")
    synthetic(rows).to_csv(repo / "data/raw/penguins.csv", index=False, na_rep="NA")
    params_path = repo / "params.yaml"
    params = yaml.safe_load(params_path.read_text())
    params["train"]["candidates"] = {"logistic_regression": {"C": 1.0}}
    env = {}
    if dask:
        params["compute"] = {"backend": "dask", "n_jobs": -1}
        env["DASK_SCHEDULER_ADDRESS"] = dask
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    git_commit(repo, f"{rows} synthetic rows")
    return {stage: timed_stage(repo, stage, **env) for stage in STAGES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="100000,1000000,3000000,10000000", help="rows, comma-separated"
    )
    parser.add_argument("--dask-rows", type=int, default=1_000_000, help="rows of the Dask run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for rows in sizes:
            results[rows] = run_size(Path(tmp), rows)
            total = sum(t for t, _ in results[rows].values())
            print(f"{rows:>9,} rows done in {total:.0f} s", flush=True)
        local = results.get(args.dask_rows) or run_size(Path(tmp), args.dask_rows)
        with Cluster(Path(tmp) / "dask.log") as cluster:
            on_dask = run_size(Path(tmp), args.dask_rows, dask=cluster.address)
    print(f"\npipeline at scale ({psutil.cpu_count()} cores); seconds and peak memory per stage")
    header = (
        f"  {'rows':>9}  " + "  ".join(f"{s:>16}" for s in STAGES) + f"  {'total':>8}  {'peak':>8}"
    )
    print(header)
    for rows, stages in results.items():
        cells = "  ".join(f"{t:7.1f} s {m / 2**30:5.2f} GB" for t, m in stages.values())
        total = sum(t for t, _ in stages.values())
        peak = max(m for _, m in stages.values())
        print(f"  {rows:>9,}  {cells}  {total:6.1f} s  {peak / 2**30:5.2f} GB")
    totals = {rows: sum(t for t, _ in stages.values()) for rows, stages in results.items()}
    for small, large in itertools.pairwise(sizes):
        growth = (totals[large] / totals[small]) / (large / small)
        print(
            f"  time growth {small:,} -> {large:,}: {totals[large] / totals[small]:.1f}x for "
            f"{large / small:.0f}x rows ({growth:.2f} of linear)"
        )
    print(
        f"the same {args.dask_rows:,} rows with model selection on a Dask cluster on loopback "
        "(a scheduler, 2 single-threaded workers; their memory is not in the peak):"
    )
    for stage in ("train", "evaluate"):
        there, here = on_dask[stage][0], local[stage][0]
        print(f"  {stage:<9} local {here:6.1f} s, Dask {there:6.1f} s: {there / here:.2f}x")
    print("goal: 10M rows end to end < 600 s and < 8 GB on 2 cores; growth no worse than linear")


if __name__ == "__main__":
    main()
