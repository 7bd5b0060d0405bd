"""A recording stand-in for a team's deploy hook on 127.0.0.1 (the real one is theirs)."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


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
    handler = type("FakeDeployEndpoint", (Handler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/deploy", received
    finally:
        server.shutdown()
