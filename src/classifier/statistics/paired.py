"""Champion and challenger on the same rows: a paired, stratified bootstrap of every metric.

The report asks one question of a pull request: is the PR's model better or worse than
`main`'s, or can this test set not tell? Both models are scored on the same rows, and
the rows are resampled together, so each resample gives both models' metrics and their
difference at once; the spread of the differences is the noise the verdict must beat.

One resample matrix serves every statistic: `W[i, b]` is how many times row `i` is
drawn in resample `b`, drawn within each true class (stratified: each resample keeps
the test set's class balance, as the split does). Every metric is then a weighted
metric of the rows, computed for all resamples by one product of a sparse row-indicator
matrix with `W`: the confusion counts of each model, the sums of per-row losses, the
score histograms that give ROC AUC and average precision, and the slices' counts. The
point values are the same functions with every weight 1. Blocks of resamples keep `W`
to about 128 MB whatever the number of rows; the seed and the block size follow from
the rows alone, so the same rows give the same bytes.

Intervals are percentile intervals of the resampled values at the given confidence.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from math import isfinite

import numpy as np
from scipy import sparse
from scipy.stats import binom, norm

SEED = 20_241_201
RESAMPLES = 1000
BLOCK_CELLS = 16_000_000  # entries of W held at once (float64: 128 MB)
ECE_BINS = 10
MAX_GROUPS = 4096  # distinct scores kept for ROC AUC / average precision (quantile groups above)
POWER = 0.8  # of the smallest detectable change
EPS = np.finfo(np.float64).eps

# Metrics computed from the confusion counts, and from the probabilities.
COUNTED = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "precision_macro",
    "recall_macro",
    "precision",
    "recall",
    "f1",
)
FROM_PROBABILITIES = ("log_loss", "roc_auc_ovr", "roc_auc", "average_precision")
CALIBRATION = ("brier", "ece")
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "ece"})


@dataclass(frozen=True)
class Scored:
    """One model's answers on the rows: class codes (0..k-1) and probabilities (n, k)."""

    predicted: np.ndarray
    proba: np.ndarray | None = None


@dataclass(frozen=True)
class Sample:
    """The rows both models are judged on.

    `truth` holds class codes 0..k-1 (the contract's class order); `positive` is the
    positive class's code for a binary target. `slices` name subsets of the rows
    (a boolean mask each) whose accuracy is resampled too.
    """

    truth: np.ndarray
    classes: int
    models: Mapping[str, Scored]
    positive: int | None = None
    slices: Sequence[tuple[str, np.ndarray]] = ()


@dataclass(frozen=True)
class Interval:
    """A point value and its interval; nan where the metric is undefined."""

    value: float
    low: float
    high: float
    se: float

    @property
    def defined(self) -> bool:
        """Whether the value and both bounds are numbers."""
        return all(isfinite(x) for x in (self.value, self.low, self.high))

    def to_data(self) -> dict[str, float | None]:
        """JSON-ready (undefined numbers as null), rounded so that reruns give the same bytes."""
        return {k: _rounded(getattr(self, k)) for k in ("value", "low", "high", "se")}


@dataclass(frozen=True)
class Slice:
    """Accuracy of each model on one slice of the rows, and the difference."""

    name: str
    support: int
    accuracy: dict[str, Interval]
    difference: Interval | None


@dataclass(frozen=True)
class Result:
    """Every resampled statistic: per model and metric, the paired differences, the slices."""

    rows: int
    resamples: int
    confidence: float
    metrics: dict[str, dict[str, Interval]]
    difference: dict[str, Interval] = field(default_factory=dict)
    slices: list[Slice] = field(default_factory=list)


