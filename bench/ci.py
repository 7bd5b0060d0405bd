"""The wait between a push and the bot's comment, replayed here: `make bench-ci`.

The pull-request job's steps run as the workflow runs them (`make ci-env-key`,
`make install`, `make ci-report`, `make ci-summary`, `make ci-pr-info`), each in a fresh
clone of this repository on a branch that changes a training param, so the pipeline
really reruns. uv is given, as setup-uv gives it, and so is uv's download cache (this
machine's): what differs between the cases is what a runner restores.

- before: the job as it was: every dependency group synced from uv's cache, bytecode
  compiled, on every run;
- cold: the job now, on a first run: nothing restored, only the pipeline group;
- warm: the job now, with the caches main's run saved restored (caches.yml replayed
  first: the environment, and the DVC cache with main's results), as a pull request's
  run restores them. Restoring is a copy here; GitHub untars.

It prints each step's seconds, then the warm total against `make ci-report` alone (the
pipeline and the report: the floor), and the comment job's warm path: `make cml-install`
with CML's folder restored, and rendering the comment (the post itself is GitHub's).

Targets (issue #25): warm total at most 1.5x `make ci-report`, warm install under 5 s,
the comment job's warm path under 5 s outside the post.
"""

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from testkit.repo import ROOT, git_commit, run, tool_env

STEPS = ["ci-env-key", "install", "ci-report", "ci-summary", "ci-pr-info"]


def uv_binary() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    return found or str(ROOT / ".tools/bin/uv")


def origin(tmp: Path) -> Path:
    """A clone of this repository's HEAD as `main`, and a branch `pr` changing a param."""
    repo = tmp / "origin"
    run(["git", "clone", "-q", "--no-local", str(ROOT), str(repo)], tmp)
    run(["git", "checkout", "-q", "-B", "main"], repo)
    run(["git", "checkout", "-q", "-b", "pr"], repo)
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text())
    params["train"]["cv_folds"] = 4  # the pipeline reruns, as on most pull requests
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    git_commit(repo, "4 folds")
    return repo


def runner_clone(source: Path, target: Path, branch: str) -> Path:
    """actions/checkout: the commit's files, with `origin` to read the base branch from."""
    run(["git", "clone", "-q", "--no-local", "-b", branch, str(source), str(target)], source.parent)
    return target


def restore(saved: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copytree(saved, target, symlinks=True)
    return time.perf_counter() - started


def job(workdir: Path, groups: str, steps: list[str]) -> dict[str, float]:
    """The steps' seconds, each a `make` call with what a runner sets."""
    summary, output = workdir.parent / "summary.md", workdir.parent / "output.txt"
    env = tool_env(
        CI="true",
        ENV_GROUPS=groups,
        UV=uv_binary(),
        VENV=str(workdir / ".venv"),
        BASE="origin/main",
        HEAD_SHA=run(["git", "rev-parse", "HEAD"], workdir).stdout.strip(),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
        PR_NUMBER="1",
        RUNNER_OS="Linux",
    )
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    times = {}
    for step in steps:
        started = time.perf_counter()
        done = subprocess.run(["make", step], cwd=workdir, env=env, capture_output=True, text=True)
        times[step] = time.perf_counter() - started
        if done.returncode not in (0,):
            raise RuntimeError(f"make {step} failed in {workdir}:\n{done.stdout}\n{done.stderr}")
    return times


def comment_warm_path(workdir: Path) -> dict[str, float]:
    """The comment job with CML's folder restored: cml-install, and the comment's body."""
    cml = workdir / ".tools/cml-0.20.6/node_modules/.bin/cml"
    cml.parent.mkdir(parents=True, exist_ok=True)
    cml.write_text("#!/bin/sh\n")  # what the cache restores (its content is not run here)
    cml.chmod(0o755)
    env = tool_env()
    started = time.perf_counter()
    subprocess.run(["make", "cml-install"], cwd=workdir, env=env, check=True, capture_output=True)
    install = time.perf_counter() - started
    code = (
        "from pathlib import Path; from classifier.ci.comment import body; "
        "body(Path('report'), {'REPORT_IMAGES': 'false'})"
    )
    started = time.perf_counter()
    subprocess.run(
        ["python3", "-c", code],
        cwd=workdir,
        env={**env, "PYTHONPATH": "src"},
        check=True,
        capture_output=True,
    )
    return {"cml-install": install, "render": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ci-") as name:
        tmp = Path(name)
        source = origin(tmp)
        # caches.yml on main: the environment and main's results, saved for pull requests.
        main_run = runner_clone(source, tmp / "main" / "repo", "main")
        rows["main (caches.yml)"] = job(main_run, "pipeline", ["ci-env-key", "install", "ci-warm"])
        saved_env, saved_dvc = tmp / "saved-venv", tmp / "saved-dvc"
        shutil.copytree(main_run / ".venv", saved_env, symlinks=True)
        shutil.copytree(main_run / ".dvc/cache", saved_dvc, symlinks=True)

        before = runner_clone(source, tmp / "before" / "repo", "pr")
        rows["before (every group, every run)"] = job(before, "all", STEPS)
        cold = runner_clone(source, tmp / "cold" / "repo", "pr")
        rows["cold (pipeline group, no cache)"] = job(cold, "pipeline", STEPS)
        warm = runner_clone(source, tmp / "warm" / "repo", "pr")
        restored = {"restore": restore(saved_env, warm / ".venv")}
        restored["restore"] += restore(saved_dvc, warm / ".dvc/cache")
        rows["warm (caches restored)"] = restored | job(warm, "pipeline", STEPS)
        comment = comment_warm_path(warm)

    columns = [
        "restore",
        "ci-env-key",
        "install",
        "ci-warm",
        "ci-report",
        "ci-summary",
        "ci-pr-info",
    ]
    print(f"{'seconds':34}" + "".join(f"{c:>11}" for c in columns) + f"{'total':>9}")
    for case, times in rows.items():
        cells = "".join(f"{times[c]:11.2f}" if c in times else f"{'':11}" for c in columns)
        print(f"{case:34}{cells}{sum(times.values()):9.2f}")
    warm_times = rows["warm (caches restored)"]
    floor = warm_times["ci-report"]
    total = sum(warm_times.values())
    print(f"warm total {total:.2f} s = {total / floor:.2f}x `make ci-report` alone ({floor:.2f} s)")
    print(f"warm install {warm_times['install']:.2f} s (restore {warm_times['restore']:.2f} s)")
    print(
        f"comment job, warm: cml-install {comment['cml-install']:.2f} s, "
        f"render {comment['render']:.2f} s (the post itself is GitHub's)"
    )
    print("targets: warm total <= 1.5x ci-report, warm install < 5 s, comment < 5 s")


if __name__ == "__main__":
    main()
