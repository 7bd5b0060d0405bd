"""A pull request's params cannot make `make run` write outside the repository.

A reviewer who checks out a PR and runs it must not have a file of theirs replaced:
every `paths.*` must resolve, links followed, inside the repository.
"""

from pathlib import Path

import pytest
import yaml
from testkit.repo import run


def point(repo: Path, key: str, target: str) -> None:
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["paths"][key] = target
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
@pytest.mark.parametrize("command", [["classifier", "run"], ["dvc", "repro"]])
def test_a_path_outside_the_repository_is_refused_and_nothing_is_written(
    clone, tmp_path, how, command
):
    outside = tmp_path / "precious.json"
    outside.write_text("mine\n")
    if how == "absolute":
        point(clone, "per_class", str(outside))
    elif how == "dotdot":
        point(clone, "per_class", "../precious.json")
    else:
        (clone / "reports/link.json").symlink_to(outside)
        point(clone, "per_class", "reports/link.json")
    result = run(command, clone, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "'paths.per_class'" in line
    assert outside.read_text() == "mine\n"