def bootstrap(
    sample: Sample,
    metrics: Sequence[str],
    confidence: float,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Result:
    """Each model's metrics (and calibration), the difference of the last model from the
    first, and the slices' accuracy, each with its percentile interval.

    Args:
        sample: the rows, their true classes and each model's answers.
        metrics: the metric names to resample (those undefined for the target are skipped).
        confidence: the intervals' coverage, e.g. 0.95.
        resamples: how many resamples.
        seed: the random generator's seed.

    Returns:
        The point values and intervals; with two models, `difference` is second minus first.
    """
    sample = _by_class(sample)
    truth = np.asarray(sample.truth, dtype=np.int64)
    n = len(truth)
    names = list(sample.models)
    wanted = [m for m in metrics if _defined_for(m, sample)] + [
        m for m in CALIBRATION if all(s.proba is not None for s in sample.models.values())
    ]
    statistics = {name: _Statistics(truth, sample, s, wanted) for name, s in sample.models.items()}
    slicer = _Slices(truth, sample) if sample.slices and n else None
    design = _Design(statistics, slicer, n)
    points, slice_points = design(np.ones((n, 1)))
    draws: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in names}
    slice_draws: list[dict[str, np.ndarray]] = []
    for weights in resample_blocks(truth, resamples, seed, design.dtype):
        found, sliced = design(weights)
        for name in names:
            draws[name].append(found[name])
        if sliced is not None:
            slice_draws.append(sliced)
    alpha = 1 - confidence
    joined = {name: _join(draws[name], wanted) for name in names}
    result = Result(
        rows=n,
        resamples=resamples,
        confidence=confidence,
        metrics={
            name: {m: _interval(points[name][m][0], joined[name][m], alpha) for m in wanted}
            for name in names
        },
    )
    if len(names) >= 2:
        first, last = names[0], names[-1]
        for m in wanted:
            value = points[last][m][0] - points[first][m][0]
            result.difference[m] = _interval(value, joined[last][m] - joined[first][m], alpha)
    if slicer and slice_points is not None:
        result.slices.extend(slicer.summarize(slice_points, slice_draws, names, alpha))
    return result


def _by_class(sample: Sample) -> Sample:
    """The same rows ordered by true class (stable), so each stratum is one contiguous
    run of rows: the resample matrix is then written with plain copies."""
    truth = np.asarray(sample.truth, dtype=np.int64)
    if len(truth) < 2 or bool(np.all(truth[:-1] <= truth[1:])):
        return sample
    order = np.argsort(truth, kind="stable")
    models = {
        name: Scored(
            np.asarray(s.predicted)[order], None if s.proba is None else np.asarray(s.proba)[order]
        )
        for name, s in sample.models.items()
    }
    slices = [(name, np.asarray(mask)[order]) for name, mask in sample.slices]
    return Sample(truth[order], sample.classes, models, sample.positive, slices)


