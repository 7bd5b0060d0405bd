"""Records as production leaves them: each damage skipped and counted, never a traceback.

A worker killed mid-write cuts the last line; a full disk, an editor or another
program leaves lines that are not JSON, not of this model's types, with a garbage
timestamp, mismatched lists or one enormous line; files are empty or rotated. Each
case below damages a sound store one way: the damaged records are skipped and counted,
the first named by file and line, and everything else is read.
"""

import json
from pathlib import Path

import pytest

from classifier.contracts.params import Monitor
from classifier.monitor import records
from classifier.monitor.analysis import analyse
from classifier.monitor.records import BLOCK, read
from classifier.monitor.reference import ModelReference
from classifier.monitor.report import build, state

REFERENCE = {
    "model": "classifier:v1",
    "classes": ["a", "b"],
    "features": {
        "x": {"numeric": True, "edges": [0.5], "categories": [], "shares": [0.5, 0.5, 0, 0]},
        "c": {"numeric": False, "edges": [], "categories": ["u", "v"], "shares": [0.5, 0.5, 0, 0]},
    },
    "test": {
        "rows": 100,
        "actual": {"a": 0.5, "b": 0.5},
        "predicted": {"a": 0.5, "b": 0.5},
        "confidence": 0.9,
        "metrics": {"accuracy": 0.9},
    },
}
GOOD = 300


def record(i: int, **change: object) -> dict:
    """A one-row prediction record, as the service writes it."""
    return {
        "request": f"{i:016x}",
        "model": "classifier:v1",
        "feature.x": [i % 10 / 10],
        "feature.c": ["u" if i % 2 else "v"],
        "label": ["a" if i % 2 else "b"],
        "probability.a": [0.9 if i % 2 else 0.1],
        "probability.b": [0.1 if i % 2 else 0.9],
        "timestamp": f"2026-11-30T10:{i // 60 % 60:02d}:{i % 60:02d}",
        "request_id": str(i),
        "trace_id": "0",
        **change,
    }


def lines(count: int = GOOD) -> list[bytes]:
    return [json.dumps(record(i)).encode() + b"\n" for i in range(count)]


def store(tmp_path: Path, content: list[bytes], name: str = "data.0.log") -> Path:
    folder = tmp_path / "records" / "classifier_predictions" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"".join(content))
    return tmp_path / "records"


@pytest.fixture
def ref() -> ModelReference:
    return ModelReference.from_json(REFERENCE)


def damaged(at: int, line: bytes) -> list[bytes]:
    content = lines()
    content[at] = line
    return content


CASES = {
    "cut-off last line": ([*lines()[:-1], lines()[-1][:40]], GOOD - 1, "cut off mid-write"),
    "not JSON": (damaged(5, b"{oops\n"), 5, "not JSON"),
    "not an object": (damaged(6, b"[1, 2]\n"), 6, "not a JSON object"),
    "not UTF-8": (damaged(7, b'{"request": "\xff\xfe"}\n'), 7, "not JSON"),
    "wrong feature type": (
        damaged(8, json.dumps(record(8, **{"feature.x": ["heavy"]})).encode() + b"\n"),
        8,
        "`feature.x` is not list<item: double>",
    ),
    "wrong label type": (
        damaged(9, json.dumps(record(9, label=[7])).encode() + b"\n"),
        9,
        "`label` is not list<item: string>",
    ),
    "garbage timestamp": (
        damaged(10, json.dumps(record(10, timestamp="yesterday")).encode() + b"\n"),
        10,
        "`timestamp` is not a time: 'yesterday'",
    ),
    "missing timestamp": (
        damaged(11, json.dumps(record(11, timestamp=None)).encode() + b"\n"),
        11,
        "`timestamp` is not a time",
    ),
    "lists of different lengths": (
        damaged(12, json.dumps(record(12, label=["a", "b"])).encode() + b"\n"),
        12,
        "its lists have different lengths",
    ),
    "an oversized line": (
        damaged(13, b'{"request": "' + b"x" * BLOCK + b'"}\n'),
        13,
        f"longer than {BLOCK:,}",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: c.replace(" ", "-"))
def test_a_damaged_record_is_skipped_counted_and_named(tmp_path, ref, case):
    content, index, reason = CASES[case]
    found = read(str(store(tmp_path, content)), ref)
    assert found.unreadable.count == 1
    assert found.unreadable.first is not None
    where, _, why = found.unreadable.first.partition(f":{index + 1}: ")
    assert where.endswith("classifier_predictions/data/data.0.log")
    assert why.startswith(reason) or reason in why
    assert len(found.predictions) == GOOD - 1
    assert found.read == GOOD - 1


def test_empty_rotated_and_blank_files_are_read_as_they_are(tmp_path, ref):
    source = store(tmp_path, lines(200))
    store(tmp_path, lines(100), "data.0.log.2026-11-29")  # rotated by the daily handler
    store(tmp_path, [], "data.1.log")  # a worker that answered nothing yet
    store(tmp_path, [b"\n", b"   \n"], "data.2.log")
    found = read(str(source), ref)
    assert len(found.predictions) == 300
    assert found.unreadable == records.Unreadable()


def test_a_sound_store_is_judged_and_damage_above_the_threshold_is_an_alert(tmp_path, ref):
    content = lines()
    for i in range(0, 30, 3):  # 10 of 300: 3.3% > monitor.unreadable's 1%
        content[i] = b"{\n"
    found = analyse(read(str(store(tmp_path, content)), ref), ref, Monitor())
    assert state(found) == "alert"
    [alert] = [a for a in found.alerts if "unreadable" in a]
    assert alert.startswith("10 of 300 records are unreadable (3.3%), more than 1%")
    assert ":1: not JSON" in alert


def test_no_prediction_at_all_is_an_alert_and_too_few_are_not_judged(tmp_path, ref):
    nothing = analyse(read(str(store(tmp_path / "a", [])), ref), ref, Monitor())
    assert state(nothing) == "alert"
    assert nothing.alerts[0].startswith("no prediction recorded")
    few = analyse(read(str(store(tmp_path / "b", lines(50))), ref), ref, Monitor())
    assert state(few) == "not judged"  # never ✅ about 50 predictions


def test_the_report_of_a_damaged_store_names_the_first_damage(tmp_path, ref):
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps(REFERENCE))
    content = lines()
    content[-1] = content[-1][:30]  # cut off: 1 of 300, under the threshold
    source = store(tmp_path, content)
    found = build(str(source), reference, tmp_path / "monitor", Monitor())
    report = (tmp_path / "monitor/report.md").read_text()
    assert state(found) == "ok"
    assert "1 records unreadable, skipped (first: " in report
    assert ":300: cut off mid-write (the last line))" in report
    assert json.loads((tmp_path / "monitor/findings.json").read_text())["unreadable"] == 1
