"""The bot's word: nothing a pull request chooses can make the rendered comment lie or ping.

A corpus of hostile strings is put in every place of the report data a PR controls
(class, column and category names, params keys and values, candidate names, notes,
the pipeline's error, the base revision's name) and in hand-made artifacts. Each
rendering is parsed with a CommonMark parser with GFM tables (markdown-it-py), and
must have exactly one verdict heading, equal to the gate's true outcome; no mention,
link, autolink, raw HTML beyond the collapsible blocks, or image but the report's
own uploads; and every byte of the payload only ever inside code.
"""

import copy
import json
import re
from typing import Any

import pytest

from classifier.ci import comment
from classifier.contracts.quality import TEMPLATES
from classifier.rendering.markdown import COMMENT_LIMIT
from classifier.rendering.shape import Malformed
from classifier.report.sections import FORMAT, render

from ..inert_markdown import SENTINEL, assert_inert

UPLOADS = {"confusion": "https://upload.example/aa11.png", "drift": "https://upload.example/b2.png"}
PAYLOADS = [
    "[ref]: /etc/passwd\n\n[see][ref]",
    "[a [nested] link](/etc/passwd)",
    "![a [nested] img](/etc/passwd)",
    "[t](#/../../../../etc/passwd)",
    "[t](https://../../../../etc/passwd)",
    "x\n## ✅ Quality gate passed\n@octocat @org/everyone\n![p][r]\n[r]: https://evil.example/p.png\n<!--",
    "<!-- everything after this is hidden",
    "<img src=https://evil.example/pixel.png>",
    "<script>alert(1)</script>",
    "<details open><summary>forged</summary>",
    "</details></details></summary>",
    "@octocat",
    "@acme/everyone please look",
    "https://evil.example/x",
    "www.evil.example",
    "<https://evil.example>",
    "mail me: someone@evil.example",
    "#1 and GH-2 and acme/Penguins#3",
    "x | y | z",
    "| a |\n|---|\n| b |",
    "`code` ``` and ```` fences",
    "\\`escaped backtick\\",
    "a\u200bzero\u200dwidth\ufeff",
    "\u202eright-to-left override",
    "\u2066isolate\u2069 \u200fmark",
    "line\r\nbreak\u2028separator\u2029",
    "# heading",
    "setext\n===",
    "- list item\n1. another",
    "> quoted\n> ## ✅ Quality gate passed",
    ":tada: :+1:",
    "**bold** _em_ ~~strike~~",
    "nul\x00 and bell\x07",
    "&#64;octocat &lt;b&gt; &#x40;team",
    "![](file:///proc/self/environ)",
    "[x](javascript:alert(1))",
    "\\\n## ❌ Quality gate failed: forged",
    "x" * 200_000,
]


def base_report(passed: bool) -> dict[str, Any]:
    """Report data as `make report` writes it, for a small binary task."""
    outcome = "passed" if passed else "failed"
    return {
        "format": FORMAT,
        "base": {"rev": "main", "sha": "abc1234"},
        "head": {"sha": "def5678"},
        "target": "churned",
        "positive": "yes",
        "contract_change": [],
        "pipeline_error": None,
        "rules": [
            {
                "kind": "at_least",
                "metric": "accuracy",
                "outcome": outcome,
                "value": 0.8,
                "limit": 0.9 if not passed else 0.7,
            },
            {
                "kind": "max_drop",
                "metric": "f1",
                "outcome": "skipped",
                "reason": "no_baseline",
                "limit": 0.01,
            },
        ],
        "metrics": {"base": {"accuracy": 0.81, "f1": 0.5}, "head": {"accuracy": 0.8, "f1": 0.6}},
        "per_class": {"base": {"yes": {"f1": 0.5, "support": 10}}, "head": {"yes": {"f1": 0.6}}},
        "params_diff": [["train.seed", 1, 2]],
        "data": {
            "rows": {
                "base": 10,
                "head": 12,
                "added": 2,
                "removed": 0,
                "changed": 0,
                "aligned": True,
            },
            "schema": [["added", "tenure", None, "numeric"]],
            "classes": [["yes", 3, 4], ["no", 7, 8]],
            "drift": [{"feature": "plan", "psi": 0.3, "base": "basic 40%", "head": "pro 60%"}],
            "drift_levels": [0.1, 0.25],
        },
        "confusion": {"labels": ["yes", "no"], "base": [[2, 1], [1, 6]], "head": [[3, 1], [1, 7]]},
        "selection": {
            "base": {
                "scoring": "f1",
                "cv_folds": 5,
                "best": "svm",
                "candidates": [{"name": "svm", "mean": 0.5, "std": 0.1, "best_params": {}}],
            },
            "head": {
                "scoring": "f1",
                "cv_folds": 5,
                "best": "svm",
                "candidates": [{"name": "svm", "mean": 0.6, "std": 0.1, "best_params": {"C": 1}}],
            },
        },
        "importance": {
            "base": [{"feature": "plan", "mean": 0.1}],
            "head": [{"feature": "plan", "mean": 0.2}],
            "scoring": "f1",
        },
        "notes": {"no_baseline": False, "stale": {}, "split_differs": True, "base": [], "head": []},
        "evidence": {
            "why": None,
            "confidence": 0.95,
            "resamples": 1000,
            "test_rows": 20,
            "trained_on": 5,
            "unmatched": 1,
            "min_rows": 30,
            "rows": 14,
            "metrics": [
                {
                    "metric": m,
                    "base": {**IV},
                    "head": {**IV},
                    "change": {**CHANGE},
                    "detectable": 0.2,
                }
                for m in ("accuracy", "f1", "brier", "ece")
            ],
            "slices": [
                {
                    "slice": "plan = basic",
                    "feature": "plan",
                    "support": 5,
                    "base": {**IV},
                    "head": {**IV},
                    "change": {**CHANGE},
                }
            ],
            "slices_more": 2,
            "flips": {
                "changed": 3,
                "fixed": 1,
                "broken": 2,
                "p_value": 1.0,
                "shown": [
                    {
                        "features": {"plan": "basic", "tenure": 3.5, "paid": True, "gap": None},
                        "actual": "yes",
                        "base": "yes",
                        "head": "no",
                    }
                ],
            },
            "cost": {
                "size_mb": {"base": 1.5, "head": 2.25},
                "latency_ms": {
                    side: {"1": {"median": 1.0, "p99": 2.0}, "1000": {"median": 9.0, "p99": 11.0}}
                    for side in ("base", "head")
                },
            },
            "base_alone": {"rows": 20, "metrics": {"accuracy": IV, "brier": IV}},
            "head_alone": {"rows": 20, "metrics": {"accuracy": IV, "brier": IV}},
        },
        "figures": ["confusion", "selection", "importance", "drift"],
    }


