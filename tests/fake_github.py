"""A recording stand-in for GitHub's REST API on 127.0.0.1 (GitHub cannot be reached here).

It keeps, in memory, what the workflow steps touch: pull requests, issues and their
comments (with their authors), releases (by tag), and the git objects a branch is made
of (blobs, trees, commits, refs). Every call is recorded, with the token it carried.
As on GitHub, a workflow's GITHUB_TOKEN writes as github-actions[bot] and is refused
by `GET /user`; tokens listed in `State.users` are people's, and `/user` names them.
"""

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPO = "acme/Penguins"


@dataclass
class State:
    calls: list[dict[str, Any]] = field(default_factory=list)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # token -> a person's login
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    releases: set[str] = field(default_factory=set)  # tag names
    commit_comments: dict[str, list[str]] = field(default_factory=dict)  # sha -> bodies
    next_number: int = 1

    def author(self, auth: str | None) -> str:
        """Who a call's token writes as."""
        token = (auth or "").removeprefix("Bearer ")
        return self.users.get(token, "github-actions[bot]")

    def comment(self, issue: int, body: str, author: str) -> dict[str, Any]:
        """Add a comment (any author: a test seeds people's comments this way)."""
        serial = 1001 + sum(len(listed) for listed in self.comments.values())
        item = {"id": serial, "body": body, "user": {"login": author}}
        self.comments.setdefault(issue, []).append(item)
        return item

    def number(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def store(self, kind: str, content: dict[str, Any]) -> str:
        sha = hashlib.sha256(json.dumps([kind, content], sort_keys=True).encode()).hexdigest()[:40]
        self.objects[sha] = {"kind": kind, **content}
        return sha

    def file(self, ref: str, path: str) -> bytes:
        """A file's content at a branch (following the trees the branch's commit holds)."""
        tree = self.objects[self.objects[self.refs[ref]]["tree"]]
        entry = next(e for e in tree["tree"] if e["path"] == path)
        return base64.b64decode(self.objects[entry["sha"]]["content"])


class Handler(BaseHTTPRequestHandler):
    state: State

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PATCH(self) -> None:
        self.dispatch("PATCH")

    def dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        auth = self.headers.get("Authorization")
        self.state.calls.append({"method": method, "path": self.path, "body": body, "auth": auth})
        prefix = f"/repos/{REPO}"
        path, _, query = self.path.partition("?")
        if path == "/user":
            token = (auth or "").removeprefix("Bearer ")
            if token in self.state.users:
                return self.answer(200, {"login": self.state.users[token], "type": "User"})
            return self.answer(403, {"message": "Resource not accessible by integration"})
        if not path.startswith(prefix):
            return self.answer(404, {"message": "Not Found"})
        if match := re.fullmatch(r"/issues/(\d+)/comments", path.removeprefix(prefix)):
            status, answer = comments_route(self.state, method, int(match[1]), body, auth, query)
        else:
            if method == "POST" and path.removeprefix(prefix) == "/issues":
                body = {**body, "user": {"login": self.state.author(auth)}}
            status, answer = route(self.state, method, path.removeprefix(prefix), body)
        self.answer(status, answer)

    def answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def route(state: State, method: str, path: str, body: Any) -> tuple[int, Any]:
    """The few endpoints the steps use; anything else is a 404."""
    if (method, path) == ("GET", ""):
        return 200, {"full_name": REPO, "default_branch": "main"}
    if match := re.fullmatch(r"/pulls/(\d+)", path):
        pull = state.pulls.get(int(match[1]))
        return (200, pull) if pull else (404, {"message": "Not Found"})
    if path == "/pulls":
        if method == "GET":
            return 200, [p for p in state.pulls.values() if p["state"] == "open"]
        number = state.number()
        state.pulls[number] = {
            "number": number,
            "state": "open",
            **body,
            "head": {"ref": body["head"], "sha": state.refs.get(body["head"])},
        }
        return 201, state.pulls[number]
    if (match := re.fullmatch(r"/commits/([0-9a-f]{40})/comments", path)) and method == "POST":
        state.commit_comments.setdefault(match[1], []).append(body["body"])
        return 201, {"id": len(state.commit_comments[match[1]]), "body": body["body"]}
    if match := re.fullmatch(r"/releases/tags/(.+)", path):
        found = match[1] in state.releases
        return (200, {"tag_name": match[1]}) if found else (404, {"message": "Not Found"})
    if path == "/issues":
        if method == "GET":
            return 200, [i for i in state.issues.values() if i["state"] == "open"]
        number = state.number()
        state.issues[number] = {"number": number, "state": "open", **body}
        return 201, state.issues[number]
    if match := re.fullmatch(r"/issues/(\d+)", path):
        state.issues[int(match[1])].update(body)
        return 200, state.issues[int(match[1])]
    if match := re.fullmatch(r"/issues/comments/(\d+)", path):
        found = [c for cs in state.comments.values() for c in cs if c["id"] == int(match[1])]
        if not found:
            return 404, {"message": "Not Found"}
        found[0]["body"] = body["body"]
        return 200, found[0]
    return git_route(state, method, path, body)


def comments_route(
    state: State, method: str, issue: int, body: Any, auth: str | None, query: str
) -> tuple[int, Any]:
    """List (paginated, as GitHub does) or add the comments of an issue or pull request."""
    if method == "POST":
        return 201, state.comment(issue, body["body"], state.author(auth))
    args = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
    size, page = int(args.get("per_page", 30)), int(args.get("page", 1))
    return 200, state.comments.get(issue, [])[(page - 1) * size : page * size]


def git_route(state: State, method: str, path: str, body: Any) -> tuple[int, Any]:
    if match := re.fullmatch(r"/git/ref/heads/(.+)", path):
        sha = state.refs.get(match[1])
        return (200, {"object": {"sha": sha}}) if sha else (404, {"message": "Not Found"})
    if match := re.fullmatch(r"/git/commits/([0-9a-f]+)", path):
        commit = state.objects.get(match[1])
        if commit is None:
            return 404, {"message": "Not Found"}
        return 200, {"sha": match[1], "tree": {"sha": commit["tree"]}, "parents": commit["parents"]}
    kinds = {"/git/blobs": "blob", "/git/trees": "tree", "/git/commits": "commit"}
    if method == "POST" and path in kinds:
        content = dict(body)
        if path == "/git/trees":  # a new tree holds the base tree's entries it does not replace
            base = state.objects.get(body.get("base_tree"), {}).get("tree", [])
            replaced = {e["path"] for e in body["tree"]}
            content = {"tree": [e for e in base if e["path"] not in replaced] + body["tree"]}
        return 201, {"sha": state.store(kinds[path], content)}
    if (method, path) == ("POST", "/git/refs"):
        state.refs[body["ref"].removeprefix("refs/heads/")] = body["sha"]
        return 201, {"ref": body["ref"]}
    return 404, {"message": "Not Found"}


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1 until the block ends; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextmanager
def fake_github() -> Iterator[tuple[str, State]]:
    """Serve a fresh fake API on a free port of 127.0.0.1; yields its URL and its state."""
    state = State()
    with serve(type("FakeGitHubAPI", (Handler,), {"state": state})) as url:
        yield url, state


def seed_main(state: State, files: dict[str, bytes]) -> str:
    """A `main` branch holding `files`, as the repository's default branch."""
    entries = [
        {
            "path": path,
            "mode": "100644",
            "type": "blob",
            "sha": state.store("blob", {"content": base64.b64encode(data).decode()}),
        }
        for path, data in files.items()
    ]
    tree = state.store("tree", {"tree": entries})
    state.refs["main"] = state.store("commit", {"tree": tree, "parents": [], "message": "main"})
    return state.refs["main"]
