"""The built bento under a real `bentoml serve` on 127.0.0.1, over HTTP."""

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
from testkit.repo import run
from testkit.server import build_bento, schemathesis, served_bento

from classifier.contracts.features import FeatureSchema
from classifier.serving.messages import request_rows

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TOKEN = "feedback-secret"  # noqa: S105 - a test's own token


@pytest.fixture(scope="module")
def served(history, tmp_path_factory):
    """The reproduced repository's model, built into a bento and served; yields (url, repo)."""
    repo = history[0]
    home = tmp_path_factory.mktemp("bentoml")
    tag = build_bento(repo, home)
    with served_bento(repo, home, tag, home / "serve.log", FEEDBACK_TOKEN=TOKEN) as server:
        yield server.url, repo, home / "serve.log"


@pytest.fixture(scope="module")
def client(served):
    with httpx.Client(base_url=served[0], timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def offline(served, client):
    """The model file and the test rows the service must agree with."""
    repo = served[1]
    model = joblib.load(repo / "models/model.joblib")
    test = pd.read_parquet(repo / "data/prepared/test.parquet").drop(columns=["kind"])
    return (
        model,
        test,
        request_rows(test, FeatureSchema.from_json(client.get("/metadata").json()["features"])),
    )


def predict(client: httpx.Client, rows: list[dict]) -> httpx.Response:
    return client.post("/predict", json={"rows": rows})


def assert_matches_offline(answers: list[dict], model, frame: pd.DataFrame) -> None:
    assert [a["label"] for a in answers] == list(model.predict(frame))
    served = np.array([[a["probabilities"][c] for c in model.classes_] for a in answers])
    # Adaptive batching groups rows differently from one offline call, and BLAS results
    # then differ in the last bit (seen: 4e-17); anything beyond rounding is a bug.
    np.testing.assert_allclose(served, model.predict_proba(frame), rtol=1e-12, atol=1e-15)


def test_predictions_for_every_test_row_equal_the_offline_model(client, offline):
    model, test, rows = offline
    response = predict(client, rows)
    assert response.status_code == 200
    assert_matches_offline(response.json(), model, test)


def test_concurrent_single_rows_are_batched_without_mixing_them_up(client, offline):
    model, test, rows = offline
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda row: predict(client, [row]).json()[0], rows))
    assert_matches_offline(answers, model, test)


def test_metadata_describes_the_served_model(client, served):
    repo = served[1]
    meta = client.get("/metadata").json()
    assert meta["git_sha"] == run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    assert meta["metrics"] == json.loads((repo / "reports/metrics.json").read_text())
    assert meta["classes"] == ["pear", "apple", "cherry"]
    assert meta["model"] == f"classifier:{meta['version']}"
    features = meta["features"]
    assert features["categorical"]["origin"] == ["east", "north", "south"]
    assert features["categorical"]["grade"] == [1, 2, 3]
    assert set(features["numeric"]) == {"weight (g)", "width/height", "sugar %"}


ROW = {
    "weight (g)": 150.0,
    "width/height": 1.0,
    "sugar %": 10.5,
    "origin": "north",
    "grade": 2,
    "colour": "red",
}


def _without(field: str) -> dict:
    return {k: v for k, v in ROW.items() if k != field}


def _raw_row(sugar: str) -> bytes:
    """A body json.dumps cannot write: NaN and Infinity are not JSON, but parsers meet them."""
    body = json.dumps({"rows": [{**ROW, "sugar %": 0}]})
    return body.replace('"sugar %": 0', f'"sugar %": {sugar}').encode()


BAD_REQUESTS = [
    ("invalid JSON", b'{"rows": [{', "application/json", "body: Invalid JSON"),
    ("missing field", {"rows": [_without("colour")]}, None, "rows[0].colour: Field required"),
    ("wrong type", {"rows": [{**ROW, "weight (g)": "heavy"}]}, None, "rows[0].weight (g): Input"),
    ("unknown category", {"rows": [{**ROW, "origin": "west"}]}, None, "'north' or 'south'"),
    (
        "code as text",
        {"rows": [{**ROW, "grade": "2"}]},
        None,
        "rows[0].grade: Input should be 1, 2",
    ),
    ("null where not allowed", {"rows": [{**ROW, "origin": None}]}, None, "rows[0].origin"),
    ("empty batch", {"rows": []}, None, "rows: List should have at least 1 item"),
    ("oversized batch", {"rows": [ROW] * 10_001}, None, "rows: List should have at most 10000"),
    (
        "NaN",
        _raw_row("NaN"),
        "application/json",
        "rows[0].sugar %: Input should be a finite",
    ),
    (
        "infinity",
        _raw_row("Infinity"),
        "application/json",
        "rows[0].sugar %: Input should be",
    ),
    (
        "out of range",
        {"rows": [{**ROW, "width/height": 1e9}]},
        None,
        "rows[0].width/height",
    ),
    ("unknown field", {"rows": [{**ROW, "shape": "round"}]}, None, "rows[0].shape: Extra inputs"),
    ("not JSON at all", b"--x\r\n", "multipart/form-data", "Content-Type must be application/json"),
]


