"""`make pull` / `make push`: DVC remote transfers that explain themselves.

In CI, `make pull` runs only when a default remote is configured and the credentials
its storage needs are present; otherwise it says why it skipped (pull requests from
forks get no secrets). A failed transfer is one line naming the remote and the cause.
"""

import logging
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from classifier.contracts.errors import UserError
from classifier.tools.dvc_output import failure_reason

log = logging.getLogger(__name__)

# Environment variables each storage needs when the remote's own config holds no credentials.
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    "gs": ("GOOGLE_APPLICATION_CREDENTIALS",),
    "azure": ("AZURE_STORAGE_CONNECTION_STRING",),
}
# How storage services word a refusal of the credentials (S3 answers a HEAD with a bare 403).
REFUSED = ("403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "401")
CONFIG_CREDENTIALS = {
    "access_key_id",
    "profile",
    "credentialpath",
    "connection_string",
    "credentials",
}


def default_remote(root: Path) -> tuple[str, str, dict] | None:
    """(name, url, config) of the default DVC remote, or None when there is none."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        config = repo.config
        name = config["core"].get("remote")
        if not name:
            return None
        remote = dict(config["remote"].get(name, {}))
    return name, str(remote.get("url", "")), remote


def missing_credentials(url: str, remote: Mapping, env: Mapping[str, str]) -> list[str]:
    """What the storage behind `url` needs and neither its config nor `env` provides."""
    if CONFIG_CREDENTIALS & set(remote):
        return []
    return [name for name in CREDENTIALS.get(urlsplit(url).scheme, ()) if not env.get(name)]


def notice(message: str) -> None:
    """A GitHub Actions notice (plain text anywhere else)."""
    sys.stdout.write(f"::notice title=DVC remote::{message}\n")


def transfer(command: str, name: str, url: str) -> None:
    """`dvc pull|push --run-cache`; a failure becomes one line naming the remote.

    A pull tolerates outputs the remote lacks (a PR's results were never pushed);
    the pipeline then reproduces them.
    """
    extra = ["--allow-missing"] if command == "pull" else []
    result = subprocess.run(
        ["dvc", command, "--run-cache", *extra], capture_output=True, text=True, check=False
    )
    sys.stdout.write(result.stdout)
    if result.returncode != 0:
        reason = failure_reason(result.stderr.splitlines(), result.returncode)
        direction = "from" if command == "pull" else "to"
        message = f"dvc {command} {direction} remote '{name}' ({url}) failed: {reason}"
        if any(word in reason for word in REFUSED):
            needed = CREDENTIALS.get(urlsplit(url).scheme, ("the remote's credentials",))
            message += f" (the credentials were refused: check {', '.join(needed)})"
        raise UserError(message)


def pull(root: Path, env: Mapping[str, str]) -> None:
    """Pull data and run-cache when the remote can be reached; say why when it cannot."""
    remote = default_remote(root)
    if remote is None:
        notice("no default DVC remote: dvc pull skipped (the data comes from git)")
        return
    name, url, config = remote
    missing = missing_credentials(url, config, env)
    if missing:
        notice(
            f"dvc pull skipped: remote '{name}' ({url}) needs {', '.join(missing)}; set them as "
            "repository secrets (pull requests from forks never get secrets)"
        )
        return
    transfer("pull", name, url)


def push(root: Path) -> None:
    """Push data and run-cache to the default remote."""
    remote = default_remote(root)
    if remote is None:
        raise UserError("no default DVC remote: `dvc remote add -d NAME URL` first")
    transfer("push", remote[0], remote[1])


def main(argv: list[str]) -> None:
    """`classifier pull` / `classifier push`."""
    if argv[0] == "pull":
        pull(Path.cwd(), os.environ)
    else:
        push(Path.cwd())
