"""Promotion with evidence: GTO's registry, this project's order and evidence.

GTO's conventions (its tags are the registry; `gto show` prints it):
- `classifier@vX.Y.Z` registers a version; the release workflow builds and publishes
  it exactly as a `vX.Y.Z` tag does (the versioned image, the GitHub release);
- `classifier#STAGE#N` assigns a stage; the promote workflow deploys that version's
  published image, by digest, never rebuilt, to the stage's GitHub environment.

GTO records; it enforces no order and asks for no evidence. This module does, from
params.yaml's `promote:` section: stages in order; a version enters a stage only from
the one before, after `min_soak` there, with that stage's monitoring of that very
version (`make monitor`'s findings.json against the version's reference) showing no
alert over at least `min_records` predictions. The first stage needs only a registered
version. Rolling back is an assignment too: `make rollback-to VERSION=` assigns an
earlier version that production already ran, without new evidence.

`make promote VERSION=… STAGE=… [EVIDENCE=…] [REFERENCE=…]` checks all of it locally and
then creates the tag (PUSH=1 pushes it); `make registry` shows versions, stages and
image digests; `make promote-check` is the workflow's step.
"""

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from classifier.contracts.errors import UserError
from classifier.contracts.params import Promote, load_params

log = logging.getLogger(__name__)

ARTIFACT = "classifier"
# How a rollback's tag says what it is: the promote workflow reads the intent from it.
ROLLBACK_MESSAGE = "Rollback:"
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
VERSION = re.compile(r"v?(\d+\.\d+\.\d+)")


@dataclass(frozen=True)
class Event:
    """One registry event: a registration or a stage (un)assignment."""

    kind: str  # registration, assignment, unassignment, deregistration
    version: str  # vX.Y.Z
    stage: str | None
    at: datetime
    ref: str


@dataclass
class Registry:
    """The registry as GTO's tags hold it."""

    events: list[Event]
    current: dict[str, str] = field(default_factory=dict)  # stage -> version holding it

    @property
    def versions(self) -> list[str]:
        """Registered versions, oldest first."""
        seen = [e.version for e in self.events if e.kind == "registration"]
        return sorted(dict.fromkeys(seen), key=_order)

    def assigned_at(self, version: str, stage: str) -> datetime | None:
        """When `version` was last assigned to `stage`."""
        times = [
            e.at
            for e in self.events
            if e.kind == "assignment" and (e.version, e.stage) == (version, stage)
        ]
        return max(times) if times else None

    def stages_of(self, version: str) -> list[str]:
        """The stages `version` holds now."""
        return [stage for stage, held in self.current.items() if held == version]


@dataclass(frozen=True)
class Decision:
    """Whether `version` may enter `stage`, and the one line that says why."""

    version: str
    stage: str
    allowed: bool
    reason: str


def _order(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.lstrip("v").split("."))


def seconds(duration: str) -> int:
    """'1d' -> 86400."""
    return int(duration[:-1]) * SECONDS[duration[-1]]


def read_registry(repo: Path, without: str | None = None) -> Registry:
    """Every GTO event of the artifact, and which version holds each stage now; with
    `without`, the registry as it was before that tag (the workflow judges the very
    assignment that triggered it)."""
    import gto.api  # DVC's companion: imported here, so the stdlib-only steps stay light

    events = [
        Event(
            kind=str(item["event"]),
            version=str(item["version"]),
            stage=item.get("stage"),
            at=item["timestamp"],
            ref=str(item.get("ref") or ""),
        )
        for item in gto.api.history(str(repo), ARTIFACT, ascending=True)
        if item.get("ref") != without
    ]
    return Registry(events, holders(events))


def holders(events: list[Event]) -> dict[str, str]:
    """Per stage, the version its latest assignment gave it (GTO: one version a stage),
    unless that was unassigned since."""
    current: dict[str, str] = {}
    for event in sorted(events, key=lambda e: e.at):
        if event.stage is None:
            continue
        if event.kind == "assignment":
            current[event.stage] = event.version
        elif event.kind == "unassignment" and current.get(event.stage) == event.version:
            del current[event.stage]
    return current


def version_name(text: str) -> str:
    """vX.Y.Z from 'X.Y.Z', 'vX.Y.Z' or 'classifier@vX.Y.Z'."""
    match = VERSION.fullmatch(text.strip().removeprefix(f"{ARTIFACT}@"))
    if not match:
        raise UserError(f"VERSION={text!r}: give a registered version, vX.Y.Z (for example v1.2.0)")
    return f"v{match.group(1)}"