def resample_blocks(
    truth: np.ndarray, resamples: int, seed: int, dtype: type = np.float64
) -> Iterator[np.ndarray]:
    """The resample matrix in blocks of columns: W[i, b] = draws of row i in resample b.

    Rows are drawn with replacement within each true class (in code order), so every
    resample holds each class's count of rows.
    """
    n = len(truth)
    if n == 0:
        return
    rng = np.random.default_rng(seed)
    strata = [np.flatnonzero(truth == code) for code in np.unique(truth)]
    block = max(1, min(resamples, BLOCK_CELLS // n))
    done = 0
    while done < resamples:
        size = min(block, resamples - done)
        weights: np.ndarray = np.empty((n, size), dtype=dtype)
        for rows in strata:
            m = len(rows)
            picks = rng.integers(0, m, size=(size, m), dtype=np.int64)
            picks += (np.arange(size, dtype=np.int64) * m)[:, None]
            counts = np.bincount(picks.ravel(), minlength=size * m).reshape(size, m)
            if m and rows[-1] - rows[0] == m - 1:  # a contiguous stratum: a block copy
                weights[rows[0] : rows[-1] + 1] = counts.T
            else:
                weights[rows] = counts.T
        done += size
        yield weights


def _defined_for(metric: str, sample: Sample) -> bool:
    binary = sample.classes == 2
    positive_only = ("precision", "recall", "f1", "roc_auc", "average_precision")
    if metric in positive_only and (not binary or sample.positive is None):
        return False
    if metric == "roc_auc_ovr" and binary:
        return False
    if metric in FROM_PROBABILITIES:
        return all(s.proba is not None for s in sample.models.values())
    return metric in COUNTED


def _indicator(
    columns: np.ndarray, width: int, values: np.ndarray | None = None
) -> sparse.csr_array:
    """(width, n): row j holds the rows i with columns[i] == j (times values[i])."""
    n = len(columns)
    data = np.ones(n) if values is None else values.astype(np.float64)
    return sparse.csr_array((data, (columns, np.arange(n))), shape=(width, n))


class _Statistics:
    """One model's metrics as functions of the weighted row sums the design computes.

    `sparse_parts` are matrices (width, n) whose products with the weights give confusion
    counts, the sums of per-row log loss and Brier score, ECE bin sums and score
    histograms, in that order.
    """

    def __init__(self, truth: np.ndarray, sample: Sample, scored: Scored, wanted: list[str]):
        k = sample.classes
        self.k, self.wanted, self.positive = k, wanted, sample.positive
        predicted = np.asarray(scored.predicted, dtype=np.int64)
        self.sparse_parts: list[sparse.csr_array] = [_indicator(truth * k + predicted, k * k)]
        self.rankings: list[tuple[str, int]] = []  # (kind, groups) after cells and ECE
        proba = scored.proba
        if proba is None:
            return
        proba = np.asarray(proba, dtype=np.float64)
        rows = np.arange(len(truth))
        # Log loss of the probabilities normalised per row (as scikit-learn's); the rest
        # reads them as given, so that tied scores stay tied.
        total = np.maximum(np.clip(proba, 0.0, 1.0).sum(axis=1), EPS)
        loss = -np.log(np.clip(np.clip(proba[rows, truth], 0.0, 1.0) / total, EPS, 1.0))
        onehot = np.zeros_like(proba)
        onehot[rows, truth] = 1.0
        if k == 2 and self.positive is not None:
            brier = (proba[:, self.positive] - onehot[:, self.positive]) ** 2
        else:
            brier = ((proba - onehot) ** 2).sum(axis=1)
        self.sparse_parts.append(sparse.csr_array(np.vstack([loss, brier])))
        top = proba.argmax(axis=1)
        confidence = proba[rows, top]
        bins = np.minimum((confidence * ECE_BINS).astype(np.int64), ECE_BINS - 1)
        self.sparse_parts.append(_indicator(bins, ECE_BINS, confidence - (top == truth)))
        if "roc_auc_ovr" in wanted:
            for code in range(k):
                ranking, groups = _ranking(proba[:, code], truth == code)
                self.sparse_parts.append(ranking)
                self.rankings.append(("roc_auc_ovr", groups))
        if self.positive is not None and {"roc_auc", "average_precision"} & set(wanted):
            positive = truth == self.positive
            ranking, groups = _ranking(proba[:, self.positive], positive)
            self.sparse_parts.append(ranking)
            self.rankings.append(("binary", groups))

    def finish(self, sums: list[np.ndarray]) -> dict[str, np.ndarray]:
        """The metrics of each resample from this model's parts' weighted sums."""
        k = self.k
        counts = sums[0].reshape(k, k, -1)  # [true, predicted, resample]
        out = _counted(counts, self.positive)
        total = counts.sum(axis=(0, 1))
        if len(sums) > 1:
            out["log_loss"], out["brier"] = sums[1][0] / total, sums[1][1] / total
            out["ece"] = np.abs(sums[2]).sum(axis=0) / total
        ovr = []
        for (kind, groups), histogram in zip(self.rankings, sums[3:], strict=True):
            pos, neg = histogram[:groups], histogram[groups:]  # positives', then negatives'
            if kind == "roc_auc_ovr":
                ovr.append(_auc(pos, neg))
            else:
                out["roc_auc"] = _auc(pos, neg)
                out["average_precision"] = _average_precision(pos, neg)
        if ovr:
            out["roc_auc_ovr"] = np.mean(ovr, axis=0)
        return {m: out[m] for m in self.wanted}


class _Design:
    """Every statistic's parts stacked: one sparse product per block of resamples gives
    every weighted sum every metric needs, for every model and slice."""

    def __init__(self, statistics: Mapping[str, _Statistics], slicer: "_Slices | None", n: int):
        self.statistics, self.slicer = statistics, slicer
        parts = [p for stat in statistics.values() for p in stat.sparse_parts]
        parts += slicer.sparse_parts if slicer else []
        self.widths = [p.shape[0] for p in parts]
        # Column-major: the product walks W row by row (sequential reads) and adds into
        # the small output, instead of gathering scattered rows of W for each output row.
        stacked = sparse.vstack(parts, format="csc") if parts else sparse.csc_array((0, n))
        # Blocks of resamples in float32 (counts stay exact below 2**24 rows): half the
        # memory traffic, which is what these products spend their time on.
        self.dtype = np.float32 if n < 2**24 else np.float64
        self.exact = stacked.astype(np.float64)
        self.fast = stacked.astype(self.dtype)

    def __call__(
        self, weights: np.ndarray
    ) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, np.ndarray] | None]:
        matrix = self.exact if weights.dtype == np.float64 else self.fast
        stacked = matrix @ weights
        sums = np.split(stacked, np.cumsum(self.widths)[:-1]) if self.widths else []
        out, i = {}, 0
        for name, stat in self.statistics.items():
            count = len(stat.sparse_parts)
            out[name] = stat.finish(sums[i : i + count])
            i += count
        sliced = self.slicer.finish(sums[i:]) if self.slicer else None
        return out, sliced


