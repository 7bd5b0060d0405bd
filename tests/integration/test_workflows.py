"""The workflows' jobs, step by step, in temporary clones with the variables a runner sets.

GitHub-only parts are stand-ins named as such: a recording fake `cml` and `npm`, a
fake GitHub API on 127.0.0.1, a fake `docker push` to ghcr.io (the image is built and
run by the real engine), a fake deploy endpoint. Everything else is the real Makefile
target or module.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from testkit.repo import ROOT, copy_machinery, git_commit, run, tool_env

from ..fake_deploy import fake_deploy_endpoint
from ..fake_github import REPO
from ..workflow import FakeActionsCache, Runner, copy_folder, fake_command, load_job, runner_env
from .conftest import HEAD

RECORDER = """import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"tool": os.path.basename(sys.argv[0]), "argv": sys.argv[1:],
                          "cwd": os.getcwd(), "env": {k: os.environ.get(k) for k in
                          ("NODE_OPTIONS", "REPO_TOKEN")}}) + "\\n")
"""
# The real engine for everything but a push to ghcr.io, which only GitHub can take: a
# recording stand-in answers it with a digest, as `docker push` prints one.
DOCKER_WITH_FAKE_PUSH = (
    RECORDER
    + """
import hashlib
if sys.argv[1:2] == ["push"]:
    digest = hashlib.sha256(sys.argv[2].encode()).hexdigest()
    print(f"{sys.argv[2].split(':')[-1]}: digest: sha256:{digest} size: 1234")
else:
    os.execv(os.environ["REAL_DOCKER"], ["docker", *sys.argv[1:]])
"""
)


def calls(log: Path, tool: str) -> list[dict]:
    if not log.exists():
        return []
    return [c for c in map(json.loads, log.read_text().splitlines()) if c["tool"] == tool]


def noop(_: dict) -> None:
    """A GitHub-only action with nothing to do here (the checkout already happened)."""


# ---- pull request ----


def pr_job(repo: Path, tmp_path: Path) -> tuple[Runner, Path]:
    artifacts = tmp_path / "artifacts"
    head = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    context = {
        "github.event.pull_request.number": "7",
        "github.event.pull_request.head.sha": head,
        "github.base_ref": "main",
        "runner.os": "Linux",
        "hashFiles('dvc.lock')": "cache-key-unused-here",
    }
    actions = {
        "actions/checkout": noop,
        "astral-sh/setup-uv": noop,
        "actions/cache": noop,
        "actions/upload-artifact": lambda w: copy_folder(repo / w["path"], artifacts / w["name"]),
    }
    return Runner(repo, context, actions, runner_env(repo)), artifacts


def test_pr_job_reports_hands_over_the_artifact_and_fails_on_the_gate(pr_clone, tmp_path):
    params = pr_clone / "params.yaml"
    weaker = yaml.safe_load(params.read_text())
    weaker["train"]["candidates"] = {"decision_tree": {"max_depth": [1]}}
    params.write_text(yaml.safe_dump(weaker, sort_keys=False))
    git_commit(pr_clone, "a weaker model")
    runner, artifacts = pr_job(pr_clone, tmp_path)
    job = runner.run(load_job("pr.yml", "report"))

    assert [s.status for s in job.steps[:-1]] == [0] * (len(job.steps) - 1), job.steps
    gate = job.step("Quality gate")
    assert gate.status != 0
    assert "::error title=Quality gate failed::" in gate.output
    assert (
        "no default DVC remote: dvc pull skipped"
        in job.step("dvc pull (only with a remote and its credentials)").output
    )

    report = artifacts / "report"
    head = run(["git", "rev-parse", "HEAD"], pr_clone).stdout.strip()
    assert json.loads((report / "pr.json").read_text()) == {"number": 7, "head_sha": head}
    assert json.loads((report / "gate.json").read_text())["passed"] is False
    for image in ("confusion.png", "cv_scores.png", "importance.png"):
        assert (report / image).stat().st_size > 1000
    markdown = (report / "report.md").read_text()
    assert markdown.startswith("## ❌ Quality gate failed")
    assert f"Model report for `{head[:7]}` against `origin/main`" in markdown
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary == (report / "summary.md").read_text()
    assert "![" not in summary


def test_pr_job_passes_when_nothing_got_worse(pr_clone, tmp_path):
    (pr_clone / "README.md").write_text("docs only\n")
    git_commit(pr_clone, "docs")
    runner, artifacts = pr_job(pr_clone, tmp_path)
    job = runner.run(load_job("pr.yml", "report"))
    assert not job.failed, [(s.name, s.output[-500:]) for s in job.steps if s.status]
    assert "::notice title=Quality gate::passed" in job.step("Quality gate").output
    assert json.loads((artifacts / "report/gate.json").read_text())["passed"] is True


# ---- comment ----

# A stand-in for the CML CLI's `cml asset publish FILE --url=HOST`: it sends the file's
# bytes to the upload host, as CML does, and prints the URL it got.
FAKE_CML = (
    RECORDER
    + """
