"""Batch scoring: the model file's answers for every good row, each bad row with its reason."""

import numpy as np
import pandas as pd
import pytest

from classifier.contracts.errors import UserError
from classifier.serving import messages
from classifier.serving.batch.command import predict
from classifier.serving.batch.model import BatchModel
from classifier.serving.batch.rules import check, request_row
from classifier.serving.bento import feature_schema


@pytest.fixture(scope="module")
def scorer(fruit_model, fruit_params) -> BatchModel:
    model, train, _ = fruit_model
    return BatchModel(model, feature_schema(model, fruit_params.data, train), "test")


@pytest.fixture(scope="module")
def rows(fruit_model) -> pd.DataFrame:
    """The test split as a user's file holds it, with an id column the model does not use."""
    frame = fruit_model[2].drop(columns=["kind"]).reset_index(drop=True)
    frame.insert(0, "fruit id", [f"F{i:04d}" for i in range(len(frame))])
    return frame


def write(frame: pd.DataFrame, path) -> str:
    if str(path).endswith(".csv"):
        frame.to_csv(path, index=False, na_rep="NA")
    else:
        frame.to_parquet(path, index=False)
    return str(path)


def read(path) -> pd.DataFrame:
    return pd.read_csv(path) if str(path).endswith(".csv") else pd.read_parquet(path)


@pytest.mark.parametrize("source", [".csv", ".parquet"])
@pytest.mark.parametrize("target", [".csv", ".parquet"])
def test_every_row_gets_the_model_files_answer(scorer, rows, tmp_path, source, target):
    inp = write(rows, tmp_path / f"in{source}")
    out = str(tmp_path / f"out{target}")
    scored, rejected = predict(inp, out, scorer, [], str(tmp_path / "r.csv"), chunk_rows=7)
    assert (scored, rejected) == (len(rows), 0)
    found = read(out)
    assert found["row"].tolist() == list(range(len(rows)))
    assert found["label"].tolist() == scorer.model.predict(rows).tolist()
    proba = scorer.model.predict_proba(rows)
    order = list(scorer.model.classes_)
    for c in ["pear", "apple", "cherry"]:  # the contract's order, not the model's
        np.testing.assert_array_equal(found[f"probability.{c}"], proba[:, order.index(c)])
    assert not (tmp_path / "r.csv").exists()  # no rejects: no rejects file
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"in{source}", f"out{target}"])


def test_bad_rows_are_listed_with_the_reason_predict_would_give(scorer, rows, tmp_path):
    mixed = rows.head(10).copy().astype(object)
    mixed.loc[2, "origin"] = "west"  # never seen in training
    mixed.loc[4, "weight (g)"] = 1e6  # far outside the training range
    mixed.loc[5, "width/height"] = "wide"  # not a number
    mixed.loc[7, "origin"] = None  # missing where the contract does not allow it
    mixed.loc[8, "sugar %"] = None  # missing where it may be: scored
    inp = write(mixed, tmp_path / "in.csv")
    out, rejects = tmp_path / "out.parquet", tmp_path / "out.rejects.csv"
    scored, rejected = predict(inp, str(out), scorer, ["fruit id"], str(rejects), chunk_rows=4)
    assert (scored, rejected) == (6, 4)
    found = read(out)
    assert found["fruit id"].tolist() == mixed["fruit id"].drop([2, 4, 5, 7]).tolist()
    refused = pd.read_csv(rejects)
    assert refused["row"].tolist() == [2, 4, 5, 7]
    assert refused["line"].tolist() == [4, 6, 7, 9]  # as `make check` counts: header is line 1
    reasons = dict(zip(refused["row"], refused["reason"], strict=True))
    Row = messages.row_model(scorer.schema)
    for row, reason in reasons.items():  # the very message of the service's request type
        with pytest.raises(Exception, match="validation error") as err:
            Row.model_validate(request_row(mixed.loc[row], scorer.schema))
        assert messages.error_line(err.value.errors(include_url=False)) == reason
    assert reasons[2].startswith("origin: Input should be ")
    assert reasons[4].startswith("weight (g): Input should be less than or equal to ")
    assert reasons[5] == "width/height: Input should be a valid number"
    assert reasons[7].startswith("origin: Input should be ")
    assert refused.loc[refused["row"] == 5, "width/height"].item() == "wide"  # as it was read
    assert refused["fruit id"].tolist() == ["F0002", "F0004", "F0005", "F0007"]


def test_category_codes_are_read_as_training_read_them(scorer, rows, tmp_path):
    codes = rows.head(6).copy()
    codes["grade"] = codes["grade"].astype(int)  # Parquet integers, CSV "2", or 2.0 ...
    as_floats = codes.assign(grade=codes["grade"].astype(float))
    for name, frame in [("ints.parquet", codes), ("floats.parquet", as_floats)]:
        out = tmp_path / f"{name}.out.parquet"
        assert (
            predict(write(frame, tmp_path / name), str(out), scorer, [], str(tmp_path / "r"))[1]
            == 0
        )
        assert read(out)["label"].tolist() == scorer.model.predict(rows.head(6)).tolist()


