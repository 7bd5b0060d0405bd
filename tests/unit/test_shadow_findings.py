"""A candidate's shadow records read back: agreement, disagreements, accuracies on the
same labelled rows, and a failed candidate counted apart."""

import pandas as pd
import pytest

from classifier.monitor.records import Records
from classifier.monitor.shadow import shadows
from classifier.serving import record_fields as f


def records(rows: list[tuple], feedback: list[tuple]) -> Records:
    shadow = pd.DataFrame(
        rows, columns=[f.REQUEST, f.ROW, f.MODEL, f.CANDIDATE, f.LABEL, f.CANDIDATE_LABEL, f.ERROR]
    )
    labels = pd.DataFrame(feedback, columns=[f.REQUEST, f.ROW, f.LABEL])
    empty = pd.DataFrame()
    return Records(empty, labels, empty, 1, shadow=shadow)


def test_agreement_disagreements_and_both_accuracies_on_the_same_rows():
    rows = [(f"r{i}", 0, "champ", "cand", "a" if i % 2 else "b", "a", None) for i in range(200)]
    rows += [("x", 0, "other champion", "cand", "a", "b", None)]  # not this champion's
    rows += [("bad", 0, "champ", "cand", "a", None, "ValueError: no")]
    truth = [(f"r{i}", 0, "a") for i in range(0, 200, 2)]  # even rows: champion b, candidate a
    [found] = shadows(records(rows, truth), "champ", ["a", "b"])
    assert found.candidate == "cand"
    assert found.rows == 200
    assert found.failed_rows == 1
    assert found.agreement == pytest.approx(0.5)
    assert len(found.disagreements) == 20
    assert found.disagreements[0] == {"request": "r0", "row": 0, "champion": "b", "candidate": "a"}
    assert found.labelled == 100
    assert found.accuracy["champion"].value == 0.0
    assert found.accuracy["candidate"].value == 1.0
    assert found.change is not None
    assert found.change.low == pytest.approx(1.0)  # every labelled row: the candidate right
    data = found.to_data()
    assert data["agreement"] == 0.5
    assert data["change"]["value"] == 1.0


def test_no_shadow_records_no_findings():
    assert shadows(records([], []), "champ", ["a", "b"]) == []
