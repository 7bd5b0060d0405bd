"""`make monitor`: the served model's records against its reference, as a report and an exit status.

Writes a folder (monitor/ by default) like the pull-request report's: report.md with the
charts it links, summary.md (the same without images, for an issue or a job summary)
and findings.json (alerts and figures, for the workflow). Exit status 1 when an alert
fires, after everything is written.
"""

import argparse
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from classifier.contracts.locations import records_location
from classifier.contracts.params import Monitor, load_params
from classifier.monitor import records
from classifier.monitor.analysis import Findings, analyse
from classifier.monitor.reference import ModelReference, load
from classifier.monitor.trend import daily
from classifier.monitor.window import ALL, Window, parse
from classifier.rendering import plots
from classifier.rendering.inert import code, number
from classifier.rendering.markdown import IMAGE, MISSING, details, image, table
from classifier.serving.artifacts import REFERENCE
from classifier.statistics.drift import mark
from classifier.tools.files import write_folder

log = logging.getLogger(__name__)

IMAGES = {"volume": "volume.png", "drift": "drift.png", "mix": "mix.png", "trend": "trend.png"}
TITLE = "Model monitoring"


def state(found: Findings) -> str:
    """alert, not judged (too few predictions to say anything), or ok."""
    return "alert" if found.alerts else "ok" if found.judged else "not judged"


def verdict(found: Findings) -> str:
    if found.alerts:
        more = f" (and {len(found.alerts) - 1} more)" if len(found.alerts) > 1 else ""
        return f"## 🔔 {TITLE}: {found.alerts[0]}{more}"
    if not found.judged:
        return f"## ⚪ {TITLE}: not judged, only {found.rows:,} predictions (monitor.min_records)"
    return f"## ✅ {TITLE}: within thresholds"


def overview(found: Findings, ref: ModelReference) -> str:
    period = f"{found.start:%Y-%m-%d %H:%M} to {found.end:%Y-%m-%d %H:%M}" if found.start else "—"
    lines = [
        verdict(found),
        f"Window: {found.window}. {found.rows:,} predictions of `{ref.model}` in "
        f"{found.requests:,} requests, {period}, against its reference "
        f"({ref.test_rows} test rows).",
    ]
    if found.alerts:
        lines.append("### Alerts\n\n" + "\n".join(f"- 🔔 {a}" for a in found.alerts))
    if not found.volume.empty:
        v = found.volume
        lines.append(
            f"### Volume\n\n{len(v)} time bins, {v.min():,} to {v.max():,} predictions each; "
            f"the busiest from {v.idxmax():%Y-%m-%d %H:%M}.\n\n"
            + image(IMAGES["volume"], "Predictions per time bin")
        )
    return "\n\n".join(lines)


def drift(found: Findings, limits: Monitor) -> str:
    rows = [
        [
            f"`{d.feature}`",
            f"{mark(d.psi)} {d.psi:.3f}",
            f"{d.p_value:.2g}",
            f"{d.missing_then:.1%}",
            f"{d.missing_now:.1%}",
            f"{d.unknown:.1%}",
        ]
        for d in found.drift
    ]
    head = ["feature", "PSI", "p", "missing in training", "missing now", "unseen values"]
    return (
        f"### Drift against training\n\nPopulation stability index per feature, and the "
        "chi-square p-value of these records against the training shares. A feature drifted "
        f"when its PSI reaches {limits.drift} (`monitor.drift`) and p is below "
        f"{limits.significance:g} shared among the features (`monitor.significance`): a large "
        "move, and more than the noise of this many records. Also an alert: the missing "
        f"share rising by more than {limits.missing:.0%} (`monitor.missing`).\n\n"
        + table(head, rows, right=(1, 2, 3, 4, 5))
        + "\n\n"
        + image(IMAGES["drift"], "Drift per feature")
    )


def mix(found: Findings, limits: Monitor) -> str:
    rows = [[c, f"{test:.1%}", f"{live:.1%}"] for c, (test, live) in found.mix.items()]
    return (
        f"### Predicted classes\n\nPSI {found.mix_psi:.3f} against the classes predicted on the "
        f"test set (an alert at {limits.prediction_mix}, `monitor.prediction_mix`).\n\n"
        + table(["class", "test set", "served"], rows, right=(1, 2))
        + "\n\n"
        + image(IMAGES["mix"], "Predicted classes: test set beside served")
    )


def refusals(found: Findings, limits: Monitor) -> str:
    if found.refused.empty:
        return "### Refused requests\n\nNone."
    rows = [[f"`{reason}`", int(n)] for reason, n in found.refused.items()]
    return (
        f"### Refused requests\n\n{found.refused_share:.1%} of requests got a 400 (an alert above "
        f"{limits.refused:.0%}, `monitor.refused`); an unknown category is `literal_error`, a "
        "missing value where none is allowed `missing` or `*_type`.\n\n"
        + table(["reason", "requests"], rows, right=(1,))
    )


