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


def two_versions_in_prod(tmp_path: Path) -> Path:
    """A project (no soak) where v1.0.0, then v1.1.0, went through staging to prod."""
    repo = project(tmp_path / "repo", "0s")
    clean = evidence(tmp_path)
    for version in ("v1.0.0", "v1.1.0"):
        new_version(repo, version)
        for stage in ("staging", "prod"):
            time.sleep(1.1)  # GTO orders assignments by their tags' times, to the second
            status, out = make(repo, "promote", VERSION=version, STAGE=stage, EVIDENCE=clean)
            assert status == 0, out
    return repo


def test_rollback_is_an_assignment_and_make_registry_agrees_with_gto_show(tmp_path):
    repo = two_versions_in_prod(tmp_path)
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


# A stand-in for the GitHub CLI (named as a fake): `gh release download TAG --pattern
# reference.json --dir D` writes the reference the test gives for a release it knows.
FAKE_GH = """import json, os, sys
args = sys.argv[1:]
known = json.loads(os.environ["FAKE_RELEASES"])
if args[:2] != ["release", "download"] or args[2] not in known:
    sys.exit(1)
folder = args[args.index("--dir") + 1]
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "reference.json"), "w") as out:
    out.write(open(known[args[2]]).read())
"""


def test_the_promote_workflow_reads_the_staging_records_of_the_version_as_its_evidence(
    tmp_path, monkeypatch
):
    """The evidence step for real: the version's reference from its release (a fake gh),
    `make monitor` over STAGING_RECORDS (records as the service writes them); honest
    traffic lets the version into prod, traffic that drifted keeps it out."""
    import joblib
    import pandas as pd
    from testkit.records import replay

    from classifier.contracts.params import load_params
    from classifier.serving.bento import monitoring_reference

    from ..workflow import fake_command

    repo = project(tmp_path / "repo", "1s")
    run(["classifier", "run"], repo)
    new_version(repo, "v1.0.0")
    monkeypatch.chdir(repo)  # the reference reads the splits where params.yaml says
    released = monitoring_reference(joblib.load("models/model.joblib"), load_params())
    reference = tmp_path / "released-reference.json"
    reference.write_text(json.dumps({"model": "classifier:test", **released}))
    test = pd.read_parquet(repo / "data/prepared/test.parquet")
    honest = test.sample(300, replace=True, random_state=1).reset_index(drop=True)
    drifted = honest.assign(**{"weight (g)": honest["weight (g)"] * 1.6})
    folders = {"honest": tmp_path / "honest", "drifted": tmp_path / "drifted"}
    replay(repo, honest, folders["honest"])
    replay(repo, drifted, folders["drifted"])
    bin_dir = tmp_path / "fake-bin"
    fake_command(bin_dir, "gh", FAKE_GH)
    gto(repo, "assign", "classifier", "--version", "v1.0.0", "--stage", "staging")
    time.sleep(1.2)
    gto(repo, "assign", "classifier", "--version", "v1.0.0", "--stage", "prod")
    sha = run(["git", "rev-parse", "HEAD"], repo).stdout.strip()
    with docker_registry(tmp_path) as host, fake_github() as (api, _):
        digest = push_release(host, NAME, "1.0.0", sha, tags=["1.0.0"])
        decisions = {}
        for name, folder in folders.items():
            context = {"vars.STAGING_RECORDS": str(folder)}
            runner, _ = promote_job(repo, "check", "classifier#prod#2", host, api, {})
            runner.env["PATH"] = f"{bin_dir}:{runner.env['PATH']}"
            runner.env["FAKE_RELEASES"] = json.dumps({"v1.0.0": str(reference)})
            runner.context.update(context)
            job = runner.run(load_job("promote.yml", "check"))
            decisions[name] = job.outputs["check"]
    assert decisions["honest"]["allowed"] == "true", decisions["honest"]
    assert "300 predictions, no alert" in decisions["honest"]["reason"]
    assert decisions["honest"]["digest"] == digest
    assert decisions["drifted"]["allowed"] == "false"
    assert "raised an alert" in decisions["drifted"]["reason"]
    assert "weight (g)" in decisions["drifted"]["reason"]


def test_a_rollback_tag_deploys_the_earlier_versions_digest_to_production(tmp_path):
    """`make rollback-to` says so in its tag; the promote workflow reads that, checks the
    version held production before, and deploys that version's published image."""
    repo = two_versions_in_prod(tmp_path)
    time.sleep(1.1)
    status, out = make(repo, "rollback-to", VERSION="v1.0.0")
    assert status == 0, out
    tag = out.split("tag ", 1)[1].split()[0]
    assert tag.startswith("classifier#prod#")
    first = run(["git", "rev-parse", "classifier@v1.0.0^{commit}"], repo).stdout.strip()
    with docker_registry(tmp_path) as host, fake_github() as (api, _):
        digest = push_release(host, NAME, "1.0.0", first, tags=["1.0.0"])
        _, check = promote_job(repo, "check", tag, host, api, {})
    assert not check.failed, [(s.name, s.output[-600:]) for s in check.steps if s.status]
    outputs = check.outputs["check"]
    assert outputs["allowed"] == "true"
    assert outputs["reason"] == "rollback: v1.0.0 held prod before; no new evidence needed"
    assert outputs["environment"] == "production"
    assert outputs["digest"] == digest
    assert outputs["git_sha"] == first
