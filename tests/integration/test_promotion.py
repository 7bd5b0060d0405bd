"""Promotion with evidence, with the real `gto` on temporary git repositories: versions
registered and stages assigned as GTO's tags, this project's order and evidence on top.
The promote workflow runs step by step against a real OCI registry on 127.0.0.1, the
fake GitHub API and a fake deploy hook per environment (named as fakes)."""

import json
import subprocess
import time
from pathlib import Path

from testkit.datasets import fruit, params_for
from testkit.registry import digest_of, docker_registry, push_release
from testkit.repo import fixture_repo, git_commit, run

from ..fake_deploy import fake_deploy_endpoint
from ..fake_github import REPO, fake_github
from ..workflow import Runner, load_job, runner_env

NAME = "acme/penguins"
CLEAN = {"model": "classifier:aaa", "state": "within", "alert": False, "alerts": [], "rows": 500}


def project(path: Path, min_soak: str) -> Path:
    data = fruit()
    promote = {"stages": {"staging": "staging", "prod": "production"}, "min_soak": min_soak}
    repo = fixture_repo(path, data, params_for(data, promote={**promote, "min_records": 200}))
    return repo


def gto(repo: Path, *args: str) -> str:
    return run(["gto", *args], repo).stdout


def new_version(repo: Path, version: str) -> None:
    """A commit, registered with GTO's own command: classifier@vX.Y.Z."""
    (repo / "CHANGES").write_text(f"{version}\n")
    git_commit(repo, f"model {version}")
    gto(repo, "register", "classifier", "--version", version)


def make(
    repo: Path, target: str, env: dict[str, str] | None = None, **variables: str
) -> tuple[int, str]:
    """`make TARGET VAR=…` as a person runs it in the project (this suite's environment)."""
    args = [f"{k}={v}" for k, v in variables.items()]
    full = {**runner_env(repo), **(env or {})}
    for name in ("CI", "GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_STEP_SUMMARY"):
        full.pop(name, None)
    done = subprocess.run(
        ["make", target, *args], cwd=repo, env=full, capture_output=True, text=True, check=False
    )
    return done.returncode, done.stdout + done.stderr


def evidence(tmp_path: Path, **changes: object) -> str:
    path = tmp_path / f"findings-{len(list(tmp_path.glob('findings-*')))}.json"
    path.write_text(json.dumps({**CLEAN, **changes}))
    return str(path)


def stage_holders(repo: Path) -> dict[str, str]:
    """Which version holds each stage, as `gto show` says."""
    shown = json.loads(gto(repo, "show", "classifier", "--json"))
    return {stage["stage"]: item["version"] for item in shown for stage in item.get("stages", [])}


def test_a_version_goes_to_staging_then_to_prod_only_after_a_clean_soak(tmp_path):
    repo = project(tmp_path / "repo", "2s")
    new_version(repo, "v1.0.0")
    status, out = make(repo, "promote", VERSION="v1.0.0", STAGE="prod", EVIDENCE=evidence(tmp_path))
    assert status != 0
    assert (
        "refused: v1.0.0 is not in staging, the stage before prod (staging holds no version)" in out
    )
    assert "Traceback" not in out

    status, out = make(repo, "promote", VERSION="v1.0.0", STAGE="staging")
    assert status == 0, out
    assert "tag classifier#staging#1" in out
    assert stage_holders(repo) == {"staging": "v1.0.0"}

    status, out = make(repo, "promote", VERSION="v1.0.0", STAGE="prod", EVIDENCE=evidence(tmp_path))
    assert status != 0
    assert "under promote.min_soak (2s)" in out
    time.sleep(2.2)
    refusals = {
        "raised an alert: drift of sugar %": evidence(
            tmp_path, alert=True, alerts=["drift of sugar %"]
        ),
        "saw 120 predictions, under promote.min_records (200)": evidence(tmp_path, rows=120),
        "no monitoring evidence of v1.0.0 in staging": None,
    }
    for reason, found in refusals.items():
        status, out = make(
            repo,
            "promote",
            VERSION="v1.0.0",
            STAGE="prod",
            **({"EVIDENCE": found} if found else {}),
        )
        assert status != 0, reason
        assert reason in out, out
    reference = tmp_path / "reference.json"
    reference.write_text(json.dumps({"model": "classifier:bbb"}))
    status, out = make(
        repo,
        "promote",
        VERSION="v1.0.0",
        STAGE="prod",
        EVIDENCE=evidence(tmp_path),
        REFERENCE=str(reference),
    )
    assert status != 0
    assert "the evidence judges model 'classifier:aaa', not v1.0.0's ('classifier:bbb')" in out
    assert stage_holders(repo) == {"staging": "v1.0.0"}  # nothing refused was tagged

    status, out = make(repo, "promote", VERSION="v1.0.0", STAGE="prod", EVIDENCE=evidence(tmp_path))
    assert status == 0, out
    assert "500 predictions, no alert" in out
    assert stage_holders(repo) == {"staging": "v1.0.0", "prod": "v1.0.0"}


