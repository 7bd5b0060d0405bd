"""What counts as a stale dvc.lock: changed inputs, not another machine's model bytes."""

from classifier.report.comparison import _changed_lock_inputs

LOCK = """schema: '2.0'
stages:
  prepare:
    cmd: python -m classifier.stages prepare
    deps:
    - path: data/raw/table.csv
      hash: md5
      md5: {raw}
    params:
      params.yaml:
        split:
          seed: 1
    outs:
    - path: data/prepared/test.parquet
      hash: md5
      md5: 11111111111111111111111111111111
  train:
    cmd: python -m classifier.stages train
    params:
      params.yaml:
        train:
          cv_folds: {folds}
    outs:
    - path: models/model.joblib
      hash: md5
      md5: {model}
  evaluate:
    cmd: python -m classifier.stages evaluate
    deps:
    - path: models/model.joblib
      hash: md5
      md5: {model}
    - path: data/prepared/test.parquet
      hash: md5
      md5: 11111111111111111111111111111111
    - path: src/classifier/stages/evaluate.py
      hash: md5
      md5: {code}
"""
SAME = {"raw": "a" * 32, "folds": 5, "model": "b" * 32, "code": "c" * 32}


def lock(tmp_path, **changes) -> object:
    path = tmp_path / "dvc.lock"
    path.write_text(LOCK.format(**{**SAME, **changes}))
    return path


def test_the_same_lock_is_not_stale(tmp_path):
    assert _changed_lock_inputs(LOCK.format(**SAME).encode(), lock(tmp_path)) == []


def test_a_model_refit_to_other_bytes_is_not_stale(tmp_path):
    # The same inputs refit on another CPU can round differently: the model file, an output
    # of train and a dependency of evaluate, gets another hash while nothing has changed.
    committed = LOCK.format(**SAME).encode()
    assert _changed_lock_inputs(committed, lock(tmp_path, model="0" * 32)) == []


def test_a_changed_source_file_data_or_param_is_stale(tmp_path):
    committed = LOCK.format(**SAME).encode()
    assert _changed_lock_inputs(committed, lock(tmp_path, code="0" * 32)) == ["evaluate"]
    assert _changed_lock_inputs(committed, lock(tmp_path, raw="0" * 32)) == ["prepare"]
    assert _changed_lock_inputs(committed, lock(tmp_path, folds=4)) == ["train"]
