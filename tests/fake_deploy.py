"""A recording stand-in for a team's deploy hook on 127.0.0.1 (the real one is theirs)."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from .fake_github import serve


class Handler(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    status: int

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(
            {"body": json.loads(self.rfile.read(length)), "auth": self.headers.get("Authorization")}
        )
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def fake_deploy_endpoint(status: int = 204) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve it on a free port, answering `status`; yields its URL and what it was sent."""
    received: list[dict[str, Any]] = []
    handler = type("FakeDeployEndpoint", (Handler,), {"received": received, "status": status})
    with serve(handler) as url:
        yield f"{url}/deploy", received