def test_rows_the_checks_pass_are_rows_the_service_accepts(scorer):
    """The NumPy checks never let through what `/predict` would refuse."""
    rng = np.random.default_rng(0)
    schema = scorer.schema
    choices: dict[str, list] = {}
    for name, (low, high) in schema.numeric.items():
        choices[name] = [low, high, (low + high) / 2, low - 1, high + 1, np.nan, "x", np.inf]
    for name, categories in schema.categorical.items():
        choices[name] = [*map(str, categories), "nope", None, "", " 1"]
    frame = pd.DataFrame(
        {name: rng.choice(np.array(values, dtype=object), 400) for name, values in choices.items()}
    )
    _, flagged = check(frame, schema)
    Row = messages.row_model(schema)
    for i in np.flatnonzero(~flagged):
        Row.model_validate(request_row(frame.iloc[i], schema))  # raises if it would refuse
    assert 0 < flagged.sum() < len(frame)


def test_a_missing_column_or_format_is_one_line_and_writes_nothing(scorer, rows, tmp_path):
    inp = write(rows.drop(columns=["origin"]), tmp_path / "in.csv")
    with pytest.raises(UserError, match=r"in\.csv: no column 'origin'$"):
        predict(inp, str(tmp_path / "out.parquet"), scorer, [], str(tmp_path / "r.csv"))
    with pytest.raises(UserError, match=r"out\.json: the output must be a \.csv or \.parquet"):
        predict(inp, str(tmp_path / "out.json"), scorer, [], str(tmp_path / "r.csv"))
    with pytest.raises(UserError, match=r"nope\.csv: no such file"):
        predict(str(tmp_path / "nope.csv"), str(tmp_path / "o.csv"), scorer, [], "r.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_an_empty_file_gives_an_empty_table_with_the_columns(scorer, rows, tmp_path):
    inp = write(rows.head(0), tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    assert predict(inp, str(out), scorer, [], str(tmp_path / "r.csv")) == (0, 0)
    assert list(read(out).columns) == [
        "row",
        "label",
        "probability.pear",
        "probability.apple",
        "probability.cherry",
    ]


def test_csv_outputs_are_safe_to_open_in_a_spreadsheet(scorer, rows, tmp_path):
    """Formula-like text cells get a leading quote (OWASP); numbers are never touched."""
    hostile = rows.head(4).copy().astype(object)
    hostile["fruit id"] = ['=HYPERLINK("http://x","y")', "-1.5", "@SUM(A1)", "+cmd|' /C calc'!A0"]
    hostile.loc[3, "origin"] = "=cmd|' /C calc'!A0"  # refused: lands in the rejects file
    inp = write(hostile, tmp_path / "in.csv")
    out, rejects = tmp_path / "out.csv", tmp_path / "out.rejects.csv"
    assert predict(inp, str(out), scorer, ["fruit id"], str(rejects)) == (3, 1)
    scored = pd.read_csv(out, dtype=str)
    assert scored["fruit id"].tolist() == ['\'=HYPERLINK("http://x","y")', "-1.5", "'@SUM(A1)"]
    assert all(not p.startswith("'") for p in scored.filter(like="probability.").stack())
    refused = pd.read_csv(rejects, dtype=str)
    assert refused["fruit id"].tolist() == ["'+cmd|' /C calc'!A0"]
    assert refused["origin"].tolist() == ["'=cmd|' /C calc'!A0"]
    assert not refused["reason"].str.startswith("'").any()


def test_ragged_rows_are_refused_with_their_line_and_every_other_row_keeps_its_number(
    scorer, rows, tmp_path
):
    """A row cut short is not scored with made-up missing values, nor a long one with
    its extra fields dropped: both go to the rejects file, saying why."""
    head = rows.head(12)
    lines = head.to_csv(index=False, na_rep="NA").splitlines()
    lines[3] = ",".join(lines[3].split(",")[:3])  # data row 2: cut short
    lines[8] += ",surplus,more"  # data row 7: fields too many
    lines[12] = ",".join(lines[12].split(",")[:2])  # data row 11, the last: cut short
    inp = tmp_path / "in.csv"
    inp.write_text("\n".join(lines) + "\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "out.rejects.csv"
    width = len(head.columns)
    scored, rejected = predict(str(inp), str(out), scorer, [], str(rejects), chunk_rows=4)
    assert (scored, rejected) == (9, 3)
    kept = [i for i in range(12) if i not in (2, 7, 11)]
    found = pd.read_csv(out)
    assert found["row"].tolist() == kept
    assert found["label"].tolist() == scorer.model.predict(head.iloc[kept]).tolist()
    refused = pd.read_csv(rejects)
    assert refused["row"].tolist() == [2, 7, 11]
    assert refused["line"].tolist() == [4, 9, 13]  # the lines each reason names
    assert refused["reason"].tolist() == [
        f"line 4 has 3 fields; the header has {width}",
        f"line 9 has {width + 2} fields; the header has {width}",
        f"line 13 has 2 fields; the header has {width}",
    ]


def test_outputs_get_a_new_files_usual_mode_not_the_temporary_files_0600(scorer, rows, tmp_path):
    import os
    import stat

    inp = write(rows.head(3), tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    mask = os.umask(0o022)
    try:
        predict(inp, str(out), scorer, [], str(tmp_path / "r.csv"))
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_the_model_is_the_flag_else_the_images_variable_else_params(tmp_path, monkeypatch):
    from classifier.serving.batch.command import model_source

    (tmp_path / "params.yaml").write_text("")  # not read while the first two answer
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CLASSIFIER_MODEL", "classifier:abc")
    assert model_source("models/other.joblib") == "models/other.joblib"
    assert model_source(None) == "classifier:abc"
    monkeypatch.delenv("CLASSIFIER_MODEL")
    with pytest.raises(UserError, match=r"params\.yaml"):
        model_source(None)  # an empty params.yaml is refused by name, not guessed around
