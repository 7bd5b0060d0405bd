"""Drift, measured one way: the population stability index of a feature against a reference.

The pull-request report compares the PR's data with `main`'s, and monitoring compares
live traffic with the training split, both through this module. A reference is what
one side's column looks like, small enough to store beside the model: quantile bin
edges and shares for a number, shares per category otherwise, and the share missing.
A value outside every known category (or a number in no bin) counts in an `other` bin.
"""

from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from classifier.contracts.categories import text as category_text

BINS = 10
FLOOR = 1e-4  # keeps an empty bin from making the logarithm infinite
MOVED = 0.1  # below: no meaningful shift
MAJOR = 0.25  # 0.1-0.25 moderate; above: major
MISSING, OTHER = "(missing)", "(other)"


@dataclass(frozen=True)
class Reference:
    """One column's distribution: bins (edges of numbers, or categories) and their shares."""

    numeric: bool
    edges: list[float]  # inner quantile edges of a number (empty for categories)
    categories: list[str]  # a categorical's values, as text (empty for numbers)
    shares: list[float]  # per bin, then missing, then other

    def to_json(self) -> dict[str, Any]:
        """What `make bento` stores with the model."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Reference":
        return cls(
            bool(data["numeric"]),
            list(data["edges"]),
            list(data["categories"]),
            list(data["shares"]),
        )

    @property
    def labels(self) -> list[str]:
        """A name for each share: the bin or category, then missing, then other."""
        if self.numeric:
            bounds = ["-inf", *(f"{e:.4g}" for e in self.edges), "inf"]
            bins = [f"({lo}, {hi}]" for lo, hi in pairwise(bounds)]
        else:
            bins = list(self.categories)
        return [*bins, MISSING, OTHER]


def reference(column: pd.Series) -> Reference:
    """The reference of `column`: decile edges of a number, the categories of anything else."""
    present = column.dropna()
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = present.to_numpy(dtype=float)
        quantiles = np.nanquantile(values, np.linspace(0, 1, BINS + 1)) if len(values) else []
        edges = [float(e) for e in np.unique(quantiles)[1:-1]]
        ref = Reference(True, edges, [], [])
    else:
        ref = Reference(False, [], sorted(present.map(category_text).unique().tolist()), [])
    return Reference(ref.numeric, ref.edges, ref.categories, shares(ref, column).tolist())


def counts(ref: Reference, column: pd.Series) -> np.ndarray:
    """How many values of `column` fall in each of the reference's bins (missing, other last)."""
    missing = column.isna().to_numpy()
    out = np.zeros(len(ref.labels), dtype=np.int64)
    out[-2] = int(missing.sum())
    present = column[~missing]
    if ref.numeric:
        values = pd.to_numeric(present, errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(values)
        out[-1] = int((~finite).sum())
        bins = np.searchsorted(np.asarray(ref.edges, dtype=float), values[finite], side="left")
        out[: len(ref.edges) + 1] += np.bincount(bins, minlength=len(ref.edges) + 1)
    else:
        found = present.map(category_text).value_counts()
        known = found.reindex(ref.categories, fill_value=0).to_numpy()
        out[: len(ref.categories)] = known
        out[-1] = int(found.sum() - known.sum())
    return out


def shares(ref: Reference, column: pd.Series) -> np.ndarray:
    """`counts` as shares of the column's length."""
    found = counts(ref, column)
    return found / max(int(found.sum()), 1)


def psi(expected: np.ndarray | list[float], actual: np.ndarray | list[float]) -> float:
    """Population stability index of `actual` shares against `expected` ones (same bins)."""
    e = np.clip(np.asarray(expected, dtype=float), FLOOR, None)
    a = np.clip(np.asarray(actual, dtype=float), FLOOR, None)
    return float(np.sum((a - e) * np.log(a / e)))


def chi_square_p(expected: np.ndarray | list[float], found: np.ndarray | list[int]) -> float:
    """The p-value of `found` counts under the `expected` shares (chi-square goodness of fit).

    PSI says how far a distribution moved; this says whether the sample is large enough
    for the move to be more than sampling noise (300 records against 10 bins is small).
    A bin training never saw gets the same floor as in `psi`, so values there count as
    strong evidence. No records: 1.0 (no evidence of anything).

    >>> round(chi_square_p([0.5, 0.5], [50, 50]), 3), chi_square_p([0.5, 0.5], [100, 0]) < 1e-9
    (1.0, True)
    """
    from scipy.stats import chi2

    observed = np.asarray(found, dtype=float)
    total = observed.sum()
    if total == 0:
        return 1.0
    share = np.clip(np.asarray(expected, dtype=float), FLOOR, None)
    wanted = share / share.sum() * total
    used = (np.asarray(expected, dtype=float) > 0) | (observed > 0)
    statistic = float(np.sum((observed - wanted)[used] ** 2 / wanted[used]))
    return float(chi2.sf(statistic, max(int(used.sum()) - 1, 1)))


def drift(ref: Reference, column: pd.Series) -> float:
    """PSI of `column` against `ref`."""
    return psi(ref.shares, shares(ref, column))


def mark(score: float) -> str:
    """A traffic light for a PSI: ⚪ no shift, 🟠 moderate, 🔴 major."""
    return "🔴" if score >= MAJOR else "🟠" if score >= MOVED else "⚪"
