"""How the data changed between two sides: rows by content, schema, class balance, drift."""

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import pandas as pd

from classifier.contracts.labels import Label, label_text
from classifier.contracts.params import DataContract
from classifier.statistics.drift import drift, reference

# Row alignment (which rows were edited in place) uses difflib, which is quick on
# mostly-equal tables but not linear; above this size rows are compared as multisets.
ALIGN_MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowDiff:
    """Rows added, removed and edited in place, by content (no key column needed)."""

    base: int
    head: int
    added: int
    removed: int
    changed: int
    aligned: bool

    @property
    def common(self) -> int:
        """Rows the two sides share unchanged."""
        return self.head - self.added - self.changed

    @property
    def moved(self) -> bool:
        """Whether any row was added, removed or changed."""
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Drift:
    """One feature's distribution shift, with a one-phrase summary of each side."""

    feature: str
    psi: float
    base: str
    head: str


@dataclass(frozen=True)
class DataDiff:
    """Everything the report's data section shows."""

    rows: RowDiff
    schema: list["SchemaChange"]
    classes: dict[Label, tuple[int, int]]
    drift: list[Drift]


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> list[int]:
    """One hash per row over `columns`; equal rows (missing values included) hash equal."""
    return pd.util.hash_pandas_object(frame[columns], index=False).tolist()


def diff_rows(base: list[int], head: list[int]) -> RowDiff:
    """Count added, removed and changed rows between two sequences of row hashes."""
    if max(len(base), len(head)) > ALIGN_MAX_ROWS:
        only_base, only_head = Counter(base) - Counter(head), Counter(head) - Counter(base)
        return RowDiff(
            len(base), len(head), sum(only_head.values()), sum(only_base.values()), 0, False
        )
    added = removed = changed = 0
    for tag, b1, b2, h1, h2 in SequenceMatcher(None, base, head, autojunk=False).get_opcodes():
        edited = min(b2 - b1, h2 - h1) if tag == "replace" else 0
        changed += edited
        removed += (b2 - b1) - edited if tag in ("delete", "replace") else 0
        added += (h2 - h1) - edited if tag in ("insert", "replace") else 0
    return RowDiff(len(base), len(head), added, removed, changed, True)


# A contract change a reviewer should see: (what, name, base side, head side), e.g.
# ("added", "sugar %", None, "numeric") or ("classes", None, ["a", "b"], ["a", "c"]).
SchemaChange = tuple[str, str | None, Any, Any]


def schema_changes(base: DataContract, head: DataContract) -> list[SchemaChange]:
    """Features added, removed or retyped, target and classes, nullability: by name."""
    kinds = {
        "numeric": (base.numeric, head.numeric),
        "categorical": (base.categorical, head.categorical),
    }
    base_kind = {c: k for k, (cols, _) in kinds.items() for c in cols}
    head_kind = {c: k for k, (_, cols) in kinds.items() for c in cols}
    changes: list[SchemaChange] = []
    changes += [("added", c, None, head_kind[c]) for c in sorted(head_kind.keys() - base_kind)]
    changes += [("removed", c, base_kind[c], None) for c in sorted(base_kind.keys() - head_kind)]
    changes += [
        ("retyped", c, base_kind[c], head_kind[c])
        for c in sorted(base_kind.keys() & head_kind.keys())
        if base_kind[c] != head_kind[c]
    ]
    if base.target != head.target:
        changes.append(("target", None, base.target, head.target))
    if base.classes != head.classes:
        old, new = ([label_text(c) for c in side.classes] for side in (base, head))
        changes.append(("classes", None, old, new))
    # Only for features both sides have: an added or removed one says so already.
    both = base_kind.keys() & head_kind.keys()
    changes += [
        ("nullable", c, False, True)
        for c in sorted(both & (set(head.nullable) - set(base.nullable)))
    ]
    changes += [
        ("nullable", c, True, False)
        for c in sorted(both & (set(base.nullable) - set(head.nullable)))
    ]
    return changes


def psi(base: pd.Series, head: pd.Series) -> float:
    """Population stability index of `head` against `base`'s distribution (statistics.drift)."""
    return drift(reference(base), head)


def describe(column: pd.Series) -> str:
    """A one-phrase summary: median for numbers, most common value for categories."""
    missing = f", {column.isna().mean():.0%} missing" if column.isna().any() else ""
    if pd.api.types.is_numeric_dtype(column):
        return f"median {column.median():.4g}{missing}"
    if column.dropna().empty:
        return f"empty{missing}"
    top = column.value_counts(normalize=True)
    return f"{top.index[0]} {top.iloc[0]:.0%}{missing}"


def diff_data(
    base: pd.DataFrame, head: pd.DataFrame, base_contract: DataContract, head_contract: DataContract
) -> DataDiff:
    """Compare two validated raw tables under their own contracts."""
    shared = [c for c in head.columns if c in base.columns]
    if shared:
        rows = diff_rows(row_hashes(base, shared), row_hashes(head, shared))
    else:  # nothing to compare rows by: every row is new
        rows = RowDiff(len(base), len(head), len(head), len(base), 0, True)
    # The PR's class balance always shows: on a new dataset it is the first thing to read.
    target = head_contract.target
    labels = list(dict.fromkeys([*base_contract.classes, *head_contract.classes]))
    if target not in base.columns:
        labels = list(head_contract.classes)
    base_counts = base[target].value_counts() if target in base.columns else pd.Series()
    head_counts = head[target].value_counts()
    classes = {c: (int(base_counts.get(c, 0)), int(head_counts.get(c, 0))) for c in labels}
    drift = [
        Drift(name, psi(base[name], head[name]), describe(base[name]), describe(head[name]))
        for name in head_contract.features
        if name in base.columns
    ]
    drift.sort(key=lambda d: (-round(d.psi, 9), d.feature))
    return DataDiff(rows, schema_changes(base_contract, head_contract), classes, drift)
