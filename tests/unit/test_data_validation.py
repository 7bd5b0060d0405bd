"""The raw table is held to the data contract; each violation names the file, column and lines."""

from pathlib import Path

import pandas as pd
import pytest

from classifier.contracts.errors import UserError
from classifier.contracts.params import DataContract, Params
from classifier.stages.data import DROPPED, load_raw, split


@pytest.fixture
def lines(fruit_data) -> list[str]:
    """The fruit table's CSV lines; line 1 is the header, as in an editor."""
    return fruit_data.csv().splitlines()


def write(tmp_path: Path, lines: list[str], name: str = "fruit.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def refusal(path: Path, contract: DataContract) -> str:
    with pytest.raises(UserError) as err:
        load_raw(path, contract)
    message = str(err.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    return message


def set_cell(lines: list[str], line: int, column: str, value: str) -> list[str]:
    """`lines` with one cell replaced; `line` counts from 1 (the header), like messages do."""
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    return [*lines[: line - 1], ",".join(cells), *lines[line:]]


def test_valid_data_is_read_with_its_types(tmp_path, lines, fruit_params: Params):
    frame = load_raw(write(tmp_path, lines), fruit_params.data)
    contract = fruit_params.data
    assert list(frame.columns) == [contract.target, *contract.features]
    assert str(frame["weight (g)"].dtype) == "float64"
    assert frame["sugar %"].isna().sum() > 0
    assert set(frame["kind"]) == {"pear", "apple", "cherry"}


def test_missing_column_is_named(tmp_path, lines, fruit_params):
    header = lines[0].split(",")
    at = header.index("colour")
    cut = [",".join(c for i, c in enumerate(line.split(",")) if i != at) for line in lines]
    assert "missing column 'colour'" in refusal(write(tmp_path, cut), fruit_params.data)


def test_extra_column_is_named_with_the_fix(tmp_path, lines, fruit_params):
    extra = [lines[0] + ",shape", *(line + ",round" for line in lines[1:])]
    message = refusal(write(tmp_path, extra), fruit_params.data)
    assert "unexpected column 'shape' (add it to data.ignore" in message


def test_text_in_a_numeric_column_names_column_line_and_value(tmp_path, lines, fruit_params):
    message = refusal(write(tmp_path, set_cell(lines, 6, "weight (g)", "heavy")), fruit_params.data)
    assert "column 'weight (g)' must be numeric: 'heavy' at line 6" in message


def test_infinite_number_is_refused(tmp_path, lines, fruit_params):
    message = refusal(
        write(tmp_path, set_cell(lines, 10, "width/height", "inf")), fruit_params.data
    )
    assert "column 'width/height' has infinite values: inf at line 10" in message


def test_unknown_target_value_lists_the_classes(tmp_path, lines, fruit_params):
    message = refusal(write(tmp_path, set_cell(lines, 3, "kind", "peer")), fruit_params.data)
    assert "column 'kind' has values not in data.classes (pear, apple, cherry)" in message
    assert "'peer' at line 3" in message


def test_empty_target_value_names_the_lines(tmp_path, lines, fruit_params):
    broken = set_cell(set_cell(lines, 5, "kind", ""), 8, "kind", "")
    message = refusal(write(tmp_path, broken), fruit_params.data)
    assert "column 'kind' (the target) is empty at lines 5, 8" in message


def test_missing_value_in_a_column_not_declared_nullable(tmp_path, lines, fruit_params):
    message = refusal(write(tmp_path, set_cell(lines, 13, "origin", "NA")), fruit_params.data)
    assert "column 'origin' has missing values at line 13" in message
    assert "data.nullable" in message


def test_empty_file(tmp_path, fruit_params):
    path = tmp_path / "fruit.csv"
    path.write_text("")
    assert "file is empty" in refusal(path, fruit_params.data)


def test_header_only(tmp_path, lines, fruit_params):
    assert "has a header but no data rows" in refusal(write(tmp_path, lines[:1]), fruit_params.data)


def test_duplicated_header_name(tmp_path, lines, fruit_params):
    dup = [lines[0].replace("batch", "colour"), *lines[1:]]
    message = refusal(write(tmp_path, dup), fruit_params.data)
    assert "the header names column 'colour' twice" in message


def test_header_repeated_as_a_data_row(tmp_path, lines, fruit_params):
    joined = lines[:100] + lines[:1] + lines[100:]
    assert "line 101 repeats the header" in refusal(write(tmp_path, joined), fruit_params.data)


def test_wrong_delimiter_suggests_the_setting(tmp_path, lines, fruit_params):
    semicolons = [line.replace(",", ";") for line in lines]
    message = refusal(write(tmp_path, semicolons), fruit_params.data)
    assert "looks ';'-separated; set data.sep: ';'" in message


def test_non_utf8_bytes_name_the_line(tmp_path, lines, fruit_params):
    path = tmp_path / "fruit.csv"
    body = "\n".join(lines).encode()
    at = body.index(b"\n", body.index(b"\n") + 1) + 1  # start of line 3
    path.write_bytes(body[:at] + b"p\xe9ar" + body[at + 4 :])
    assert "line 3 is not valid UTF-8 (byte 0xe9)" in refusal(path, fruit_params.data)


def test_row_with_too_many_fields_names_the_line(tmp_path, lines, fruit_params):
    broken = list(lines)
    broken[20] += ",surplus"
    message = refusal(write(tmp_path, broken), fruit_params.data)
    assert "line 21 has 9 fields, but the header has 8" in message


def test_row_cut_short_names_the_line_instead_of_reading_missing_values(
    tmp_path, lines, fruit_params
):
    broken = list(lines)
    broken[10] = broken[10].rsplit(",", 3)[0]
    message = refusal(write(tmp_path, broken), fruit_params.data)
    assert "line 11 has 5 fields, but the header has 8" in message


def test_missing_file_points_at_the_param(tmp_path, fruit_params):
    message = refusal(tmp_path / "absent.csv", fruit_params.data)
    assert "file not found (params.yaml paths.raw_data)" in message


def test_several_problems_are_reported_in_one_line(tmp_path, lines, fruit_params):
    broken = set_cell(set_cell(lines, 3, "kind", "peer"), 4, "weight (g)", "heavy")
    message = refusal(write(tmp_path, broken), fruit_params.data)
    assert "'peer' at line 3" in message
    assert "'heavy' at line 4" in message


def test_byte_order_mark_from_excel_is_accepted(tmp_path, lines, fruit_params):
    path = tmp_path / "fruit.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    assert len(load_raw(path, fruit_params.data)) == len(lines) - 1


def test_feature_with_no_values_at_all(tmp_path, lines, fruit_params):
    empty = list(lines)
    for line in range(2, len(lines) + 1):
        empty = set_cell(empty, line, "sugar %", "NA")
    message = refusal(write(tmp_path, empty), fruit_params.data)
    assert "column 'sugar %' has no values at all" in message


def test_one_class_only(tmp_path, lines, fruit_params):
    pears = [lines[0], *(line for line in lines[1:] if line.startswith("pear,"))]
    message = refusal(write(tmp_path, pears), fruit_params.data)
    assert "column 'kind' holds only the class 'pear'" in message
    assert "needs at least two of data.classes" in message


def test_declared_class_without_rows(tmp_path, lines, fruit_params):
    two = [lines[0], *(line for line in lines[1:] if not line.startswith("cherry,"))]
    message = refusal(write(tmp_path, two), fruit_params.data)
    assert "class 'cherry' of data.classes has no rows" in message


def test_duplicated_rows_name_both_lines(tmp_path, lines, fruit_params):
    copies = [*lines, lines[10], lines[11]]
    message = refusal(write(tmp_path, copies), fruit_params.data)
    last = len(lines) + 1
    assert f"lines 11 and {last} are identical in every column (+1 more repeated rows)" in message
    assert "data.duplicates: drop (dropped and counted) or keep" in message


def test_duplicates_are_dropped_and_counted_when_allowed(tmp_path, lines, fruit_params):
    contract = fruit_params.data.model_copy(update={"duplicates": "drop"})
    frame = load_raw(write(tmp_path, [*lines, lines[10], lines[11]]), contract)
    assert len(frame) == len(lines) - 1
    assert frame.attrs[DROPPED] == 2


def test_genuine_repeats_can_be_kept(tmp_path, lines, fruit_params):
    contract = fruit_params.data.model_copy(update={"duplicates": "keep"})
    frame = load_raw(write(tmp_path, [*lines, lines[10], lines[11]]), contract)
    assert len(frame) == len(lines) + 1
    assert frame.attrs[DROPPED] == 0


def test_rows_that_differ_only_in_an_id_are_two_observations(tmp_path, lines, fruit_params):
    header = lines[0].split(",")
    batch = header.index("batch")  # data.ignore: an id the model never sees
    cells = lines[10].split(",")
    cells[batch] = "99999"
    frame = load_raw(write(tmp_path, [*lines, ",".join(cells)]), fruit_params.data)
    assert len(frame) == len(lines)  # not refused as a copy, nothing dropped


# ---- labels read as the kind data.classes lists ----


def test_integer_labels_are_read_as_integers(tmp_path, churn_data, churn_params):
    lines = churn_data.csv().splitlines()
    lines = set_cell(lines, 2, "churned", "1.0")  # how a spreadsheet may write an integer
    frame = load_raw(write(tmp_path, lines, "churn.csv"), churn_params.data)
    assert str(frame["churned"].dtype) == "int64"
    assert set(frame["churned"]) == {0, 1}


def test_a_label_that_is_not_an_integer_is_named(tmp_path, churn_data, churn_params):
    lines = set_cell(churn_data.csv().splitlines(), 7, "churned", "yes")
    message = refusal(write(tmp_path, lines, "churn.csv"), churn_params.data)
    assert (
        "column 'churned' must hold class labels like data.classes (integers): 'yes' at line 7"
        in message
    )


def test_an_integer_that_is_not_a_class_is_named(tmp_path, churn_data, churn_params):
    lines = set_cell(churn_data.csv().splitlines(), 4, "churned", "2")
    message = refusal(write(tmp_path, lines, "churn.csv"), churn_params.data)
    assert "column 'churned' has values not in data.classes (1, 0): 2 at line 4" in message


def test_boolean_labels_accept_the_usual_spellings(tmp_path):
    rows = ["flag,x", *(f"{word},{i}" for i, word in enumerate(["true", "False", "yes", "NO"] * 3))]
    contract = DataContract(target="flag", classes=[False, True], numeric=["x"])
    frame = load_raw(write(tmp_path, rows, "flags.csv"), contract)
    assert frame["flag"].tolist()[:4] == [True, False, True, False]
    assert str(frame["flag"].dtype) == "bool"


# ---- the split ----


def test_split_is_stratified_and_seeded(fruit_frame, fruit_params):
    train, test = split(fruit_frame, fruit_params.data, fruit_params.split)
    again, _ = split(fruit_frame, fruit_params.data, fruit_params.split)
    assert train.equals(again)
    assert len(test) == -(-len(fruit_frame) * fruit_params.split.test_size // 1)
    share = test["kind"].value_counts(normalize=True)
    overall = fruit_frame["kind"].value_counts(normalize=True)
    assert (share - overall).abs().max() < 0.02


def test_class_too_small_to_stratify(fruit_frame, fruit_params):
    frame = fruit_frame[fruit_frame["kind"] != "cherry"]
    frame = pd.concat([frame, fruit_frame[fruit_frame["kind"] == "cherry"].head(1)])
    with pytest.raises(UserError, match=r"class 'cherry' has only one row"):
        split(frame, fruit_params.data, fruit_params.split)


def test_a_class_too_small_for_both_splits_is_named(fruit_frame, fruit_params):
    # Two rows and a 10 % test share: stratification gives the test split none of them.
    frame = fruit_frame[fruit_frame["kind"] != "cherry"]
    frame = pd.concat([frame, fruit_frame[fruit_frame["kind"] == "cherry"].head(2)])
    small_test = fruit_params.split.model_copy(update={"test_size": 0.1})
    with pytest.raises(UserError, match=r"class 'cherry' has too few rows to appear in both"):
        split(frame, fruit_params.data, small_test)
