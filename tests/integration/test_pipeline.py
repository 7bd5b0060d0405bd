"""The real pipeline: `dvc repro` in temporary git repositories, from cold caches."""

import json

import joblib
import pandas as pd
import pytest
import yaml
from dvc.repo import Repo
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from testkit.datasets import Dataset, churn, fruit
from testkit.repo import fixture_repo, run, snapshot

from classifier.report.comparison import outdated_stages

SMALL_RESULTS = [
    "reports/cv.json",
    "reports/metrics.json",
    "reports/per_class.json",
    "reports/importance.json",
    "reports/confusion.json",
]


def stages_run(output: str) -> list[str]:
    return [s for s in ("prepare", "train", "evaluate") if f"Running stage '{s}'" in output]


def test_two_cold_runs_give_byte_identical_results(history, fruit_data, tmp_path):
    second = fixture_repo(tmp_path / "second", fruit_data)
    run(["dvc", "repro"], second)
    for name in SMALL_RESULTS:
        assert (second / name).read_bytes() == (history[0] / name).read_bytes(), name


def test_a_fresh_clone_without_cache_is_not_stale_but_a_changed_input_is(history, tmp_path):
    # A clean `git clone` has neither the DVC cache nor the cached outputs: DVC calls them
    # "not in cache", which is missing, not outdated. CI's first check runs exactly there.
    fresh = tmp_path / "fresh"
    run(["git", "clone", "--quiet", str(history[0]), str(fresh)], tmp_path)
    assert not (fresh / "models/model.joblib").exists()
    assert outdated_stages(fresh) == []
    params = fresh / "params.yaml"
    params.write_text(params.read_text().replace("cv_folds: 3", "cv_folds: 4"))
    assert outdated_stages(fresh) == ["prepare", "train"]  # evaluate learns when train reruns


def test_the_model_is_a_dvc_artifact_whose_path_follows_params(clone):
    dry = run(["dvc", "repro", "--dry"], clone)  # DVC's own validation of dvc.yaml
    assert "Data and pipelines are up to date" in dry.stdout
    params = yaml.safe_load((clone / "params.yaml").read_text())
    params["paths"]["model"] = "models/chosen.joblib"
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    with Repo(clone) as repo:
        declared = repo.artifacts.read()["dvc.yaml"]
    models = {name: a for name, a in declared.items() if a.type == "model"}
    assert [a.path for a in models.values()] == ["models/chosen.joblib"]


def test_noop_repro_reruns_nothing(clone):
    result = run(["dvc", "repro"], clone)
    assert stages_run(result.stdout) == []
    assert "Data and pipelines are up to date" in result.stdout


def test_editing_how_commands_run_reruns_no_stage_but_editing_a_stage_does(clone):
    """Help texts, error formats and the runner's plumbing compute nothing (dvc.yaml)."""
    for module in ("runtime/cli.py", "__main__.py"):
        path = clone / "src/classifier" / module
        path.write_text(path.read_text().replace("usage:", "Usage:") + "\n# reworded\n")
    assert outdated_stages(clone) == []
    prepare = clone / "src/classifier/stages/prepare.py"
    prepare.write_text(prepare.read_text() + "\n# a stage's own code\n")
    assert outdated_stages(clone) == ["prepare"]


def test_train_param_change_revalidates_then_retrains_and_reevaluates(clone):
    change = ["-S", "train.candidates.logistic_regression.C=[0.5]", "-S", "train.cv_folds=2"]
    result = run(["dvc", "exp", "run", *change], clone)
    # prepare validates every params change; its outputs are the same, DVC sees it.
    assert stages_run(result.stdout) == ["prepare", "train", "evaluate"]
    assert run(["git", "diff", "--stat", "HEAD", "--", "reports/"], clone).stdout
    cv = json.loads((clone / "reports/cv.json").read_text())
    logistic = next(c for c in cv["candidates"] if c["name"] == "logistic_regression")
    assert logistic["best_params"] == {"C": 0.5}
    shown = run(["dvc", "exp", "show", "--no-pager", "--csv"], clone).stdout
    assert "train.candidates.logistic_regression.C" in shown.splitlines()[0]


