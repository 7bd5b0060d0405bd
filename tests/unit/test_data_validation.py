"""The raw table is held to the data contract; each violation names the file, column and lines."""

from pathlib import Path

import pandas as pd
import pytest
from testkit.repo import ROOT

from classifier.contracts.errors import UserError
from classifier.contracts.params import Params
from classifier.stages.data import drop_duplicates, load_raw, split

HEADER = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year"


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return (ROOT / "data/raw/penguins.csv").read_text().splitlines()


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "penguins.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def refusal(path: Path, params: Params) -> str:
    with pytest.raises(UserError) as err:
        load_raw(path, params.data)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    return message


def set_cell(line: str, column: str, value: str) -> str:
    cells = line.split(",")
    cells[HEADER.split(",").index(column)] = value
    return ",".join(cells)


def test_bundled_data_is_valid_and_typed(penguins, params):
    assert len(penguins) == 344
    assert list(penguins.columns) == [params.data.target, *params.data.features]
    assert str(penguins["bill_length_mm"].dtype) == "float64"
    assert penguins["sex"].isna().sum() == 11


def test_missing_column_is_named(tmp_path, lines, params):
    cut = [",".join(line.split(",")[:-2] + line.split(",")[-1:]) for line in lines]
    assert "missing column 'sex'" in refusal(write(tmp_path, cut), params)


def test_extra_column_is_named_with_the_fix(tmp_path, lines, params):
    extra = [lines[0] + ",colour", *(line + ",blue" for line in lines[1:])]
    message = refusal(write(tmp_path, extra), params)
    assert "unexpected column 'colour' (add it to data.ignore" in message


def test_text_in_a_numeric_column_names_column_line_and_value(tmp_path, lines, params):
    lines = list(lines)
    lines[5] = set_cell(lines[5], "body_mass_g", "heavy")
    message = refusal(write(tmp_path, lines), params)
    assert "column 'body_mass_g' must be numeric: 'heavy' at line 6" in message


def test_infinite_number_is_refused(tmp_path, lines, params):
    lines = list(lines)
    lines[9] = set_cell(lines[9], "bill_depth_mm", "inf")
    message = refusal(write(tmp_path, lines), params)
    assert "column 'bill_depth_mm' has infinite values: inf at line 10" in message


def test_unknown_target_value_lists_the_classes(tmp_path, lines, params):
    lines = list(lines)
    lines[2] = set_cell(lines[2], "species", "Adelei")
    message = refusal(write(tmp_path, lines), params)
    assert "column 'species' has values not in data.classes (Adelie, Chinstrap, Gentoo)" in message
    assert "'Adelei' at line 3" in message


def test_empty_target_value_names_the_lines(tmp_path, lines, params):
    lines = list(lines)
    for i in (4, 7):
        lines[i] = set_cell(lines[i], "species", "")
    message = refusal(write(tmp_path, lines), params)
    assert "column 'species' (the target) is empty at lines 5, 8" in message


def test_missing_value_in_a_column_not_declared_nullable(tmp_path, lines, params):
    lines = list(lines)
    lines[12] = set_cell(lines[12], "island", "NA")
    message = refusal(write(tmp_path, lines), params)
    assert "column 'island' has missing values at line 13" in message
    assert "data.nullable" in message


def test_empty_file(tmp_path, params):
    path = tmp_path / "penguins.csv"
    path.write_text("")
    assert "file is empty" in refusal(path, params)


def test_header_only(tmp_path, lines, params):
    assert "has a header but no data rows" in refusal(write(tmp_path, lines[:1]), params)


def test_duplicated_header_name(tmp_path, lines, params):
    dup = [lines[0].replace("year", "sex"), *lines[1:]]
    assert "the header names column 'sex' twice" in refusal(write(tmp_path, dup), params)


def test_header_repeated_as_a_data_row(tmp_path, lines, params):
    joined = lines[:100] + lines[:1] + lines[100:]
    message = refusal(write(tmp_path, joined), params)
    assert "line 101 repeats the header" in message


