"""One model version at a time: another version's traffic is counted apart, never judged."""

import json

from classifier.contracts.params import Monitor
from classifier.monitor.analysis import analyse
from classifier.monitor.records import read
from classifier.monitor.reference import ModelReference
from classifier.monitor.report import build, state

from .test_damaged_records import REFERENCE, record, store


def line(i: int, **change: object) -> bytes:
    return json.dumps(record(i, **change)).encode() + b"\n"


def test_an_older_versions_shifted_traffic_raises_nothing_and_gets_its_own_section(tmp_path):
    """The issue's case: 400 records of the served model, 150 of an older one whose
    categories training never saw. Mixed, they made a drift alert the current model never caused."""
    current = [line(i) for i in range(400)]
    older = [line(1000 + i, model="classifier:v0", **{"feature.c": ["w"]}) for i in range(150)]
    source = store(tmp_path, current + older)
    labels = [  # one label for each version's prediction
        {"request": [f"{0:016x}"], "row": [0], "label": ["b"], "timestamp": "2026-11-30T11:00:00"},
        {
            "request": [f"{1000:016x}"],
            "row": [0],
            "label": ["a"],
            "timestamp": "2026-11-30T11:00:00",
        },
    ]
    feedback = tmp_path / "records/classifier_feedback/data"
    feedback.mkdir(parents=True)
    (feedback / "data.0.log").write_text("".join(json.dumps(x) + "\n" for x in labels))
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps(REFERENCE))

    found = build(str(source), reference, tmp_path / "monitor", Monitor())
    assert state(found) == "ok", found.alerts
    assert found.rows == 400
    assert found.quality.labelled == 1  # the older version's label is not this version's
    assert found.quality.unmatched == 0  # nor a label of no prediction
    [older_version] = found.versions
    assert (older_version.model, older_version.rows) == ("classifier:v0", 150)
    report = (tmp_path / "monitor/report.md").read_text()
    assert report.startswith("## ✅ Model monitoring: within thresholds")
    assert "400 predictions of `classifier:v1`" in report
    assert "### Other versions" in report
    assert "| `classifier:v0` | 150 | 150 |" in report


def test_mixed_into_one_table_the_older_version_would_have_alerted(tmp_path):
    """The control: the same older traffic under the served model's tag drifts."""
    current = [line(i) for i in range(400)]
    mislabelled = [line(1000 + i, **{"feature.c": ["w"]}) for i in range(150)]
    ref = ModelReference.from_json(REFERENCE)
    found = analyse(read(str(store(tmp_path, current + mislabelled)), ref), ref, Monitor())
    assert any(a.startswith("`c` drifted") for a in found.alerts)
