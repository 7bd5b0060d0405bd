"""`make cloud-runner`: a self-hosted runner on a cloud, launched with CML's own CLI.

For teams whose pipeline outgrows a GitHub-hosted runner (hours of grid search, data
that does not fit, a GPU): `cml runner launch` starts an instance on AWS, GCP, Azure or
Kubernetes, registers it as a runner of this repository for exactly one job
(`--single`), and the instance ends itself after that job, or after five idle minutes.
The workflow's reproduce job then runs on it (its label is `cml-<run id>`).

Settings are repository variables, given to this one step as the environment:
CML_CLOUD (aws, gcp, azure, kubernetes: no value, no launch), CML_CLOUD_TYPE (CML's
m/l/xl or a native type such as m5.2xlarge), CML_CLOUD_REGION, CML_CLOUD_GPU,
CML_CLOUD_SPOT (true), CML_CLOUD_HDD_SIZE (GB). Secrets: REPO_TOKEN (registering a
runner needs a personal access token or a GitHub App token; the workflow's own token
cannot) and the cloud's credentials, which CML reads from the environment. Standard
library only.
"""

import logging
import os
import re
import subprocess
from collections.abc import Mapping

from classifier.contracts.errors import UserError

log = logging.getLogger(__name__)

CLOUDS = ("aws", "gcp", "azure", "kubernetes")
GPUS = ("nogpu", "k80", "v100", "tesla")
IDLE_SECONDS = 300
CREDENTIALS = {
    "aws": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    "gcp": ("GOOGLE_APPLICATION_CREDENTIALS_DATA",),
    "azure": ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID"),
    "kubernetes": ("KUBERNETES_CONFIGURATION",),
}


def label(env: Mapping[str, str]) -> str:
    """The label of this workflow run's runner (what the reproduce job runs on)."""
    return f"cml-{env['GITHUB_RUN_ID']}"


def arguments(env: Mapping[str, str]) -> list[str]:
    """`cml runner launch`'s arguments from the settings; a UserError names a bad one."""
    cloud = env.get("CML_CLOUD", "").strip()
    if cloud not in CLOUDS:
        raise UserError(f"CML_CLOUD is {cloud!r}; set it to one of {', '.join(CLOUDS)}")
    kind = env.get("CML_CLOUD_TYPE", "").strip()
    if not kind:
        raise UserError("CML_CLOUD_TYPE is not set: an instance type (m, l, xl, or native)")
    missing = [name for name in ("REPO_TOKEN", *CREDENTIALS[cloud]) if not env.get(name)]
    if missing:
        raise UserError(f"secrets not set for a runner on {cloud}: {', '.join(missing)}")
    args = [
        f"--cloud={cloud}",
        f"--cloud-type={kind}",
        f"--labels={label(env)}",
        "--single",
        f"--idle-timeout={IDLE_SECONDS}",
    ]
    if region := env.get("CML_CLOUD_REGION", "").strip():
        args.append(f"--cloud-region={region}")
    if gpu := env.get("CML_CLOUD_GPU", "").strip():
        if gpu not in GPUS:
            raise UserError(f"CML_CLOUD_GPU is {gpu!r}; set it to one of {', '.join(GPUS)}")
        args.append(f"--cloud-gpu={gpu}")
    if env.get("CML_CLOUD_SPOT", "").strip().lower() == "true":
        args.append("--cloud-spot")
    if size := env.get("CML_CLOUD_HDD_SIZE", "").strip():
        if not re.fullmatch(r"[1-9][0-9]*", size):
            raise UserError(f"CML_CLOUD_HDD_SIZE is {size!r}; give a size in GB, like 100")
        args.append(f"--cloud-hdd-size={size}")
    return args


def main(argv: list[str]) -> None:
    """Launch the runner; CML reads REPO_TOKEN and the cloud's credentials itself."""
    args = arguments(os.environ)
    log.info("launching a runner: cml runner launch %s", " ".join(args))
    launched = subprocess.run(["cml", "runner", "launch", *args], check=False)
    if launched.returncode != 0:
        raise UserError(f"cml runner launch failed (exit {launched.returncode}); see above")
