"""The report as data: what `make report` found, in the shape the renderer reads.

This is what the pull-request job hands to the comment job (report.json in the
artifact): numbers, names and outcomes, never markdown. The renderer
(`classifier.report.sections`) writes every sentence from it.
"""

from typing import Any

from classifier.contracts.labels import label_text
from classifier.report.comparison import Comparison
from classifier.report.figures import confusion_frames
from classifier.report.sections import FORMAT, PARAMS_SHOWN
from classifier.stages.data import DROPPED
from classifier.statistics.drift import MAJOR, MOVED
from classifier.statistics.paired import detectable


def report_data(c: Comparison, figures: list[str]) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data; `figures` names the charts made."""
    positive = c.params.data.positive
    comparable = not c.contract_change
    return {
        "format": FORMAT,
        "base": {"rev": c.base_rev, "sha": c.base_sha},
        "head": {"sha": c.head_sha},
        "target": c.params.data.target,
        "positive": None if positive is None else label_text(positive),
        "contract_change": [list(change) for change in c.contract_change],
        "pipeline_error": c.pipeline_error,
        "rules": [rule.to_data() for rule in c.rules],
        # A replaced data contract leaves nothing to set beside the PR's numbers: the
        # first report on a team's own data shows that data's results on their own.
        "metrics": {"base": c.base.metrics if comparable else None, "head": c.head.metrics},
        "per_class": {"base": c.base.per_class if comparable else None, "head": c.head.per_class},
        "params_diff": [list(item) for item in c.params_diff[:PARAMS_SHOWN]],
        "params_more": max(0, len(c.params_diff) - PARAMS_SHOWN),
        "data": _data(c),
        "confusion": _confusion(c),
        "selection": {"base": c.base.cv if comparable else None, "head": c.head.cv},
        "importance": {
            "base": c.base.importance if comparable else None,
            "head": c.head.importance,
            "scoring": c.head.cv["scoring"] if c.head.cv else None,
        },
        "notes": {
            "no_baseline": c.base.metrics is None,
            "metrics_path": str(c.base.paths.metrics),
            "stale": {"lock": c.stale.lock, "differ": c.stale.differ, "outdated": c.stale.outdated},
            "split_differs": _split_differs(c),
            "base": c.base.notes,
            "head": c.head.notes,
        },
        "evidence": _evidence(c),
        "figures": figures,
    }


def _data(c: Comparison) -> dict[str, Any] | None:
    if c.data is None:
        return None
    rows = c.data.rows
    drift = c.data.drift[: c.params.report.drift_top]
    return {
        "rows": {
            "base": rows.base,
            "head": rows.head,
            "added": rows.added,
            "removed": rows.removed,
            "changed": rows.changed,
            "aligned": rows.aligned,
        },
        "schema": [list(change) for change in c.data.schema],
        "classes": [[label_text(k), b, h] for k, (b, h) in c.data.classes.items()],
        "drift": [
            {"feature": d.feature, "psi": round(d.psi, 6), "base": d.base, "head": d.head}
            for d in drift
        ],
        "drift_levels": [MOVED, MAJOR],
        "warnings": list((c.head.summary or {}).get("warnings", [])),
        "dropped": [_dropped(c.base.raw), _dropped(c.head.raw)],
    }


def _dropped(raw: Any) -> int:
    """Identical rows data.duplicates: drop left out of one side's table."""
    return int(raw.attrs.get(DROPPED, 0)) if raw is not None else 0


def _confusion(c: Comparison) -> dict[str, Any]:
    base, head = confusion_frames(c)
    return {
        "labels": [label_text(label) for label in c.params.data.classes],
        "base": None if base is None else base.to_numpy().tolist(),
        "head": None if head is None else head.to_numpy().tolist(),
    }


def _split_differs(c: Comparison) -> bool:
    data_moved = c.data is not None and c.data.rows.moved
    split_moved = any(key.startswith("split.") for key, _, _ in c.params_diff)
    return c.base.metrics is not None and not c.contract_change and (data_moved or split_moved)


def _evidence(c: Comparison) -> dict[str, Any]:
    """The paired view: both models on the same rows, every number with its interval."""
    e = c.evidence
    out: dict[str, Any] = {
        "why": None if e.quiet else e.why,
        "confidence": c.params.gates.confidence,
        "resamples": c.params.report.resamples,
        "test_rows": e.test_rows,
        "trained_on": e.trained_on,
        "unmatched": e.unmatched,
        "min_rows": c.params.gates.min_rows,
    }
    result = e.result
    if result is not None:
        base, head = result.metrics["base"], result.metrics["head"]
        out["rows"] = result.rows
        out["metrics"] = [
            {
                "metric": m,
                "base": base[m].to_data(),
                "head": head[m].to_data(),
                "change": result.difference[m].to_data(),
                "detectable": _rounded(detectable(base[m].se, head[m].se, result.confidence)),
            }
            for m in head
        ]
        worst = sorted(
            (s for s in result.slices if s.difference is not None),
            key=lambda s: (_order(s.difference), s.name),
        )
        out["slices"] = [
            {
                "slice": s.name,
                "feature": e.slice_features.get(s.name),
                "support": s.support,
                "base": s.accuracy["base"].to_data(),
                "head": s.accuracy["head"].to_data(),
                "change": s.difference.to_data() if s.difference else None,
            }
            for s in worst[:SLICES_SHOWN]
        ]
        out["slices_more"] = max(0, len(worst) - SLICES_SHOWN)
    if e.flips is not None:
        f = e.flips
        out["flips"] = {
            "changed": f.changed,
            "fixed": f.fixed,
            "broken": f.broken,
            "p_value": _rounded(f.p_value),
            "shown": f.shown,
        }
    if e.cost is not None:
        out["cost"] = {"size_mb": e.cost.size_mb, "latency_ms": e.cost.latency_ms}
    for name, alone in (("base_alone", e.base_alone), ("head_alone", e.head_alone)):
        if alone is not None:
            side = next(iter(alone.metrics))
            out[name] = {
                "rows": alone.rows,
                "metrics": {m: iv.to_data() for m, iv in alone.metrics[side].items()},
            }
    return out


SLICES_SHOWN = 30


def _order(change: Any) -> float:
    """Worst first: the slices whose accuracy fell most (undefined last)."""
    value = change.value
    return value if value == value else float("inf")


def _rounded(x: float) -> float | None:
    return round(x, 9) if x == x and abs(x) != float("inf") else None
