"""Key paths are spelled one way, in params errors, request errors and diffs alike."""

from classifier.contracts.keys import differences, dotted, flatten


def test_dotted_paths_index_lists_and_skip_pydantic_markers():
    assert dotted(("train", "candidates", "svm", "C", 0)) == "train.candidates.svm.C[0]"
    assert dotted(["rows", 3, "weight (g)"]) == "rows[3].weight (g)"
    assert dotted(("gates", "at_least", "[key]")) == "gates.at_least"
    assert dotted(()) == ""


def test_flatten_keeps_lists_and_empty_mappings_as_leaves():
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": {}}) == {"a.b": 1, "a.c": [1, 2], "d": {}}


def test_differences_name_nested_keys_and_absent_sides():
    old = {"accuracy": 0.9, "split": {"seed": 1}, "gone": 1}
    new = {"accuracy": 0.9, "split": {"seed": 2}, "added": {"x": True}}
    assert differences(old, new) == [
        ("added.x", None, True),
        ("gone", 1, None),
        ("split.seed", 1, 2),
    ]
