"""A Docker engine for the tests and benches: the one the environment names, or a private one.

`.ci/run` starts a private daemon and exports DOCKER_HOST; a developer may have one
running. Otherwise, as root with Debian's docker.io installed, this starts one itself:
its own socket, data root and exec root, no bridge and no iptables or forwarding
changes (the host's network settings stay as they were), host networking for builds
and containers. Its data root persists in /var/tmp, so the base image and the wheels
layer are built once per machine. It is stopped when the test session ends.
"""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PRIVATE = Path("/var/tmp/classifier-dockerd")
FLAGS = ["--bridge", "none", "--iptables=false", "--ip-forward=false", "--ip-masq=false"]


@dataclass
class Engine:
    """How to reach the engine (environment variables), and the daemon we started, if any."""

    env: dict[str, str]
    daemon: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Stop the daemon this module started (never one it found running)."""
        if self.daemon is not None:
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()


def answers(env: dict[str, str]) -> bool:
    """Whether a Docker engine answers with this environment."""
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def engine() -> Engine | str:
    """An engine to use, or why there is none (the reason a test skips with)."""
    if answers({}):
        return Engine({})
    if shutil.which("dockerd") is None:
        return "no Docker engine answers and dockerd is not installed (apt-get install docker.io)"
    if os.geteuid() != 0:
        return "no Docker engine answers, and starting a private one needs root"
    return start_private()


def dockerd(root: Path = PRIVATE) -> list[str]:
    """The private daemon's command line: its own socket, data and exec roots, no network setup."""
    return [
        "dockerd",
        *("--host", f"unix://{root / 'docker.sock'}", "--data-root", str(root / "data")),
        *("--exec-root", str(root / "exec"), "--pidfile", str(root / "docker.pid")),
        *FLAGS,
    ]


def start_private(root: Path = PRIVATE, timeout: float = 60) -> Engine | str:
    """Start the private daemon and wait until it answers; one already answering on its
    socket (another test worker's) is used, not started twice nor claimed as ours."""
    env = {"DOCKER_HOST": f"unix://{root / 'docker.sock'}"}
    if answers(env):
        return Engine(env)
    root.mkdir(parents=True, exist_ok=True)
    with (root / "dockerd.log").open("ab") as log:
        daemon = subprocess.Popen(dockerd(root), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            return f"dockerd exited with status {daemon.returncode} (see {root / 'dockerd.log'})"
        if answers(env):
            return Engine(env, daemon)
        time.sleep(0.5)
    daemon.terminate()
    return f"dockerd did not answer within {timeout:.0f} s (see {root / 'dockerd.log'})"


if __name__ == "__main__":
    # `python3 -m testkit.engine`: become the private daemon (.ci/run starts it this way,
    # in the background, and stops it when the run ends). Standard library only.
    PRIVATE.mkdir(parents=True, exist_ok=True)
    os.execvp("dockerd", dockerd())  # noqa: S606 - a fixed argument list, no shell
