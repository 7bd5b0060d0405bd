"""Served traffic against the model's reference: what moved, how good, what raises an alert.

Pure functions over the record tables (classifier.monitor.records) and the reference
stored with the model (classifier.monitor.reference); thresholds come from params.yaml
(`monitor:`). Drift is statistics.drift's PSI, the same measure as the PR's data diff.
"""

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

from classifier.contracts.labels import label_text
from classifier.contracts.params import Monitor
from classifier.monitor.records import Records, Unreadable
from classifier.monitor.reference import ModelReference
from classifier.monitor.shadow import shadows
from classifier.monitor.window import ALL, Window
from classifier.serving import record_fields as fields
from classifier.statistics.drift import Reference, chi_square_p, counts, psi


@dataclass(frozen=True)
class FeatureDrift:
    """One feature of served traffic against training."""

    feature: str
    psi: float
    p_value: float  # chi-square against the training shares: is the move more than noise?
    missing_then: float
    missing_now: float
    unknown: float  # share of values outside every category (or bin) seen in training


@dataclass(frozen=True)
class Quality:
    """How good the served predictions are: measured from labels, or estimated."""

    labelled: int
    accuracy: float | None  # from feedback labels
    unmatched: int  # labels whose request id and row have no recorded prediction: dropped
    f1_macro: float | None
    estimated_accuracy: float  # mean probability of the predicted class (an estimate)
    test_accuracy: float | None
    test_confidence: float


@dataclass
class Findings:
    """Everything the monitoring report says; `alerts` is what made it raise one."""

    rows: int
    requests: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    volume: pd.Series
    drift: list[FeatureDrift]
    mix: dict[str, tuple[float, float]]  # class -> (test share, live share)
    mix_psi: float
    refused: pd.Series  # requests refused, per reason
    refused_share: float
    quality: Quality
    read: int = 0  # records read (lines), every stream
    unreadable: Unreadable = field(default_factory=Unreadable)
    versions: list["Version"] = field(default_factory=list)  # other models' traffic
    window: Window = ALL
    trend: list[Any] = field(default_factory=list)  # monitor.trend.Day, oldest first
    judged: bool = True  # enough predictions (monitor.min_records) to say "within thresholds"
    shadow: list[Any] = field(default_factory=list)  # monitor.shadow.ShadowFindings
    alerts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def volume(predictions: pd.DataFrame) -> pd.Series:
    """Rows per time bin: hours over a short span, days over a long one."""
    times = predictions[fields.TIMESTAMP].dropna()
    if times.empty:
        return pd.Series(dtype="int64")
    span = times.max() - times.min()
    freq = "min" if span <= pd.Timedelta(hours=2) else "h" if span <= pd.Timedelta(days=3) else "D"
    return times.dt.floor(freq).value_counts().sort_index()


def feature_drift(name: str, ref: Reference, column: pd.Series) -> FeatureDrift:
    return drift_of_counts(name, ref, counts(ref, column))


def drift_of_counts(name: str, ref: Reference, found: np.ndarray) -> FeatureDrift:
    """A feature's drift from its counts per reference bin."""
    total = max(int(found.sum()), 1)
    return FeatureDrift(
        feature=name,
        psi=psi(ref.shares, found / total),
        p_value=chi_square_p(ref.shares, found),
        missing_then=ref.shares[-2],
        missing_now=found[-2] / total,
        unknown=found[-1] / total,
    )


def quality(records: Records, ref: ModelReference, served: pd.DataFrame | None = None) -> Quality:
    """Accuracy and F1 where feedback labels exist; the expected accuracy from probabilities."""
    predictions = records.predictions
    proba = predictions[[fields.PROBABILITY + c for c in ref.classes]].to_numpy(dtype=float)
    estimated = float(np.nanmax(proba, axis=1).mean()) if len(proba) else float("nan")
    keys = [fields.REQUEST, fields.ROW]
    truth = records.feedback.drop_duplicates(keys, keep="last")
    joined = predictions[[*keys, fields.LABEL]].merge(
        truth[[*keys, fields.LABEL]], on=keys, suffixes=("", "_true")
    )
    # A label for a prediction the service never recorded (a made-up or another
    # service's request id) measures nothing: dropped, and counted in the report. A
    # label of another version's prediction is not this version's, nor unmatched.
    known = (predictions if served is None else served)[keys].drop_duplicates()
    unmatched = len(truth) - len(truth[keys].merge(known, on=keys))
    accuracy = f1 = None
    if len(joined):
        predicted = joined[fields.LABEL].map(label_text)
        actual = joined[f"{fields.LABEL}_true"].map(label_text)
        accuracy = float(accuracy_score(actual, predicted))
        f1 = float(
            f1_score(actual, predicted, average="macro", labels=ref.classes, zero_division=0)
        )
    return Quality(
        len(joined),
        accuracy,
        unmatched,
        f1,
        estimated,
        ref.metrics.get("accuracy"),
        ref.confidence,
    )


@dataclass(frozen=True)
class Version:
    """Another model version's traffic in the same records: counted, never judged here."""

    model: str
    rows: int
    requests: int
    start: pd.Timestamp | None
    end: pd.Timestamp | None


