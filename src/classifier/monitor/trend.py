"""The daily trend: each feature's drift per day over the last weeks, to see when it began.

One pass over the record files of the span, each file read once and reduced at once to
counts per day and reference bin, so memory holds one file, not the weeks.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from classifier.contracts.params import Monitor
from classifier.monitor.analysis import FeatureDrift, drift_of_counts, drifted
from classifier.monitor.records import files, label_type, read_file, rows, schemas, within
from classifier.monitor.reference import ModelReference
from classifier.monitor.window import Window
from classifier.serving import record_fields as fields
from classifier.statistics.drift import counts


@dataclass(frozen=True)
class Day:
    """One day of the reference's version's traffic."""

    day: pd.Timestamp
    rows: int
    drift: list[FeatureDrift]
    drifted: list[str]  # the features the alert rule names that day


def daily(
    source: str, ref: ModelReference, limits: Monitor, end: pd.Timestamp, days: int
) -> list[Day]:
    """The `days` days up to `end`, each with its predictions and each feature's drift."""
    span = Window(end - pd.Timedelta(days=days), end)
    fs, grouped = files(source)
    schema = schemas(ref, label_type(ref))[fields.PREDICTIONS]
    found: dict[pd.Timestamp, dict[str, np.ndarray]] = {}
    for path in grouped[fields.PREDICTIONS]:
        if not span.may_hold(path):
            continue
        table, _ = read_file(fs, path, schema)
        frame = rows(within(table, span), [path]).to_pandas()
        frame = frame[frame[fields.MODEL] == ref.model]
        when = pd.to_datetime(frame[fields.TIMESTAMP], format="ISO8601").dt.normalize()
        for day, group in frame.groupby(when):
            tally = found.setdefault(day, {})
            for name, feature in ref.features.items():
                tally[name] = tally.get(name, 0) + counts(feature, group[fields.FEATURE + name])
    out = []
    for day in sorted(found):
        drift = [drift_of_counts(n, ref.features[n], c) for n, c in found[day].items()]
        day_rows = int(next(iter(found[day].values())).sum()) if found[day] else 0
        out.append(Day(day, day_rows, drift, [d.feature for d in drifted(drift, limits)]))
    return out
