"""One drift measure for the PR's data diff and for monitoring: PSI against a reference."""

import numpy as np
import pandas as pd
import pytest

from classifier.statistics.drift import MISSING, OTHER, Reference, drift, psi, reference, shares


def test_a_column_against_its_own_reference_does_not_drift():
    column = pd.Series(np.random.default_rng(0).normal(size=2000))
    assert drift(reference(column), column) == pytest.approx(0.0)


def test_numbers_fall_in_decile_bins_with_missing_and_other_last():
    ref = reference(pd.Series([float(v) for v in range(100)] + [np.nan] * 10))
    assert len(ref.edges) == 9
    assert ref.labels[-2:] == [MISSING, OTHER]
    assert sum(ref.shares) == pytest.approx(1.0)
    assert ref.shares[-2] == pytest.approx(10 / 110)
    live = pd.Series([np.inf, 5.0, np.nan, np.nan])
    assert shares(ref, live)[-2:].tolist() == [0.5, 0.25]  # missing, then inf counted as other


def test_a_shifted_number_and_an_unseen_category_drift():
    rng = np.random.default_rng(1)
    base = pd.Series(rng.normal(size=5000))
    assert drift(reference(base), base + 1.0) > 0.25
    colours = pd.Series(["red"] * 50 + ["green"] * 50)
    assert drift(reference(colours), pd.Series(["red"] * 50 + ["blue"] * 50)) > 1.0


def test_psi_is_symmetric_in_magnitude_and_zero_only_for_equal_shares():
    a, b = [0.5, 0.5, 0.0], [0.25, 0.75, 0.0]
    assert psi(a, b) == pytest.approx(psi(b, a))
    assert psi(a, a) == 0.0


def test_a_reference_survives_the_trip_through_json():
    ref = reference(pd.Series(["a", "b", "b", None]))
    assert Reference.from_json(ref.to_json()) == ref
    assert ref.categories == ["a", "b"]
