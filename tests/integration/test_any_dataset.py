"""A team swaps in its own data, editing only params.yaml and data/raw/: every verb works.

The project is the template as committed (tests included). Its `main` first gets a
baseline of the suite's own (the fruit table, reproduced), so the test never depends on
the data the user committed; a branch then replaces it with scikit-learn's
breast-cancer table, labels in the order a clinician writes them (malignant first) and
malignant the positive class.
"""

import json
from pathlib import Path

import httpx
import pytest
from testkit.repo import git_commit, run
from testkit.server import build_bento, served_bento
from testkit.swap import baseline_project, breast_cancer, swap

from classifier.contracts.features import FeatureSchema
from classifier.serving.messages import request_rows


@pytest.fixture(scope="module")
def swapped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = baseline_project(tmp_path_factory.mktemp("swap") / "project")
    run(["git", "checkout", "-q", "-b", "our-data"], repo)
    swap(repo, breast_cancer())
    return repo


def test_check_run_report_bento_serve_and_the_dataset_tests_all_work(swapped: Path, tmp_path):
    checked = run(["classifier", "check"], swapped)
    assert "455 training and 114 test rows, binary target, positive class 'malignant'" in (
        checked.stderr
    )

    run(["classifier", "run"], swapped)
    metrics = json.loads((swapped / "reports/metrics.json").read_text())
    assert {"precision", "recall", "f1", "roc_auc", "average_precision"} <= set(metrics)
    assert "roc_auc_ovr" not in metrics
    assert metrics["log_loss"] < 0.3  # computed in the model's column order: not 5.5
    assert list(json.loads((swapped / "reports/per_class.json").read_text())) == [
        "malignant",
        "benign",
    ]
    git_commit(swapped, "our data")

    report = run(["classifier", "report", "--base", "main", "--check"], swapped, check=False)
    assert report.returncode == 0, report.stderr
    markdown = (swapped / "report/report.md").read_text()
    assert "**The data contract changed: metrics are not comparable with `main`**" in markdown
    assert (
        "**The dataset was replaced**: 240 rows on `main`, 569 in the PR, 0 in common." in markdown
    )

    home = tmp_path / "bentoml"
    tag = build_bento(swapped, home)
    with served_bento(swapped, home, tag, tmp_path / "serve.log") as server:
        meta = httpx.get(f"{server.url}/metadata", timeout=30).json()
        assert meta["classes"] == ["malignant", "benign"]
        rows = request_rows(
            breast_cancer().frame.head(3), FeatureSchema.from_json(meta["features"])
        )
        answers = httpx.post(f"{server.url}/predict", json={"rows": rows}, timeout=30).json()
    assert [a["label"] for a in answers] == ["malignant"] * 3  # the table's first rows
    assert list(answers[0]["probabilities"]) == ["malignant", "benign"]

    # The template's own dataset checks follow the new contract without an edit.
    tiers = run(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/data", "tests/model"],
        swapped,
        check=False,
    )
    assert tiers.returncode == 0, tiers.stdout[-3000:]
    assert " passed" in tiers.stdout