import hashlib, urllib.request
path = sys.argv[3]
url = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--url="))
data = open(path, "rb").read()
urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST")).read()
print(f"{url}/{hashlib.sha256(data).hexdigest()[:12]}.png")
"""
)


# A stand-in for npm: records its call and, for `install --prefix P`, leaves the fake
# cml where npm would put the real one (P/node_modules/.bin/cml).
FAKE_NPM = (
    RECORDER
    + """
if "--prefix" in sys.argv:
    import shutil
    prefix = sys.argv[sys.argv.index("--prefix") + 1]
    os.makedirs(os.path.join(prefix, "node_modules", ".bin"), exist_ok=True)
    target = os.path.join(prefix, "node_modules", ".bin", "cml")
    shutil.copy(shutil.which("cml"), target)
"""
)


# The example report's charts that are real PNGs in the test's artifact, in report order.
FIGURES_SENT = ("confusion.png", "reliability.png")


def comment_job(
    tmp_path: Path,
    api: str,
    artifact: Path,
    images: str = "",
    upload: str = "",
    cache_store: Path | None = None,
) -> tuple[object, Path]:
    """The comment job, from the default branch, on a downloaded `artifact`; its caches
    kept in `cache_store` between runs (a stand-in for actions/cache)."""
    workdir = tmp_path / "default-branch"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    copy_machinery(workdir)
    bin_dir = tmp_path / "fake-bin"
    fake_command(bin_dir, "cml", FAKE_CML)
    fake_command(bin_dir, "npm", FAKE_NPM)
    log = tmp_path / "fake-calls.jsonl"
    env = runner_env(workdir, GITHUB_API_URL=api, FAKE_LOG=str(log))
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    context = {
        "github.event.workflow_run.id": "4242",
        "github.event.workflow_run.head_sha": HEAD,
        "github.token": "fake-token",
        "vars.REPORT_IMAGES": images,
        "vars.CML_ASSET_URL": upload,
        "runner.os": "Linux",
        "runner.arch": "X64",
    }
    cache = FakeActionsCache(cache_store or tmp_path / "actions-cache", workdir)
    actions = {
        "actions/checkout": noop,
        "actions/setup-node": noop,
        "actions/cache": cache,
        "actions/download-artifact": lambda w: copy_folder(artifact, workdir / w["path"]),
    }
    job = Runner(workdir, context, actions, env).run(load_job("comment.yml", "comment"))
    cache.save()
    return job, log


def example_artifact(tmp_path: Path, pr: object = None) -> Path:
    """The example report folder with its pr.json, as the PR job uploads it."""
    artifact = tmp_path / "downloaded"
    shutil.copytree(ROOT / "docs/example-report", artifact)
    (artifact / "pr.json").write_text(json.dumps(pr or {"number": 7, "head_sha": HEAD}))
    return artifact


def test_comment_job_uploads_only_pngs_and_edits_only_its_own_comment_with_fakes(
    tmp_path, github, fake_upload_host
):
    """Fake GitHub API, fake upload host, fake cml: a person's comment carries our marker."""
    api, state = github
    upload, received = fake_upload_host
    artifact = example_artifact(tmp_path)
    secret = tmp_path / "runner-secret"
    secret.write_bytes(b"GITHUB_TOKEN=ghs_secret")
    (artifact / "importance.png").unlink()
    (artifact / "importance.png").symlink_to(secret)  # a runner file behind a chart's name
    (artifact / "cv_scores.png").write_bytes(b"not a PNG at all")
    planted = "<!-- classifier: model report -->\nI hid the bot's marker here."
    person = state.comment(7, planted, "octocat")

    first, log = comment_job(tmp_path, api, artifact, upload=upload)
    assert not first.failed, [s.output for s in first.steps if s.status]
    second, _ = comment_job(tmp_path, api, artifact, upload=upload)
    assert not second.failed, [s.output for s in second.steps if s.status]

    [npm] = calls(log, "npm")  # the second run restored CML from the cache
    assert npm["argv"][:2] == ["install", "--prefix"]
    assert npm["argv"][-1] == "@dvcorg/cml@0.20.6"
    published = calls(log, "cml")
    assert {tuple(c["argv"][:2]) for c in published} == {("asset", "publish")}
    assert all(c["env"]["REPO_TOKEN"] is None for c in published)  # no token for uploads
    charts = [(ROOT / "docs/example-report" / f).read_bytes() for f in FIGURES_SENT]
    assert received == charts + charts  # one run each; the non-PNG and the link stayed here
    assert all(data.startswith(b"\x89PNG\r\n\x1a\n") for data in received)

    [mine] = [c for c in state.comments[7] if c["user"]["login"] == "github-actions[bot]"]
    assert person == state.comments[7][0]
    assert person["body"] == planted  # byte for byte
    edits = [c for c in state.calls if c["method"] == "PATCH"]
    assert [c["path"] for c in edits] == [f"/repos/{REPO}/issues/comments/{mine['id']}"]
    assert mine["body"].startswith("## ⚠️ Quality gate passed, 2 rules inconclusive")
    assert f"]({upload}/" in mine["body"]
    assert "](confusion.png)" not in mine["body"]
    assert str(tmp_path) not in mine["body"]
    assert "ghs_secret" not in mine["body"]


