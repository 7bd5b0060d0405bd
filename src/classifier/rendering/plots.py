"""Matplotlib figures, built without pyplot so no global state leaks; callers save them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from classifier.contracts.metrics import METRICS

BASE = "#b0c4d8"
HEAD = "#2b7bba"
WORSE = "#d6604d"
BETTER = "#4393c3"

MeanStd = tuple[float, float]


@dataclass(frozen=True)
class Paired:
    """Scores per name on both sides: (mean, std), and None where the base has no such name."""

    names: Sequence[str]
    base: Sequence[MeanStd | None]
    head: Sequence[MeanStd]
    labels: tuple[str, str]  # how the two sides are called in the legend


def _paired(paired: Paired) -> tuple[Figure, Axes]:
    """Base and head bars per name, each with its own standard deviation as an error bar."""
    names, base, head, labels = paired.names, paired.base, paired.head, paired.labels
    fig = Figure(figsize=(6.4, 0.55 * len(names) + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))
    base_means = [np.nan if b is None else b[0] for b in base]
    base_stds = [0.0 if b is None else b[1] for b in base]
    head_means, head_stds = [h[0] for h in head], [h[1] for h in head]
    spread = any(base_stds) or any(head_stds)  # shares have no spread: no error bars
    sides = [(0.2, head_means, head_stds, HEAD, labels[1])]
    if any(b is not None for b in base):  # a side with no bar gets no legend entry
        sides.insert(0, (-0.2, base_means, base_stds, BASE, labels[0]))
    for offset, means, stds, colour, side in sides:
        ax.barh(
            y + offset,
            means,
            height=0.4,
            xerr=stds if spread else None,
            color=colour,
            capsize=3,
            label=side,
        )
    ax.set_yticks(y, labels=list(names))
    ax.invert_yaxis()
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig, ax


def cv_compare(paired: Paired, scoring: str) -> Figure:
    """Each candidate's CV score, base beside head (no base bar: a new candidate).

    The axis starts at zero, and a score bounded by one ends there, so a bar's length is
    the score itself: a difference of 0.01 looks like one.
    """
    fig, ax = _paired(paired)
    if METRICS[scoring].higher_is_better:
        ax.set_xlim(0.0, 1.0)
    else:
        sides = [*paired.head, *paired.base]
        tops = [mean + std for mean, std in filter(None, sides)]
        ax.set_xlim(0.0, max(tops) * 1.1 or 1.0)
    ax.set_xlabel(f"cross-validated {scoring} (mean ± std)")
    ax.set_title("Model selection")
    return fig


def importance_compare(paired: Paired, scoring: str) -> Figure:
    """Permutation importance per feature, base beside head, in the PR's order."""
    fig, ax = _paired(paired)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel(f"drop in {scoring} when shuffled (mean ± std)")
    ax.set_title("Permutation feature importance (test set)")
    return fig


def confusion(matrix: np.ndarray, labels: Sequence[str], title: str = "Confusion matrix") -> Figure:
    """A count heatmap: rows are actual classes, columns predicted ones."""
    size = 1.2 + 0.8 * len(labels)
    fig = Figure(figsize=(size + 1.0, size), layout="constrained")
    _confusion_axes(fig.subplots(), matrix, labels, title)
    return fig


def confusion_pair(
    left: np.ndarray, right: np.ndarray, labels: Sequence[str], titles: tuple[str, str]
) -> Figure:
    """Two confusion matrices side by side on one colour scale (base beside head)."""
    size = 1.2 + 0.8 * len(labels)
    fig = Figure(figsize=(2 * size + 1.0, size), layout="constrained")
    axes = fig.subplots(1, 2)
    vmax = max(int(left.max(initial=0)), int(right.max(initial=0)), 1)
    for ax, matrix, title in zip(axes, (left, right), titles, strict=True):
        _confusion_axes(ax, matrix, labels, title, vmax)
    return fig


