"""Every record in its own stream, in the order real traffic uses: a real `bentoml serve`.

Concurrent clients send predictions, feedback for predictions they just got, and
requests the service refuses, shuffled; the server restarts and more traffic follows.
Each prediction's record, each label and each refusal must then be in its stream's
files (checked by request id: none lost, none duplicated), and `make monitor` must
read the service's own output and measure the live accuracy computed here.
"""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score
from testkit.datasets import fruit
from testkit.repo import tool_env
from testkit.server import built_project

from classifier.contracts.features import FeatureSchema
from classifier.serving import record_fields as fields
from classifier.serving.messages import request_rows
from classifier.serving.smoke import bentoml_serve

from .test_monitoring import monitor

TOKEN = "stream-token"  # noqa: S105 - a test's own token


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return built_project(tmp_path_factory.mktemp("streams"), fruit(rows=1200, seed=7))


def one_client(http: httpx.Client, row: dict, kind: str, truth: str, action: str) -> dict:
    """One client's turn: a prediction (then maybe its label at once), or a refusal."""
    if action == "refused":
        answer = http.post("/predict", json={"rows": [{**row, "origin": "nowhere"}]})
        assert answer.status_code == 400
        return {"refused": 1}
    answer = http.post("/predict", json={"rows": [row]})
    assert answer.status_code == 200
    request = answer.headers["x-bentoml-request-id"]
    sent = {"request": request, "label": answer.json()[0]["label"], "truth": truth}
    if action == "labelled":
        label = {"labels": [{"request_id": request, "row": 0, "label": truth}]}
        headers = {"authorization": f"Bearer {TOKEN}"}
        assert http.post("/feedback", json=label, headers=headers).status_code == 200
        sent["labelled"] = True
    return sent


def traffic(url: str, rows: list[dict], truth: list, seed: int) -> list[dict]:
    """Shuffled turns from 12 concurrent clients: a third labelled at once, 1 in 40 refused
    (stable traffic: under the refused-share alert), the rest plain predictions."""
    actions = [
        "refused" if i % 40 == 0 else "labelled" if i % 3 == 0 else "plain"
        for i in range(len(rows))
    ]
    random.Random(seed).shuffle(actions)  # noqa: S311 - a seeded mix of traffic, not a secret
    with httpx.Client(base_url=url, timeout=30) as http, ThreadPoolExecutor(12) as pool:
        return list(
            pool.map(lambda t: one_client(http, *t), zip(rows, truth, truth, actions, strict=True))
        )


def stream(records: Path, name: str) -> list[dict]:
    """Every JSON line of a stream, across workers, restarts and rotated files."""
    return [
        json.loads(line)
        for path in sorted((records / name / "data").glob("data.*"))
        for line in path.read_text().splitlines()
    ]


def both_workers_up(log: Path, timeout: float = 60.0) -> None:
    """/readyz answers once one worker is up; on a busy machine the other can start seconds
    later and miss the traffic. Wait until the log says both initialised."""
    deadline = time.monotonic() + timeout
    while log.read_text().count("Service classifier initialized") < 2:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.2)


def test_predictions_feedback_and_refusals_each_reach_their_own_stream(project, tmp_path):
    repo, home, tag = project
    records = tmp_path / "records"
    # BentoML's documented key for every service's monitoring folder: honoured, not overridden.
    options = f"services.monitoring.options.log_path={records} services.classifier.workers=2"
    env = tool_env(BENTOML_HOME=str(home), BENTOML_CONFIG_OPTIONS=options, FEEDBACK_TOKEN=TOKEN)
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    sample = test.sample(240, replace=True, random_state=3).reset_index(drop=True)
    truth = sample["kind"].tolist()
    sent: list[dict] = []
    for part, seed in ((slice(0, 120), 1), (slice(120, 240), 2)):  # a restart between
        log = tmp_path / f"serve-{seed}.log"
        with bentoml_serve(tag, repo, log, env) as server:
            both_workers_up(log)
            schema = FeatureSchema.from_json(
                httpx.get(f"{server.url}/metadata", timeout=30).json()["features"]
            )
            rows = request_rows(sample.drop(columns=["kind"]), schema)
            sent += traffic(server.url, rows[part], truth[part], seed)

    workers = {
        path.name.split(".")[1] for path in (records / fields.PREDICTIONS / "data").iterdir()
    }
    assert len(workers) == 2  # both workers recorded, each in its own files
    answered = [s for s in sent if "request" in s]
    labelled = [s for s in answered if s.get("labelled")]
    predictions = stream(records, fields.PREDICTIONS)
    feedback = stream(records, fields.FEEDBACK)
    refusals = stream(records, fields.REFUSALS)
    assert sorted(r[fields.REQUEST] for r in predictions) == sorted(s["request"] for s in answered)
    assert all(fields.LABEL in r and fields.REASON not in r for r in predictions)
    assert sorted(r[fields.REQUEST][0] for r in feedback) == sorted(s["request"] for s in labelled)
    assert all(set(r) >= {fields.REQUEST, fields.ROW, fields.LABEL} for r in feedback)
    assert len(refusals) == sum(s.get("refused", 0) for s in sent)
    assert all(set(r) >= {fields.REASON, fields.FIELD} for r in refusals)

    status, _, findings = monitor(repo, records, "monitor")
    assert status == 0
    expected = accuracy_score([s["truth"] for s in labelled], [s["label"] for s in labelled])
    assert findings["accuracy"] == pytest.approx(expected)
