"""The real pipeline: `dvc repro` in temporary git repositories, from cold caches."""

import json
import subprocess

from testkit.repo import ROOT, run, snapshot, tool_env

from classifier.report.comparison import outdated_stages

SMALL_RESULTS = [
    "reports/data.json",
    "reports/cv.json",
    "reports/metrics.json",
    "reports/importance.json",
    "reports/confusion.json",
]


def stages_run(output: str) -> list[str]:
    return [s for s in ("prepare", "train", "evaluate") if f"Running stage '{s}'" in output]


def test_two_cold_runs_give_byte_identical_results(history, make_repo):
    second = make_repo("second", with_results=False)
    run(["dvc", "repro"], second)
    for name in SMALL_RESULTS:
        assert (second / name).read_bytes() == (history[0] / name).read_bytes(), name


def test_committed_results_are_what_the_pipeline_reproduces(history):
    for name in SMALL_RESULTS:
        committed = (ROOT / name).read_bytes()
        assert committed == (history[0] / name).read_bytes(), f"{name}: run `make run` and commit"


def test_a_fresh_clone_without_cache_is_not_stale_but_a_changed_input_is(history, tmp_path):
    # A clean `git clone` has neither the DVC cache nor the cached outputs: DVC calls them
    # "not in cache", which is missing, not outdated. CI's first check runs exactly there.
    fresh = tmp_path / "fresh"
    run(["git", "clone", "--quiet", str(history[0]), str(fresh)], tmp_path)
    assert not (fresh / "models/model.joblib").exists()
    assert outdated_stages(fresh) == []
    params = fresh / "params.yaml"
    params.write_text(params.read_text().replace("cv_folds: 5", "cv_folds: 4"))
    assert outdated_stages(fresh) == ["train"]  # evaluate only learns when train reruns


def test_noop_repro_reruns_nothing(clone):
    result = run(["dvc", "repro"], clone)
    assert stages_run(result.stdout) == []
    assert "Data and pipelines are up to date" in result.stdout


def test_train_param_change_reruns_train_and_evaluate_not_prepare(clone):
    change = ["-S", "train.candidates.logistic_regression.C=[0.5]", "-S", "train.cv_folds=2"]
    result = run(["dvc", "exp", "run", *change], clone)
    assert stages_run(result.stdout) == ["train", "evaluate"]
    assert "Stage 'prepare' didn't change, skipping" in result.stdout
    cv = json.loads((clone / "reports/cv.json").read_text())
    logistic = next(c for c in cv["candidates"] if c["name"] == "logistic_regression")
    assert logistic["best_params"] == {"C": 0.5}
    shown = run(["dvc", "exp", "show", "--no-pager", "--csv"], clone).stdout
    assert "train.candidates.logistic_regression.C" in shown.splitlines()[0]


def test_param_change_that_keeps_the_model_skips_evaluate(clone):
    # Three folds pick the same candidate and grid point; the refit model is byte-identical,
    # so DVC sees evaluate's inputs unchanged.
    result = run(["dvc", "exp", "run", "-S", "train.cv_folds=3"], clone)
    assert stages_run(result.stdout) == ["train"]
    cv = json.loads((clone / "reports/cv.json").read_text())
    assert all(len(c["folds"]) == 3 for c in cv["candidates"])


def test_bad_params_stop_the_run_before_dvc_touches_anything(clone):
    before = snapshot(clone)
    params = clone / "params.yaml"
    params.write_text(params.read_text().replace("cv_folds: 5", "cv_fold: 5"))
    result = run(["classifier", "run"], clone, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: params.yaml: unknown key 'train.cv_fold' (did you mean 'cv_folds'?); "
        "allowed here: seed, cv_folds, scoring, candidates"
    ]
    assert snapshot(clone) == before


def test_bad_data_stops_the_run_before_dvc_touches_anything(clone):
    before = snapshot(clone)
    raw = clone / "data/raw/penguins.csv"
    raw.write_text(raw.read_text().replace("Adelie,Torgersen,39.1", "Adelie,Torgersen,long", 1))
    result = run(["classifier", "run"], clone, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "column 'bill_length_mm' must be numeric: 'long' at line 2" in result.stderr
    assert snapshot(clone) == before


def test_dvc_plots_render_every_declared_plot(clone, tmp_path):
    out = tmp_path / "plots"
    run(["dvc", "plots", "show", "-o", str(out)], clone)
    html = (out / "index.html").read_text()
    for title in (
        "Confusion matrix (test set)",
        "Cross-validated score per candidate",
        "Permutation feature importance",
    ):
        assert title in html
    assert len(list((out / "static").glob("*.png"))) == 3


def test_a_second_run_during_the_first_is_refused_and_nothing_is_corrupted(clone, history):
    first = subprocess.Popen(
        ["dvc", "repro", "--force"], cwd=clone, env=tool_env(), stdout=subprocess.PIPE, text=True
    )
    seen = []
    for line in first.stdout:  # start the second while the first is training
        seen.append(line)
        if "Running stage 'train'" in line:
            break
    second = run(["classifier", "run"], clone, check=False)
    rest = first.stdout.read()
    assert first.wait() == 0, "".join(seen) + rest

    assert second.returncode == 1
    [line] = second.stderr.strip().splitlines()[-1:]
    assert line == (
        "error: another DVC command is running in this repository and holds the outputs "
        "(nothing was changed); run again when it has finished"
    )
    status = run(["dvc", "status"], clone)
    assert "Data and pipelines are up to date" in status.stdout
    for name in SMALL_RESULTS:
        assert (clone / name).read_bytes() == (history[0] / name).read_bytes(), name