def _confusion_axes(
    ax: Axes, matrix: np.ndarray, labels: Sequence[str], title: str, vmax: int | None = None
) -> None:
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=vmax or max(int(matrix.max(initial=0)), 1))
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels=list(labels), rotation=30, ha="right")
    ax.set_yticks(ticks, labels=list(labels))
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(title)
    threshold = (vmax or matrix.max(initial=0)) / 2
    for (i, j), count in np.ndenumerate(matrix):
        color = "white" if count > threshold else "black"
        ax.text(j, i, str(int(count)), ha="center", va="center", color=color)


def reliability(
    sides: Mapping[str, Sequence[tuple[float, float, int]]], rows: int, labels: tuple[str, str]
) -> Figure:
    """Reliability diagram: per confidence bin, how often the top class was right, for
    each model on the same rows (the diagonal: as often as the model says)."""
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8, label="calibrated")
    for (name, bins), colour, label in zip(sides.items(), (BASE, HEAD), labels, strict=False):
        if not bins:
            continue
        confidence, right, counts = zip(*bins, strict=True)
        ax.plot(confidence, right, marker="o", color=colour, label=label)
        for x, y, n in zip(confidence, right, counts, strict=True):
            if name == "head":
                ax.annotate(f"{n}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("confidence of the top class (binned)")
    ax.set_ylabel("share right")
    ax.set_title(f"Reliability on the same {rows:,} rows (PR's rows per bin marked)")
    fig.legend(loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig


def drift(
    features: Sequence[str], scores: Sequence[float], threshold: float, sides: str = "base → head"
) -> Figure:
    """Per-feature drift (PSI) of one side against another, with the threshold marked."""
    fig = Figure(figsize=(6.4, 0.4 * len(features) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(features))
    ax.barh(y, scores, color=[WORSE if s >= threshold else BETTER for s in scores])
    ax.set_yticks(y, labels=list(features))
    ax.invert_yaxis()
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(f"population stability index ({sides})")
    ax.set_title("Data drift per feature")
    return fig


def volume(times: Sequence[Any], rows: Sequence[int]) -> Figure:
    """Rows recorded per time bin."""
    fig = Figure(figsize=(6.4, 2.6), layout="constrained")
    ax = fig.subplots()
    ax.bar(range(len(rows)), rows, color=HEAD)
    step = max(1, len(times) // 6)
    ax.set_xticks(
        range(0, len(times), step),
        labels=[str(t) for t in times][::step],
        rotation=20,
        ha="right",
        fontsize=7,
    )
    ax.set_ylabel("predictions")
    ax.set_title("Volume")
    return fig


def shares_compare(
    labels: Sequence[str], expected: Sequence[float], live: Sequence[float], sides: tuple[str, str]
) -> Figure:
    """Two sets of shares per label (say, classes predicted on the test set and live)."""
    paired = Paired(labels, [(e, 0.0) for e in expected], [(s, 0.0) for s in live], sides)
    fig, ax = _paired(paired)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("share of rows")
    ax.set_title("Predicted classes")
    return fig


def trend(days: Sequence[str], psi: Mapping[str, Sequence[float]], threshold: float) -> Figure:
    """Each feature's drift (PSI) per day, with the alert threshold: when did it begin?"""
    fig = Figure(figsize=(6.4, 3.0), layout="constrained")
    ax = fig.subplots()
    for name, values in psi.items():
        ax.plot(range(len(days)), values, marker=".", label=name)
    ax.axhline(threshold, color=WORSE, linestyle="--", linewidth=1, label="monitor.drift")
    step = max(1, len(days) // 7)
    ax.set_xticks(range(0, len(days), step), labels=list(days)[::step], rotation=20, ha="right")
    ax.set_ylabel("PSI against training")
    ax.set_title("Drift per day")
    ax.legend(fontsize=7, ncols=2)
    return fig
