"""Run a GitHub Actions job's steps here, in order, the way a runner would.

`run:` steps execute for real (bash, the job's and step's `env:` with their
expressions resolved from a context, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files).
`uses:` steps are GitHub-only actions: each test says what they do here (copy an
artifact folder, nothing at all for a checkout that already happened). Conditions
are evaluated for the few forms the workflows use; anything else fails loudly.
"""

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from testkit.repo import ROOT, tool_env

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
Action = Callable[[dict[str, Any]], "dict[str, str] | None"]


@dataclass
class StepResult:
    name: str
    ran: bool
    status: int = 0
    output: str = ""


@dataclass
class JobRun:
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(step.status != 0 for step in self.steps)

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


def load_job(workflow: str, job: str) -> dict[str, Any]:
    """A job of .github/workflows/WORKFLOW."""
    return yaml.safe_load((ROOT / ".github/workflows" / workflow).read_text())["jobs"][job]


def action_name(uses: str) -> str:
    """'actions/checkout@<sha>' -> 'actions/checkout'."""
    return uses.split("@", 1)[0]


class Runner:
    """Executes a job in `workdir` with `context` standing in for GitHub's expressions."""

    def __init__(
        self,
        workdir: Path,
        context: Mapping[str, str],
        actions: Mapping[str, Action],
        env: Mapping[str, str],
        skip: frozenset[str] = frozenset(),
    ):
        self.workdir = workdir
        self.context = dict(context)
        self.actions = actions
        self.env = dict(env)
        self.skip = skip  # steps that only make sense on GitHub (a registry push)

    def resolve(self, text: Any) -> str:
        """Replace each ${{ path }}; secrets and vars default to empty, as on a fork."""

        def value(match: re.Match) -> str:
            path = match.group(1)
            if path in self.context:
                return self.context[path]
            compare = re.fullmatch(r"([\w.-]+) (==|!=) '([^']*)'", path)
            if compare:  # `a.b != 'x'` in a `with:`: GitHub's expression gives true or false
                equal = value_of(compare.group(1)) == compare.group(3)
                return "true" if equal == (compare.group(2) == "==") else "false"
            return value_of(path)

        def value_of(path: str) -> str:
            if path in self.context:
                return self.context[path]
            if path.startswith(("secrets.", "vars.")) or re.fullmatch(
                r"steps\.[\w-]+\.outputs\.[\w-]+", path
            ):
                return ""  # as on GitHub: unset secrets, variables and step outputs are empty
            raise KeyError(f"the test gives no value for ${{{{ {path} }}}}")

        return EXPRESSION.sub(value, str(text))

    def condition(self, expression: str | None, failed: bool) -> bool:
        if expression is None:
            return not failed
        inner = EXPRESSION.sub(r"\1", expression).strip()
        if inner in ("!cancelled()", "always()"):
            return True
        compare = re.fullmatch(r"([\w.]+) (==|!=) '([^']*)'", inner)
        if compare:
            equal = self.resolve(f"${{{{ {compare.group(1)} }}}}") == compare.group(3)
            return not failed and equal == (compare.group(2) == "==")
        starts = re.fullmatch(r"startsWith\(([\w.]+), '([^']*)'\)", inner)
        if starts:
            return not failed and self.context[starts.group(1)].startswith(starts.group(2))
        raise ValueError(f"the step runner does not know the condition {expression!r}")

    def run(self, job: dict[str, Any]) -> JobRun:
        result = JobRun()
        job_env = {k: self.resolve(v) for k, v in (job.get("env") or {}).items()}
        for index, step in enumerate(job["steps"]):
            name = step.get("name") or action_name(step.get("uses", f"step {index}"))
            if name in self.skip or not self.condition(step.get("if"), result.failed):
                result.steps.append(StepResult(name, ran=False))
                continue
            if "uses" in step:
                with_ = {k: self.resolve(v) for k, v in (step.get("with") or {}).items()}
                outputs = self.actions[action_name(step["uses"])](with_)
                for key, value in (outputs or {}).items():  # e.g. actions/cache's cache-hit
                    if "id" in step:
                        self.context[f"steps.{step['id']}.outputs.{key}"] = value
                result.steps.append(StepResult(name, ran=True))
                continue
            result.steps.append(self._run_script(step, name, job_env, result))
        return result

    def _run_script(
        self, step: dict[str, Any], name: str, job_env: dict[str, str], result: JobRun
    ) -> StepResult:
        script = step["run"]
        assert "${{" not in script, f"{name}: expressions in run: scripts are forbidden"
        outputs = self.workdir / ".github-output"
        outputs.write_text("")
        env = {
            **self.env,
            **job_env,
            **{k: self.resolve(v) for k, v in (step.get("env") or {}).items()},
            "GITHUB_OUTPUT": str(outputs),
        }
        process = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", script],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if "id" in step:
            pairs = (line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
            result.outputs[step["id"]] = dict(pairs)
            for key, value in result.outputs[step["id"]].items():
                self.context[f"steps.{step['id']}.outputs.{key}"] = value
        return StepResult(name, True, process.returncode, process.stdout + process.stderr)


def runner_env(workdir: Path, **extra: str) -> dict[str, str]:
    """What a runner sets, plus the project's .venv so `make` does not build another one."""
    summary = workdir.parent / "step-summary.md"
    summary.touch()
    venv = ROOT / ".venv"
    for groups in ("all", "pipeline"):  # this interpreter's environment holds every group
        (venv / f".synced-{groups}").touch()
    return tool_env(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="acme/Penguins",
        RUNNER_OS="Linux",
        VENV=str(venv),
        UV=shutil.which("uv") or str(ROOT / ".tools/bin/uv"),
        HOME=os.environ.get("HOME", str(workdir)),
        **extra,
    )


class FakeActionsCache:
    """actions/cache as it behaves here: a folder per key. A step restores an exact key
    (or the newest entry starting with one of its restore-keys); `save` is the post
    step, keeping each restored-or-not path under its key when the key was a miss."""

    def __init__(self, store: Path, workdir: Path):
        self.store, self.workdir = store, workdir
        self.pending: list[tuple[str, str]] = []
        self.hits: list[str] = []

    def __call__(self, inputs: dict[str, Any]) -> dict[str, str]:
        key, path = inputs["key"], inputs["path"]
        entry = self.store / key
        if not entry.exists():
            prefixes = str(inputs.get("restore-keys") or "").split()
            older = sorted(e for e in self.store.glob("*") if e.name.startswith(tuple(prefixes)))
            entry = older[-1] if prefixes and older else entry
            self.pending.append((key, path))
        else:
            self.hits.append(key)
        if entry.exists():
            shutil.rmtree(self.workdir / path, ignore_errors=True)
            shutil.copytree(entry, self.workdir / path, symlinks=True)  # as tar keeps them
        return {"cache-hit": "true" if key in self.hits else "false"}

    def save(self) -> None:
        for key, path in self.pending:
            if (self.workdir / path).exists():
                shutil.copytree(self.workdir / path, self.store / key, symlinks=True)
        self.pending.clear()


def copy_folder(source: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


def fake_command(bin_dir: Path, name: str, script: str) -> Path:
    """An executable stand-in on PATH for a tool that cannot run here (named as a fake)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/usr/bin/env python3\n" + script)
    path.chmod(0o755)
    return path