def test_comment_without_images_uploads_nothing_and_installs_nothing(
    tmp_path, github, fake_upload_host
):
    api, state = github
    upload, received = fake_upload_host
    job, log = comment_job(tmp_path, api, example_artifact(tmp_path), "false", upload)
    assert not job.failed
    assert calls(log, "npm") == []
    assert calls(log, "cml") == []
    assert received == []
    [mine] = state.comments[7]
    assert "![" not in mine["body"]
    assert "in the workflow run's `report` artifact" in mine["body"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "report.json is not JSON"),
        (b'{"format": "classifier-report/1", "base": 7}', "base must be an object"),
        (b"[" * 100_000, "report.json is not JSON"),
    ],
)
def test_a_malformed_artifact_gets_a_short_comment_that_says_so(tmp_path, github, content, reason):
    api, state = github
    artifact = example_artifact(tmp_path)
    (artifact / "report.json").write_bytes(content)
    job, _ = comment_job(tmp_path, api, artifact, "false")
    assert not job.failed
    [mine] = state.comments[7]
    assert mine["body"].startswith("## ⚠️ No model report: the artifact is malformed")
    assert reason in mine["body"]
    assert "Quality gate" not in mine["body"]


@pytest.mark.parametrize(
    ("pr_json", "head", "message"),
    [
        ({"number": "7; echo pwned", "head_sha": HEAD}, HEAD, "must be a positive integer"),
        ({"number": 7.5, "head_sha": HEAD}, HEAD, "must be a positive integer"),
        ({"number": 7, "head_sha": "abc"}, HEAD, "must be a full commit SHA"),
        ({"number": 7, "head_sha": "f" * 40}, HEAD, "but the workflow run was for"),
        ({"number": 7, "head_sha": HEAD}, "e" * 40, "PR #7's head is eeee"),
        ({"number": 9, "head_sha": HEAD}, HEAD, "PR #9 not found in acme/Penguins (HTTP 404)"),
    ],
)
def test_comment_job_refuses_a_bad_or_mismatched_pr_number(
    tmp_path, github, pr_json, head, message
):
    api, state = github
    state.pulls[7]["head"]["sha"] = head
    job, _ = comment_job(tmp_path, api, example_artifact(tmp_path, pr_json), "false")
    post = job.steps[-1]
    assert post.status != 0
    assert message in post.output
    assert state.comments == {}


# ---- release ----


def release_job(
    repo: Path, tmp_path: Path, ref: str, docker_env: dict[str, str]
) -> tuple[Runner, Path, Path]:
    bin_dir = tmp_path / "fake-bin"
    real_docker = shutil.which("docker")
    assert real_docker is not None
    fake_command(bin_dir, "docker", DOCKER_WITH_FAKE_PUSH)
    log = tmp_path / "fake-calls.jsonl"
    artifacts = tmp_path / "artifacts"
    sha = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    env = runner_env(
        repo,
        GITHUB_REF=ref,
        GITHUB_SHA=sha,
        FAKE_LOG=str(log),
        REAL_DOCKER=real_docker,
        BENTOML_HOME=str(tmp_path / "bentoml"),
        **docker_env,
    )
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    context = {"github.ref": ref, "github.actor": "someone", "github.token": "fake-token"}
    actions = {
        "actions/checkout": noop,
        "astral-sh/setup-uv": noop,
        "docker/login-action": noop,
        "actions/upload-artifact": lambda w: copy_folder(repo / w["path"], artifacts / w["name"]),
    }
    return Runner(repo, context, actions, env), log, artifacts


