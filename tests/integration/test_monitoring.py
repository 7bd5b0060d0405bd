"""The loop past deploy: a real `bentoml serve` records its traffic, `make monitor` reads it.

Traffic is replayed over HTTP on 127.0.0.1: rows drawn from the test split (no alert),
then the same rows with numbers shifted and a category's mix changed (an alert naming
the features that moved), and feedback labels for part of the requests (live accuracy,
checked against scikit-learn on the same rows).
"""

import http.server
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import httpx
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score
from testkit.datasets import fruit
from testkit.repo import run, tool_env
from testkit.server import built_project

from classifier.contracts.features import FeatureSchema
from classifier.serving.messages import request_rows
from classifier.serving.smoke import bentoml_serve

ROWS = 400
BATCHED = 40  # the last rows go in requests of BATCH rows
BATCH = 10
REQUESTS = ROWS - BATCHED + BATCHED // BATCH


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A project on a larger fruit table (so a replayed test split is a fair sample), built."""
    return built_project(tmp_path_factory.mktemp("monitor"), fruit(rows=1200, seed=4))


def traffic(repo: Path, shift: bool, seed: int) -> pd.DataFrame:
    """ROWS rows drawn from the test split, numbers and a category's mix moved if `shift`."""
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    rows = test.sample(ROWS, replace=True, random_state=seed).reset_index(drop=True)
    if shift:
        rows["weight (g)"] = rows["weight (g)"] * 1.6
        rows["sugar %"] = rows["sugar %"] + 3
        rows["origin"] = "east"
    return rows


def serve_and_send(project, records: Path, rows: pd.DataFrame, log: Path) -> list[tuple[str, int]]:
    """Serve with records under `records`; send rows alone, the last BATCHED in requests of
    BATCH (16 requests at a time); label every third row. (request id, row) of each row."""
    repo, home, tag = project
    options = f"services.classifier.monitoring.options.log_path={records}"
    env = tool_env(BENTOML_HOME=str(home), BENTOML_CONFIG_OPTIONS=options, FEEDBACK_TOKEN="t0k")  # noqa: S106
    with bentoml_serve(tag, repo, log, env) as server, httpx.Client(base_url=server.url) as http:
        schema = FeatureSchema.from_json(http.get("/metadata").json()["features"])
        sent = request_rows(rows.drop(columns=["kind"]), schema)
        alone, batched = sent[: ROWS - BATCHED], sent[ROWS - BATCHED :]
        bodies = [{"rows": [row]} for row in alone]
        bodies += [{"rows": batched[i : i + BATCH]} for i in range(0, BATCHED, BATCH)]
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda body: http.post("/predict", json=body), bodies))
        assert all(a.status_code == 200 for a in answers)
        ids = [
            (a.headers["x-bentoml-request-id"], row)
            for a, body in zip(answers, bodies, strict=True)
            for row in range(len(body["rows"]))
        ]
        labelled = [
            {"request_id": i, "row": r, "label": t}
            for (i, r), t in zip(ids[::3], rows["kind"][::3], strict=True)
        ]
        token = {"authorization": "Bearer t0k"}
        assert http.post("/feedback", json={"labels": labelled}, headers=token).json() == {
            "recorded": len(labelled)
        }
        forged = [{"request_id": "0123456789abcdef", "row": 0, "label": rows["kind"][0]}]
        assert http.post("/feedback", json={"labels": forged}, headers=token).status_code == 200
        refused = http.post("/predict", json={"rows": [{**bodies[0]["rows"][0], "origin": "west"}]})
        assert refused.status_code == 400
    return ids


