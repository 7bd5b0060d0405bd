"""Data-quality warnings: what `make check` tells a team about a table the pipeline
accepts, and the rule for values training never saw (refused by name, never a crash)."""

import pandas as pd
import pytest
from testkit.datasets import params_for

from classifier.contracts.features import FeatureSchema
from classifier.contracts.params import parse_params
from classifier.contracts.quality import TEMPLATES, phrase
from classifier.serving.smoke import expected_refusals
from classifier.stages.data import COLUMNS, parse_raw, split
from classifier.stages.evaluate import never_predicted
from classifier.stages.prepare import prepare, warnings
from classifier.stages.quality import data_warnings


def kinds(found: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for warning in found:
        out.setdefault(warning["kind"], []).append(warning)
    return out


def warned(frame: pd.DataFrame, params, columns=None) -> dict[str, list[dict]]:
    train, test = split(frame, params.data, params.split)
    header = columns if columns is not None else list(frame.columns)
    return kinds(data_warnings(frame, header, train, test, params.data, params.train.cv_folds))


def test_a_clean_table_has_no_warning(fruit_frame, fruit_params):
    assert warned(fruit_frame, fruit_params, fruit_frame.attrs[COLUMNS]) == {}


def test_each_problem_is_named_once_with_its_column_and_numbers(fruit_frame, fruit_params):
    frame = fruit_frame.copy()
    frame["sugar %"] = frame["sugar %"].where(frame.index % 4 == 0)  # 75 % missing
    frame["grade"] = "2"  # one value in every row
    frame.loc[frame.index % 5 == 0, "origin"] = "north "  # a trailing space
    found = warned(frame, fruit_params, columns=["kind", *fruit_params.data.features])
    assert [w["subject"] for w in found["mostly_missing"]] == ["sugar %"]
    assert found["mostly_missing"][0]["share"] == round(frame["sugar %"].isna().mean(), 4)
    assert found["constant"] == [{"kind": "constant", "subject": "grade", "values": ["2"]}]
    assert found["spaced"][0]["values"] == ["north "]
    # batch is listed in data.ignore, but these columns do not include it
    assert found["unmatched_ignore"] == [
        {"kind": "unmatched_ignore", "subject": "batch", "values": []}
    ]


def test_a_class_of_a_handful_of_rows_is_warned_about(fruit_frame, fruit_params):
    cherries = fruit_frame.index[fruit_frame["kind"] == "cherry"]
    frame = fruit_frame.drop(index=cherries[12:]).reset_index(drop=True)  # 12 cherries left
    found = warned(frame, fruit_params, fruit_frame.attrs[COLUMNS])
    [small] = found["tiny_class"]
    assert small["subject"] == "cherry"
    assert (small["train"], small["test"]) == (9, 3)


def test_a_value_only_the_test_split_holds_is_counted_as_the_service_would_refuse_it(
    fruit_frame, fruit_params
):
    train, test = split(fruit_frame, fruit_params.data, fruit_params.split)
    test = test.copy()
    test.loc[test.index[:2], "origin"] = "west"
    found = kinds(data_warnings(fruit_frame, [], train, test, fruit_params.data, 3))
    [unseen] = found["unseen"]
    assert (unseen["subject"], unseen["values"], unseen["rows"]) == ("origin", ["west"], 2)


def test_make_check_prints_each_warning_naming_the_file(fruit_data, tmp_path, monkeypatch):
    frame = fruit_data.frame.copy()
    frame["grade"] = "1"
    (tmp_path / "data/raw").mkdir(parents=True)
    frame.to_csv(tmp_path / fruit_data.path, index=False, na_rep="NA")
    monkeypatch.chdir(tmp_path)
    params = parse_params(params_for(fruit_data))
    lines = warnings(params, prepare(params))
    assert lines == [
        "warning: data/raw/fruit.csv: feature 'grade' holds the one value '1' in every row: "
        "it cannot help the model, and `make test`'s data checks fail on it (list it in "
        "data.ignore)"
    ]


def test_every_kind_has_a_sentence_and_refuses_what_is_not_a_count():
    sample = {"share": 0.5, "train": 1, "test": 2, "rows": 3}
    for kind in TEMPLATES:
        text = phrase({"kind": kind, "subject": "x", "values": ["y"], **sample}, repr)
        assert "'x'" in text
    with pytest.raises(ValueError, match="rows must be a number"):
        phrase({"kind": "unseen", "subject": "x", "rows": True}, repr)
    with pytest.raises(KeyError):
        phrase({"kind": "nonsense", "subject": "x"}, repr)


def test_the_smoke_test_expects_exactly_the_rows_the_request_type_refuses():
    schema = FeatureSchema(
        "quality", (3, 4), {"size": (0.0, 10.0)}, {"Kitchen.Qual": ("Ex", "Gd"), "grade": (1, 2)}
    )
    rows = [
        {"size": 1.0, "Kitchen.Qual": "Gd", "grade": 1},
        {"size": 1.0, "Kitchen.Qual": "Po", "grade": 2},  # a level training never saw
        {"size": 1.0, "Kitchen.Qual": "Ex", "grade": 3},
    ]
    assert expected_refusals(rows, schema) == {
        1: 'rows[0]["Kitchen.Qual"]',
        2: "rows[0].grade",
    }


def test_classes_the_model_never_predicts_are_named():
    confusion = [
        {"actual": a, "predicted": p, "count": 3 if p == a and a != 2 else int(p == 1)}
        for a in (1, 2, 3)
        for p in (1, 2, 3)
    ]
    assert never_predicted(confusion, [1, 2, 3]) == ["2"]
    assert never_predicted(confusion, [3, 1]) == []


def test_boolean_parse_keeps_the_header_for_the_ignore_check(fruit_data, fruit_params):
    frame = parse_raw(fruit_data.csv().encode(), fruit_data.path, fruit_params.data)
    assert frame.attrs[COLUMNS] == list(fruit_data.frame.columns)