def _counted(counts: np.ndarray, positive: int | None) -> dict[str, np.ndarray]:
    """The confusion metrics of each resample, as scikit-learn computes them (zero_division=0)."""
    k = counts.shape[0]
    diagonal = counts[np.arange(k), np.arange(k)]  # (k, b)
    actual, predicted = counts.sum(axis=1), counts.sum(axis=0)
    total = actual.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(actual > 0, diagonal / actual, 0.0)
        precision = np.where(predicted > 0, diagonal / predicted, 0.0)
        both = actual + predicted
        f1 = np.where(both > 0, 2 * diagonal / both, 0.0)
        present = actual > 0  # balanced accuracy averages the classes the rows hold
        balanced = (recall * present).sum(axis=0) / present.sum(axis=0)
        out = {
            "accuracy": diagonal.sum(axis=0) / total,
            "balanced_accuracy": balanced,
            "f1_macro": f1.mean(axis=0),
            "precision_macro": precision.mean(axis=0),
            "recall_macro": recall.mean(axis=0),
        }
    if positive is not None:
        out |= {"precision": precision[positive], "recall": recall[positive], "f1": f1[positive]}
    return out


def _ranking(score: np.ndarray, positive: np.ndarray) -> tuple[sparse.csr_array, int]:
    """Rows grouped by score (ascending; at most MAX_GROUPS quantile groups), positives'
    indicators stacked above negatives': one product gives both weighted histograms."""
    distinct, inverse = np.unique(score, return_inverse=True)
    if len(distinct) > MAX_GROUPS:
        edges = np.unique(np.quantile(score, np.linspace(0, 1, MAX_GROUPS + 1)[1:-1]))
        inverse = np.searchsorted(edges, score, side="right")
        groups = len(edges) + 1
    else:
        groups = len(distinct)
    columns = np.where(positive, inverse, inverse + groups)
    return _indicator(columns, 2 * groups), groups