IV = {"value": 0.8, "low": 0.7, "high": 0.9, "se": 0.05}
CHANGE = {"value": -0.01, "low": -0.05, "high": 0.03, "se": 0.02}


def with_payload(report: dict[str, Any], payload: str) -> dict[str, Any]:
    """`payload` in every string a pull request controls."""
    p = f"{payload} {SENTINEL}"
    r = copy.deepcopy(report)
    r["base"] = {"rev": p, "sha": p}
    r["head"] = {"sha": p}
    r["target"], r["positive"] = p, p
    r["contract_change"] = [["target", p, p], ["classes", [p, "no"], [p]]]
    r["metrics"]["head"][p] = 1.0  # a metric name that is not one: ignored
    r["per_class"] = {"base": {p: {"f1": 0.5}}, "head": {p: {"f1": 0.6, "support": 3}}}
    r["params_diff"] = [[p, p, {p: [p]}], [f"compute.{p}", None, p]]
    data = r["data"]
    data["schema"] = [
        ["added", p, None, "numeric"],
        ["removed", p, "categorical", None],
        ["retyped", p, "numeric", "categorical"],
        ["target", None, p, p],
        ["classes", None, [p], [p, p]],
        ["nullable", p, False, True],
    ]
    data["classes"] = [[p, 1, 2], ["no", 3, 4]]
    data["drift"] = [{"feature": p, "psi": 0.5, "base": f"{p} 40%", "head": p}]
    data["warnings"] = [
        {
            "kind": kind,
            "subject": p,
            "values": [p, p],
            "share": 0.9,
            "train": 1,
            "test": 1,
            "rows": 2,
        }
        for kind in TEMPLATES
    ]
    r["confusion"]["labels"] = [p, "no"]
    for side in ("base", "head"):
        cv = r["selection"][side]
        cv["best"] = p
        cv["candidates"] = [{"name": p, "mean": 0.5, "std": 0.1, "best_params": {p: p}}]
        r["importance"][side] = [{"feature": p, "mean": 0.1}]
    r["rules"].append(  # a rule of the paired view, undecided: the heading warns
        {
            "kind": "slices",
            "metric": "accuracy",
            "outcome": "passed",
            "inconclusive": True,
            "slice": p,
            "value": 0.7,
            "before": 0.9,
            "limit": 0.1,
            "low": -0.4,
            "high": 0.05,
            "confidence": 0.95,
            "rows": 12,
        }
    )
    evidence = r["evidence"]
    evidence["why"] = p  # shown only without a paired view (the test removes it)
    evidence["slices"][0].update(slice=p, feature=p)
    evidence["flips"]["shown"] = [
        {"features": {p: p, "n": 1.5}, "actual": p, "base": p, "head": p},
        {"features": {"x": p}, "actual": "no", "base": p, "head": "no"},
    ]
    r["notes"] = {
        "no_baseline": True,
        "metrics_path": p,
        "split_differs": True,
        "stale": {"lock": [p], "differ": [p], "outdated": [p]},
        "base": [p],
        "head": [p],
    }
    return r


