"""Which records a monitoring run judges: a time window, and the files that may hold it.

`make monitor SINCE=… UNTIL=…` takes ISO times (`2026-11-30`, `2026-11-30T06:00`) or
durations back from the window's end (`90m`, `12h`, `1d`, `7d`, `2w`); `SINCE=all`
reads every record. Without SINCE, the window is params.yaml's `monitor.window` back
from now: the daily workflow judges the last day, so drift that starts today is not
diluted by months of earlier traffic.

Records carry the service's local time, without a zone, and are compared as such.
BentoML's daily rotation names a finished file after the day its records are from
(`data.0.log.2026-11-29`): such a file outside the window is never opened.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from classifier.contracts.errors import UserError

DURATION = re.compile(r"(\d+)([mhdw])")
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
ROTATED = re.compile(r"\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Window:
    """[since, until); None on either side is open."""

    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None

    def __str__(self) -> str:
        since = f"{self.since:%Y-%m-%d %H:%M}" if self.since is not None else "the first record"
        until = f"{self.until:%Y-%m-%d %H:%M}" if self.until is not None else "the last"
        return f"{since} to {until}"

    def holds(self, times: pd.Series) -> pd.Series:
        """Which of `times` fall in the window."""
        keep = pd.Series(True, index=times.index)
        if self.since is not None:
            keep &= times >= self.since
        if self.until is not None:
            keep &= times < self.until
        return keep

    def may_hold(self, path: str) -> bool:
        """Whether a record file may hold records of the window (by its rotation date).

        >>> w = Window(pd.Timestamp("2026-11-30"), pd.Timestamp("2026-12-01"))
        >>> w.may_hold("p/data/data.0.log"), w.may_hold("p/data/data.0.log.2026-11-30")
        (True, True)
        >>> w.may_hold("p/data/data.1.log.2026-11-29"), w.may_hold("p/data/data.1.log.2026-12-01")
        (False, False)
        """
        found = ROTATED.search(path)
        if found is None:
            return True
        day = pd.Timestamp(found.group(1))
        # The handler rolls over at the first write after midnight and names the file
        # after the day it began (its clock is the records' own): all its records are of
        # that day, even when the rollover comes days later.
        after_start = self.since is None or day + pd.Timedelta(days=1) > self.since
        before_end = self.until is None or day < self.until
        return after_start and before_end


ALL = Window()  # every record


def parse(since: str | None, until: str | None, default: str, now: pd.Timestamp) -> Window:
    """The window SINCE/UNTIL name (a duration or an ISO time each), `default` back from
    the end when SINCE is not given; `all` for every record.

    >>> now = pd.Timestamp("2026-12-01 06:00")
    >>> str(parse(None, None, "1d", now))
    '2026-11-30 06:00 to 2026-12-01 06:00'
    >>> str(parse("7d", "2026-11-20", "1d", now))
    '2026-11-13 00:00 to 2026-11-20 00:00'
    >>> str(parse("all", None, "1d", now))
    'the first record to the last'
    """
    end = _time(until, "UNTIL", now) if until else now
    start = since or default
    if start == "all":
        return Window(None, _time(until, "UNTIL", now) if until else None)
    duration = DURATION.fullmatch(start)
    if duration:
        return Window(end - timedelta(**{UNITS[duration[2]]: int(duration[1])}), end)
    return Window(_time(start, "SINCE", now), end)


def _time(text: str, name: str, now: pd.Timestamp) -> pd.Timestamp:
    duration = DURATION.fullmatch(text)
    if duration:
        return now - timedelta(**{UNITS[duration[2]]: int(duration[1])})
    try:
        found = pd.Timestamp(text)
    except ValueError:
        found = None
    if found is None or found is pd.NaT:
        raise UserError(
            f"{name}={text!r} is neither a time (2026-11-30, 2026-11-30T06:00) nor a "
            "duration (90m, 12h, 1d, 2w), nor 'all'"
        )
    return found.tz_localize(None) if found.tzinfo else found
