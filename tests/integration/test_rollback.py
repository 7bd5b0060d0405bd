"""Rolling back a release against a real OCI registry on 127.0.0.1 (`docker-registry`).

Two releases are pushed as the release workflow leaves them (X.Y.Z, and :latest on the
newer). The rollback job of rollback.yml runs step by step; GitHub's API and the team's
deploy hook are recording stand-ins named as fakes. `make rollback` runs as a user would.
GHCR's token flow, which the local registry does not speak, is a fake of its own.
"""

import base64
import json
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from testkit.registry import digest_of, docker_registry, manifest_of, push_release
from testkit.repo import copy_machinery, tool_env

from classifier.ci.registry import Manifest, Registry
from classifier.contracts.errors import UserError
from classifier.serving.image import LOCAL_BASE, OFFICIAL_BASE, labels

from ..fake_deploy import fake_deploy_endpoint
from ..fake_github import REPO, fake_github, serve
from ..workflow import Runner, load_job, runner_env

NAME = "acme/penguins"
FIRST, SECOND = ("1.0.0", "1" * 40), ("1.1.0", "2" * 40)


def noop(_: dict) -> None:
    """actions/checkout: the machinery is already in the working directory."""


@pytest.fixture
def released(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A registry holding two releases, :latest on the second: (host, digest per version)."""
    with docker_registry(tmp_path) as host:
        digests = {
            FIRST[0]: push_release(host, NAME, *FIRST, tags=[FIRST[0], "latest"]),
            SECOND[0]: push_release(host, NAME, *SECOND, tags=[SECOND[0], "latest"]),
        }
        assert digests[FIRST[0]] != digests[SECOND[0]]
        yield host, digests


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "checkout"
    path.mkdir()
    copy_machinery(path)
    return path


def rollback_job(workdir: Path, host: str, api: str, version: str, deploy_url: str) -> object:
    context = {
        "inputs.version": version,
        "github.actor": "someone",
        "github.token": "fake-token",
        "secrets.DEPLOY_WEBHOOK_URL": deploy_url,
        "secrets.DEPLOY_TOKEN": "s3cret",
    }
    env = runner_env(workdir, IMAGE_REPOSITORY=f"{host}/{NAME}", GITHUB_API_URL=api)
    env["GITHUB_REPOSITORY"] = REPO
    runner = Runner(workdir, context, {"actions/checkout": noop}, env)
    return runner.run(load_job("rollback.yml", "rollback"))


def test_rollback_points_latest_at_the_first_release_by_digest_and_deploys_it_to_a_fake_hook(
    released, workdir
):
    host, digests = released
    first_bytes = manifest_of(host, NAME, FIRST[0])
    assert digest_of(host, NAME, "latest") == digests[SECOND[0]]
    with fake_github() as (api, github), fake_deploy_endpoint() as (url, deployed):
        github.releases |= {f"v{FIRST[0]}", f"v{SECOND[0]}"}
        job = rollback_job(workdir, host, api, FIRST[0], url)
    assert not job.failed, [s.output for s in job.steps]
    # :latest is the first release's image, untouched: same bytes, same digest.
    assert digest_of(host, NAME, "latest") == digests[FIRST[0]]
    assert manifest_of(host, NAME, "latest") == first_bytes
    assert digest_of(host, NAME, FIRST[0]) == digests[FIRST[0]]
    assert digest_of(host, NAME, SECOND[0]) == digests[SECOND[0]]
    assert deployed == [
        {
            "body": {
                "image": f"{host}/{NAME}:{FIRST[0]}",
                "version": FIRST[0],
                "digest": digests[FIRST[0]],
                "git_sha": FIRST[1],
            },
            "auth": "Bearer s3cret",
        }
    ]
    checked = [c for c in github.calls if "/releases/" in c["path"]]
    assert [(c["path"], c["auth"]) for c in checked] == [
        (f"/repos/{REPO}/releases/tags/v{FIRST[0]}", "Bearer fake-token")
    ]
    summary = (workdir.parent / "step-summary.md").read_text()
    assert f"| `:latest` before | `{SECOND[0]}` ({digests[SECOND[0]]}) |" in summary
    assert f"| `:latest` now | `{FIRST[0]}` ({digests[FIRST[0]]}) |" in summary
    assert f"| git SHA | `{FIRST[1]}` |" in summary


def test_a_version_with_an_image_but_no_github_release_is_refused_and_nothing_moves(
    released, workdir
):
    host, digests = released
    with fake_github() as (api, github), fake_deploy_endpoint() as (url, deployed):
        github.releases.add(f"v{SECOND[0]}")  # the first one's release was deleted
        job = rollback_job(workdir, host, api, FIRST[0], url)
    assert job.failed
    assert (
        f"error: v{FIRST[0]} has an image but no GitHub release; released: 1.0.0, 1.1.0"
        in job.steps[-1].output
    )
    assert digest_of(host, NAME, "latest") == digests[SECOND[0]]
    assert deployed == []


def test_a_failed_deploy_fails_the_rollback_and_the_summary_says_where_it_stopped(
    released, workdir
):
    host, digests = released
    with fake_github() as (api, github), fake_deploy_endpoint(500) as (url, deployed):
        github.releases |= {f"v{FIRST[0]}", f"v{SECOND[0]}"}
        job = rollback_job(workdir, host, api, FIRST[0], url)
    assert job.failed
    assert "error: the deploy webhook answered HTTP 500; nothing was deployed" in (
        job.steps[-1].output
    )
    assert len(deployed) == 1
    # :latest has moved (the registry is the record of what should run); the summary
    # says the deploy did not happen, so a re-run of the rollback finishes the job.
    assert digest_of(host, NAME, "latest") == digests[FIRST[0]]
    summary = (workdir.parent / "step-summary.md").read_text()
    assert "| deploy | failed: the deploy webhook answered HTTP 500; nothing was deployed |" in (
        summary
    )


def make_rollback(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = tool_env()
    for name in ("GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY", "DEPLOY_WEBHOOK_URL"):
        env.pop(name, None)
    return subprocess.run(
        ["make", "--no-print-directory", "rollback", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_make_rollback_refuses_a_version_never_released_in_one_line(released, workdir):
    host, digests = released
    result = make_rollback(workdir, "VERSION=9.9.9", f"IMAGE_REPOSITORY={host}/{NAME}")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[0] == (
        f"error: 9.9.9 was never released to {host}/{NAME}; released: 1.0.0, 1.1.0"
    )
    assert "Traceback" not in result.stderr
    assert digest_of(host, NAME, "latest") == digests[SECOND[0]]


def test_make_rollback_runs_locally_against_any_registry_without_github(released, workdir):
    host, digests = released
    result = make_rollback(workdir, "VERSION=v1.0.0", f"IMAGE_REPOSITORY={host}/{NAME}")
    assert result.returncode == 0, result.stderr
    assert digest_of(host, NAME, "latest") == digests[FIRST[0]]
    assert "the GitHub release check is skipped" in result.stderr
    assert f":latest moved from {SECOND[0]} to {FIRST[0]}" in result.stderr
    assert "deploy skipped" in result.stderr + result.stdout


def docker(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(["docker", *args], env=tool_env(**env), capture_output=True, text=True)
    assert result.returncode == 0, (args, result.stderr[-800:])
    return result.stdout.strip()


@pytest.fixture
def docker_registry_for(docker_env, tmp_path) -> Iterator[str]:
    """A registry for images the real engine pushes; the engine forgets them afterwards."""
    with docker_registry(tmp_path) as host:
        yield host
        names = [f"{host}/{NAME}:{tag}" for tag in (FIRST[0], SECOND[0], "latest")]
        subprocess.run(["docker", "rmi", *names], env=tool_env(**docker_env), capture_output=True)


@pytest.mark.xdist_group("docker")
def test_images_pushed_by_docker_roll_back_to_the_very_image_that_was_released(
    docker_env, docker_registry_for, workdir, tmp_path
):
    # As the release workflow leaves them: images labelled by `make image`'s own code,
    # pushed by the real engine (its manifest formats, not ours), :latest on the newer.
    host = docker_registry_for
    repository, ids, pushed = f"{host}/{NAME}", {}, {}
    base = LOCAL_BASE if docker(docker_env, "images", "-q", LOCAL_BASE) else OFFICIAL_BASE
    for version, sha in (FIRST, SECOND):
        context = tmp_path / f"context-{version}"
        context.mkdir()
        (context / "Dockerfile").write_text(f"FROM {base}\nCOPY release.txt /srv/\n")
        (context / "release.txt").write_text(f"{version} {sha}\n")
        label_args = [f"--label={k}={v}" for k, v in labels({}, version, sha).items()]
        tags = [f"{repository}:{version}", f"{repository}:latest"]
        tag_args = [f"--tag={tag}" for tag in tags]
        docker(docker_env, "build", "--network=host", *label_args, *tag_args, str(context))
        ids[version] = docker(docker_env, "image", "inspect", "--format={{.Id}}", tags[0])
        for tag in tags:
            docker(docker_env, "push", tag)
        pushed[version] = digest_of(host, NAME, version)
    assert digest_of(host, NAME, "latest") == pushed[SECOND[0]]
    result = make_rollback(workdir, f"VERSION={FIRST[0]}", f"IMAGE_REPOSITORY={repository}")
    assert result.returncode == 0, result.stderr
    assert digest_of(host, NAME, "latest") == pushed[FIRST[0]]
    docker(docker_env, "rmi", f"{repository}:latest", f"{repository}:{FIRST[0]}")
    docker(docker_env, "pull", f"{repository}:latest")
    pulled = docker(docker_env, "image", "inspect", "--format={{.Id}}", f"{repository}:latest")
    assert pulled == ids[FIRST[0]]


class FakeTokenRegistry(BaseHTTPRequestHandler):
    """A stand-in for GHCR's token flow (GHCR cannot be reached here): a Bearer challenge,
    a token for basic credentials, and blobs redirected to a storage path, as GHCR does."""

    calls: list[tuple[str, str | None]]
    realm: str

    def log_message(self, *args: object) -> None:
        pass

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization")
        self.calls.append((self.path, auth))
        basic = "Basic " + base64.b64encode(b"someone:s3cret").decode()
        if self.path.startswith("/token?"):
            if auth != basic or "scope=repository%3Aacme%2Fpenguins%3Apull" not in self.path:
                return self.answer(401)
            return self.answer(200, json.dumps({"token": "t0k"}).encode())
        if self.path.startswith("/storage/"):
            return self.answer(200, json.dumps({"config": {"Labels": {"a": "b"}}}).encode())
        if auth != "Bearer t0k":
            scope = 'scope="repository:acme/penguins:pull"'
            challenge = f'Bearer realm="{self.realm}",service="fake",{scope}'
            return self.answer(401, WWW_Authenticate=challenge)
        if self.path.startswith("/v2/acme/penguins/blobs/"):
            return self.answer(307, Location="/storage/config")
        return self.answer(200, json.dumps({"tags": ["1.0.0", "latest"]}).encode())


def test_token_auth_is_asked_with_basic_credentials_and_never_follows_a_redirect_with_fake_ghcr():
    calls: list[tuple[str, str | None]] = []
    handler = type("Registry", (FakeTokenRegistry,), {"calls": calls, "realm": ""})
    with serve(handler) as url:
        handler.realm = f"{url}/token"
        registry = Registry(f"{url.removeprefix('http://')}/acme/penguins", "someone", "s3cret")
        assert registry.tags() == ["1.0.0", "latest"]
        manifest = Manifest(json.dumps({"config": {"digest": "sha256:ab"}}).encode(), "", "x")
        assert registry.labels(manifest) == {"a": "b"}
    paths = [path.split("?")[0] for path, _ in calls]
    assert paths == [
        "/v2/acme/penguins/tags/list",  # no token yet: challenged
        "/token",  # basic credentials for the token
        "/v2/acme/penguins/tags/list",  # with it
        "/v2/acme/penguins/blobs/sha256:ab",
        "/storage/config",  # the redirect: no token sent to storage
    ]
    assert [auth for _, auth in calls][2:] == ["Bearer t0k", "Bearer t0k", None]


def test_wrong_registry_credentials_are_one_line_with_fake_ghcr():
    handler = type("Registry", (FakeTokenRegistry,), {"calls": [], "realm": ""})
    with serve(handler) as url:
        handler.realm = f"{url}/token"
        registry = Registry(f"{url.removeprefix('http://')}/acme/penguins", "someone", "wrong")
        with pytest.raises(UserError, match=r"no registry token \(HTTP 401 from http://"):
            registry.tags()