def monitor(repo: Path, records: Path, out: str) -> tuple[int, str, dict]:
    result = run(
        [
            "classifier",
            "monitor",
            "--records",
            str(records),
            "--out",
            out,
            "--reference",
            str(repo / "build/reference.json"),
        ],
        repo,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    folder = repo / out
    return (
        result.returncode,
        (folder / "report.md").read_text(),
        json.loads((folder / "findings.json").read_text()),
    )


def test_traffic_like_the_test_split_raises_no_alert_and_feedback_measures_accuracy(
    project, tmp_path
):
    repo = project[0]
    rows = traffic(repo, shift=False, seed=1)
    records = tmp_path / "records"
    ids = serve_and_send(project, records, rows, tmp_path / "serve.log")

    status, report, findings = monitor(repo, records, "monitor-calm")
    assert status == 0, report
    assert report.startswith("## ✅ Model monitoring: within thresholds")
    assert findings["rows"] == ROWS
    assert f"` in {REQUESTS:,} requests" in report
    assert report.count(f"{ROWS:,} predictions of `classifier:") == 1

    # Live accuracy on the labelled third, computed here from what the service answered.
    served = pd.concat(
        pd.read_json(p, lines=True)
        for p in (records / "classifier_predictions/data").glob("*.log*")
    )
    by_request = served.set_index("request")["label"]  # one record per request: lists
    truth = rows["kind"][::3].tolist()
    expected = accuracy_score(truth, [by_request[i][r] for i, r in ids[::3]])
    assert findings["accuracy"] == pytest.approx(expected)
    assert f"accuracy (live, {len(truth):,} labelled rows)" in report
    assert "1 feedback labels dropped: their request id and row have no recorded" in report
    assert "| `literal_error` | 1 |" in report  # the refused request, by reason


def test_shifted_numbers_and_a_changed_category_mix_raise_an_alert_naming_them(project, tmp_path):
    repo = project[0]
    records = tmp_path / "records"
    serve_and_send(project, records, traffic(repo, shift=True, seed=2), tmp_path / "serve.log")

    status, report, findings = monitor(repo, records, "monitor-shifted")
    assert status == 1
    assert report.startswith("## 🔔 Model monitoring: ")
    alerts = report.split("### Alerts", 1)[1].split("###", 1)[0]
    for feature in ("weight (g)", "sugar %", "origin"):
        assert f"`{feature}` drifted: PSI" in alerts, alerts
        assert findings["drift"][feature] >= 0.25
    assert "(monitor.drift)" in alerts
    assert findings["drift"]["width/height"] < 0.25  # untouched
    assert (repo / "monitor-shifted/drift.png").stat().st_size > 1000
    assert "![" not in (repo / "monitor-shifted/summary.md").read_text()


def test_records_that_are_not_this_models_are_skipped_and_their_share_is_an_alert(
    project, tmp_path
):
    repo = project[0]
    bad = tmp_path / "records.jsonl"
    bad.write_text('{"request": "x", "row": 0, "model": "m", "feature.origin": 3, "label": 1}\n')
    result = run(
        [
            "classifier",
            "monitor",
            "--records",
            str(bad),
            "--reference",
            str(repo / "build/reference.json"),
        ],
        repo,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [verdict] = [line for line in result.stderr.splitlines() if line.startswith("🔔")]
    assert verdict.startswith("🔔 Model monitoring: 1 of 1 records are unreadable (100.0%)")
    assert f"first: {bad}:1: `feature.origin` is not list<item: string>" in verdict


def test_a_missing_reference_says_where_it_comes_from(project, tmp_path):
    repo = project[0]
    result = run(
        [
            "classifier",
            "monitor",
            "--records",
            str(tmp_path),
            "--reference",
            str(tmp_path / "nope.json"),
        ],
        repo,
        check=False,
    )
    message = f"error: {tmp_path / 'nope.json'} not found: the reference travels with the model"
    assert result.stderr.strip().startswith(message)


class Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver on 127.0.0.1: keeps each exported batch of log records."""

    batches: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        self.batches.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


def otlp_records(batches: list[bytes]) -> list[dict]:
    """Each exported log record's body, decoded."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    found = []
    for batch in batches:
        request = ExportLogsServiceRequest.FromString(batch)
        for resource in request.resource_logs:
            for scope in resource.scope_logs:
                found += [MessageToDict(r.body) for r in scope.log_records]
    return found


def test_records_go_to_an_otlp_collector_by_configuration_alone(project, tmp_path):
    """BentoML's OTLP exporter, configured by BENTOML_CONFIG_OPTIONS, against a receiver
    on 127.0.0.1 standing in for an OpenTelemetry collector."""
    repo, home, tag = project
    collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}/v1/logs"
    options = (
        "services.classifier.monitoring.type=otlp "
        f"services.classifier.monitoring.options.endpoint={endpoint}"
    )
    env = tool_env(BENTOML_HOME=str(home), BENTOML_CONFIG_OPTIONS=options, FEEDBACK_TOKEN="t0k")  # noqa: S106
    env["OTEL_BLRP_SCHEDULE_DELAY"] = "100"  # export every 100 ms, not every second
    rows = traffic(repo, shift=False, seed=3).head(3)
    with bentoml_serve(tag, repo, tmp_path / "serve.log", env) as server:
        schema = FeatureSchema.from_json(httpx.get(f"{server.url}/metadata").json()["features"])
        sent = request_rows(rows.drop(columns=["kind"]), schema)
        answer = httpx.post(f"{server.url}/predict", json={"rows": sent})
        assert answer.status_code == 200
        for _ in range(100):
            if Collector.batches:
                break
            time.sleep(0.1)
    collector.shutdown()
    [record] = [
        {kv["key"]: kv["value"] for kv in r["kvlistValue"]["values"]}
        for r in otlp_records(Collector.batches)
    ]
    assert record["request"] == {"stringValue": answer.headers["x-bentoml-request-id"]}
    labels = record["label"]["arrayValue"]["values"]
    assert [v["stringValue"] for v in labels] == [a["label"] for a in answer.json()]
    weights = record["feature.weight (g)"]["arrayValue"]["values"]
    assert [v["doubleValue"] for v in weights] == rows["weight (g)"].tolist()
    assert {f"probability.{c}" for c in ("pear", "apple", "cherry")} <= set(record)
