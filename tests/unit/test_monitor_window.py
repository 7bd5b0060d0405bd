"""Time windows and the daily trend: drift that starts today is not diluted by a month."""

import json

import pandas as pd
import pytest

from classifier.contracts.errors import UserError
from classifier.contracts.params import Monitor
from classifier.monitor.report import build, state
from classifier.monitor.window import parse

from .test_damaged_records import REFERENCE, record, store

DAYS = 30
PER_DAY = 300
END = pd.Timestamp("2026-12-01")


def month(tmp_path):
    """30 days of records, one rotated file a day as BentoML's handler leaves them; on
    the last day (the live file) every `x` is at the top of its range: a drift."""
    for n in range(DAYS):
        day = END - pd.Timedelta(days=DAYS - n)
        last = n == DAYS - 1
        lines = [
            json.dumps(
                record(
                    n * PER_DAY + i,
                    timestamp=(day + pd.Timedelta(seconds=60 * i)).isoformat(),
                    **({"feature.x": [0.9]} if last else {}),
                )
            ).encode()
            + b"\n"
            for i in range(PER_DAY)
        ]
        name = "data.0.log" if last else f"data.0.log.{day:%Y-%m-%d}"
        source = store(tmp_path, lines, name)
    # A damaged file from before the window: read, it would count as unreadable.
    store(tmp_path, [b"{garbage\n"], f"data.1.log.{END - pd.Timedelta(days=20):%Y-%m-%d}")
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps(REFERENCE))
    return source, reference


def test_the_daily_window_alerts_the_month_does_not_and_the_trend_shows_the_day(tmp_path):
    source, reference = month(tmp_path)
    now = END + pd.Timedelta(hours=6)
    day = build(
        str(source),
        reference,
        tmp_path / "day",
        Monitor(),
        parse("1d", "2026-12-01", "1d", now),
        DAYS,
    )
    everything = build(
        str(source), reference, tmp_path / "all", Monitor(), parse("all", None, "1d", now)
    )

    assert state(day) == "alert"
    assert day.alerts[0].startswith("`x` drifted")
    assert day.rows == PER_DAY
    assert day.unreadable.count == 0  # the damaged file of 20 days ago was never opened
    assert state(everything) == "ok", everything.alerts
    assert everything.rows == DAYS * PER_DAY

    trend = json.loads((tmp_path / "day/findings.json").read_text())["trend"]
    assert len(trend) == DAYS
    began = [d for d, found in trend.items() if found["drifted"]]
    assert began == ["2026-11-30"]
    report = (tmp_path / "day/report.md").read_text()
    assert "Drift first alerts on 2026-11-30." in report
    assert (tmp_path / "day/trend.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("7d", None, "2026-11-24 06:00 to 2026-12-01 06:00"),
        ("2026-11-30T12:00", "2026-12-01", "2026-11-30 12:00 to 2026-12-01 00:00"),
        ("90m", "1h", "2026-12-01 03:30 to 2026-12-01 05:00"),
        (None, None, "2026-11-30 06:00 to 2026-12-01 06:00"),
    ],
)
def test_durations_and_iso_times_both_name_a_window(since, until, expected):
    assert str(parse(since, until, "1d", pd.Timestamp("2026-12-01 06:00"))) == expected


def test_a_window_that_is_no_time_is_one_line():
    with pytest.raises(UserError, match=r"^SINCE='last tuesday' is neither a time"):
        parse("last tuesday", None, "1d", pd.Timestamp("2026-12-01"))