def test_rollback_is_an_assignment_and_make_registry_agrees_with_gto_show(tmp_path):
    repo = project(tmp_path / "repo", "0s")
    clean = evidence(tmp_path)
    for version in ("v1.0.0", "v1.1.0"):
        new_version(repo, version)
        for stage in ("staging", "prod"):
            time.sleep(1.1)  # GTO orders assignments by their tags' times, to the second
            status, out = make(repo, "promote", VERSION=version, STAGE=stage, EVIDENCE=clean)
            assert status == 0, out
    assert stage_holders(repo) == {"staging": "v1.1.0", "prod": "v1.1.0"}
    new_version(repo, "v1.2.0")
    status, out = make(repo, "rollback-to", VERSION="v1.2.0")
    assert status != 0
    assert "v1.2.0 never held it" in out

    time.sleep(1.1)
    status, out = make(repo, "rollback-to", VERSION="v1.0.0")
    assert status == 0, out
    assert "rollback: v1.0.0 held prod before; no new evidence needed" in out
    assert stage_holders(repo)["prod"] == "v1.0.0"  # auditable: GTO's history has it
    history = gto(repo, "history", "classifier")
    assert history.count("prod") >= 3

    status, out = make(repo, "registry")
    assert status == 0, out
    rows = {
        line.split("|")[1].strip(): line.split("|")[3].strip()
        for line in out.splitlines()
        if line.startswith("| v")
    }
    shown = stage_holders(repo)
    for version in ("v1.0.0", "v1.1.0", "v1.2.0"):
        held = sorted(stage for stage, holder in shown.items() if holder == version)
        assert rows[version] == (", ".join(held) or "—"), version


def test_make_registry_shows_each_versions_published_image_digest(tmp_path):
    repo = project(tmp_path / "repo", "0s")
    new_version(repo, "v1.0.0")
    with docker_registry(tmp_path) as host:
        digest = push_release(host, NAME, "1.0.0", "1" * 40, tags=["1.0.0"])
        assert digest == digest_of(host, NAME, "1.0.0")
        status, out = make(repo, "registry", {"IMAGE_REPOSITORY": f"{host}/{NAME}"})
    assert status == 0, out
    [row] = [line for line in out.splitlines() if line.startswith("| v1.0.0 |")]
    assert row.rstrip(" |").endswith(digest)


# ---- the promote workflow ----


def promote_job(
    repo: Path, job: str, tag: str, host: str, api: str, context: dict[str, str]
) -> object:
    env = runner_env(repo, IMAGE_REPOSITORY=f"{host}/{NAME}", GITHUB_API_URL=api)
    env["GITHUB_REPOSITORY"] = REPO
    env["GITHUB_SHA"] = run(["git", "rev-parse", f"{tag}^{{commit}}"], repo).stdout.strip()
    base = {
        "github.ref_name": tag,
        "github.token": "fake-token",
        "github.actor": "someone",
        **context,
    }
    noop = lambda _: None  # noqa: E731 - actions/checkout and setup-uv: done here already
    actions = {"actions/checkout": noop, "astral-sh/setup-uv": noop}
    runner = Runner(repo, base, actions, env)
    return runner, runner.run(load_job("promote.yml", job))


def test_the_promote_workflow_deploys_the_published_digest_to_the_stages_environment_only(
    tmp_path,
):
    """Fake GitHub API and one fake deploy hook per environment: the staging tag's image
    reaches staging's hook, by digest; a prod tag pushed by hand before the soak is
    refused, said on the tag's commit, and reaches no hook."""
    repo = project(tmp_path / "repo", "1d")
    new_version(repo, "v1.0.0")
    sha = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    gto(repo, "assign", "classifier", "--version", "v1.0.0", "--stage", "staging")
    with (
        docker_registry(tmp_path) as host,
        fake_github() as (api, state),
        fake_deploy_endpoint() as (staging_hook, to_staging),
        fake_deploy_endpoint() as (production_hook, to_production),
    ):
        digest = push_release(host, NAME, "1.0.0", sha, tags=["1.0.0", "latest"])
        hooks = {"staging": staging_hook, "production": production_hook}

        _, check = promote_job(repo, "check", "classifier#staging#1", host, api, {})
        assert not check.failed, [(s.name, s.output[-600:]) for s in check.steps if s.status]
        outputs = check.outputs["check"]
        assert outputs["allowed"] == "true"
        assert outputs["environment"] == "staging"
        assert outputs["digest"] == digest
        needs = {f"needs.check.outputs.{k}": v for k, v in outputs.items()}
        environment = outputs["environment"]
        secrets = {"secrets.DEPLOY_WEBHOOK_URL": hooks[environment]}
        _, deploy = promote_job(repo, "deploy", "classifier#staging#1", host, api, needs | secrets)
        assert not deploy.failed, [s.output for s in deploy.steps if s.status]
        [sent] = to_staging
        assert sent["body"] == {
            "image": f"{host}/{NAME}@{digest}",
            "version": "v1.0.0",
            "digest": digest,
            "git_sha": sha,
        }
        assert to_production == []

        gto(repo, "assign", "classifier", "--version", "v1.0.0", "--stage", "prod")
        _, check = promote_job(repo, "check", "classifier#prod#2", host, api, {})
        assert check.failed  # the gate step: nothing deploys
        outputs = check.outputs["check"]
        assert outputs["allowed"] == "false"
        assert "under promote.min_soak (1d)" in outputs["reason"]
        assert "refused" in check.step("Refused? Then nothing deploys").output
        needs = {f"needs.check.outputs.{k}": v for k, v in outputs.items()}
        _, explain = promote_job(repo, "explain", "classifier#prod#2", host, api, needs)
        assert not explain.failed, [s.output for s in explain.steps if s.status]
        [comment] = state.commit_comments[sha]
        assert comment.startswith("❌ Promotion of `v1.0.0` to `prod` refused (classifier#prod#2)")
        assert "under promote.min_soak (1d)" in comment
        assert to_production == []
        assert len(to_staging) == 1
    summary = (tmp_path / "step-summary.md").read_text()
    assert "✅ v1.0.0 → staging" in summary
    assert "❌ v1.0.0 → prod refused" in summary
