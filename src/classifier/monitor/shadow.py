"""A candidate in shadow, judged from its records: how often it agrees with the champion,
the rows where they disagree, and, where feedback labels exist, both models' accuracy
on the same rows with intervals (the paired bootstrap the pull-request report uses).

This is the evidence a promotion to the champion's stage reads
(classifier.ci.promotion): the candidate must agree with the champion, or be shown to
beat it on labelled rows, by promote.shadow_agreement / promote.shadow_margin.
"""

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from classifier.contracts.labels import label_text
from classifier.monitor.records import Records
from classifier.serving import record_fields as fields
from classifier.statistics.paired import Interval, Sample, Scored, bootstrap

SHOWN = 20  # disagreeing rows listed
CONFIDENCE = 0.95


@dataclass
class ShadowFindings:
    """One candidate beside the champion, on the rows both answered."""

    candidate: str
    rows: int  # rows the candidate answered
    failed_rows: int  # rows of requests the candidate raised on
    agreement: float | None
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    labelled: int = 0
    accuracy: dict[str, Interval] = field(default_factory=dict)  # champion, candidate
    change: Interval | None = None  # candidate - champion, same rows

    def to_data(self) -> dict[str, Any]:
        """As findings.json carries it."""
        return {
            "candidate": self.candidate,
            "rows": self.rows,
            "failed_rows": self.failed_rows,
            "agreement": None if self.agreement is None else round(self.agreement, 6),
            "labelled": self.labelled,
            "accuracy": {k: v.to_data() for k, v in self.accuracy.items()},
            "change": None if self.change is None else self.change.to_data(),
        }


def shadows(records: Records, champion: str, classes: list[str]) -> list[ShadowFindings]:
    """Every candidate that shadowed `champion` in these records."""
    frame = records.shadow
    if frame is None or frame.empty:
        return []
    frame = frame[frame[fields.MODEL] == champion]
    found = []
    for candidate, rows in frame.groupby(fields.CANDIDATE, sort=True):
        found.append(_one(str(candidate), rows, records.feedback, classes))
    return found


def _one(
    candidate: str, rows: pd.DataFrame, feedback: pd.DataFrame, classes: list[str]
) -> ShadowFindings:
    failed = rows[fields.ERROR].notna()
    answered = rows[~failed]
    mine = answered[fields.LABEL].map(label_text)
    theirs = answered[fields.CANDIDATE_LABEL].map(label_text)
    agree = mine == theirs
    disagreeing = answered[~agree.to_numpy()].head(SHOWN)
    found = ShadowFindings(
        candidate=candidate,
        rows=len(answered),
        failed_rows=int(failed.sum()),
        agreement=float(agree.mean()) if len(answered) else None,
        disagreements=[
            {
                "request": str(r[fields.REQUEST]),
                "row": int(r[fields.ROW]),
                "champion": label_text(r[fields.LABEL]),
                "candidate": label_text(r[fields.CANDIDATE_LABEL]),
            }
            for _, r in disagreeing.iterrows()
        ],
    )
    keys = [fields.REQUEST, fields.ROW]
    truth = feedback.drop_duplicates(keys, keep="last")[[*keys, fields.LABEL]]
    joined = answered.merge(truth, on=keys, suffixes=("", "_true"))
    if len(joined):
        codes = {c: i for i, c in enumerate(classes)}
        true = joined[f"{fields.LABEL}_true"].map(label_text)
        known = true.isin(codes)
        joined, true = joined[known.to_numpy()], true[known]
        sample = Sample(
            truth=np.array([codes[t] for t in true]),
            classes=len(classes) + 1,  # and one for a label outside them: always wrong
            models={
                "champion": Scored(_codes(joined[fields.LABEL], codes)),
                "candidate": Scored(_codes(joined[fields.CANDIDATE_LABEL], codes)),
            },
        )
        result = bootstrap(sample, ["accuracy"], CONFIDENCE)
        found.labelled = result.rows
        found.accuracy = {name: m["accuracy"] for name, m in result.metrics.items()}
        found.change = result.difference.get("accuracy")
    return found


def _codes(labels: pd.Series, codes: dict[str, int]) -> np.ndarray:
    """Class codes; a label outside the classes counts as wrong (code -1 never matches)."""
    return np.array([codes.get(label_text(v), len(codes)) for v in labels])
