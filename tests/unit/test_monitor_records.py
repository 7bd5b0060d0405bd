"""Records as the service writes them (one per request, rows as lists) read back as rows."""

import pyarrow as pa
import pytest

from classifier.contracts.errors import UserError
from classifier.monitor.records import files, rows


def test_each_list_item_becomes_a_row_numbered_within_its_request():
    table = pa.table(
        {
            "request": ["a", "b"],
            "feature.x": [[1.0, 2.0], [3.0]],
            "label": [["p", "q"], ["p"]],
            "timestamp": ["t1", "t2"],
        }
    )
    found = rows(table, ["records.log"]).to_pydict()
    assert found == {
        "request": ["a", "a", "b"],
        "feature.x": [1.0, 2.0, 3.0],
        "label": ["p", "q", "p"],
        "timestamp": ["t1", "t1", "t2"],
        "row": [0, 1, 0],
    }


def test_feedback_keeps_the_rows_it_names():
    table = pa.table({"request": [["a", "b"]], "row": [[4, 0]], "label": [["p", "q"]]})
    assert rows(table, ["f.log"]).to_pydict()["row"] == [4, 0]


def test_lists_of_different_lengths_name_the_file_and_column():
    table = pa.table({"request": ["a"], "feature.x": [[1.0, 2.0]], "label": [["p"]]})
    with pytest.raises(UserError, match=r"^f\.log: a record's `label` list does not match"):
        rows(table, ["f.log"])


def test_records_without_lists_are_left_as_they_are():
    table = pa.table({"reason": ["missing"], "field": ["x"]})
    assert rows(table, ["r.log"]) is table


def test_a_source_that_is_not_there_is_named(tmp_path):
    with pytest.raises(UserError, match=r"nope: no such folder or file of records$"):
        files(str(tmp_path / "nope"))


def test_storage_without_its_driver_is_named_in_one_line():
    with pytest.raises(UserError, match=r"^nosuchscheme://bucket/x: cannot read the records \("):
        files("nosuchscheme://bucket/x")