def other_versions(predictions: pd.DataFrame, headline: str) -> list[Version]:
    """Each other model's predictions, most first."""
    others = predictions[predictions[fields.MODEL] != headline]
    found = [
        Version(
            str(model),
            len(rows),
            int(rows[fields.REQUEST].nunique()),
            rows[fields.TIMESTAMP].min(),
            rows[fields.TIMESTAMP].max(),
        )
        for model, rows in others.groupby(fields.MODEL, dropna=False)
    ]
    return sorted(found, key=lambda v: (-v.rows, v.model))


def analyse(records: Records, ref: ModelReference, limits: Monitor) -> Findings:
    """Compare the reference's model version's traffic with the reference and name every
    threshold crossed; other versions' traffic is counted apart (`Findings.versions`)."""
    everything = records.predictions
    predictions = everything[everything[fields.MODEL] == ref.model]
    live = predictions[fields.LABEL].map(label_text).value_counts(normalize=True)
    mix = {c: (ref.predicted.get(c, 0.0), float(live.get(c, 0.0))) for c in ref.classes}
    refused = records.refusals[fields.REASON].value_counts()
    requests = int(predictions[fields.REQUEST].nunique())
    times = predictions[fields.TIMESTAMP]
    found = Findings(
        rows=len(predictions),
        requests=requests,
        versions=other_versions(everything, ref.model),
        start=times.min() if len(times) else None,
        end=times.max() if len(times) else None,
        volume=volume(predictions),
        drift=sorted(
            (feature_drift(n, r, predictions[fields.FEATURE + n]) for n, r in ref.features.items()),
            key=lambda d: (-round(d.psi, 9), d.feature),
        ),
        mix=mix,
        mix_psi=psi([t for t, _ in mix.values()], [s for _, s in mix.values()]),
        refused=refused,
        refused_share=int(refused.sum()) / max(requests + int(refused.sum()), 1),
        quality=quality(replace(records, predictions=predictions), ref, served=everything),
        read=records.read,
        unreadable=records.unreadable,
        judged=len(predictions) >= limits.min_records,
    )
    found.shadow = shadows(records, ref.model, list(ref.classes))
    found.alerts, found.notes = alerts(found, ref, limits)
    return found


def drifted(drift: list[FeatureDrift], limits: Monitor) -> list[FeatureDrift]:
    """The features that drifted: a large move (PSI ≥ monitor.drift) that is more than
    sampling noise (chi-square p below monitor.significance, shared among the features,
    Bonferroni), so a few hundred honest records raise nothing."""
    level = limits.significance / max(len(drift), 1)
    return [d for d in drift if d.psi >= limits.drift and d.p_value < level]


def drift_alerts(drift: list[FeatureDrift], limits: Monitor) -> list[str]:
    """One alert per drifted feature, naming both thresholds."""
    level = limits.significance / max(len(drift), 1)
    return [
        f"`{d.feature}` drifted: PSI {d.psi:.3f} ≥ {limits.drift} (monitor.drift), "
        f"p = {d.p_value:.2g} < {level:.2g} (monitor.significance over {len(drift)} features)"
        for d in drifted(drift, limits)
    ]


def alerts(found: Findings, ref: ModelReference, limits: Monitor) -> tuple[list[str], list[str]]:
    """The thresholds crossed (each naming the measure and the threshold), and notes."""
    raised: list[str] = []
    notes: list[str] = []
    skipped = found.unreadable
    if skipped.count:
        share = skipped.count / max(skipped.count + found.read, 1)
        note = f"{skipped.count:,} records unreadable, skipped (first: {skipped.first})"
        if share > limits.unreadable:
            raised.append(
                f"{skipped.count:,} of {skipped.count + found.read:,} records are unreadable "
                f"({share:.1%}), more than {limits.unreadable:.0%} (monitor.unreadable); "
                f"first: {skipped.first}"
            )
        else:
            notes.append(note)
    if found.rows == 0 and found.versions:
        others = ", ".join(f"`{v.model}`" for v in found.versions[:3])
        raised.append(
            f"no prediction of `{ref.model}` recorded, only of other versions ({others}): "
            "is this the reference of the model being served?"
        )
    elif found.rows == 0:
        raised.append(
            "no prediction recorded: is the service deployed, and recording where "
            "`make monitor` reads?"
        )
    elif found.rows < limits.min_records:
        notes.append(
            f"{found.rows} predictions recorded, fewer than monitor.min_records "
            f"({limits.min_records}): not judged yet"
        )
    else:
        raised += drift_alerts(found.drift, limits)
        raised += [
            f"`{d.feature}` is missing in {d.missing_now:.1%} of rows, {d.missing_then:.1%} in "
            f"training: up more than {limits.missing:.0%} (monitor.missing)"
            for d in found.drift
            if d.missing_now - d.missing_then > limits.missing
        ]
        if found.mix_psi >= limits.prediction_mix:
            raised.append(
                f"the predicted classes moved: PSI {found.mix_psi:.3f} against the test set "
                f"≥ {limits.prediction_mix} (monitor.prediction_mix)"
            )
    if found.refused_share > limits.refused:
        raised.append(
            f"{found.refused_share:.1%} of requests were refused (400), more than "
            f"{limits.refused:.0%} (monitor.refused)"
        )
    quality_now, test = found.quality.accuracy, found.quality.test_accuracy
    if quality_now is not None and test is not None and test - quality_now > limits.accuracy_drop:
        raised.append(
            f"live accuracy {quality_now:.4f} is {test - quality_now:.4f} below the test set's "
            f"{test:.4f}, more than {limits.accuracy_drop} (monitor.accuracy_drop)"
        )
    return raised, notes
