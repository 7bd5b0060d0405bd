"""A real OCI registry on 127.0.0.1 (Debian's `docker-registry`, the CNCF distribution
server) and a small pusher of real images into it, over the distribution API.

The images are complete and valid (a config with the OCI labels `make image` sets, one
gzipped layer), only small: what a rollback moves is manifests, never layer content.
"""

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from classifier.ci.registry import ACCEPT
from classifier.serving.smoke import free_port

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"


@contextmanager
def docker_registry(workdir: Path) -> Iterator[str]:
    """Serve a registry on a free port of 127.0.0.1 until the block ends; yields host:port."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("no docker-registry here (Debian: apt install docker-registry)")
    port = free_port()
    config = workdir / "registry.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "version": 0.1,
                "log": {"level": "warn"},
                "storage": {"filesystem": {"rootdirectory": str(workdir / "registry")}},
                "http": {"addr": f"127.0.0.1:{port}"},
            }
        )
    )
    log = (workdir / "registry.log").open("wb")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
    host = f"127.0.0.1:{port}"
    try:
        wait_ready(host, process)
        yield host
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def wait_ready(host: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://{host}/v2/", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"docker-registry on {host} did not answer in {timeout:.0f} s")


def request(method: str, url: str, body: bytes | None = None, **headers: str) -> tuple[int, dict]:
    call = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as err:
        raise RuntimeError(f"{method} {url}: HTTP {err.code} {err.read()[:300]!r}") from None


def upload_blob(host: str, name: str, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    _, headers = request("POST", f"http://{host}/v2/{name}/blobs/uploads/")
    location = headers["location"]
    url = location if location.startswith("http") else f"http://{host}{location}"
    separator = "&" if "?" in url else "?"
    request(
        "PUT",
        f"{url}{separator}digest={digest}",
        data,
        **{"Content-Type": "application/octet-stream"},
    )
    return digest


def layer(content: bytes) -> bytes:
    """A gzipped tar holding one file, as an image layer."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("srv/release.txt")
        info.size, info.mtime = len(content), 0
        tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)


def push_release(host: str, name: str, version: str, git_sha: str, tags: list[str]) -> str:
    """Push an image labelled as `make image` labels a release; tag it; its manifest digest."""
    packed = layer(f"{version} {git_sha}\n".encode())
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {
                "Labels": {
                    "org.opencontainers.image.title": "classifier",
                    "org.opencontainers.image.revision": git_sha,
                    "org.opencontainers.image.version": version,
                }
            },
            "rootfs": {
                "type": "layers",
                "diff_ids": ["sha256:" + hashlib.sha256(gzip.decompress(packed)).hexdigest()],
            },
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": upload_blob(host, name, config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": upload_blob(host, name, packed),
                    "size": len(packed),
                }
            ],
        }
    ).encode()
    for tag in tags:
        url = f"http://{host}/v2/{name}/manifests/{tag}"
        request("PUT", url, manifest, **{"Content-Type": MANIFEST_TYPE})
    return "sha256:" + hashlib.sha256(manifest).hexdigest()


def manifest_of(host: str, name: str, tag: str) -> bytes:
    """The bytes a tag serves (asking for every current format: a registry converts to the
    old signed schema 1, different bytes on every read, for a client that does not)."""
    call = urllib.request.Request(
        f"http://{host}/v2/{name}/manifests/{tag}", headers={"Accept": ACCEPT}
    )
    with urllib.request.urlopen(call, timeout=30) as response:  # noqa: S310
        return response.read()


def digest_of(host: str, name: str, tag: str) -> str:
    return "sha256:" + hashlib.sha256(manifest_of(host, name, tag)).hexdigest()
