"""Drift alerts on evidence, not on noise: PSI paired with a chi-square test.

The reference is made from a training split as `make bento` makes it; served windows
are seeded samples drawn from the same generator (honest traffic) or with one numeric
feature's upper 40% moved (a real shift).
"""

import pandas as pd
import pytest
from testkit.datasets import fruit

from classifier.contracts.params import Monitor
from classifier.monitor.analysis import drift_alerts, feature_drift
from classifier.statistics.drift import chi_square_p, reference

SAMPLES = 20
SHIFTED = "weight (g)"


@pytest.fixture(scope="module")
def references() -> dict:
    train = fruit(rows=2000, seed=1).frame.drop(columns=["kind"])
    return {name: reference(train[name]) for name in train.columns}


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    """The training distribution, drawn again (other rows than the training split's)."""
    return fruit(rows=20_000, seed=99).frame.drop(columns=["kind"])


def alerts(window: pd.DataFrame, references: dict, limits: Monitor) -> list[str]:
    found = [feature_drift(name, ref, window[name]) for name, ref in references.items()]
    return drift_alerts(found, limits)


def upper_shifted(window: pd.DataFrame) -> pd.DataFrame:
    """The feature's values above its 60th percentile 20% larger: the upper 40% moved."""
    moved = window.copy()
    upper = moved[SHIFTED] > moved[SHIFTED].quantile(0.6)
    moved.loc[upper, SHIFTED] *= 1.2
    return moved


def test_honest_windows_of_300_never_alert_and_a_shift_of_the_upper_40_percent_always_does(
    references, population
):
    windows = [population.sample(300, random_state=seed) for seed in range(SAMPLES)]
    false_alarms = [w for w in windows if alerts(w, references, Monitor())]
    caught = [
        w
        for w in windows
        if any(SHIFTED in a for a in alerts(upper_shifted(w), references, Monitor()))
    ]
    assert (len(false_alarms), len(caught)) == (0, SAMPLES)


def test_a_small_window_needs_evidence_that_psi_alone_does_not_ask_for(references, population):
    """30 honest records: PSI alone crosses 0.25 by noise in every window; the test says
    the move is within what 30 records show by chance."""
    limits = Monitor(min_records=1)
    windows = [population.sample(30, random_state=seed) for seed in range(SAMPLES)]
    psi_only = sum(
        any(feature_drift(n, r, w[n]).psi >= limits.drift for n, r in references.items())
        for w in windows
    )
    assert psi_only == SAMPLES
    assert [w for w in windows if alerts(w, references, limits)] == []


def test_the_chi_square_p_value_is_scipys():
    from scipy.stats import chisquare

    shares, found = [0.2, 0.3, 0.5], [30, 25, 45]
    expected = [s * sum(found) for s in shares]
    assert chi_square_p(shares, found) == pytest.approx(chisquare(found, expected).pvalue)
