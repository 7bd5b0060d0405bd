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