def test_param_change_that_keeps_the_model_skips_evaluate(clone):
    # Four folds pick the same candidate and grid point; the refit model is byte-identical,
    # so DVC sees evaluate's inputs unchanged.
    result = run(["dvc", "exp", "run", "-S", "train.cv_folds=4"], clone)
    assert stages_run(result.stdout) == ["prepare", "train"]
    cv = json.loads((clone / "reports/cv.json").read_text())
    assert all(len(c["folds"]) == 4 for c in cv["candidates"])


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


def test_a_second_run_while_dvc_holds_the_repository_is_refused_and_changes_nothing(clone):
    # Hold DVC's own repository lock, as a running `dvc repro` does, then start another run.
    before = snapshot(clone)
    with Repo(str(clone)) as repo, repo.lock:
        second = run(["classifier", "run"], clone, check=False)
    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1] == (
        "error: another DVC command is running in this repository and holds the outputs "
        "(nothing was changed); run again when it has finished"
    )
    assert snapshot(clone) == before
    assert "Data and pipelines are up to date" in run(["dvc", "status"], clone).stdout


@pytest.mark.parametrize(
    "dataset",
    [fruit(), churn()],
    ids=["multi-class text labels listed unsorted", "binary integer labels listed [1, 0]"],
)
def test_every_metric_equals_scikit_learn_called_with_the_models_label_order(
    dataset: Dataset, tmp_path
):
    repo = fixture_repo(tmp_path / "repo", dataset)
    run(["classifier", "run"], repo)
    model = joblib.load(repo / "models/model.joblib")
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    target = dataset.contract["target"]
    X, y = test.drop(columns=[target]), test[target].to_numpy()
    labels = model.classes_.tolist()  # the order of predict_proba's columns
    assert labels == sorted(dataset.contract["classes"])
    proba, predicted = model.predict_proba(X), model.predict(X)
    expected = {
        "accuracy": accuracy_score(y, predicted),
        "balanced_accuracy": balanced_accuracy_score(y, predicted),
        "f1_macro": f1_score(y, predicted, average="macro", labels=labels),
        "precision_macro": precision_score(y, predicted, average="macro", labels=labels),
        "recall_macro": recall_score(y, predicted, average="macro", labels=labels),
        "log_loss": log_loss(y, proba, labels=labels),
    }
    positive = dataset.contract.get("positive_class")
    if positive is None:
        expected["roc_auc_ovr"] = roc_auc_score(y, proba, multi_class="ovr", labels=labels)
    else:
        column = proba[:, labels.index(positive)]
        expected |= {
            "precision": precision_score(y, predicted, pos_label=positive),
            "recall": recall_score(y, predicted, pos_label=positive),
            "f1": f1_score(y, predicted, pos_label=positive),
            "roc_auc": roc_auc_score(y == positive, column),
            "average_precision": average_precision_score(y == positive, column),
        }
    written = json.loads((repo / "reports/metrics.json").read_text())
    assert written == {name: round(value, 6) + 0.0 for name, value in expected.items()}
    per_class = json.loads((repo / "reports/per_class.json").read_text())
    assert list(per_class) == [str(c) for c in dataset.contract["classes"]]


def test_a_cold_run_prints_the_stages_and_the_candidates_and_no_dvc_hints(fruit_data, tmp_path):
    repo = fixture_repo(tmp_path / "repo", fruit_data)
    result = run(["classifier", "run"], repo)
    lines = (result.stdout + result.stderr).splitlines()
    assert [line for line in lines if line.startswith("Running stage")] == [
        "Running stage 'prepare':",
        "Running stage 'train':",
        "Running stage 'evaluate':",
    ]
    assert any(line.startswith("logistic_regression ") for line in lines)
    assert any(line.startswith("best: ") for line in lines)
    for hint in ("git add", "autostage", "dvc push", "lock file", "> python"):
        assert not any(hint in line for line in lines), hint
    candidates = 2  # testkit.datasets.params_for
    assert len(lines) == 3 + 1 + candidates + 1  # stages, validation, candidates, best
    # core.autostage staged what DVC changed, so a plain `git commit` takes it.
    staged = run(["git", "diff", "--cached", "--name-only"], repo).stdout.split()
    assert "dvc.lock" in staged