def _auc(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """ROC AUC from weighted score histograms (groups ascending, ties count half)."""
    below = np.cumsum(neg, axis=0) - neg
    with np.errstate(divide="ignore", invalid="ignore"):
        return (pos * (below + 0.5 * neg)).sum(axis=0) / (pos.sum(axis=0) * neg.sum(axis=0))


def _average_precision(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Average precision from the histograms: precision at each threshold, weighted by the
    recall it adds (scikit-learn's step-wise definition)."""
    tp, fp = np.cumsum(pos[::-1], axis=0), np.cumsum(neg[::-1], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        return (pos[::-1] * precision).sum(axis=0) / pos.sum(axis=0)


class _Slices:
    """Accuracy of each model within each slice: one indicator per slice and pattern of
    which models were right (2**models columns a slice), so its product gives the
    slice's support and each model's right answers at once."""

    def __init__(self, truth: np.ndarray, sample: Sample):
        self.names = [name for name, _ in sample.slices]
        self.models = len(sample.models)
        pattern = np.zeros(len(truth), dtype=np.int64)
        for bit, scored in enumerate(sample.models.values()):
            pattern += (np.asarray(scored.predicted) == truth).astype(np.int64) << bit
        width = 2**self.models
        rows, columns = [], []
        for i, (_, mask) in enumerate(sample.slices):
            inside = np.flatnonzero(np.asarray(mask, dtype=bool))
            rows.append(i * width + pattern[inside])
            columns.append(inside)
        ids, cols = np.concatenate(rows), np.concatenate(columns)
        matrix = sparse.csr_array(
            (np.ones(len(ids)), (ids, cols)), shape=(len(self.names) * width, len(truth))
        )
        self.sparse_parts = [matrix]
        self.model_names = list(sample.models)

    def finish(self, sums: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Support and each model's accuracy per slice: arrays (slices, resamples)."""
        width = 2**self.models
        counts = sums[0].reshape(len(self.names), width, -1)
        support = counts.sum(axis=1)
        patterns = np.arange(width)
        out: dict[str, np.ndarray] = {"": support}
        with np.errstate(divide="ignore", invalid="ignore"):
            for bit, name in enumerate(self.model_names):
                right = counts[:, (patterns >> bit) & 1 == 1, :].sum(axis=1)
                out[name] = right / support
        return out

    def summarize(
        self,
        points: dict[str, np.ndarray],
        draws: list[dict[str, np.ndarray]],
        models: list[str],
        alpha: float,
    ) -> list[Slice]:
        joined = {m: np.concatenate([d[m] for d in draws], axis=1) for m in models}
        slices = []
        for i, name in enumerate(self.names):
            accuracy = {m: _interval(points[m][i, 0], joined[m][i], alpha) for m in models}
            difference = None
            if len(models) >= 2:
                first, last = models[0], models[-1]
                value = points[last][i, 0] - points[first][i, 0]
                difference = _interval(value, joined[last][i] - joined[first][i], alpha)
            slices.append(Slice(name, int(points[""][i, 0]), accuracy, difference))
        return slices


def _join(blocks: list[dict[str, np.ndarray]], wanted: list[str]) -> dict[str, np.ndarray]:
    return {m: np.concatenate([b[m] for b in blocks]) if blocks else np.array([]) for m in wanted}


def _interval(value: float, draws: np.ndarray, alpha: float) -> Interval:
    """The percentile interval of the resampled values (resamples where the metric is
    undefined, e.g. a slice drawn empty, are left out)."""
    value = float(value)
    finite = draws[np.isfinite(draws)]
    if not isfinite(value) or len(finite) < max(2, 0.9 * len(draws)):
        return Interval(
            value if isfinite(value) else float("nan"), float("nan"), float("nan"), float("nan")
        )
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return Interval(value, float(low), float(high), float(finite.std(ddof=1)))


def _rounded(x: float) -> float | None:
    return round(x, 9) if isfinite(x) else None


def mcnemar(broken: int, fixed: int) -> float:
    """Exact McNemar test: the two-sided p-value that flips this lopsided arise by chance
    when neither model is better (each flip equally likely either way)."""
    flips = broken + fixed
    if flips == 0:
        return 1.0
    return float(min(1.0, 2 * binom.cdf(min(broken, fixed), flips, 0.5)))


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion (the analytic check of the bootstrap)."""
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def detectable(se_first: float, se_second: float, confidence: float, power: float = POWER) -> float:
    """The smallest true change in a metric this test set detects at `confidence`, with
    `power` (two-sided). From the two models' own standard errors, as if their errors were
    unrelated: the paired test is at least this sensitive."""
    z = float(norm.ppf(1 - (1 - confidence) / 2) + norm.ppf(power))
    return z * float(np.hypot(se_first, se_second))
