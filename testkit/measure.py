"""Seconds and peak resident memory of a command's whole process tree (for bench/)."""

import subprocess
import threading
import time
from pathlib import Path

import psutil


def _sample(process: subprocess.Popen, stop: threading.Event, peak: list[int]) -> None:
    root = psutil.Process(process.pid)
    while not stop.is_set():
        try:
            tree = [root, *root.children(recursive=True)]
            peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, int, str]:
    """Run `command`: its seconds, peak tree memory (bytes), exit status and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=_sample, args=(process, stop, peak), daemon=True)
    sampler.start()
    output = process.communicate()[0]
    stop.set()
    sampler.join()
    return time.perf_counter() - started, peak[0], process.returncode, output
