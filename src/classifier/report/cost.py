"""The cost of the change: each model's size on disk and its prediction latency.

Both models are timed in the same process on the same rows, calls interleaved, so a
busy machine slows both alike and their ratio stays meaningful. Latency is a
measurement of this run: it differs from run to run, so it is taken only when
`report.latency` is on (or a latency gate asks for it); the rest of the report stays
byte-identical for a commit.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

SINGLE_CALLS = 200  # single-row predictions per model
BATCH_ROWS = 1000
BATCH_CALLS = 20


@dataclass
class Cost:
    """Sizes in MB, and per model and batch size (1, 1000) the latency in ms."""

    size_mb: dict[str, float] = field(default_factory=dict)
    latency_ms: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def values(self) -> dict[str, float]:
        """What a gate reads: the PR's model size, and its latency over main's (1 row)."""
        out = {}
        if "head" in self.size_mb:
            out["model_mb"] = self.size_mb["head"]
        ratio = self.ratio("1")
        if ratio is not None:
            out["latency_ratio"] = ratio
        return out

    def ratio(self, batch: str) -> float | None:
        """The PR's median latency over main's, for a batch size ("1" or "1000")."""
        try:
            head, base = (self.latency_ms[s][batch]["median"] for s in ("head", "base"))
        except KeyError:
            return None
        return head / base if base > 0 else None


def size_mb(content: bytes) -> float:
    """A model file's size in MB (10^6 bytes)."""
    return round(len(content) / 1e6, 3)


def latency(models: dict[str, tuple[Any, pd.DataFrame]]) -> dict[str, dict[str, dict[str, float]]]:
    """Median and p99 latency (ms) of single-row and 1,000-row predictions per model.

    `models` maps a side to its model and the rows it reads (the same rows, each side's
    own columns). Calls alternate between the models; one warm-up call each first.
    """
    timings: dict[str, dict[str, list[float]]] = {name: {"1": [], "1000": []} for name in models}
    rng = np.random.default_rng(0)
    n = min(len(rows) for _, rows in models.values())
    if n == 0:
        return {}
    batch = rng.integers(0, n, BATCH_ROWS)
    for model, rows in models.values():
        model.predict(rows.iloc[:1])  # warm-up: first-call costs are not the model's
    for call in range(SINGLE_CALLS):
        for name, (model, rows) in models.items():
            timings[name]["1"].append(_timed(model, rows.iloc[[call % n]]))
    for _ in range(BATCH_CALLS):
        for name, (model, rows) in models.items():
            timings[name]["1000"].append(_timed(model, rows.iloc[batch]))
    return {
        name: {
            size: {
                "median": round(float(np.median(times)) * 1e3, 4),
                "p99": round(float(np.quantile(times, 0.99)) * 1e3, 4),
            }
            for size, times in sides.items()
        }
        for name, sides in timings.items()
    }


def _timed(model: Any, rows: pd.DataFrame) -> float:
    """Seconds one prediction call takes (the rows are selected before the clock starts)."""
    started = time.perf_counter()
    model.predict(rows)
    return time.perf_counter() - started