def test_wrong_delimiter_suggests_the_setting(tmp_path, lines, params):
    semicolons = [line.replace(",", ";") for line in lines]
    message = refusal(write(tmp_path, semicolons), params)
    assert "looks ';'-separated; set data.sep: ';'" in message


def test_non_utf8_bytes_name_the_line(tmp_path, lines, params):
    path = tmp_path / "penguins.csv"
    body = "\n".join(lines).encode()
    at = body.index(b"\n", body.index(b"\n") + 1) + 1  # start of line 3
    path.write_bytes(body[:at] + b"Ad\xe9lie" + body[at + 6 :])
    message = refusal(path, params)
    assert "line 3 is not valid UTF-8 (byte 0xe9)" in message


def test_row_with_too_many_fields_names_the_line(tmp_path, lines, params):
    lines = list(lines)
    lines[20] += ",surplus"
    message = refusal(write(tmp_path, lines), params)
    assert "line 21" in message
    assert "saw 9" in message


def test_missing_file_points_at_the_param(tmp_path, params):
    message = refusal(tmp_path / "absent.csv", params)
    assert "file not found (params.yaml paths.raw_data)" in message


def test_several_problems_are_reported_in_one_line(tmp_path, lines, params):
    lines = list(lines)
    lines[2] = set_cell(lines[2], "species", "Adelei")
    lines[3] = set_cell(lines[3], "flipper_length_mm", "long")
    message = refusal(write(tmp_path, lines), params)
    assert "'Adelei' at line 3" in message
    assert "'long' at line 4" in message


def test_byte_order_mark_from_excel_is_accepted(tmp_path, lines, params):
    path = tmp_path / "penguins.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    assert len(load_raw(path, params.data)) == 344


def test_class_too_small_to_stratify(penguins, params):
    frame = penguins[penguins["species"] != "Chinstrap"]
    frame = pd.concat([frame, penguins[penguins["species"] == "Chinstrap"].head(1)])
    with pytest.raises(UserError, match=r"class 'Chinstrap' has only one row"):
        split(frame, params.data, params.split)


def test_split_is_stratified_and_seeded(penguins, params):
    train, test = split(penguins, params.data, params.split)
    again, _ = split(penguins, params.data, params.split)
    assert train.equals(again)
    assert len(test) == round(0.2 * len(penguins) + 0.5)
    share = test["species"].value_counts(normalize=True)
    overall = penguins["species"].value_counts(normalize=True)
    assert (share - overall).abs().max() < 0.02


def test_feature_with_no_values_at_all(tmp_path, lines, params):
    empty = [lines[0], *(set_cell(line, "bill_depth_mm", "NA") for line in lines[1:])]
    message = refusal(write(tmp_path, empty), params)
    assert "column 'bill_depth_mm' has no values at all" in message


def test_one_class_only(tmp_path, lines, params):
    adelie = [lines[0], *(line for line in lines[1:] if line.startswith("Adelie,"))]
    message = refusal(write(tmp_path, adelie), params)
    assert "column 'species' holds only the class 'Adelie'" in message
    assert "needs at least two of data.classes" in message


def test_declared_class_without_rows(tmp_path, lines, params):
    two = [lines[0], *(line for line in lines[1:] if not line.startswith("Chinstrap,"))]
    message = refusal(write(tmp_path, two), params)
    assert "class 'Chinstrap' of data.classes has no rows" in message


def test_duplicated_rows_name_both_lines(tmp_path, lines, params):
    copies = [*lines, lines[10], lines[11]]
    message = refusal(write(tmp_path, copies), params)
    assert "lines 11 and 346 hold the same target and features (+1 more repeated rows)" in message
    assert "data.drop_duplicates: true" in message


def test_duplicates_are_dropped_when_allowed(tmp_path, lines, params):
    contract = params.data.model_copy(update={"drop_duplicates": True})
    frame = load_raw(write(tmp_path, [*lines, lines[10], lines[11]]), contract)
    assert len(frame) == 346
    assert len(drop_duplicates(frame, contract)) == 344