def shadow(found: Findings) -> str:
    """Each candidate in shadow beside the champion: agreement, disagreements, accuracy."""
    parts = []
    for s in found.shadow:
        agreement = "—" if s.agreement is None else f"{s.agreement:.1%}"
        text = (
            f"### Candidate in shadow: {code(s.candidate)}\n\n"
            f"It answered {s.rows:,} rows beside the champion, off the answering path: they "
            f"agree on **{agreement}**."
        )
        if s.failed_rows:
            text += f" It raised on {s.failed_rows:,} rows (no caller saw it)."
        if s.change is not None and s.accuracy:
            champion, candidate = s.accuracy["champion"], s.accuracy["candidate"]
            rows = [
                ["champion", _with_interval(champion)],
                ["candidate", _with_interval(candidate)],
                ["candidate - champion", _with_interval(s.change, signed=True)],
            ]
            text += (
                f"\n\nOn the {s.labelled:,} rows with feedback labels (95 % intervals, same "
                "rows):\n\n" + table(["accuracy", "value"], rows, right=(1,))
            )
        else:
            text += " No feedback labels for these rows yet: agreement is all there is."
        if s.disagreements:
            listed = [
                [code(d["request"]), str(d["row"]), code(d["champion"]), code(d["candidate"])]
                for d in s.disagreements
            ]
            text += "\n\n" + details(
                f"Rows they disagree on (first {len(listed)})",
                table(["request", "row", "champion", "candidate"], listed),
            )
        parts.append(text)
    return "\n\n".join(parts)


def _with_interval(found: Any, signed: bool = False) -> str:
    sign = "+" if signed else ""
    if not found.defined:
        return number(found.value, 3)
    return f"{found.value:{sign}.3f} [{found.low:{sign}.3f}, {found.high:{sign}.3f}]"


def quality(found: Findings) -> str:
    q = found.quality
    rows = [["accuracy (test set)", number(q.test_accuracy, 4)]]
    if q.accuracy is not None:
        rows += [
            [f"accuracy (live, {q.labelled:,} labelled rows)", number(q.accuracy, 4)],
            ["F1 macro (live)", number(q.f1_macro, 4)],
        ]
    else:
        rows.append(["accuracy (live)", f"{MISSING} no feedback labels yet"])
    rows += [
        [
            "**estimate**: mean probability of the predicted class (live)",
            number(q.estimated_accuracy, 4),
        ],
        ["the same on the test set", number(q.test_confidence, 4)],
    ]
    dropped = (
        f"\n\n{q.unmatched:,} feedback labels dropped: their request id and row have no "
        "recorded prediction (made up, or another service's)."
        if q.unmatched
        else ""
    )
    return (
        "### Quality\n\nMeasured where `POST /feedback` gave true labels; otherwise only "
        "estimated from the served probabilities (an estimate, not a measurement).\n\n"
        + table(["measure", "value"], rows, right=(1,))
        + dropped
    )


def trend(found: Findings, limits: Monitor) -> str:
    """Each day's predictions and the features the alert rule named that day."""
    if not found.trend:
        return ""
    rows = [
        [
            f"{d.day:%Y-%m-%d}",
            f"{d.rows:,}",
            f"{max(x.psi for x in d.drift):.3f}" if d.drift else MISSING,
            ", ".join(f"`{f}`" for f in d.drifted) or "—",
        ]
        for d in found.trend
    ]
    first = next((d for d in found.trend if d.drifted), None)
    began = f" Drift first alerts on {first.day:%Y-%m-%d}." if first else ""
    return (
        f"### Trend\n\nEach day of the last {len(found.trend)} with traffic, judged on its "
        f"own by the same rule (`monitor.trend_days`).{began}\n\n"
        + details("Days", table(["day", "predictions", "largest PSI", "drifted"], rows, (1, 2)))
        + "\n\n"
        + image(IMAGES["trend"], "Drift per feature and day")
    )


def versions(found: Findings) -> str:
    """Other model versions' traffic in the same records: counted, not judged."""
    if not found.versions:
        return ""
    rows = [
        [
            f"`{v.model}`",
            f"{v.rows:,}",
            f"{v.requests:,}",
            f"{v.start:%Y-%m-%d %H:%M}" if v.start is not None else MISSING,
            f"{v.end:%Y-%m-%d %H:%M}" if v.end is not None else MISSING,
        ]
        for v in found.versions
    ]
    return (
        "### Other versions\n\nTraffic of other model versions in the same records. It is "
        "in none of the figures above: each version is judged against its own reference "
        "(`make monitor REFERENCE=` that version's `reference.json`).\n\n"
        + table(["version", "predictions", "requests", "first", "last"], rows, right=(1, 2))
    )