def decide(
    registry: Registry,
    version: str,
    stage: str,
    rules: Promote,
    evidence: Mapping[str, Any] | None = None,
    model: str | None = None,
    now: datetime | None = None,
    rollback: bool = False,
    shadow: Mapping[str, Any] | None = None,
) -> Decision:
    """The promotion rules, in the order a reader checks them; the first that fails is
    the reason. `evidence` is the previous stage's findings.json for this version (judged
    against `model`, the version's reference, when given)."""
    now = now or datetime.now(UTC)
    stages = list(rules.stages)

    def no(reason: str) -> Decision:
        return Decision(version, stage, False, reason)

    if stage not in rules.stages:
        return no(f"{stage} is not one of promote.stages ({', '.join(stages)})")
    if version not in registry.versions:
        known = ", ".join(registry.versions) or "none yet"
        return no(f"{version} is not registered (push {ARTIFACT}@{version}); registered: {known}")
    if registry.current.get(stage) == version:
        return no(f"{version} already holds {stage}")
    if rollback:
        if stage != stages[-1] or registry.assigned_at(version, stage) is None:
            return no(
                f"a rollback goes back to a version {stages[-1]} ran before; "
                f"{version} never held it"
            )
        return Decision(
            version, stage, True, f"rollback: {version} held {stage} before; no new evidence needed"
        )
    index = stages.index(stage)
    if index == 0:
        return Decision(
            version, stage, True, f"{version} is registered; {stage} is the first stage"
        )
    previous = stages[index - 1]
    if registry.current.get(previous) != version:
        holder = registry.current.get(previous)
        held = f"{previous} holds {holder}" if holder else f"{previous} holds no version"
        return no(f"{version} is not in {previous}, the stage before {stage} ({held})")
    since = registry.assigned_at(version, previous) or now  # it holds it: it was assigned
    soaked = now - since
    if soaked < timedelta(seconds=seconds(rules.min_soak)):
        return no(
            f"{version} has been in {previous} for {_span(soaked)}, under promote.min_soak "
            f"({rules.min_soak})"
        )
    if evidence is None:
        return no(
            f"no monitoring evidence of {version} in {previous}: `make monitor` its records "
            "against its reference, and give EVIDENCE=monitor/findings.json"
        )
    judged = evidence.get("model")
    if model is not None and judged != model:
        return no(f"the evidence judges model {judged!r}, not {version}'s ({model!r})")
    rows = int(evidence.get("rows") or 0)
    if evidence.get("alert"):
        alerts = "; ".join(str(a) for a in evidence.get("alerts") or []) or "an alert"
        return no(f"monitoring of {version} in {previous} raised an alert: {alerts}")
    if rows < rules.min_records:
        return no(
            f"monitoring of {version} in {previous} saw {rows:,} predictions, under "
            f"promote.min_records ({rules.min_records:,})"
        )
    reason = f"{version}: {_span(soaked)} in {previous}, {rows:,} predictions, no alert"
    entry = _shadow_of(shadow, model)
    if entry is not None:
        verdict = _shadow_verdict(entry, rules)
        if verdict is not None:
            return no(f"in shadow of {stage}'s champion, {version} {verdict}")
        reason += f"; in shadow it {_shadow_summary(entry)}"
    return Decision(version, stage, True, reason)


def _shadow_of(shadow: Mapping[str, Any] | None, model: str | None) -> Mapping[str, Any] | None:
    """The shadow results of the candidate (the version's model, when known), if any."""
    found = [s for s in (shadow or {}).get("shadow") or [] if isinstance(s, dict)]
    if model is not None:
        found = [s for s in found if s.get("candidate") == model]
    return found[0] if len(found) == 1 else None


def _shadow_summary(entry: Mapping[str, Any]) -> str:
    agreement = entry.get("agreement")
    text = "agreed on " + ("—" if agreement is None else f"{agreement:.1%}")
    change = entry.get("change") or {}
    if change.get("low") is not None:
        text += (
            f", accuracy change {change['value']:+.3f} [{change['low']:+.3f}, "
            f"{change['high']:+.3f}] on {entry.get('labelled', 0):,} labelled rows"
        )
    return text


def _shadow_verdict(entry: Mapping[str, Any], rules: Promote) -> str | None:
    """Why the shadow results refuse the promotion, or None."""
    agreement = entry.get("agreement")
    agrees = agreement is not None and agreement >= rules.shadow_agreement
    change = entry.get("change") or {}
    beats = change.get("low") is not None and change["low"] >= rules.shadow_margin
    if agrees or beats:
        return None
    return (
        f"{_shadow_summary(entry)}: under promote.shadow_agreement "
        f"({rules.shadow_agreement:.0%}), and not shown to beat it by promote.shadow_margin "
        f"({rules.shadow_margin:+g})"
    )


