"""`make deploy`: tell a deploy endpoint which image to run, when one is configured.

The optional last step of a release. It POSTs {"image", "version", "digest", "git_sha"}
as JSON to DEPLOY_WEBHOOK_URL (with DEPLOY_TOKEN as a bearer token when set); a rollback
(`make rollback`) sends the same for the version it goes back to. Point it at
whatever rolls out your service (a platform's deploy hook, a small function of your
own). Without the secret it says so and succeeds. Standard library only: the deploy
job installs nothing.
"""

import logging
import os
import sys
from collections.abc import Mapping

from classifier.ci.github import request_json
from classifier.contracts.errors import UserError

log = logging.getLogger(__name__)


def payload(env: Mapping[str, str]) -> dict[str, str]:
    """What the endpoint gets, from the release job's outputs."""
    missing = [name for name in ("IMAGE", "VERSION", "DIGEST", "GIT_SHA") if not env.get(name)]
    if missing:
        raise UserError(f"{', '.join(missing)} not set: the release job passes them to deploy")
    return {
        "image": env["IMAGE"],
        "version": env["VERSION"],
        "digest": env["DIGEST"],
        "git_sha": env["GIT_SHA"],
    }


def deploy(env: Mapping[str, str]) -> bool:
    """POST the image to the webhook; False (with a notice) when no webhook is configured."""
    url = env.get("DEPLOY_WEBHOOK_URL", "")
    if not url:
        sys.stdout.write("::notice title=Deploy::DEPLOY_WEBHOOK_URL is not set: deploy skipped\n")
        return False
    headers = {"Authorization": f"Bearer {env['DEPLOY_TOKEN']}"} if env.get("DEPLOY_TOKEN") else {}
    status, _ = request_json(url, "DEPLOY_WEBHOOK_URL", headers, payload(env))
    if not 200 <= status < 300:
        raise UserError(f"the deploy webhook answered HTTP {status}; nothing was deployed")
    log.info("deploy of %s requested: the endpoint answered %s", env["IMAGE"], status)
    return True


def main(argv: list[str]) -> None:
    """`classifier deploy`: the release job's IMAGE, VERSION, DIGEST and GIT_SHA to the webhook."""
    deploy(os.environ)