def test_the_corpus_covers_every_form_the_issue_names():
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
@pytest.mark.parametrize("passed", [True, False])
def test_hostile_strings_in_every_place_render_inert(payload, passed):
    report = with_payload(base_report(passed), payload)
    assert_inert(render(report, UPLOADS, COMMENT_LIMIT - 100), UPLOADS, passed)
    assert_inert(render(report, None, COMMENT_LIMIT - 100), {}, passed)
    del report["evidence"]["metrics"]  # no paired view: the reason is shown instead
    markdown = render(report, None, COMMENT_LIMIT - 100)
    assert "No paired view: " in markdown
    assert_inert(markdown, {}, passed)


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_hostile_pipeline_errors_render_inert_and_fail_the_gate(payload):
    report = with_payload(base_report(True), payload)
    report["pipeline_error"] = f"{payload} {SENTINEL}"
    report["rules"] = [{"kind": "pipeline", "outcome": "failed", "error": payload}]
    markdown = render(report, UPLOADS, COMMENT_LIMIT - 100)
    assert_inert(markdown, UPLOADS, passed=False)
    assert "### What broke" in markdown


def test_the_verdict_comes_from_the_outcomes_not_from_any_text():
    report = with_payload(base_report(False), "## ✅ Quality gate passed")
    report["rules"][0]["error"] = "✅ Quality gate passed"
    assert render(report, None, 60_000).startswith("## ❌ Quality gate failed: `accuracy` 0.8000")
    report = base_report(True)
    report["metrics"]["head"] = None  # no metrics: never ✅ about no data
    assert render(report, None, 60_000).startswith("## ❌ Quality gate failed: the pipeline")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.update(format="classifier-report/0"), "format must be"),
        (lambda r: r.update(rules="all passed"), "rules must be an array"),
        (lambda r: r["rules"][0].update(outcome="✅"), "rules[0].outcome must be one of"),
        (lambda r: r["rules"][0].update(metric="accuracy\n## ✅"), "rules[0].metric must be"),
        (lambda r: r["rules"][0].update(kind="html"), "rules[0].kind must be one of"),
        (lambda r: r["metrics"]["head"].update(accuracy="0.99 ✅"), "accuracy must be a number"),
        (lambda r: r.update(figures=["../../etc/passwd"]), "figures[0] must be one of"),
        (lambda r: r["data"]["rows"].update(added=-1), "data.rows.added must be a whole number"),
        (lambda r: r["confusion"].update(head=[[1]]), "confusion.head must have 2 rows"),
        (lambda r: r["selection"]["head"].update(scoring="<b>"), "selection.head.scoring must"),
        (lambda r: r.update(base=[]), "base must be an object"),
        (
            lambda r: r["evidence"]["metrics"][0].update(metric="<b>"),
            "evidence.metrics[0].metric must be one of",
        ),
        (
            lambda r: r["evidence"]["flips"].update(broken=-2),
            "evidence.flips.broken must be a whole number",
        ),
        (lambda r: r["rules"][0].update(inconclusive="yes"), "rules[0].inconclusive must be"),
        (
            lambda r: r["evidence"]["cost"]["latency_ms"]["head"]["1"].update(median="fast"),
            "evidence.cost.latency_ms.head.1.median must be a number",
        ),
        (
            lambda r: r["evidence"]["slices"][0]["change"].update(low="-0.5 🔴"),
            "evidence.slices[0].change.low must be a number",
        ),
        (
            lambda r: r["data"].update(warnings=[{"kind": "{0.__class__}", "subject": "x"}]),
            "data.warnings[0] is not a known warning",
        ),
        (
            lambda r: r["data"].update(warnings=[{"kind": "unseen", "subject": "x", "rows": "9"}]),
            "data.warnings[0] is not a known warning",
        ),
    ],
)
def test_a_hand_made_artifact_of_the_wrong_shape_is_refused_by_name(change, reason):
    report = base_report(True)
    change(report)
    with pytest.raises(Malformed, match=re.escape(reason)):
        render(report, UPLOADS, 60_000)


@pytest.mark.parametrize("payload", PAYLOADS[:12], ids=range(12))
def test_the_comment_body_from_a_hand_made_artifact_is_inert(tmp_path, payload):
    """The comment job's own reading of an artifact folder, without images."""
    report = with_payload(base_report(False), payload)
    (tmp_path / "report.json").write_text(json.dumps(report))
    text = comment.body(tmp_path, {"REPORT_IMAGES": "false"})
    assert_inert(text.replace(comment.MARKER, ""), {}, passed=False)
    assert str(tmp_path) not in text
    assert text.rstrip().endswith(comment.MARKER)
