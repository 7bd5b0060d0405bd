"""`make rollback VERSION=X.Y.Z`: go back to a released version without rebuilding it.

1. The version must have been released: its image tag X.Y.Z is in the registry and, on
   GitHub, its release vX.Y.Z exists. Otherwise one line lists the released versions.
2. `:latest` is pointed at that version's manifest, byte for byte (the same digest), and
   read back to check.
3. The release's deploy step runs with that image, its version, digest and git SHA (the
   image's own org.opencontainers.image.revision label).
4. What happened (from which version to which, digests) goes to the job summary.

Settings come from the environment, as the rollback workflow passes them:
VERSION, IMAGE_REPOSITORY (default ghcr.io/<GITHUB_REPOSITORY>), REGISTRY_USER and
REGISTRY_TOKEN, GITHUB_REPOSITORY and GITHUB_TOKEN (the release check; skipped with a
line when not on GitHub), DEPLOY_WEBHOOK_URL and DEPLOY_TOKEN (as a release's deploy).
Standard library only.
"""

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from classifier.ci.deploy import deploy
from classifier.ci.github import GitHub, image_repository
from classifier.ci.registry import Manifest, Registry
from classifier.contracts.errors import UserError

log = logging.getLogger(__name__)

VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
REVISION = "org.opencontainers.image.revision"
VERSION_LABEL = "org.opencontainers.image.version"
SKIPPED = "skipped: DEPLOY_WEBHOOK_URL is not set"


@dataclass(frozen=True)
class Rollback:
    image: str  # repository:X.Y.Z
    version: str
    digest: str
    git_sha: str
    previous_version: str | None
    previous_digest: str | None
    deploy: str  # what became of the deploy, as the summary says it


def released(tags: list[str]) -> list[str]:
    """The X.Y.Z tags, oldest first (1.10.0 after 1.9.0)."""
    versions = [tag for tag in tags if VERSION.fullmatch(tag) and not tag.startswith("v")]
    return sorted(versions, key=lambda tag: tuple(int(part) for part in tag.split(".")))


def wanted_version(text: str) -> str:
    """X.Y.Z from 'X.Y.Z' or 'vX.Y.Z'."""
    match = VERSION.fullmatch(text.strip())
    if not match:
        raise UserError(f"VERSION={text!r}: give a released version, X.Y.Z (for example 1.2.0)")
    return ".".join(match.groups())


def repository(env: Mapping[str, str]) -> str:
    """IMAGE_REPOSITORY, or the release workflow's ghcr.io/<owner>/<repo>."""
    if env.get("IMAGE_REPOSITORY"):
        return env["IMAGE_REPOSITORY"]
    if env.get("GITHUB_REPOSITORY"):
        return image_repository(env["GITHUB_REPOSITORY"])
    raise UserError("IMAGE_REPOSITORY not set: name the image, e.g. ghcr.io/owner/repo")


def check_github_release(env: Mapping[str, str], version: str, versions: list[str]) -> None:
    """The GitHub release vX.Y.Z must exist (its model card and bento go with the image)."""
    if not env.get("GITHUB_REPOSITORY"):
        log.info("not on GitHub (no GITHUB_REPOSITORY): the GitHub release check is skipped")
        return
    github = GitHub.from_env(env)
    status, _ = github.call("GET", f"/releases/tags/v{version}")
    if status == 404:  # or registered with GTO: the release of classifier@vX.Y.Z
        status, _ = github.call("GET", f"/releases/tags/classifier@v{version}")
    if status == 404:
        raise UserError(
            f"v{version} has an image but no GitHub release; released: {', '.join(versions)}"
        )
    if status != 200:
        raise UserError(f"GitHub answered HTTP {status} when asked for the release v{version}")


def rollback(env: Mapping[str, str]) -> Rollback:
    """Point :latest at a released version's image and deploy it; what was done."""
    version = wanted_version(env.get("VERSION", ""))
    registry = Registry(
        repository(env), env.get("REGISTRY_USER", ""), env.get("REGISTRY_TOKEN", "")
    )
    versions = released(registry.tags())
    if version not in versions:
        raise UserError(
            f"{version} was never released to {registry.repository}; released: "
            + (", ".join(versions) or "none yet (a tag vX.Y.Z releases one)")
        )
    check_github_release(env, version, versions)
    target = registry.manifest(version)
    if target is None:  # deleted between the listing and now
        raise UserError(f"{registry.repository}:{version} has no manifest")
    labels = registry.labels(target)
    git_sha = labels.get(REVISION, "")
    if not git_sha:
        raise UserError(f"{registry.repository}:{version} has no {REVISION} label")
    current = registry.manifest("latest")
    previous = version_of(registry, current)
    moved = move_latest(registry, target)
    done = Rollback(
        f"{registry.repository}:{version}",
        version,
        moved,
        git_sha,
        previous,
        current.digest if current else None,
        deploy="not run",
    )
    try:
        deployed = deploy(
            {**env, "IMAGE": done.image, "VERSION": version, "GIT_SHA": git_sha, "DIGEST": moved}
        )
    except UserError as err:
        write_summary(env, replace(done, deploy=f"failed: {err}"))
        raise
    done = replace(done, deploy="requested" if deployed else SKIPPED)
    write_summary(env, done)
    return done


def write_summary(env: Mapping[str, str], done: "Rollback") -> None:
    """Append what happened to the job summary (GITHUB_STEP_SUMMARY), when there is one."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(summary(done))


def version_of(registry: Registry, manifest: Manifest | None) -> str | None:
    """Which version an image is, by its label."""
    if manifest is None:
        return None
    return registry.labels(manifest).get(VERSION_LABEL)


def move_latest(registry: Registry, target: Manifest) -> str:
    """Put the target's manifest under :latest and check the registry now serves it."""
    registry.put("latest", target)
    now = registry.manifest("latest")
    if now is None or now.digest != target.digest:
        found = now.digest if now else "nothing"
        raise UserError(
            f"{registry.repository}:latest is {found} after the move, not {target.digest}"
        )
    return target.digest


def summary(done: Rollback) -> str:
    """Markdown for the job summary."""
    before = (
        f"`{done.previous_version or 'unknown'}` ({done.previous_digest})"
        if done.previous_digest
        else "no `:latest` yet"
    )
    return "\n".join(
        [
            f"## Rollback to {done.version}",
            "",
            "| | |",
            "|---|---|",
            f"| `:latest` before | {before} |",
            f"| `:latest` now | `{done.version}` ({done.digest}) |",
            f"| image | `{done.image}` |",
            f"| git SHA | `{done.git_sha}` |",
            f"| deploy | {done.deploy} |",
            "",
        ]
    )


def main(argv: list[str]) -> None:
    """`classifier rollback`: VERSION and the rest from the environment."""
    done = rollback(os.environ)
    log.info(
        ":latest moved from %s to %s (%s, git %s); deploy %s",
        done.previous_version or "nothing",
        done.version,
        done.digest,
        done.git_sha[:12],
        done.deploy,
    )
