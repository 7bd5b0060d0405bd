"""Steps of the release workflow (push to main, tag vX.Y.Z) besides the bento and the image.

check        reproduce the pipeline; refuse when reports/metrics.json differs from the
             committed one (what ships must be what was reviewed)
tags         image names for this push: :sha-<short> and :main, or :X.Y.Z and :latest
assets       the model card and the exported bento, for the GitHub release
(Building, checking and pushing the image is classifier.serving.image; the optional
deploy is classifier.ci.deploy, run in a job of its own.)
"""

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from classifier.ci.github import image_repository
from classifier.contracts.errors import UserError
from classifier.contracts.keys import differences
from classifier.contracts.labels import label_text
from classifier.contracts.params import PARAMS_FILE, load_params
from classifier.contracts.yamlfile import read_yaml
from classifier.rendering.markdown import table
from classifier.serving.artifacts import IMAGE_TAGS, REFERENCE, built_tag, read
from classifier.stages.commands import reproduce
from classifier.tools.files import read_json, write_json, write_text
from classifier.tools.git import commit_sha, show

log = logging.getLogger(__name__)

ASSETS = Path("build/release")
# vX.Y.Z, or GTO's registration of the model artifact: classifier@vX.Y.Z (the same release)
VERSION_TAG = re.compile(r"(?:classifier@)?v(\d+\.\d+\.\d+)")


def check() -> None:
    """Reproduce the pipeline, then compare its metrics with the committed ones."""
    reproduce()
    path = load_params().paths.metrics
    committed = show(None, "HEAD", path)
    if committed is None:
        raise UserError(f"{path} is not committed at this commit: run `make run` and commit it")
    changed = differences(json.loads(committed), read_json(path))
    if changed:
        shown = "; ".join(f"{key}: {old} -> {new}" for key, old, new in changed[:5])
        raise UserError(
            f"{path} reproduced here differs from the committed one ({shown}): what would "
            "ship is not what was reviewed; run `make run` and commit the results"
        )
    log.info("%s reproduced exactly as committed", path)


def version_of(ref: str) -> str | None:
    """X.Y.Z for refs/tags/vX.Y.Z or classifier@vX.Y.Z, None for a branch; any other tag
    is a mistake."""
    if ref.startswith("refs/heads/"):
        return None
    tag = ref.removeprefix("refs/tags/")
    match = VERSION_TAG.fullmatch(tag)
    if not ref.startswith("refs/tags/") or not match:
        raise UserError(
            f"{ref}: releases are tagged vX.Y.Z or classifier@vX.Y.Z (for example v1.2.0)"
        )
    return match.group(1)


def image_tags(env: Mapping[str, str]) -> dict[str, Any]:
    """Image names for this push, from the runner's GITHUB_REPOSITORY, GITHUB_REF, GITHUB_SHA."""
    image = image_repository(env["GITHUB_REPOSITORY"])
    version = version_of(env["GITHUB_REF"])
    names = [f"{version}", "latest"] if version else [f"sha-{env['GITHUB_SHA'][:7]}", "main"]
    return {"image": image, "version": version, "tags": [f"{image}:{name}" for name in names]}


def write_tags(env: Mapping[str, str]) -> dict[str, Any]:
    """Record the image names for the steps that follow (and as step outputs on GitHub)."""
    tags = image_tags(env)
    write_json(IMAGE_TAGS, tags)
    output = env.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as out:
            out.write(f"image={tags['tags'][0]}\nversion={tags['version'] or ''}\n")
    log.info("image tags: %s", ", ".join(tags["tags"]))
    return tags


def model_artifact(model_path: str) -> str:
    """The card's line on DVC's model registry: dvc.yaml's `artifacts:` entry for the model."""
    from dvc.repo import Repo  # only this step needs DVC's API

    with Repo(".") as repo:
        declared = repo.artifacts.read()
    for dvcfile, artifacts in declared.items():
        for name, artifact in artifacts.items():
            if artifact.path == model_path:
                return (
                    f"`{name}` ({artifact.type or 'artifact'}, `{artifact.path}`, declared in "
                    f"`{dvcfile}`): `dvc artifacts get <repository URL> {name} --rev <commit>` "
                    "fetches it from the DVC remote"
                )
    return f"none (no `artifacts:` entry in dvc.yaml has the path `{model_path}`)"


def model_card(version: str, sha: str, bento: str, image: str) -> str:
    """Markdown for the GitHub release: what the model is, how good, trained on what."""
    params = load_params()
    metrics = read_json(params.paths.metrics)
    data = read_json(params.paths.data_report)
    cv = read_json(params.paths.cv_report)
    best = next(c for c in cv["candidates"] if c["name"] == cv["best"])
    headline = table(["metric", "value"], [[name, value] for name, value in metrics.items()])
    classes = ", ".join(label_text(c) for c in params.data.classes)
    rows = data["rows"]
    return "\n".join(
        [
            f"# Model card: classifier {version}",
            "",
            f"- Commit: `{sha}`",
            f"- Bento: `{bento}`; image: `{image}`",
            f"- DVC artifact: {model_artifact(str(params.paths.model))}",
            f"- Model: `{best['name']}` with `{json.dumps(best['best_params'])}`, chosen by "
            f"{cv['cv_folds']}-fold CV {cv['scoring']} ({best['mean']:.4f} ± {best['std']:.4f})",
            f"- Target `{params.data.target}`: {classes}",
            f"- Features: {', '.join(params.data.features)}",
            "",
            f"## Test-set metrics ({rows['test']} rows)",
            "",
            headline,
            "",
            "## Data",
            "",
            f"{rows['raw']} rows in `{params.paths.raw_data}` ({rows['duplicates_dropped']} "
            f"duplicates dropped): {rows['train']} for training, {rows['test']} for testing.",
            "",
            "## Params",
            "",
            "```yaml",
            json.dumps(read_yaml(PARAMS_FILE), indent=2),
            "```",
            "",
        ]
    )


def assets(env: Mapping[str, str]) -> list[Path]:
    """The model card and the exported bento, in build/release/."""
    tags = read(IMAGE_TAGS, "make image-tags")
    version = tags["version"] or f"sha-{env.get('GITHUB_SHA', commit_sha())[:7]}"
    bento = built_tag()
    card = ASSETS / "model-card.md"
    write_text(card, model_card(version, commit_sha(), bento, tags["tags"][0]))
    exported = ASSETS / f"classifier-{version}.bento"
    exported.unlink(missing_ok=True)
    # BentoML reads a relative destination as rooted at "/"; give it an absolute one.
    subprocess.run(["bentoml", "export", bento, str(exported.resolve())], check=True)
    reference = ASSETS / REFERENCE.name  # monitoring reads it (`make monitor-reference`)
    shutil.copyfile(REFERENCE, reference)
    log.info("release assets: %s, %s, %s", card, exported, reference)
    return [card, exported, reference]


def main(argv: list[str]) -> None:
    """`classifier release STEP`."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    steps = ["check", "tags", "assets"]
    parser.add_argument("step", choices=steps)
    args = parser.parse_args(argv[1:])
    actions = {
        "check": check,
        "tags": lambda: write_tags(os.environ),
        "assets": lambda: assets(os.environ),
    }
    actions[args.step]()
