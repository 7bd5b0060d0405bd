"""The package's layers: each imports only those below it; CI steps load no data science."""

import ast
import subprocess
import sys

import pytest
from testkit.imports import SRC

# Lowest first. A module may import from its own package and from those before it.
LAYERS = [
    "tools",
    "contracts",
    "statistics",
    "rendering",
    "runtime",
    "stages",
    "report",
    "serving",
    "monitor",
    "ci",
]
HEAVY = ("pandas", "sklearn", "pandera", "bentoml", "numpy", "dvc", "matplotlib", "pydantic")


def imported_packages(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("classifier.")}
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_a_package_imports_only_itself_and_the_packages_below_it(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    for path in sorted((SRC / "classifier" / layer).rglob("*.py")):
        upward = imported_packages(path) - allowed
        assert upward == set(), f"{path.relative_to(SRC)} imports {sorted(upward)}"


@pytest.mark.parametrize(
    "module",
    [
        "classifier.ci.comment",  # holds a write token, runs on an artifact of a fork's PR
        "classifier.ci.deploy",  # holds the deploy secret
        "classifier.ci.steps",  # pr-info, summary, gate
        "classifier.__main__",  # the dispatcher every make target goes through
    ],
)
def test_ci_steps_load_the_standard_library_only(module):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()[1:]}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
