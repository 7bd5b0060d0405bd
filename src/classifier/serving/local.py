"""`make serve`: the last built bento under `bentoml serve`, on 127.0.0.1, until Ctrl-C.

It serves the bento `make bento` built in this checkout (build/bento.json), by its exact
tag, never `classifier:latest`: another project's bento in the same BentoML store does
not change what is served here.
"""

import argparse
import shutil
import subprocess

from classifier.contracts.errors import UserError
from classifier.serving.artifacts import built_tag


def command(tag: str, port: int) -> list[str]:
    """The `bentoml serve` command line for `tag` on 127.0.0.1:`port`."""
    found = shutil.which("bentoml")
    if found is None:
        raise UserError("bentoml is not on PATH; run `make install` (or `make serve`)")
    return [found, "serve", tag, "--host", "127.0.0.1", "--port", str(port)]


def main(argv: list[str]) -> int | None:
    """Serve in the foreground; the server's own exit status is ours."""
    parser = argparse.ArgumentParser(
        prog=f"classifier {argv[0]}", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (3000)")
    args = parser.parse_args(argv[1:])
    return subprocess.run(command(built_tag(), args.port), check=False).returncode or None
