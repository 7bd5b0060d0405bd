"""Building the bento: the uv it hands BentoML."""

import pytest

from classifier.contracts.errors import UserError
from classifier.serving.bento import find_uv


def test_bento_finds_the_makefiles_uv_when_it_is_not_on_path(tmp_path, monkeypatch):
    # On a fresh machine uv lives in .tools/bin (the Makefile's install); BentoML only looks
    # on PATH, so the build must hand it this one, as an absolute path.
    tools = tmp_path / ".tools/bin"
    tools.mkdir(parents=True)
    (tools / "uv").write_text("#!/bin/sh\n")
    (tools / "uv").chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_uv() == str(tools / "uv")
    (tools / "uv").unlink()
    with pytest.raises(UserError, match="uv not found; run `make bento`"):
        find_uv()


def test_bentoml_still_has_the_root_model_the_service_builds_its_output_on():
    # service.py subclasses BentoML's IORootModel (not exported) to serialize /predict's
    # list with pydantic: a BentoML upgrade that moves it must fail here, not in production.
    import bentoml
    from _bentoml_sdk.io_models import IORootModel

    assert issubclass(IORootModel, bentoml.IODescriptor)
    assert "root" in IORootModel.model_fields
    assert bentoml.__version__.startswith("1.4.")


def test_make_serve_serves_this_checkouts_bento_by_tag_or_says_to_build_it(tmp_path, monkeypatch):
    from classifier.contracts.errors import UserError
    from classifier.serving import local

    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match=r"build/bento.json not found; run `make bento` first"):
        local.main(["serve"])
    (tmp_path / "build").mkdir()
    (tmp_path / "build/bento.json").write_text('{"bento": "classifier:abc123", "model": "m"}')
    monkeypatch.setattr(local.shutil, "which", lambda name: f"/venv/bin/{name}")
    assert local.command(local.built_tag(), 3001) == [
        "/venv/bin/bentoml",
        "serve",
        "classifier:abc123",
        "--host",
        "127.0.0.1",
        "--port",
        "3001",
    ]


def top_level_imports(module: str) -> set[str]:
    """The classifier modules `module` loads when imported (not inside functions)."""
    import ast

    from testkit.imports import module_file

    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen or not module_file(name).is_file():
            continue
        seen.add(name)
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        for node in ast.parse(module_file(name).read_text()).body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("classifier"):
                todo += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith("classifier")]
    return seen


@pytest.mark.parametrize("command", ["serve", "predict"])
def test_the_bento_ships_every_module_its_service_and_image_commands_load(command):
    """The image runs the service and `classifier predict`: a module either loads at
    import that bentofile.yaml does not include is a crash in the container only."""
    import yaml
    from testkit.imports import module_file
    from testkit.repo import ROOT

    from classifier.__main__ import COMMANDS

    entry = "classifier.serving.service" if command == "serve" else COMMANDS[command][0]
    included = set(yaml.safe_load((ROOT / "bentofile.yaml").read_text())["include"])
    needed = top_level_imports(entry) | top_level_imports("classifier.__main__")
    shipped = {m for m in needed if module_file(m).relative_to(ROOT / "src").as_posix() in included}
    assert needed - shipped == set()