def pushed(log: Path) -> list[str]:
    return [c["argv"][1] for c in calls(log, "docker") if c["argv"][:1] == ["push"]]


@pytest.mark.xdist_group("docker")
def test_release_job_on_main_pushes_the_image_that_passed_its_smoke_test(
    clone, tmp_path, docker_env
):
    runner, log, _ = release_job(clone, tmp_path, "refs/heads/main", docker_env)
    job = runner.run(load_job("release.yml", "publish"))
    assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
    check = "Reproduce; refuse to publish when metrics differ from the committed ones"
    assert "reproduced exactly as committed" in job.step(check).output
    bento = "Smoke-test the bento (serve, /readyz, predictions equal the model file's)"
    assert "smoke test of classifier:" in job.step(bento).output
    image = "Smoke-test the image (run it, /readyz, metadata, parity, a 400, a clean stop)"
    assert "the container stopped cleanly" in job.step(image).output
    sha = run(["git", "rev-parse", "--short=7", "HEAD"], clone).stdout.strip()
    tags = [f"ghcr.io/acme/penguins:sha-{sha}", "ghcr.io/acme/penguins:main"]
    info = json.loads((clone / "build/image.json").read_text())
    assert info["tags"] == tags
    assert info["smoke"]["id"] == info["id"]
    assert pushed(log) == tags
    assert set(info["pushed"]) == set(tags)
    remove_images(docker_env, tags)


def remove_images(docker_env: dict[str, str], names: list[str]) -> None:
    subprocess.run(["docker", "rmi", *names], env=tool_env(**docker_env), capture_output=True)


@pytest.mark.xdist_group("docker")
def test_release_job_on_a_version_tag_names_the_image_and_writes_the_release_assets(
    clone, tmp_path, docker_env
):
    runner, log, artifacts = release_job(clone, tmp_path, "refs/tags/v1.2.3", docker_env)
    job = runner.run(load_job("release.yml", "publish"))
    assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
    tags = json.loads((clone / "build/image-tags.json").read_text())
    assert tags["tags"] == ["ghcr.io/acme/penguins:1.2.3", "ghcr.io/acme/penguins:latest"]
    assert pushed(log) == tags["tags"]
    release = artifacts / "release"
    card = (release / "model-card.md").read_text()
    sha = run(["git", "rev-parse", "HEAD"], clone).stdout.strip()
    assert card.startswith("# Model card: classifier 1.2.3")
    assert f"Commit: `{sha}`" in card
    (artifact,) = yaml.safe_load((clone / "dvc.yaml").read_text())["artifacts"]
    assert f"- DVC artifact: `{artifact}` (model, `models/model.joblib`, declared in" in card
    metrics = json.loads((clone / "reports/metrics.json").read_text())
    assert f"| accuracy | {metrics['accuracy']} |" in card
    assert (release / "classifier-1.2.3.bento").stat().st_size > 10_000
    remove_images(docker_env, tags["tags"])


@pytest.mark.xdist_group("docker")
def test_release_refuses_to_publish_when_committed_metrics_were_not_reproduced(
    clone, tmp_path, docker_env
):
    metrics = clone / "reports/metrics.json"
    tampered = json.loads(metrics.read_text())
    tampered["accuracy"] = 0.999
    metrics.write_text(json.dumps(tampered, indent=2) + "\n")
    git_commit(clone, "hand-edited metrics")
    runner, log, _ = release_job(clone, tmp_path, "refs/heads/main", docker_env)
    job = runner.run(load_job("release.yml", "publish"))
    check = job.step("Reproduce; refuse to publish when metrics differ from the committed ones")
    assert check.status != 0
    assert "reports/metrics.json reproduced here differs from the committed one" in check.output
    assert "accuracy: 0.999 -> " in check.output
    assert not any(s.ran for s in job.steps[job.steps.index(check) + 1 :])
    assert calls(log, "docker") == []


