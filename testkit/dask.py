"""A real dask.distributed cluster on 127.0.0.1, started with Dask's own command line.

A scheduler and two single-threaded worker processes from this project's environment,
as a team would run them (tests/integration/test_dask.py, bench/scale.py).
"""

import os
import signal
import subprocess
from pathlib import Path

from classifier.serving.smoke import free_port
from testkit.repo import tool_env


class Cluster:
    """A scheduler and its workers, each in its own process group."""

    def __init__(self, log: Path, workers: int = 2) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        port = self.address.rsplit(":", 1)[1]
        self.out = log.open("w")
        common = {"env": tool_env(), "stdout": self.out, "stderr": subprocess.STDOUT}
        self.scheduler = subprocess.Popen(
            ["dask", "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            start_new_session=True,
            **common,
        )
        self.workers = subprocess.Popen(
            [
                *["dask", "worker", self.address, "--nworkers", str(workers), "--nthreads", "1"],
                *["--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0"],
            ],
            start_new_session=True,
            **common,
        )
        from distributed import Client

        try:
            with Client(self.address, timeout="30s") as client:
                client.wait_for_workers(workers, timeout=60)
        except BaseException:
            self.stop()  # no process outlives a cluster that never came up
            raise

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop_scheduler(self) -> None:
        os.killpg(self.scheduler.pid, signal.SIGTERM)
        self.scheduler.wait(timeout=30)

    def stop(self) -> None:
        for process in (self.workers, self.scheduler):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
        self.out.close()
