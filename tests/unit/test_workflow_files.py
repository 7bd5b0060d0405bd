"""The workflow files keep their promises: pinned actions, thin steps, least privilege."""

import re
from pathlib import Path

import pytest
import yaml
from testkit.repo import ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def steps(path: Path):
    for name, job in yaml.safe_load(path.read_text())["jobs"].items():
        for step in job["steps"]:
            yield name, step


def uses_lines(path: Path) -> list[str]:
    return [
        line.split("uses:", 1)[1].strip()
        for line in path.read_text().splitlines()
        if "uses:" in line
    ]


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_sha_with_its_tag(path):
    for line in uses_lines(path):
        assert PINNED.match(line), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_run_step_is_one_make_target_without_expressions(path):
    targets = make_targets()
    for job, step in steps(path):
        if "run" in step:
            assert "${{" not in step["run"], (job, step["run"])
            words = step["run"].split()
            assert words[0] == "make", (job, step["run"])
            assert len(words) == 2, (job, step["run"])
            assert words[1] in targets, (job, step["run"])


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_keep_credentials(path):
    for _, step in steps(path):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def permissions(path: Path) -> dict:
    workflow = yaml.safe_load(path.read_text())
    return {"": workflow["permissions"]} | {
        name: job.get("permissions") for name, job in workflow["jobs"].items()
    }


def test_least_privilege_per_job():
    flows = ROOT / ".github/workflows"
    assert permissions(flows / "pr.yml") == {
        "": {"contents": "read"},
        "launch-runner": None,
        "report": None,
    }
    assert permissions(flows / "comment.yml") == {
        "": {},
        "comment": {"actions": "read", "pull-requests": "write"},
    }
    assert permissions(flows / "release.yml") == {
        "": {},
        "launch-runner": None,
        "publish": {"contents": "read", "packages": "write"},
        "github-release": {"contents": "write"},
        "deploy": {"contents": "read"},
    }
    assert permissions(flows / "monitor.yml") == {
        "": {},
        "monitor": {"contents": "read", "issues": "write"},
        "retrain": {"contents": "write", "pull-requests": "write"},
    }
    assert permissions(flows / "rollback.yml") == {
        "": {},
        "rollback": {"contents": "read", "packages": "write"},
    }
    assert permissions(flows / "caches.yml") == {"": {"contents": "read"}, "warm": None}
    assert permissions(flows / "promote.yml") == {
        "": {},
        "check": {"contents": "read", "packages": "read"},
        "explain": {"contents": "write"},
        "deploy": {"contents": "read"},
    }


def test_the_comment_job_never_checks_out_the_pull_request():
    for _, step in steps(ROOT / ".github/workflows/comment.yml"):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert "ref" not in step["with"]  # the default branch, never the PR's head


def test_secrets_reach_only_the_steps_that_need_them():
    for path in WORKFLOWS:
        for job, step in steps(path):
            text = yaml.safe_dump(step)
            if "secrets." in text:
                needs_storage = (
                    *("make pull", "make deploy", "make monitor", "make retrain-pr"),
                    *("make cloud-runner", "make rollback", "make promote-evidence"),
                )
                assert step.get("run") in needs_storage, (path.name, job, step)


@pytest.mark.parametrize("name", ["pr.yml", "release.yml"])
def test_cloud_runner_secrets_live_in_its_environment_and_never_reach_forks(name):
    workflow = yaml.safe_load((ROOT / ".github/workflows" / name).read_text())
    launch = workflow["jobs"]["launch-runner"]
    assert launch["environment"] == "cloud-runner"
    assert "vars.CML_CLOUD != ''" in launch["if"]
    if name == "pr.yml":  # a fork's PR never launches (and gets no secrets anyway)
        assert "github.event.pull_request.head.repo.full_name == github.repository" in launch["if"]
    for job_name, job in workflow["jobs"].items():
        text = yaml.safe_dump(job)
        if job_name != "launch-runner":
            assert "CML_RUNNER_TOKEN" not in text
            assert "KUBERNETES_CONFIGURATION" not in text


def test_deploy_secrets_live_only_in_production_jobs():
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        for name, job in workflow["jobs"].items():
            if "DEPLOY_" in yaml.safe_dump(job):
                # a stage's deploy runs in that stage's environment (promote.stages)
                expected = (
                    "${{ needs.check.outputs.environment }}"
                    if path.name == "promote.yml"
                    else "production"
                )
                assert job.get("environment") == expected, (path.name, name)


def ancestors(jobs: dict, name: str) -> set[str]:
    needs = jobs[name].get("needs", [])
    direct = {needs} if isinstance(needs, str) else set(needs)
    return direct.union(*(ancestors(jobs, n) for n in direct))


def test_a_job_after_one_that_may_be_skipped_says_its_condition_in_full():
    # GitHub's implicit success() fails when any job upstream was skipped (an opt-in job
    # without its variable): the job would be skipped too, silently. Such jobs must check
    # !cancelled() (or always()) and their own needs' results themselves.
    for path in WORKFLOWS:
        jobs = yaml.safe_load(path.read_text())["jobs"]
        for name in jobs:
            skippable = [a for a in ancestors(jobs, name) if "if" in jobs[a]]
            if skippable:
                condition = str(jobs[name].get("if", ""))
                assert "!cancelled()" in condition or "always()" in condition, (path.name, name)


def cache_steps(path: Path) -> list[tuple[str, dict]]:
    return [
        (job, step)
        for job, step in steps(path)
        if step.get("uses", "").startswith("actions/cache@")
    ]


def test_nothing_that_ships_is_restored_from_a_cache():
    release = ROOT / ".github/workflows/release.yml"
    assert cache_steps(release) == []
    for _, step in steps(release):
        if step.get("uses", "").startswith("astral-sh/setup-uv@"):
            assert step["with"]["enable-cache"] is False


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_cache_step_states_its_key_and_scope_in_a_comment_beside_it(path):
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines):
        if "uses: actions/cache@" not in line:
            continue
        first = number  # the step's first line: `- name:` or the `- uses:` itself
        while not lines[first].lstrip().startswith("- "):
            first -= 1
        comment = []
        for previous in reversed(lines[:first]):
            if not previous.strip().startswith("#"):
                break
            comment.append(previous)
        assert comment, (path.name, number + 1, "a cache step without a comment above it")


def test_the_environment_cache_key_is_the_one_the_makefile_computes():
    for name in ("pr.yml", "caches.yml"):
        workflow = yaml.safe_load((ROOT / ".github/workflows" / name).read_text())
        (job,) = [
            j
            for j in workflow["jobs"].values()
            if "steps" in j and any(s.get("run") == "make ci-env-key" for s in j["steps"])
        ]
        assert job["env"]["ENV_GROUPS"] == "pipeline"
        venv = next(s for s in job["steps"] if s.get("with", {}).get("path") == ".venv")
        assert venv["with"]["key"] == "${{ steps.env-key.outputs.key }}"
        assert "restore-keys" not in venv["with"]  # only an exact match restores
        uv = next(s for s in job["steps"] if s.get("uses", "").startswith("astral-sh/setup-uv@"))
        assert uv["with"]["enable-cache"] == "${{ steps.venv.outputs.cache-hit != 'true' }}"


def test_the_comment_jobs_cml_cache_is_the_version_the_makefile_installs():
    version = re.search(r"^CML_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert version
    ((_, step),) = cache_steps(ROOT / ".github/workflows/comment.yml")
    assert step["with"]["path"] == f".tools/cml-{version.group(1)}"
    assert step["with"]["key"].startswith(f"cml-{version.group(1)}-node20-")
