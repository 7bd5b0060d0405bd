"""The promotion rules on a registry given as GTO's events: order, soak, evidence, rollback."""

from datetime import UTC, datetime, timedelta

import pytest

from classifier.ci.promotion import Event, Registry, decide, holders, seconds, version_name
from classifier.contracts.errors import UserError
from classifier.contracts.params import Promote

T0 = datetime(2026, 11, 1, tzinfo=UTC)
RULES = Promote(min_soak="1d", min_records=200)
CLEAN = {"model": "m1", "alert": False, "rows": 500}


def registry(*events: tuple[str, str, str | None, float]) -> Registry:
    """(kind, version, stage, hours after T0) each."""
    found = [Event(k, v, s, T0 + timedelta(hours=h), f"{k}-{v}-{s}") for k, v, s, h in events]
    return Registry(found, holders(found))


STAGED = registry(("registration", "v1.0.0", None, 0), ("assignment", "v1.0.0", "staging", 1))


@pytest.mark.parametrize(
    ("hours", "evidence", "allowed", "reason"),
    [
        (12, CLEAN, False, "for 11.0h, under promote.min_soak (1d)"),
        (25, CLEAN, True, "v1.0.0: 1.0d in staging, 500 predictions, no alert"),
        (25, None, False, "no monitoring evidence of v1.0.0 in staging"),
        (25, {**CLEAN, "alert": True, "alerts": ["drift"]}, False, "raised an alert: drift"),
        (25, {**CLEAN, "rows": 199}, False, "saw 199 predictions, under promote.min_records"),
    ],
)
def test_prod_takes_a_staged_version_after_the_soak_with_clean_evidence(
    hours, evidence, allowed, reason
):
    decision = decide(STAGED, "v1.0.0", "prod", RULES, evidence, now=T0 + timedelta(hours=hours))
    assert decision.allowed is allowed
    assert reason in decision.reason


def test_order_registration_and_rollback():
    now = T0 + timedelta(days=9)
    assert (
        "not one of promote.stages (staging, prod)"
        in decide(STAGED, "v1.0.0", "qa", RULES, now=now).reason
    )
    assert "v2.0.0 is not registered" in decide(STAGED, "v2.0.0", "staging", RULES, now=now).reason
    assert (
        decide(STAGED, "v1.0.0", "staging", RULES, now=now).reason == "v1.0.0 already holds staging"
    )
    two = registry(
        ("registration", "v1.0.0", None, 0),
        ("assignment", "v1.0.0", "staging", 1),
        ("assignment", "v1.0.0", "prod", 30),
        ("registration", "v1.1.0", None, 40),
        ("assignment", "v1.1.0", "staging", 41),
        ("assignment", "v1.1.0", "prod", 70),
    )
    assert two.current == {"staging": "v1.1.0", "prod": "v1.1.0"}
    back = decide(two, "v1.0.0", "prod", RULES, now=now, rollback=True)
    assert back.allowed
    # ... but never through plain promotion: v1.0.0 left staging
    assert "v1.0.0 is not in staging" in decide(two, "v1.0.0", "prod", RULES, CLEAN, now=now).reason
    unstaged = decide(two, "v1.1.0", "staging", RULES, now=now, rollback=True)
    assert not unstaged.allowed


def test_an_unassignment_empties_the_stage():
    events = registry(
        ("registration", "v1.0.0", None, 0),
        ("assignment", "v1.0.0", "staging", 1),
        ("unassignment", "v1.0.0", "staging", 2),
    )
    assert events.current == {}


def test_durations_and_version_names():
    assert [seconds(d) for d in ("2s", "5m", "1h", "1d", "1w")] == [2, 300, 3600, 86400, 604800]
    assert version_name("1.2.0") == version_name("classifier@v1.2.0") == "v1.2.0"
    with pytest.raises(UserError, match=r"vX\.Y\.Z"):
        version_name("latest")
    with pytest.raises(ValueError, match="min_soak"):
        Promote(min_soak="soon")


def shadowed(agreement: float, low: float | None = None) -> dict:
    change = None if low is None else {"value": low + 0.02, "low": low, "high": low + 0.04}
    return {
        "shadow": [{"candidate": "m1", "agreement": agreement, "labelled": 300, "change": change}]
    }


@pytest.mark.parametrize(
    ("shadow", "allowed", "words"),
    [
        (shadowed(0.97), True, "in shadow it agreed on 97.0%"),
        (shadowed(0.70, low=0.01), True, "accuracy change +0.030 [+0.010, +0.050] on 300"),
        (shadowed(0.70, low=-0.02), False, "under promote.shadow_agreement (90%)"),
        (shadowed(0.70), False, "not shown to beat it by promote.shadow_margin (+0)"),
        ({"shadow": [{"candidate": "other", "agreement": 0.1}]}, True, "no alert"),
    ],
)
def test_a_candidate_in_shadow_must_agree_or_be_shown_to_beat_the_champion(shadow, allowed, words):
    decision = decide(
        STAGED,
        "v1.0.0",
        "prod",
        RULES,
        CLEAN,
        model="m1",
        now=T0 + timedelta(days=2),
        shadow=shadow,
    )
    assert decision.allowed is allowed
    assert words in decision.reason
