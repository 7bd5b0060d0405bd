"""The service's container image: build it, check the very image, push only what passed.

`classifier image base`   (`make base-image`)  Debian with Python 3.11 from the OS mirror,
                                                 for machines that reach no registry
`classifier image build`  (`make image`)       the last bento, its model, docker/Dockerfile
`classifier image smoke`  (`make smoke-image`) run the image on 127.0.0.1 and check it
`classifier image push`   (`make push-image`)  push the names, if they are the checked image

Each step records what it did in build/image.json, so the push refuses an image that
was rebuilt, retagged or never checked. The build uses the engine's own builder: an
image that does not land in the engine (a buildx builder with the docker-container
driver keeps it in its cache) stops the build with one line, before anything is pushed.
"""

import argparse
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier.contracts.errors import UserError
from classifier.contracts.params import load_params
from classifier.serving.artifacts import IMAGE_INFO, IMAGE_TAGS, built_bento, read
from classifier.serving.smoke import Server, check, free_port, wait_ready
from classifier.tools.files import write_json
from classifier.tools.git import commit_sha

log = logging.getLogger(__name__)

DOCKER_DIR = Path("docker")
CONTEXT = Path("build/image-context")
OFFICIAL_BASE = "python:3.11-slim-bookworm"
LOCAL_BASE = "classifier-base:bookworm-py3.11"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
# What a registry-less build trusts: the host's bundle (it may intercept TLS).
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")


def docker(*args: str, what: str) -> str:
    """Run `docker ARGS`; its output, or a UserError saying what failed and docker's last line."""
    if shutil.which("docker") is None:
        raise UserError(f"{what}: the docker command is not installed")
    result = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise UserError(f"{what} failed: {lines[-1]}")
    return result.stdout.strip()


