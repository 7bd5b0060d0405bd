"""`make predict` in a trained repository: entry points, interruption, URLs, the model store,
and records that `make monitor` reads. (Rules and parity: tests/unit/test_batch.py.)"""

import json
import signal
import subprocess
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from testkit.moto import BUCKET, client
from testkit.repo import run, tool_env
from testkit.server import build_bento

from ..workflow import runner_env


def held_out(repo: Path, copies: int = 1) -> pd.DataFrame:
    rows = pd.read_parquet(repo / "data/prepared/test.parquet").drop(columns=["kind"])
    return pd.concat([rows] * copies, ignore_index=True)


def assert_model_answers(repo: Path, rows: pd.DataFrame, found: pd.DataFrame) -> None:
    model = joblib.load(repo / "models/model.joblib")
    assert found["label"].tolist() == model.predict(rows).tolist()
    proba = model.predict_proba(rows)
    for i, c in enumerate(model.classes_):
        np.testing.assert_array_equal(found[f"probability.{c}"], proba[:, i])


def test_make_predict_scores_a_file_url_and_says_how_many(clone):
    rows = held_out(clone)
    rows.to_csv(clone / "rows.csv", index=False, na_rep="NA")
    make = ["make", "predict", f"IN=file://{clone / 'rows.csv'}", "OUT=scores.parquet"]
    result = run(make, clone, **runner_env(clone))
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"scores.parquet: scored {len(rows):,} rows, rejected 0, with ")
    assert_model_answers(clone, rows, pd.read_parquet(clone / "scores.parquet"))


def test_make_predict_without_files_says_what_to_give(clone):
    result = run(["make", "predict"], clone, check=False, **runner_env(clone))
    assert result.returncode != 0
    assert "error: say what to score and where: make predict IN=" in result.stderr
    assert "Traceback" not in result.stderr


def written(repo: Path) -> bool:
    return any(p.stat().st_size > 0 for p in repo.glob(".predict-*.csv"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "docker-stop"])
def test_an_interrupted_run_leaves_no_output(clone, sig):
    big = held_out(clone, copies=8000)  # half a million rows, in small chunks
    big.to_parquet(clone / "big.parquet", index=False)
    command = ["classifier", "predict", "big.parquet", "out.csv", "--chunk-rows", "500"]
    process = subprocess.Popen(
        command, cwd=clone, env=tool_env(), stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not written(clone) and time.monotonic() < deadline:  # chunks are being written
        time.sleep(0.01)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert not (clone / "out.csv").exists()
    assert not list(clone.glob(".predict-*"))


def test_s3_in_and_out(clone, moto_s3):
    endpoint, keys = moto_s3
    rows = held_out(clone)
    rows.to_parquet(clone / "rows.parquet", index=False)
    s3 = client("s3", endpoint, keys)
    s3.upload_file(str(clone / "rows.parquet"), BUCKET, "in/rows.parquet")
    env = {**keys, "AWS_ENDPOINT_URL": endpoint}
    source, target = f"s3://{BUCKET}/in/rows.parquet", f"s3://{BUCKET}/out/scores.csv"
    run(["classifier", "predict", source, target], clone, **env)
    s3.download_file(BUCKET, "out/scores.csv", str(clone / "scores.csv"))
    assert_model_answers(clone, rows, pd.read_csv(clone / "scores.csv"))
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")["Contents"]
    assert [o["Key"] for o in listed] == ["out/scores.csv"]  # nothing half-written beside it


@pytest.mark.parametrize("model", ["stored", "file"])
def test_the_stored_model_scores_and_its_records_are_monitored(clone, tmp_path, model):
    """By its tag, or as the model file that `make bento` stored: records name the model
    either way, so monitoring judges them as that model's, not another's."""
    home = tmp_path / "bentoml"
    build_bento(clone, home)
    model_tag = json.loads((clone / "build/bento.json").read_text())["model"]
    rows = held_out(clone, copies=30)
    rows.to_parquet(clone / "rows.parquet", index=False)
    records = tmp_path / "records"
    command = ["classifier", "predict", "rows.parquet", "scores.parquet"]
    command += ["--records", str(records)]
    command += ["--model", model_tag] if model == "stored" else []
    result = run(command, clone, BENTOML_HOME=str(home))
    assert f"with {model_tag} in" in result.stderr
    assert_model_answers(clone, rows, pd.read_parquet(clone / "scores.parquet"))

    monitored = run(
        ["classifier", "monitor", "--records", str(records), "--out", "batch-monitor"],
        clone,
        check=False,
    )
    # 60 held-out rows copied 30 times are a narrow sample: an alert is as good an answer.
    assert monitored.returncode in (0, 1), monitored.stderr
    assert "Traceback" not in monitored.stderr
    findings = json.loads((clone / "batch-monitor/findings.json").read_text())
    assert findings["rows"] == len(rows)
    report = (clone / "batch-monitor/report.md").read_text()
    assert f"predictions of `{model_tag}` in" in report
    assert "### Other versions" not in report
