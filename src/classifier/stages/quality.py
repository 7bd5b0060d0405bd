"""Data-quality warnings (contracts.quality): what a team's real table often holds and
the pipeline would otherwise accept without a word.

Each is a warning, not an error: the pipeline works, but a reader should know. Where a
later step would fail (a class too small to split or to cross-validate), prepare raises
an error instead (stages.data).
"""

import pandas as pd

from classifier.contracts.categories import text
from classifier.contracts.labels import label_text
from classifier.contracts.params import DataContract
from classifier.contracts.quality import warning

MOSTLY_MISSING = 0.5  # a feature missing in this share of rows or more (tests/data fails it)
FEW_TEST_ROWS = 5  # a class with fewer test rows has per-class scores of a handful of rows
FOLDS_PER_CLASS = 2  # ...or fewer than this many training rows per cross-validation fold


def data_warnings(
    raw: pd.DataFrame,
    columns: list[str],
    train: pd.DataFrame,
    test: pd.DataFrame,
    contract: DataContract,
    folds: int,
) -> list[dict]:
    """Every warning about the raw table (`columns`: the file's header) and its split."""
    found = [warning("unmatched_ignore", name) for name in contract.ignore if name not in columns]
    for name in contract.features:
        column = raw[name]
        missing = float(column.isna().mean())
        if missing >= MOSTLY_MISSING:
            found.append(warning("mostly_missing", name, share=round(missing, 4)))
        present = column.dropna().unique()
        if len(present) == 1:
            found.append(warning("constant", name, [text(present[0])]))
    for name in contract.categorical:
        values = sorted(str(v) for v in raw[name].dropna().unique())
        spaced = [v for v in values if v != v.strip()]
        if spaced:
            found.append(warning("spaced", name, spaced))
    found += _tiny_classes(train, test, contract, folds)
    found += _unseen(train, test, contract)
    return found


def _tiny_classes(
    train: pd.DataFrame, test: pd.DataFrame, contract: DataContract, folds: int
) -> list[dict]:
    in_train = train[contract.target].value_counts()
    in_test = test[contract.target].value_counts()
    found = []
    for label in contract.classes:
        n_train, n_test = int(in_train.get(label, 0)), int(in_test.get(label, 0))
        if n_test < FEW_TEST_ROWS or n_train < FOLDS_PER_CLASS * folds:
            found.append(warning("tiny_class", label_text(label), train=n_train, test=n_test))
    return found


def _unseen(train: pd.DataFrame, test: pd.DataFrame, contract: DataContract) -> list[dict]:
    """Per categorical, test rows holding a value absent from training: the one-hot
    encoder ignores it (all zeros), while the service refuses it by name."""
    found = []
    for name in contract.categorical:
        seen = set(train[name].dropna())
        new = test[name].notna() & ~test[name].isin(seen)
        if new.any():
            values = sorted({str(v) for v in test.loc[new, name]})
            found.append(warning("unseen", name, values, rows=int(new.sum())))
    return found