def image_id(name: str) -> str | None:
    """The engine's ID of an image, or None when the engine has no such image."""
    result = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", name],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def base_image(mirror: str = DEBIAN_MIRROR) -> str:
    """Debian bookworm with Python 3.11 from the package mirror (debootstrap), as LOCAL_BASE."""
    docker("version", what="a Docker engine")
    if shutil.which("debootstrap") is None or os.geteuid() != 0:
        raise UserError("make base-image needs root and debootstrap (apt-get install debootstrap)")
    with tempfile.TemporaryDirectory(prefix="classifier-base-") as tmp:
        root = Path(tmp) / "rootfs"
        packages = "python3,python3-venv,ca-certificates"
        command = ["debootstrap", "--variant=minbase", f"--include={packages}", "bookworm"]
        result = subprocess.run([*command, str(root), mirror], capture_output=True, text=True)
        if result.returncode != 0:
            raise UserError(f"debootstrap from {mirror} failed: {result.stdout.splitlines()[-1:]}")
        for junk in ("var/cache/apt", "var/lib/apt/lists", "usr/share/doc", "usr/share/man"):
            shutil.rmtree(root / junk, ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        changes = ["--change", "ENV LANG=C.UTF-8", "--change", 'CMD ["python3"]']
        imported = subprocess.run(
            ["docker", "import", *changes, "-", LOCAL_BASE], stdin=tar.stdout, capture_output=True
        )
        tar.wait()
        if imported.returncode != 0:
            raise UserError(f"docker import failed: {imported.stderr.decode().strip()[-300:]}")
    return LOCAL_BASE


def choose_base(env: Mapping[str, str]) -> str:
    """BASE_IMAGE if set; else the base `make base-image` built here; else the official one."""
    if env.get("BASE_IMAGE"):
        return env["BASE_IMAGE"]
    return LOCAL_BASE if image_id(LOCAL_BASE) else OFFICIAL_BASE


def image_names(bento: str, env: Mapping[str, str]) -> list[str]:
    """The release's names (`make image-tags`, in CI), else IMAGE_NAME (classifier):version."""
    if IMAGE_TAGS.is_file():
        return list(read(IMAGE_TAGS, "make image-tags")["tags"])
    name = env.get("IMAGE_NAME") or "classifier"
    return [f"{name}:{bento.split(':')[-1]}", f"{name}:latest"]


def build_context(bento: str, model: str) -> Path:
    """The bento directory, its model (as the container's model store expects), Dockerfile."""
    import bentoml

    missing = [
        item for item in ("Dockerfile", "entrypoint.sh") if not (DOCKER_DIR / item).is_file()
    ]
    if missing:
        raise UserError(f"{DOCKER_DIR}/{missing[0]} not found: the image is built from docker/")
    shutil.rmtree(CONTEXT, ignore_errors=True)
    shutil.copytree(bentoml.bentos.get(bento).path, CONTEXT)
    name, version = model.split(":")
    shutil.copytree(bentoml.models.get(model).path, CONTEXT / "models" / name / version)
    # The service asks for `name:latest`; the store in the image is read-only, so say it here.
    (CONTEXT / "models" / name / "latest").write_text(version)
    for item in ("Dockerfile", "entrypoint.sh"):
        shutil.copy2(DOCKER_DIR / item, CONTEXT / item)
    bundle = next((Path(b) for b in (os.environ.get("SSL_CERT_FILE"), *CA_BUNDLES) if b), None)
    ca = bundle.read_bytes() if bundle and bundle.is_file() else b""
    (CONTEXT / "ca-bundle.crt").write_bytes(ca)
    return CONTEXT


def labels(env: Mapping[str, str], version: str, commit: str) -> dict[str, str]:
    """OCI labels: where the image comes from, which commit, which version, when."""
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    source = f"{server}/{repository}" if server and repository else "local build"
    return {
        "org.opencontainers.image.title": "classifier",
        "org.opencontainers.image.description": "The classifier service, built by `make image`",
        "org.opencontainers.image.source": source,
        "org.opencontainers.image.revision": commit,
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def build(env: Mapping[str, str], cache: bool = True) -> dict[str, Any]:
    """Build the image of the last bento under every name; record its ID in build/image.json."""
    docker("version", what="a Docker engine")
    built, commit = built_bento(), commit_sha()
    names, base = image_names(built["bento"], env), choose_base(env)
    version = read(IMAGE_TAGS, "make image-tags")["version"] if IMAGE_TAGS.is_file() else None
    args = ["build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}"]
    args += [] if cache else ["--no-cache"]
    for key, value in labels(env, version or built["bento"].split(":")[-1], commit).items():
        args += ["--label", f"{key}={value}"]
    for name in names:
        args += ["--tag", name]
    docker(
        *args, str(build_context(built["bento"], built["model"])), what=f"docker build on {base}"
    )
    built_id = image_id(names[0])
    if built_id is None:
        raise UserError(
            f"the build finished but the engine has no image {names[0]}: a buildx builder with "
            "the docker-container driver keeps images in its cache; `docker buildx use default`"
        )
    info = {**built, "id": built_id, "tags": names, "base": base, "commit": commit, "smoke": None}
    write_json(IMAGE_INFO, info)
    return info


@contextmanager
def container(image: str, name: str) -> Iterator[Server]:
    """Run the image on a free port of 127.0.0.1 until the block ends; it must stop cleanly."""
    port = free_port()
    env = ["--env", f"PORT={port}", "--env", "HOST=127.0.0.1"]
    docker("run", "--detach", "--network", "host", "--name", name, *env, image, what="docker run")

    def gone() -> str | None:
        state = docker(
            "inspect",
            "--format",
            "{{.State.Status}} {{.State.ExitCode}}",
            name,
            what="docker inspect",
        )
        status, code = state.split()
        if status == "running":
            return None
        logs = subprocess.run(["docker", "logs", "--tail", "1", name], capture_output=True)
        last = (logs.stderr or logs.stdout).decode().strip() or "no output"
        return f"the container is {status} (exit code {code}); its last line: {last}"

    server = Server(f"http://127.0.0.1:{port}", gone)
    try:
        wait_ready(server)
        yield server
        docker("stop", "--time", "20", name, what="docker stop")
        code = docker("inspect", "--format", "{{.State.ExitCode}}", name, what="docker inspect")
        if code not in ("0", "143"):  # a clean exit, or SIGTERM's own status
            raise UserError(f"the container did not stop cleanly: exit code {code}")
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)


def smoke() -> list[str]:
    """Run the built image and check it as `make smoke` checks the bento; record the result."""
    info = read(IMAGE_INFO, "make image")
    if image_id(info["tags"][0]) != info["id"]:
        raise UserError(f"{info['tags'][0]} is not the image `make image` built; run it again")
    write_json(IMAGE_INFO, {**info, "smoke": None})  # a failed run must not leave an old pass
    with container(info["id"], f"classifier-smoke-{os.getpid()}") as server:
        passed = check(server.url, load_params(), info["model"], info["commit"])
    passed.append("the container stopped cleanly")
    write_json(IMAGE_INFO, {**info, "smoke": {"id": info["id"], "passed": passed}})
    return passed


def push() -> dict[str, str]:
    """Push every name of the checked image; refuse if any name is not that image."""
    info = read(IMAGE_INFO, "make image")
    if not info.get("smoke") or info["smoke"]["id"] != info["id"]:
        raise UserError("the image has not passed `make smoke-image`; nothing was pushed")
    for name in info["tags"]:
        found = image_id(name)
        if found != info["id"]:
            what = "missing from the engine" if found is None else f"another image ({found[:19]})"
            raise UserError(
                f"{name} is {what}, not the one that passed the smoke test; nothing was pushed"
            )
    digests = {}
    for name in info["tags"]:
        output = docker("push", name, what=f"docker push {name}")
        match = DIGEST.search(output)
        digests[name] = match.group(1) if match else ""
    write_json(IMAGE_INFO, {**info, "pushed": digests})
    step_output = os.environ.get("GITHUB_OUTPUT")
    if step_output:  # the release's deploy job sends the digest along
        with open(step_output, "a", encoding="utf-8") as out:
            out.write(f"digest={digests[info['tags'][0]]}\n")
    return digests


def main(argv: list[str]) -> None:
    """`classifier image base|build|smoke|push`."""
    parser = argparse.ArgumentParser(prog="classifier image", description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["base", "build", "smoke", "push"])
    parser.add_argument("--mirror", default=DEBIAN_MIRROR, help="Debian mirror for `base`")
    parser.add_argument("--no-cache", action="store_true", help="`build` every layer anew")
    args = parser.parse_args(argv[1:])
    if args.step == "base":
        log.info("base image %s built from %s", base_image(args.mirror), args.mirror)
    elif args.step == "build":
        info = build(os.environ, cache=not args.no_cache)
        log.info("image %s built on %s: %s", info["id"][:19], info["base"], ", ".join(info["tags"]))
    elif args.step == "smoke":
        log.info("smoke test of the image passed:\n  %s", "\n  ".join(smoke()))
    else:
        for name, digest in push().items():
            log.info("pushed %s %s", name, digest)
