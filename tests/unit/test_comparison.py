"""What counts as a stale dvc.lock: changed inputs, not another machine's model bytes."""

import re

from testkit.repo import ROOT

from classifier.report.comparison import _changed_lock_inputs

LOCK = (ROOT / "dvc.lock").read_text()


def with_md5(text: str, path: str, md5: str) -> str:
    """The lock text with every recorded hash of `path` replaced."""
    pattern = rf"(- path: {re.escape(path)}\n\s+hash: md5\n\s+md5: )[0-9a-f]{{32}}"
    changed, count = re.subn(pattern, rf"\g<1>{md5}", text)
    assert count >= 1, path
    return changed


def test_the_same_lock_is_not_stale(tmp_path):
    current = tmp_path / "dvc.lock"
    current.write_text(LOCK)
    assert _changed_lock_inputs(LOCK.encode(), current) == []


def test_a_model_refit_to_other_bytes_is_not_stale(tmp_path):
    # The same inputs refit on another CPU can round differently: the model file, an output
    # of train and a dependency of evaluate, gets another hash while nothing has changed.
    current = tmp_path / "dvc.lock"
    current.write_text(with_md5(LOCK, "models/model.joblib", "0" * 32))
    assert _changed_lock_inputs(LOCK.encode(), current) == []


def test_a_changed_source_file_or_param_is_stale(tmp_path):
    current = tmp_path / "dvc.lock"
    current.write_text(with_md5(LOCK, "src/classifier/stages/evaluate.py", "0" * 32))
    assert _changed_lock_inputs(LOCK.encode(), current) == ["evaluate"]
    current.write_text(LOCK.replace("cv_folds: 5", "cv_folds: 4"))
    assert _changed_lock_inputs(LOCK.encode(), current) == ["train"]
