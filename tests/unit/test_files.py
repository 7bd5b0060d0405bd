"""Outputs are written whole or not at all, and JSON is byte-stable."""

import math
import os

import numpy as np
import pytest

from classifier.tools.files import atomic_path, dumps_json, write_json


def test_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("previous")

    def crash_mid_write():
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        crash_mid_write()
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


def test_json_rounds_floats_and_converts_numpy_types():
    text = dumps_json({"a": np.float64(0.1234567891), "b": np.int64(3), "c": [np.float32(0.5)]})
    assert text == '{\n  "a": 0.123457,\n  "b": 3,\n  "c": [\n    0.5\n  ]\n}\n'


def test_undefined_numbers_are_written_as_null():
    assert dumps_json({"auc": math.nan, "x": -0.0}) == '{\n  "auc": null,\n  "x": 0.0\n}\n'


def test_written_file_gets_the_usual_mode_not_a_private_one(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    write_json(tmp_path / "m.json", {"a": 1})
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~umask
