"""The service's container image, built and run by a real Docker engine on this machine.

The same commands a release runs: `make image`, `make smoke-image`, `make push-image`.
Where no registry can be reached, the base image comes from `make base-image` (Debian's
package mirror); `.ci/run` builds it once before the suite. All tests here share one
engine, so they run in one pytest-xdist worker.
"""

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml
from testkit.repo import run, tool_env
from testkit.server import build_bento

from classifier.serving.image import LOCAL_BASE, OFFICIAL_BASE

from .conftest import has_image

pytestmark = pytest.mark.xdist_group("docker")

# Bytes, uncompressed (issue #12's bound): 625 MB today, pyarrow (Parquet for `docker run
# IMAGE predict`) and BentoML's OTLP exporter included.
MAX_SIZE = 650 * 1000**2


def tool(env: dict[str, str]) -> dict[str, str]:
    return tool_env(**env)


def docker(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["docker", *args], env=tool(env), capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def built(history, docker_env, tmp_path_factory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the reproduced repository, its bento, and its image (`make image`)."""
    repo = tmp_path_factory.mktemp("image") / "repo"
    shutil.copytree(history[0], repo, symlinks=True)
    home = repo.parent / "bentoml"
    build_bento(repo, home)
    env = {**docker_env, "BENTOML_HOME": str(home)}
    run(["classifier", "image", "build"], repo, **env)
    yield repo, env
    info = json.loads((repo / "build/image.json").read_text())
    subprocess.run(["docker", "rmi", "--force", *info["tags"]], env=tool(env), capture_output=True)


def image_info(repo: Path) -> dict:
    return json.loads((repo / "build/image.json").read_text())


def test_the_image_answers_like_the_model_file_and_stops_cleanly(built):
    repo, env = built
    result = run(["classifier", "image", "smoke"], repo, **env)
    checks = result.stderr.split("passed:", 1)[1].strip().splitlines()
    assert [line.strip().split()[0] for line in checks] == ["/metadata", "60", "a", "the"]
    assert "60 test rows answered as the model file answers them" in result.stderr
    assert "a bad request is refused: 400 rows[0].weight (g): Field required" in result.stderr
    assert "the container stopped cleanly" in result.stderr
    info = image_info(repo)
    assert info["smoke"]["id"] == info["id"]


def test_the_image_is_lean_runs_as_a_user_and_says_where_it_comes_from(built):
    repo, env = built
    info = image_info(repo)
    [inspected] = json.loads(docker(env, "image", "inspect", info["id"]))
    assert inspected["Size"] <= MAX_SIZE, inspected["Size"]
    config = inspected["Config"]
    assert config["User"] == "classifier"
    assert config["Healthcheck"]["Test"][0] == "CMD"
    commit = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    assert config["Labels"]["org.opencontainers.image.revision"] == commit
    assert config["Labels"]["org.opencontainers.image.created"]
    absent = docker(
        env,
        "run",
        "--rm",
        "--entrypoint",
        "sh",
        info["id"],
        "-c",
        "for c in gcc cc g++ make git; do command -v $c; done; ls /var/lib/apt/lists | wc -l",
    )
    assert absent.splitlines() == ["0"]  # no compiler, no git, no apt lists


def test_push_is_refused_for_an_image_that_did_not_pass_the_smoke_test(built):
    repo, env = built
    info = image_info(repo)
    (repo / "build/image.json").write_text(json.dumps({**info, "smoke": None}))
    result = run(["classifier", "image", "push"], repo, check=False, **env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the image has not passed `make smoke-image`; nothing was pushed"
    )
    (repo / "build/image.json").write_text(json.dumps(info))


def test_push_is_refused_when_a_name_is_missing_or_another_image(built):
    repo, env = built
    run(["classifier", "image", "smoke"], repo, **env)
    info = image_info(repo)
    first, second = info["tags"]
    docker(env, "tag", LOCAL_BASE if has_image(env, LOCAL_BASE) else OFFICIAL_BASE, second)
    result = run(["classifier", "image", "push"], repo, check=False, **env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {second} is another image (sha256:")
    assert line.endswith("not the one that passed the smoke test; nothing was pushed")

    docker(env, "rmi", second)
    result = run(["classifier", "image", "push"], repo, check=False, **env)
    assert result.stderr.strip() == (
        f"error: {second} is missing from the engine, not the one that passed the smoke test; "
        "nothing was pushed"
    )
    docker(env, "tag", info["id"], second)
    assert first in info["tags"]


def test_an_image_that_disagrees_with_the_model_fails_the_smoke_test_and_cannot_be_pushed(built):
    # Retrain to another model on disk than the one in the image: parity must catch it.
    repo, env = built
    run(["classifier", "image", "smoke"], repo, **env)  # passed once …
    params = repo / "params.yaml"
    original = params.read_text()
    weaker = yaml.safe_load(original)
    weaker["train"]["candidates"] = {"decision_tree": {"max_depth": [1]}}
    try:
        params.write_text(yaml.safe_dump(weaker, sort_keys=False))
        run(["classifier", "run"], repo)
        result = run(["classifier", "image", "smoke"], repo, check=False, **env)
    finally:
        params.write_text(original)
        run(["classifier", "run"], repo)
    assert result.returncode == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert line.startswith("error: the service disagrees with the model file: row ")
    pushed = run(["classifier", "image", "push"], repo, check=False, **env)  # … then failed
    assert pushed.stderr.strip() == (
        "error: the image has not passed `make smoke-image`; nothing was pushed"
    )


def test_the_image_scores_a_mounted_file_with_the_model_it_serves(built, tmp_path):
    repo, env = built
    rows = pd.read_parquet(repo / "data/prepared/test.parquet").drop(columns=["kind"])
    data = tmp_path / "data"
    data.mkdir()
    rows.to_csv(data / "rows.csv", index=False, na_rep="NA")
    user = f"{os.getuid()}:{os.getgid()}"
    command = ["run", "--rm", "--network", "none", "--user", user, "-v", f"{data}:/data"]
    command += [image_info(repo)["id"], "predict", "/data/rows.csv", "/data/scores.parquet"]
    result = subprocess.run(["docker", *command], env=tool(env), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    model_tag = json.loads((repo / "build/bento.json").read_text())["model"]
    assert f"scored {len(rows)} rows, rejected 0, with {model_tag} in " in result.stderr
    found = pd.read_parquet(data / "scores.parquet")
    model = joblib.load(repo / "models/model.joblib")
    assert found["label"].tolist() == model.predict(rows).tolist()
    proba = model.predict_proba(rows)
    for i, c in enumerate(model.classes_):
        np.testing.assert_array_equal(found[f"probability.{c}"], proba[:, i])
