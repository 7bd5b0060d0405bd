"""A candidate in shadow under a real `bentoml serve`: the champion answers alone, the
candidate scores the same rows off the answering path, both are recorded, and
`make monitor` reports their agreement and, with feedback labels, both accuracies on the
same rows. A candidate that raises on every row changes no answer."""

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import joblib
import numpy as np
import pandas as pd
import pytest
import yaml
from testkit.datasets import fruit
from testkit.repo import run, tool_env
from testkit.server import built_project

from classifier.contracts.features import FeatureSchema
from classifier.contracts.labels import label_text
from classifier.serving.messages import predict, request_rows
from classifier.serving.smoke import bentoml_serve

ROWS = 240


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return built_project(tmp_path_factory.mktemp("shadow"), fruit(rows=900, seed=6))


@pytest.fixture(scope="module")
def candidate(project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another model of the same task: a shallow tree instead of the champion's selection."""
    repo, _, _ = project
    copy = tmp_path_factory.mktemp("candidate") / "repo"
    shutil.copytree(repo, copy, symlinks=True)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["train"]["candidates"] = {"decision_tree": {"max_depth": [2]}}
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["classifier", "run"], copy)
    return copy / "models/model.joblib"


def serve(project, records: Path, log: Path, shadow: Path, rows: pd.DataFrame):
    """Serve with SHADOW_MODEL; send every row alone, 16 at a time; label every other row.
    The answers, and (request id, row) of each."""
    repo, home, tag = project
    options = f"services.classifier.monitoring.options.log_path={records}"
    env = tool_env(
        BENTOML_HOME=str(home),
        BENTOML_CONFIG_OPTIONS=options,
        FEEDBACK_TOKEN="t0k",  # noqa: S106
        SHADOW_MODEL=str(shadow),
    )
    with bentoml_serve(tag, repo, log, env) as server, httpx.Client(base_url=server.url) as http:
        schema = FeatureSchema.from_json(http.get("/metadata").json()["features"])
        sent = request_rows(rows.drop(columns=["kind"]), schema)
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda row: http.post("/predict", json={"rows": [row]}), sent))
        assert all(a.status_code == 200 for a in answers)
        ids = [a.headers["x-bentoml-request-id"] for a in answers]
        labels = [
            {"request_id": i, "row": 0, "label": t}
            for i, t in zip(ids[::2], rows["kind"][::2], strict=True)
        ]
        token = {"authorization": "Bearer t0k"}
        assert http.post("/feedback", json={"labels": labels}, headers=token).status_code == 200
        time.sleep(1.0)  # the shadow thread finishes what it was given before the server stops
    return [a.json()[0]["label"] for a in answers], ids


def shadow_records(records: Path) -> list[dict]:
    files = sorted((records / "classifier_shadow" / "data").glob("*.log*"))
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line]


def test_the_champion_answers_and_the_candidate_is_recorded_beside_it(project, candidate, tmp_path):
    repo, _, _ = project
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    rows = test.sample(ROWS, replace=True, random_state=3).reset_index(drop=True)
    records = tmp_path / "records"
    answers, ids = serve(project, records, tmp_path / "serve.log", candidate, rows)

    features = rows.drop(columns=["kind"])
    classes = ["pear", "apple", "cherry"]
    champion = joblib.load(repo / "models/model.joblib").predict(features)
    # the candidate labels a row as the service labels one (messages.predict)
    answered = predict(joblib.load(candidate), features, classes)
    challenger = np.array([a["label"] for a in answered], dtype=object)
    assert [label_text(a) for a in answers] == [label_text(c) for c in champion]

    found = {r["request"]: r for r in shadow_records(records)}
    assert set(found) == set(ids)  # every answered request was shadowed, none twice
    for request, answer, expected in zip(ids, answers, challenger, strict=True):
        record = found[request]
        assert record["label"] == [answer]
        assert record["candidate_label"] == [label_text(expected)]
        assert record["error"] is None
        assert record["candidate"] == str(candidate)
    agreement = float(
        np.mean([label_text(a) == label_text(b) for a, b in zip(champion, challenger, strict=True)])
    )
    assert 0 < agreement < 1  # a different model: the test can tell agreement from copying

    done = run(
        [
            "classifier",
            "monitor",
            "--records",
            str(records),
            "--reference",
            str(repo / "build/reference.json"),
            "--out",
            "monitor",
        ],
        repo,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    findings = json.loads((repo / "monitor/findings.json").read_text())
    [shadow] = findings["shadow"]
    assert shadow["rows"] == ROWS
    assert shadow["agreement"] == pytest.approx(agreement, abs=1e-6)
    truth = rows["kind"][::2].map(label_text).to_numpy()
    both = {
        "champion": np.mean(truth == np.array([label_text(c) for c in champion[::2]])),
        "candidate": np.mean(truth == np.array([label_text(c) for c in challenger[::2]])),
    }
    assert shadow["labelled"] == len(truth)
    for name, accuracy in both.items():
        interval = shadow["accuracy"][name]
        assert interval["value"] == pytest.approx(accuracy, abs=1e-6)  # JSON: 6 decimals
        assert interval["low"] <= accuracy <= interval["high"]
    report = (repo / "monitor/report.md").read_text()
    assert "### Candidate in shadow:" in report
    assert f"agree on **{agreement:.1%}**" in report


def test_a_candidate_that_raises_on_every_row_changes_no_answer(project, tmp_path):
    repo, _, _ = project
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    rows = test.head(30).reset_index(drop=True)
    broken = tmp_path / "broken.joblib"
    joblib.dump(object(), broken)  # has no predict: raises on every row
    records = tmp_path / "records"
    answers, ids = serve(project, records, tmp_path / "serve.log", broken, rows)
    champion = joblib.load(repo / "models/model.joblib").predict(rows.drop(columns=["kind"]))
    assert [label_text(a) for a in answers] == [label_text(c) for c in champion]
    recorded = shadow_records(records)
    assert {r["request"] for r in recorded} == set(ids)
    assert all(r["error"].startswith("AttributeError") for r in recorded)
    assert all(r["candidate_label"] == [None] for r in recorded)
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
