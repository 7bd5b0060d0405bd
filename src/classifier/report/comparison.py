"""Base against head: everything the report states, computed before anything is rendered."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from dvc.repo import Repo

from classifier.contracts.errors import UserError
from classifier.contracts.params import Params
from classifier.report.datadiff import DataDiff, diff_data
from classifier.report.gates import Rule, check_gates
from classifier.report.revision import Revision, Side, WorkingTree, load_side, short_sha

LOCK_FILE = "dvc.lock"


@dataclass
class Comparison:
    """The two sides and what differs between them."""

    params: Params
    base: Side
    head: Side
    base_rev: str
    base_sha: str | None
    head_sha: str | None
    rules: list[Rule]
    params_diff: list[tuple[str, Any, Any]]
    data: DataDiff | None
    stale: list[str]
    pipeline_error: str | None = None


def compare(
    root: Path,
    base_rev: str,
    params: Params,
    head_sha: str | None = None,
    pipeline_error: str | None = None,
) -> Comparison:
    """Read both sides and compute the gate, params diff, data diff and staleness.

    With a pipeline error, the head's results are not this commit's: the gate fails on
    the error alone, and staleness is not reported (the error says more).
    """
    base = load_side(Revision(root, base_rev), params)
    head = load_side(WorkingTree(root, "PR"), params)
    data = None
    if base.raw is not None and head.raw is not None:
        data = diff_data(base.raw, head.raw, base.contract, head.contract)
    if pipeline_error:
        rules = [Rule("pipeline", False, f"the pipeline failed: {pipeline_error}")]
    else:
        rules = check_gates(params.gates, head.metrics, base.metrics)
    return Comparison(
        params=params,
        base=base,
        head=head,
        base_rev=base_rev,
        base_sha=short_sha(root, base_rev),
        head_sha=(short_sha(root, head_sha) or head_sha[:7])
        if head_sha
        else short_sha(root, "HEAD"),
        rules=rules,
        params_diff=diff_params(base.params or {}, head.params or {}),
        data=data,
        stale=[] if pipeline_error else stale_results(root, params),
        pipeline_error=pipeline_error,
    )


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} -> {'a.b': 1}; lists and scalars are leaves."""
    if not isinstance(tree, dict) or not tree:
        return {prefix: tree}
    flat: dict[str, Any] = {}
    for key, item in tree.items():
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def diff_params(base: dict[str, Any], head: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Only the keys whose value differs, as (key, base value, head value); absent is None."""
    old, new = flatten(base), flatten(head)
    keys = sorted(old.keys() | new.keys())
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k) and k]


def stale_results(root: Path, params: Params) -> list[str]:
    """Why the committed results may not be what this code, data and params produce."""
    notes = []
    try:
        committed = Revision(root, "HEAD")
    except UserError:  # no commit yet: nothing committed can be stale
        return []
    changed = _changed_lock_inputs(committed.read(LOCK_FILE), root / LOCK_FILE)
    if changed:
        notes.append(f"`{LOCK_FILE}` committed with other inputs for: {', '.join(changed)}")
    results = [
        params.paths.data_report,
        params.paths.cv_report,
        params.paths.metrics,
        params.paths.confusion,
        params.paths.importance,
    ]
    differing = [str(p) for p in results if committed.read(p) != WorkingTree(root).read(p)]
    if differing:
        notes.append(f"committed results differ from the reproduced ones: {', '.join(differing)}")
    outdated = outdated_stages(root)
    if outdated:
        notes.append(f"results are older than their inputs for: {', '.join(outdated)}")
    return notes


def _lock_inputs(text: bytes | str | None) -> dict[str, Any]:
    """Per stage, what went in (command, source hashes, params), not what came out.

    A dependency that another stage produces (the model, the prepared split) is left out:
    its bytes follow from that stage's own inputs, which are compared, and a refit model's
    bytes differ between CPUs (floating-point rounding) without anything having changed.
    """
    stages = (yaml.safe_load(text) or {}).get("stages", {}) if text else {}
    produced = {out["path"] for stage in stages.values() for out in stage.get("outs", [])}
    return {
        name: (
            stage.get("cmd"),
            {d["path"]: d.get("md5") for d in stage.get("deps", []) if d["path"] not in produced},
            stage.get("params"),
        )
        for name, stage in stages.items()
    }


def _changed_lock_inputs(committed: bytes | None, current: Path) -> list[str]:
    if not current.is_file():
        return []
    old, new = _lock_inputs(committed), _lock_inputs(current.read_text())
    return sorted(name for name in new.keys() | old.keys() if old.get(name) != new.get(name))


# How `dvc status` reports a result that is simply absent: "deleted" when the cache has it,
# "not in cache" when it has not (a fresh clone). Neither means an input changed.
MISSING = {"deleted", "not in cache"}


def outdated_stages(root: Path) -> list[str]:
    """Stages whose inputs changed since their results were made (`dvc status`)."""
    with Repo(str(root)) as repo:
        status = repo.status()
    outdated = []
    for stage, entries in status.items():
        for entry in entries if isinstance(entries, list) else []:
            changes = {**entry.get("changed deps", {}), **entry.get("changed outs", {})}
            # A params file's entry is a dict of key -> state; a file's is the state itself.
            states = [
                s for v in changes.values() for s in (v.values() if isinstance(v, dict) else [v])
            ]
            if any(state not in MISSING for state in states):
                outdated.append(stage.split(":")[-1])
                break
    return sorted(set(outdated))