def _span(delta: timedelta) -> str:
    total = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            return f"{total / size:.1f}{unit}"
    return f"{total}s"


def assign(repo: Path, decision: Decision, push: bool) -> str:
    """Create (and push) the assignment tag; its name."""
    import gto.api
    from gto.exceptions import GTOException

    try:
        # A rollback re-assigns a stage its version held before: GTO still counts that
        # assignment and asks for force to tag it again.
        rollback = decision.reason.startswith("rollback")
        gto.api.assign(
            str(repo),
            ARTIFACT,
            decision.stage,
            version=decision.version,
            push=push,
            force=rollback,
            message=f"{ROLLBACK_MESSAGE} {decision.stage} back to {decision.version}"
            if rollback
            else None,
        )
    except GTOException as err:
        raise UserError(
            f"gto could not assign {decision.version} to {decision.stage}: {err}"
        ) from None
    tags = [e.ref for e in read_registry(repo).events if e.kind == "assignment"]
    mine = [t for t in tags if t.startswith(f"{ARTIFACT}#{decision.stage}#")]
    return max(mine, key=lambda t: int(t.rsplit("#", 1)[1]))


def _load(path: str | None, what: str) -> dict[str, Any] | None:
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        raise UserError(f"{what} {path} cannot be read: {err}") from None
    if not isinstance(data, dict):
        raise UserError(f"{what} {path} is not a JSON object")
    return data


def registry_rows(registry: Registry, digests: Mapping[str, str | None]) -> list[list[str]]:
    """version, registered, stages held now, image digest: what `make registry` shows."""
    rows = []
    for version in reversed(registry.versions):
        registered = next(
            e.at for e in registry.events if e.kind == "registration" and e.version == version
        )
        digest = digests.get(version) or "—"
        stages = ", ".join(sorted(registry.stages_of(version))) or "—"
        rows.append([version, f"{registered:%Y-%m-%d %H:%M}", stages, digest])
    return rows


def image_digests(versions: list[str], env: Mapping[str, str]) -> dict[str, str | None]:
    """Each version's published image digest (tag X.Y.Z), when IMAGE_REPOSITORY is set."""
    if not (env.get("IMAGE_REPOSITORY") or env.get("GITHUB_REPOSITORY")):
        return {}
    from classifier.ci.registry import Registry as Images
    from classifier.ci.rollback import repository

    images = Images(repository(env), env.get("REGISTRY_USER", ""), env.get("REGISTRY_TOKEN", ""))
    found: dict[str, str | None] = {}
    for version in versions:
        manifest = images.manifest(version.lstrip("v"))
        found[version] = manifest.digest if manifest else None
    return found


def main(argv: list[str]) -> int | None:
    """`classifier promote VERSION STAGE [--evidence F] [--rollback]`, `classifier registry`."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    if argv[0] == "registry":
        registry = read_registry(Path.cwd())
        rows = registry_rows(registry, image_digests(registry.versions, os.environ))
        from classifier.rendering.markdown import table

        sys.stdout.write(table(["version", "registered", "stages", "image digest"], rows) + "\n")
        return None
    parser.add_argument("version", nargs="?", help="vX.Y.Z")
    parser.add_argument("stage", nargs="?", help="a stage of promote.stages")
    parser.add_argument("--evidence", help="the previous stage's monitor/findings.json")
    parser.add_argument("--reference", help="the version's reference.json (binds the evidence)")
    parser.add_argument("--shadow", help="findings.json of the stage's champion, with shadow")
    parser.add_argument("--push", action="store_true", help="push the tag to origin")
    parser.add_argument("--rollback", action="store_true", help="back to a version prod ran")
    args = parser.parse_args(argv[1:])
    rules = load_params().promote
    stage = args.stage or (list(rules.stages)[-1] if args.rollback else None)
    if not args.version or not stage:
        raise UserError("give VERSION=vX.Y.Z and STAGE=<one of promote.stages>")
    version = version_name(args.version)
    registry = read_registry(Path.cwd())
    reference = _load(args.reference, "the reference")
    decision = decide(
        registry,
        version,
        stage,
        rules,
        _load(args.evidence, "the evidence"),
        None if reference is None else str(reference.get("model")),
        rollback=args.rollback,
        shadow=_load(args.shadow, "the shadow evidence"),
    )
    if not decision.allowed:
        raise UserError(f"promotion of {version} to {stage} refused: {decision.reason}")
    tag = assign(Path.cwd(), decision, args.push)
    pushed = "pushed" if args.push else "push it with PUSH=1 or git push origin TAG"
    log.info("%s → %s: %s; tag %s (%s)", version, stage, decision.reason, tag, pushed)
    return None