def test_bad_requests_get_a_400_naming_the_field_and_the_server_keeps_serving(client, offline):
    for name, body, content_type, expected in BAD_REQUESTS:
        if isinstance(body, bytes):
            response = client.post("/predict", content=body, headers={"content-type": content_type})
        else:
            response = client.post("/predict", json=body)
        assert response.status_code == 400, name
        assert expected in response.json()["error"], (name, response.json())
    model, test, rows = offline
    after = predict(client, rows)
    assert after.status_code == 200
    assert_matches_offline(after.json(), model, test)


def test_openapi_documents_the_typed_request(client):
    spec = client.get("/docs.json").json()
    row = spec["components"]["schemas"]["Row"]
    assert row["additionalProperties"] is False
    assert set(row["required"]) == set(ROW)
    assert row["properties"]["origin"]["enum"] == ["east", "north", "south"]
    assert row["properties"]["grade"]["enum"] == [1, 2, 3]
    nullable = row["properties"]["colour"]["anyOf"]
    assert {"type": "null"} in nullable
    weight = row["properties"]["weight (g)"]
    assert weight["type"] == "number"
    assert "maximum" in weight
    assert "/metadata" in spec["paths"]


def test_health_and_metrics_endpoints(client):
    assert client.get("/livez").status_code == 200
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").text
    assert "bentoml_service_request_total" in metrics


def test_schemathesis_finds_no_server_error_and_no_response_breaking_the_schema(served, tmp_path):
    result = schemathesis(served[0], 60, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No issues found" in result.stdout


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_swagger_ui_shows_the_predict_endpoint(served, tmp_path):
    from playwright.sync_api import sync_playwright

    shot = tmp_path / "swagger.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(served[0] + "/", wait_until="domcontentloaded")
        path = page.locator(".opblock-summary-path", has_text="/predict")
        endpoint = page.locator(".opblock", has=path).first
        endpoint.wait_for(state="visible", timeout=30_000)
        endpoint.screenshot(path=str(shot))
        page.screenshot(path=str(tmp_path / "page.png"), full_page=False)
        browser.close()
    pixels = _png_pixels(shot)
    assert pixels.std() > 10  # text on a background, not a blank box
    assert (tmp_path / "page.png").stat().st_size > 20_000


def _png_pixels(path: Path) -> np.ndarray:
    from matplotlib.image import imread

    return imread(path)[..., :3] * 255


def test_a_body_over_the_limit_gets_413_before_it_is_read(client, served, offline):
    _, _, rows = offline
    limit = 10_000 * 64 * (len(rows[0]) + 4)  # the default: the row limit's rows
    huge = b'{"rows": [' + b" " * (limit + 1) + b"]}"
    response = client.post("/predict", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"error": f"the request body is larger than {limit:,} bytes"}

    def chunks():  # no Content-Length: refused as the chunks pass the limit
        yield b'{"rows": ['
        for _ in range(limit // 1_000_000 + 2):
            yield b" " * 1_000_000

    response = client.post(
        "/predict", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert predict(client, rows[:1]).status_code == 200  # and it keeps serving


def test_feedback_needs_the_deploy_time_token(client, offline):
    _, _, rows = offline
    request_id = predict(client, rows[:1]).headers["x-bentoml-request-id"]
    labels = {"labels": [{"request_id": request_id, "row": 0, "label": "apple"}]}
    assert client.post("/feedback", json=labels).status_code == 401
    wrong = {"authorization": "Bearer guess"}
    assert client.post("/feedback", json=labels, headers=wrong).status_code == 401
    right = {"authorization": f"Bearer {TOKEN}"}
    assert client.post("/feedback", json=labels, headers=right).json() == {"recorded": 1}


def test_feedback_is_off_without_a_token(history, tmp_path):
    repo = history[0]
    home = tmp_path / "bentoml"
    tag = build_bento(repo, home)
    with served_bento(repo, home, tag, home / "serve.log") as server:
        answer = httpx.post(f"{server.url}/feedback", json={"labels": []}, timeout=30)
    assert answer.status_code == 403
    assert "FEEDBACK_TOKEN" in answer.json()["error"]


def test_a_refused_request_logs_one_line_not_a_traceback(client, served, offline):
    _, _, rows = offline
    log = served[2]
    before = log.read_text()
    assert predict(client, [{**rows[0], "origin": "west"}]).status_code == 400
    found: list[str] = []
    for _ in range(50):  # the worker's log line reaches the file a moment after the answer
        new = log.read_text()[len(before) :]
        found = [line for line in new.splitlines() if "refused POST /predict (400)" in line]
        if found:
            break
        time.sleep(0.1)
    assert "Traceback" not in new
    [line] = found
    assert "Input should be" in line
