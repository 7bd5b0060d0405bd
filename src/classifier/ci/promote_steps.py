"""The promote workflow's steps (a `classifier#STAGE#N` tag was pushed).

evidence  the previous stage's monitoring of this version: the version's reference from
          its GitHub release, `make monitor` over <ENVIRONMENT>_RECORDS with it, into
          build/evidence/ (nothing for the first stage)
check     the promotion rules on the registry as it was before this tag, with that
          evidence; the version's published image and digest; the decision into
          build/promotion.json, the job's outputs and its summary (never fails here)
gate      fail the job when the promotion was refused: nothing is deployed
explain   a refused promotion's one line as a comment on the tag's commit

The deploy job that follows runs in the stage's GitHub environment with that
environment's own deploy hook, and sends the image by digest (`make deploy`).
"""

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier.ci.github import GitHub
from classifier.contracts.errors import UserError

# The explain step runs with the standard library alone (no install): the rules, GTO
# and params.yaml's types are imported by the steps that use them.
ARTIFACT = "classifier"

if TYPE_CHECKING:
    from classifier.ci.promotion import Decision

log = logging.getLogger(__name__)

DECISION = Path("build/promotion.json")
EVIDENCE = Path("build/evidence")
REFERENCE = Path("build/reference.json")
SHADOW = Path("build/shadow")  # the stage's champion's records, with the candidate's shadow
CHAMPION = Path("build/champion/reference.json")
REVISION = "org.opencontainers.image.revision"


def assignment(tag: str) -> tuple[str, str]:
    """(version, stage) of a `classifier#STAGE#N` tag, as GTO reads it."""
    version, stage, _ = _assignment(tag)
    return version, stage


def _assignment(tag: str) -> tuple[str, str, str]:
    """(version, stage, the tag's message)."""
    import gto.api

    found = [e for e in gto.api.check_ref(".", tag) if getattr(e, "stage", None)]
    if not found or not tag.startswith(f"{ARTIFACT}#"):
        raise UserError(f"{tag!r} is not a stage assignment of {ARTIFACT} (classifier#STAGE#N)")
    return str(found[0].version), str(found[0].stage), str(found[0].message or "")


def previous_stage(stage: str) -> str | None:
    from classifier.contracts.params import load_params

    stages = list(load_params().promote.stages)
    index = stages.index(stage) if stage in stages else 0
    return stages[index - 1] if index > 0 else None


def evidence(env: Mapping[str, str]) -> None:
    """The previous stage's findings for this version into build/evidence/; and where the
    stage's champion served with a candidate in shadow, its findings into build/shadow/."""
    from classifier.ci.promotion import read_registry
    from classifier.contracts.params import load_params

    tag = env.get("TAG", "")
    version, stage = assignment(tag)
    stages = load_params().promote.stages
    previous = previous_stage(stage)
    if previous is None:
        log.info("%s is the first stage: no monitoring evidence needed", stage)
        return
    records = _records(env, stages[previous])
    if records and _fetch(version, REFERENCE):
        _monitor(records, REFERENCE, EVIDENCE)
    champion = read_registry(Path.cwd(), without=tag).current.get(stage)
    records = _records(env, stages[stage])
    if champion and records and _fetch(champion, CHAMPION):
        _monitor(records, CHAMPION, SHADOW)


def _records(env: Mapping[str, str], environment: str) -> str:
    name = f"{environment.upper().replace('-', '_')}_RECORDS"
    if not env.get(name):
        log.info("no %s: no records of the %s environment", name, environment)
    return env.get(name, "")