@pytest.mark.parametrize("configured", [True, False])
def test_deploy_job_posts_the_image_to_a_fake_endpoint_or_skips_with_a_notice(tmp_path, configured):
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    copy_machinery(workdir)
    with fake_deploy_endpoint() as (url, received):
        context = {
            "github.ref": "refs/tags/v1.2.3",
            "github.sha": "a" * 40,
            "needs.publish.outputs.image": "ghcr.io/acme/penguins:1.2.3",
            "needs.publish.outputs.version": "1.2.3",
            "needs.publish.outputs.digest": "sha256:" + "d" * 64,
            "secrets.DEPLOY_WEBHOOK_URL": url if configured else "",
            "secrets.DEPLOY_TOKEN": "s3cret" if configured else "",
        }
        runner = Runner(workdir, context, {"actions/checkout": noop}, runner_env(workdir))
        job = runner.run(load_job("release.yml", "deploy"))
    assert not job.failed, [s.output for s in job.steps]
    if configured:
        assert received == [
            {
                "body": {
                    "image": "ghcr.io/acme/penguins:1.2.3",
                    "version": "1.2.3",
                    "digest": "sha256:" + "d" * 64,
                    "git_sha": "a" * 40,
                },
                "auth": "Bearer s3cret",
            }
        ]
    else:
        assert received == []
        assert "DEPLOY_WEBHOOK_URL is not set: deploy skipped" in job.steps[-1].output


# A stand-in for the CML CLI (it cannot be installed here), recording what it was given.
FAKE_CML_RUNNER = """import json, os, sys
keep = ("CML_", "REPO_TOKEN", "AWS_", "GOOGLE_", "AZURE_", "KUBERNETES_")
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"tool": "cml", "argv": sys.argv[1:], "env": {
        k: v for k, v in os.environ.items() if k.startswith(keep)}}) + "\\n")
"""


def launch_job(tmp_path: Path, workflow: str = "pr.yml", **context: str) -> tuple[object, Path]:
    """A workflow's launch-runner job with fake `npm` and `cml` on PATH."""
    workdir = tmp_path / "pr-checkout"
    workdir.mkdir()
    copy_machinery(workdir)
    bin_dir = tmp_path / "fake-bin"
    fake_command(bin_dir, "npm", FAKE_NPM)
    fake_command(bin_dir, "cml", FAKE_CML_RUNNER)
    log = tmp_path / "fake-calls.jsonl"
    env = runner_env(workdir, FAKE_LOG=str(log), GITHUB_RUN_ID="4242")
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    env = {k: v for k, v in env.items() if not k.startswith(("AWS_", "CML_"))}
    actions = {"actions/checkout": noop}
    job = Runner(workdir, context, actions, env).run(load_job(workflow, "launch-runner"))
    return job, log


@pytest.mark.parametrize(
    ("workflow", "job_on_it"), [("pr.yml", "report"), ("release.yml", "publish")]
)
def test_the_launch_job_asks_cml_for_one_runner_for_this_run_with_fake_cml(
    tmp_path, workflow, job_on_it
):
    job, log = launch_job(
        tmp_path,
        workflow,
        **{
            "vars.CML_CLOUD": "aws",
            "vars.CML_CLOUD_TYPE": "m5.2xlarge",
            "vars.CML_CLOUD_REGION": "us-east-1",
            "vars.CML_CLOUD_SPOT": "true",
            "secrets.CML_RUNNER_TOKEN": "runner-token",
            "secrets.AWS_ACCESS_KEY_ID": "key-id",
            "secrets.AWS_SECRET_ACCESS_KEY": "secret",
        },
    )
    assert not job.failed, [(s.name, s.output[-800:]) for s in job.steps if s.status]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [c["tool"] for c in calls] == ["npm", "cml"]
    launch = calls[1]
    assert launch["argv"][:2] == ["runner", "launch"]
    assert launch["argv"][2:] == [
        "--cloud=aws",
        "--cloud-type=m5.2xlarge",
        "--labels=cml-4242",
        "--single",
        "--idle-timeout=300",
        "--cloud-region=us-east-1",
        "--cloud-spot",
    ]
    secrets = {k: launch["env"][k] for k in ("REPO_TOKEN", "AWS_SECRET_ACCESS_KEY")}
    assert secrets == {"REPO_TOKEN": "runner-token", "AWS_SECRET_ACCESS_KEY": "secret"}
    # The reproducing job runs on exactly that label.
    runs_on = load_job(workflow, job_on_it)["runs-on"]
    assert 'format(\'["self-hosted","cml-{0}"]\', github.run_id)' in runs_on


def test_a_launch_without_its_settings_fails_in_one_line_and_launches_nothing(tmp_path):
    job, log = launch_job(
        tmp_path, **{"vars.CML_CLOUD": "aws", "secrets.CML_RUNNER_TOKEN": "runner-token"}
    )
    step = job.step("Launch the runner (one job, then it ends itself)")
    assert step.status != 0
    assert "error: CML_CLOUD_TYPE is not set: an instance type (m, l, xl, or native)" in (
        step.output
    )
    assert not [
        c
        for c in map(json.loads, log.read_text().splitlines())
        if "argv" in c and c["argv"][:1] == ["runner"]
    ]
