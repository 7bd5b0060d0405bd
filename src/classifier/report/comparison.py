"""Base against head: everything the report states, computed before anything is rendered."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dvc.exceptions import DvcException
from dvc.repo import Repo

from classifier.contracts.errors import UserError
from classifier.contracts.keys import differences
from classifier.contracts.labels import label_text
from classifier.contracts.params import DataContract, Params
from classifier.contracts.yamlfile import parse_yaml
from classifier.report.datadiff import DataDiff, diff_data
from classifier.report.gates import Rule, check_gates
from classifier.report.paired import Paired, head_cost, head_intervals, paired
from classifier.report.revision import Revision, Side, WorkingTree, load_side
from classifier.tools.git import short_sha

LOCK_FILE = "dvc.lock"


# One way the two sides are different prediction tasks: ("target", old, new),
# ("classes", old labels, new labels) or ("features", None, None) for none in common.
ContractChange = tuple[str, Any, Any]


@dataclass(frozen=True)
class Stale:
    """Why committed results may not be this commit's: stages and files, by name."""

    lock: list[str] = field(default_factory=list)  # dvc.lock committed with other inputs
    differ: list[str] = field(default_factory=list)  # results differ from reproduced ones
    outdated: list[str] = field(default_factory=list)  # older than their inputs

    def __bool__(self) -> bool:
        return bool(self.lock or self.differ or self.outdated)


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
    stale: Stale
    pipeline_error: str | None = None
    contract_change: list[ContractChange] = field(default_factory=list)
    evidence: Paired = field(default_factory=Paired)  # main's model on the PR's rows


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
    change = contract_change(base.contract, head.contract) if base.params else []
    evidence = Paired(why="the pipeline failed", quiet=True) if pipeline_error else None
    if evidence is None and change:
        evidence = Paired(why="the data contract changed", quiet=True)
    if evidence is None and base.metrics is None:
        evidence = Paired(why=f"{base_rev} has no results yet", quiet=True)
    if evidence is None:
        evidence = paired(root, base_rev, params, base, head)
    if pipeline_error:
        rules = [Rule("pipeline", False, error=pipeline_error)]
    else:
        if evidence.head_alone is None:
            evidence.head_alone = head_intervals(root, params, head, evidence)
        if evidence.cost is None:
            evidence.cost = head_cost(root, head)
        rules = check_gates(
            params.gates, head.metrics, base.metrics, bool(change), evidence.gate_evidence()
        )
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
        params_diff=differences(base.params or {}, head.params or {}),
        data=data,
        stale=Stale() if pipeline_error else stale_results(root, params),
        pipeline_error=pipeline_error,
        contract_change=change,
        evidence=evidence,
    )


def contract_change(base: DataContract | None, head: DataContract | None) -> list[ContractChange]:
    """What makes the two sides different prediction tasks; empty when they are one task.

    A new target, another set of classes, or no feature in common (the dataset was
    swapped): metrics then measure different things. Adding or dropping a feature is a
    change the gate must judge, so it is not one of these.
    """
    if base is None or head is None:
        return []
    changes: list[ContractChange] = []
    if base.target != head.target:
        changes.append(("target", base.target, head.target))
    old, new = ([label_text(c) for c in side.classes] for side in (base, head))
    if set(old) != set(new):
        changes.append(("classes", old, new))
    if not set(base.features) & set(head.features):
        changes.append(("features", None, None))
    return changes


def stale_results(root: Path, params: Params) -> Stale:
    """Why the committed results may not be what this code, data and params produce."""
    try:
        committed = Revision(root, "HEAD")
    except UserError:  # no commit yet: nothing committed can be stale
        return Stale()
    results = [
        params.paths.data_report,
        params.paths.cv_report,
        params.paths.metrics,
        params.paths.confusion,
        params.paths.importance,
    ]
    return Stale(
        lock=_changed_lock_inputs(committed.read(LOCK_FILE), root / LOCK_FILE),
        differ=[str(p) for p in results if _differs(committed, WorkingTree(root), p)],
        outdated=outdated_stages(root),
    )


def _differs(committed: Revision, tree: WorkingTree, path: Path) -> bool:
    """Whether a committed result differs from the one on disk; a DVC output whose
    committed version is in no cache here cannot be compared, and is not called stale."""
    try:
        return committed.read(path) != tree.read(path)
    except (DvcException, OSError):
        return False


def _lock_inputs(text: bytes | str | None) -> dict[str, Any]:
    """Per stage, what went in (command, source hashes, params), not what came out.

    A dependency that another stage produces (the model, the prepared split) is left out:
    its bytes follow from that stage's own inputs, which are compared, and a refit model's
    bytes differ between CPUs (floating-point rounding) without anything having changed.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    stages = (parse_yaml(text, LOCK_FILE) or {}).get("stages", {}) if text else {}
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
