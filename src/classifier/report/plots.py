"""Matplotlib figures, built without pyplot so no global state leaks; callers save them."""

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

BEST = "#2b7bba"
OTHER = "#b0c4d8"
WORSE = "#d6604d"
BETTER = "#4393c3"


def cv_scores(
    names: Sequence[str], means: Sequence[float], stds: Sequence[float], best: str, scoring: str
) -> Figure:
    """Horizontal bars of each candidate's mean CV score with its standard deviation."""
    fig = Figure(figsize=(6.4, 0.45 * len(names) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))
    colors = [BEST if n == best else OTHER for n in names]
    ax.barh(y, means, xerr=stds, color=colors, capsize=3)
    ax.set_yticks(y, labels=list(names))
    ax.invert_yaxis()
    low = min(m - s for m, s in zip(means, stds, strict=True))
    ax.set_xlim(
        max(0.0, low - 0.05), min(1.0, max(m + s for m, s in zip(means, stds, strict=True)) + 0.02)
    )
    ax.set_xlabel(f"cross-validated {scoring} (mean ± std)")
    ax.set_title(f"Model selection: best is {best}")
    for i, mean in enumerate(means):
        ax.annotate(
            f"{mean:.3f}", (mean, i), xytext=(4, -4), textcoords="offset points", fontsize=8
        )
    return fig


def cv_compare(
    names: Sequence[str],
    base: Sequence[float | None],
    head: Sequence[float],
    head_std: Sequence[float],
    scoring: str,
    labels: tuple[str, str],
) -> Figure:
    """Each candidate's CV score, base beside head (a missing base bar means a new candidate)."""
    fig = Figure(figsize=(6.4, 0.6 * len(names) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))
    base_values = [np.nan if b is None else b for b in base]
    ax.barh(y - 0.2, base_values, height=0.4, color=OTHER, label=labels[0])
    ax.barh(y + 0.2, head, height=0.4, xerr=head_std, color=BEST, capsize=3, label=labels[1])
    ax.set_yticks(y, labels=list(names))
    ax.invert_yaxis()
    low = min(
        [h - s for h, s in zip(head, head_std, strict=True)]
        + [b for b in base_values if np.isfinite(b)]
    )
    ax.set_xlim(max(0.0, low - 0.02), 1.0)
    ax.set_xlabel(f"cross-validated {scoring}")
    ax.set_title("Model selection")
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
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
    ax, matrix: np.ndarray, labels: Sequence[str], title: str, vmax: int | None = None
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


def importance(
    features: Sequence[str], means: Sequence[float], stds: Sequence[float], scoring: str
) -> Figure:
    """Permutation importance: how much the score drops when a feature is shuffled."""
    fig = Figure(figsize=(6.4, 0.4 * len(features) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(features))
    ax.barh(y, means, xerr=stds, color=BEST, capsize=3)
    ax.set_yticks(y, labels=list(features))
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel(f"drop in {scoring} when shuffled (mean ± std)")
    ax.set_title("Permutation feature importance (test set)")
    return fig


def drift(features: Sequence[str], scores: Sequence[float], threshold: float) -> Figure:
    """Per-feature drift (PSI) between base and head data, with the 'moved' threshold marked."""
    fig = Figure(figsize=(6.4, 0.4 * len(features) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(features))
    ax.barh(y, scores, color=[WORSE if s >= threshold else BETTER for s in scores])
    ax.set_yticks(y, labels=list(features))
    ax.invert_yaxis()
    ax.axvline(threshold, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel("population stability index (base → head)")
    ax.set_title("Data drift per feature")
    return fig
