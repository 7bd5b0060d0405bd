"""Load on a service over HTTP with Debian's wrk, and the memory of a server's process tree.

Shared by bench/serve.py and bench/image.py; load goes to 127.0.0.1 only.
"""

import json
import re
import subprocess
from pathlib import Path

import psutil

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def request_body(rows: list[dict]) -> str:
    return json.dumps({"rows": rows})


def wrk_script(path: Path, body: str) -> Path:
    path.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [[{body}]]\n"
    )
    return path


def wrk(url: str, script: Path, connections: int, seconds: int) -> dict[str, float]:
    """One wrk run (one thread, so the servers keep the cores): req/s, p50, p99, errors."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run(
        [*command, f"{url}/predict"], capture_output=True, text=True, check=True
    ).stdout
    latency = {
        q: float(v) * UNITS[u] for q, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)\b", out)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = (int(non_2xx[1]) if non_2xx else 0) + (
        sum(map(int, sockets.groups())) if sockets else 0
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "p50": latency["50"],
        "p99": latency["99"],
        "errors": errors,
    }


def tree_rss(pid: int) -> int:
    """Resident memory of a server and all its worker processes, in bytes."""
    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def line(name: str, figures: dict[str, float]) -> str:
    """One wrk run as a line of a report."""
    return (
        f"  {name:<34} {figures['rps']:8.0f} req/s   p50 {figures['p50']:6.1f} ms   "
        f"p99 {figures['p99']:6.1f} ms   errors {figures['errors']:.0f}"
    )
