"""The service's body limit: worker memory before and after 100 MB bodies it refuses.

Run with `make bench-limits`. It serves the template's own model (a temporary project
repository) and sends, one after the other, a 100 MB JSON body with its Content-Length
(refused from the header) and the same 100 MB in chunks without one (refused as the
chunks pass the limit), then an ordinary request. It prints the service's resident
memory (server and workers) before and after, and the ratio; without the limit one
400 MB body took a worker from 340 MB to 4.3 GB.
"""

import tempfile
import time
from pathlib import Path

import httpx
from testkit.load import tree_rss
from testkit.repo import project_repo, run
from testkit.server import build_bento, served_bento

BODY_MB = 100


def chunks(total: int, size: int = 1_000_000):
    yield b'{"rows": ['
    for _ in range(total // size):
        yield b" " * size


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        work = Path(tmp)
        repo = project_repo(work / "repo")
        run(["classifier", "run"], repo)
        home = work / "bentoml"
        tag = build_bento(repo, home)
        json_header = {"content-type": "application/json"}
        with (
            served_bento(repo, home, tag, work / "serve.log") as server,
            httpx.Client(base_url=server.url, timeout=120) as http,
        ):
            assert server.pid is not None
            before = tree_rss(server.pid)
            body = b'{"rows": [' + b" " * (BODY_MB * 2**20) + b"]}"
            started = time.perf_counter()
            sized = http.post("/predict", content=body, headers=json_header)
            sized_s = time.perf_counter() - started
            started = time.perf_counter()
            chunked = http.post("/predict", content=chunks(len(body)), headers=json_header)
            chunked_s = time.perf_counter() - started
            after = tree_rss(server.pid)
    print(f"service memory and {BODY_MB} MB bodies (server + workers, RSS)")
    print(f"  before                          {before / 2**20:8.0f} MiB")
    print(f"  with Content-Length             HTTP {sized.status_code} in {sized_s:5.2f} s")
    print(f"  chunked, no Content-Length      HTTP {chunked.status_code} in {chunked_s:5.2f} s")
    print(f"  after                           {after / 2**20:8.0f} MiB ({after / before:.2f}x)")


if __name__ == "__main__":
    main()