def _fetch(version: str, target: Path) -> bool:
    """A version's reference.json from its GitHub release (vX.Y.Z or classifier@vX.Y.Z)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for release in (version, f"{ARTIFACT}@{version}"):
        download = ["gh", "release", "download", release, "--pattern", "reference.json"]
        try:
            done = subprocess.run([*download, "--dir", str(target.parent), "--clobber"])
        except FileNotFoundError:
            raise UserError(
                "the GitHub CLI (gh) is not installed: it fetches the references"
            ) from None
        if done.returncode == 0:
            (target.parent / "reference.json").replace(target)
            return True
    log.info("no release of %s with a reference.json: no evidence from it", version)
    return False


def _monitor(records: str, reference: Path, out: Path) -> None:
    if records:
        monitor = ["classifier", "monitor", "--records", records, "--reference", str(reference)]
        subprocess.run([*monitor, "--out", str(out), "--since", "all"], check=False)


def check(env: Mapping[str, str]) -> "Decision":
    """Decide on the registry as it was before the tag; write the decision and outputs."""
    from classifier.ci.promotion import ROLLBACK_MESSAGE, Decision, decide, read_registry
    from classifier.contracts.params import load_params

    tag = env.get("TAG", "")
    version, stage, message = _assignment(tag)
    rules = load_params().promote
    found = _json(EVIDENCE / "findings.json")
    reference = _json(REFERENCE)
    decision = decide(
        read_registry(Path.cwd(), without=tag),
        version,
        stage,
        rules,
        found,
        None if reference is None else str(reference.get("model")),
        # `make rollback-to` says so in the tag; the rule still checks the version held it
        rollback=message.startswith(ROLLBACK_MESSAGE),
        shadow=_json(SHADOW / "findings.json"),
    )
    outputs: dict[str, Any] = {
        "allowed": "true" if decision.allowed else "false",
        "reason": decision.reason,
        "version": version,
        "stage": stage,
        "environment": rules.stages.get(stage, ""),
    }
    if decision.allowed:
        outputs |= _image(env, version, decision)
    decision = Decision(version, stage, outputs["allowed"] == "true", str(outputs["reason"]))
    DECISION.parent.mkdir(parents=True, exist_ok=True)
    DECISION.write_text(json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    if env.get("GITHUB_OUTPUT"):
        with open(env["GITHUB_OUTPUT"], "a") as out:
            out.writelines(f"{k}={' '.join(str(v).splitlines())}\n" for k, v in outputs.items())
    line = (
        f"✅ {version} → {stage}: {decision.reason}"
        if decision.allowed
        else f"❌ {version} → {stage} refused: {decision.reason}. Nothing was deployed."
    )
    if env.get("GITHUB_STEP_SUMMARY"):
        with open(env["GITHUB_STEP_SUMMARY"], "a") as summary:
            summary.write(f"### Promotion\n\n{line}\n")
    log.info("%s", line)
    return decision


def _image(env: Mapping[str, str], version: str, decision: "Decision") -> dict[str, str]:
    """The version's published image, by digest; refused when it was never published."""
    from classifier.ci.registry import Registry
    from classifier.ci.rollback import repository

    images = Registry(repository(env), env.get("REGISTRY_USER", ""), env.get("REGISTRY_TOKEN", ""))
    manifest = images.manifest(version.lstrip("v"))
    if manifest is None:
        image = f"{images.repository}:{version.lstrip('v')}"
        reason = f"{image} was never published (push {ARTIFACT}@{version})"
        return {"allowed": "false", "reason": reason}
    git_sha = images.labels(manifest).get(REVISION, "")
    return {
        "image": f"{images.repository}@{manifest.digest}",
        "digest": manifest.digest,
        "git_sha": git_sha,
        "reason": decision.reason,
    }


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def gate() -> None:
    """Fail when the promotion was refused (or never decided)."""
    decision = _json(DECISION)
    if decision is None:
        raise UserError(f"{DECISION} is missing: the check did not run")
    if decision.get("allowed") != "true":
        sys.stdout.write(f"::error title=Promotion refused::{decision.get('reason')}\n")
        raise UserError(f"promotion refused: {decision.get('reason')}; nothing was deployed")


def explain(env: Mapping[str, str]) -> None:
    """A refused promotion's one line, on the tag's commit."""
    reason = env.get("REASON") or "the check did not say why"
    github = GitHub.from_env(env)
    body = (
        f"❌ Promotion of `{env.get('VERSION', '?')}` to `{env.get('STAGE', '?')}` refused "
        f"({env.get('TAG', '')}): {reason}. Nothing was deployed."
    )
    sha = env.get("GITHUB_SHA", "")
    status, _ = github.call("POST", f"/commits/{sha}/comments", {"body": body})
    if status != 201:
        raise UserError(f"the GitHub API refused the commit comment (HTTP {status})")
    log.info("the refusal is on commit %s", sha[:7])


def main(argv: list[str]) -> None:
    """`classifier promote-step evidence|check|gate|explain`."""
    step = argv[1] if len(argv) > 1 else ""
    steps = {
        "evidence": lambda: evidence(os.environ),
        "check": lambda: check(os.environ),
        "gate": gate,
        "explain": lambda: explain(os.environ),
    }
    if step not in steps:
        raise UserError(f"give one of {', '.join(steps)}")
    steps[step]()