def render(found: Findings, ref: ModelReference, limits: Monitor) -> str:
    parts = [
        overview(found, ref),
        drift(found, limits),
        mix(found, limits),
        refusals(found, limits),
        quality(found),
        shadow(found),
        trend(found, limits),
        versions(found),
    ]
    parts = [part for part in parts if part]
    if found.notes:
        parts.append("### Notes\n\n" + "\n".join(f"- {n}" for n in found.notes))
    return "\n\n".join(parts) + "\n"


def figures(found: Findings, ref: ModelReference, limits: Monitor) -> dict[str, Figure]:
    out = {
        IMAGES["drift"]: plots.drift(
            [d.feature for d in found.drift],
            [d.psi for d in found.drift],
            limits.drift,
            "training → served",
        ),
        IMAGES["mix"]: plots.shares_compare(
            list(found.mix),
            [t for t, _ in found.mix.values()],
            [s for _, s in found.mix.values()],
            ("test set", "served"),
        ),
    }
    if not found.volume.empty:
        out[IMAGES["volume"]] = plots.volume(list(found.volume.index), found.volume.tolist())
    if found.trend:
        days = [f"{d.day:%m-%d}" for d in found.trend]
        per_feature = {
            name: [next(x.psi for x in d.drift if x.feature == name) for d in found.trend]
            for name in ref.features
        }
        out[IMAGES["trend"]] = plots.trend(days, per_feature, limits.drift)
    return out


def _iso(time: pd.Timestamp | None) -> str | None:
    return None if time is None else time.isoformat()


def findings_json(found: Findings, model: str | None = None) -> dict:
    """The findings as data; `model` is the tag judged (the reference's), which binds
    them to one version: promotion reads it (classifier.ci.promotion)."""
    return {
        "model": model,
        "state": state(found),
        "alert": bool(found.alerts),
        "alerts": found.alerts,
        "unreadable": found.unreadable.count,
        "rows": found.rows,
        "drift": {d.feature: d.psi for d in found.drift},
        "drift_p": {d.feature: d.p_value for d in found.drift},
        "other_versions": {v.model: v.rows for v in found.versions},
        "window": {"since": _iso(found.window.since), "until": _iso(found.window.until)},
        "trend": {
            f"{d.day:%Y-%m-%d}": {
                "rows": d.rows,
                "psi": {x.feature: x.psi for x in d.drift},
                "drifted": d.drifted,
            }
            for d in found.trend
        },
        "accuracy": found.quality.accuracy,
        "estimated_accuracy": found.quality.estimated_accuracy,
        "shadow": [s.to_data() for s in found.shadow],
    }


def build(
    source: str,
    reference: Path,
    out: Path,
    limits: Monitor,
    window: Window = ALL,
    trend_days: int = 0,
) -> Findings:
    """Read the window's records, analyse them, add the daily trend, write the folder.

    Args:
        source: the records: a folder, one file, or an fsspec URL.
        reference: the served model's reference.json.
        out: the report folder (replaced whole).
        limits: params.yaml's `monitor:` thresholds.
        window: the span judged; records outside it are not held in memory.
        trend_days: days of the daily drift trend up to the window's end (0: none).

    Returns:
        The findings; `state(found)` is the verdict.
    """
    ref = load(reference)
    found = analyse(records.read(source, ref, window), ref, limits)
    found.window = window
    if trend_days:
        end = window.until if window.until is not None else pd.Timestamp.now()
        found.trend = daily(source, ref, limits, end, trend_days)
    markdown = render(found, ref, limits)
    summary = IMAGE.sub("", markdown)
    write_folder(
        out,
        {"report.md": markdown, "summary.md": summary},
        figures(found, ref, limits),
        {"findings.json": findings_json(found, ref.model)},
    )
    return found


def main(argv: list[str]) -> int | None:
    """`classifier monitor [--records SOURCE] [--reference FILE] [--out monitor]`."""
    parser = argparse.ArgumentParser(prog="classifier monitor", description=__doc__.splitlines()[0])
    parser.add_argument("--records", help="folder, file or fsspec URL (params: monitor.records)")
    parser.add_argument("--reference", type=Path, help=f"the model's reference ({REFERENCE})")
    parser.add_argument("--out", type=Path, default=Path("monitor"), help="report folder")
    parser.add_argument("--since", help="a time or a duration back from --until (monitor.window)")
    parser.add_argument("--until", help="the window's end: a time or a duration back from now")
    parser.add_argument(
        "--trend-days", type=int, help="days of the daily trend (monitor.trend_days)"
    )
    args = parser.parse_args(argv[1:])
    limits = load_params().monitor
    source = records_location(args.records, os.environ, limits.records)
    window = parse(args.since, args.until, limits.window, pd.Timestamp.now())
    days = limits.trend_days if args.trend_days is None else args.trend_days
    found = build(source, args.reference or REFERENCE, args.out, limits, window, days)
    log.info("%s", verdict(found).removeprefix("## "))
    log.info("report written to %s/report.md", args.out)
    return 1 if found.alerts else None
