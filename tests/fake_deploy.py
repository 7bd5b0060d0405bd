"""A recording stand-in for a team's deploy hook on 127.0.0.1 (the real one is theirs)."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from .fake_github import serve


class Handler(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(
            {"body": json.loads(self.rfile.read(length)), "auth": self.headers.get("Authorization")}
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def fake_deploy_endpoint() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve it on a free port; yields its URL and the list of what it was sent."""
    received: list[dict[str, Any]] = []
    with serve(type("FakeDeployEndpoint", (Handler,), {"received": received})) as url:
        yield f"{url}/deploy", received
