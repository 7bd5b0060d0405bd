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
