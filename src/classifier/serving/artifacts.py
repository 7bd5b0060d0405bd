"""What the build steps hand each other under build/: the bento, the image, its names.

Each step writes one small JSON file the next reads, so `make bento`, `make image`,
`make smoke-image` and `make push-image` can run one by one, locally or in a workflow.
"""

from pathlib import Path
from typing import Any

from classifier.contracts.errors import UserError
from classifier.tools.files import read_json

BUILD = Path("build")
BENTO_INFO = BUILD / "bento.json"  # {"bento": tag, "model": tag}: `make bento`
IMAGE_TAGS = BUILD / "image-tags.json"  # {"image", "version", "tags"}: `make image-tags` (CI)
IMAGE_INFO = BUILD / "image.json"  # {"id", "tags", "bento", "smoke", "pushed"}: `make image` …
REFERENCE = BUILD / "reference.json"  # the model's monitoring reference: `make bento`


def read(path: Path, made_by: str) -> dict[str, Any]:
    """A build file, or a UserError naming the verb that makes it."""
    if not path.is_file():
        raise UserError(f"{path} not found; run `{made_by}` first")
    info = read_json(path)
    if not isinstance(info, dict):
        raise UserError(f"{path} is not what `{made_by}` writes; run it again")
    return info


def built_bento() -> dict[str, str]:
    """The bento and model tags of the last `make bento`."""
    return read(BENTO_INFO, "make bento")


def built_tag() -> str:
    """The bento tag of the last `make bento`."""
    return built_bento()["bento"]
