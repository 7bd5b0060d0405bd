"""What the workflow steps share about GitHub and HTTP: commit ids, safe URLs, JSON requests.

Standard library only: the steps that hold a token (comment, deploy) install nothing.
"""

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from classifier.contracts.errors import UserError

SHA = re.compile(r"[0-9a-f]{40}")
# Where the release workflow publishes the service's image (and a rollback finds it).
REGISTRY = "ghcr.io"
# Who writes with a workflow's own GITHUB_TOKEN.
WORKFLOW_BOT = "github-actions[bot]"
# Where a step may send a token or a payload: TLS, or this machine (the tests' stand-ins).
SAFE_URL = re.compile(r"(https://|http://127\.0\.0\.1[:/])")


def check_url(url: str, what: str) -> str:
    """`url` if it is https:// (or loopback); otherwise a UserError naming `what`."""
    if not SAFE_URL.match(url):
        raise UserError(f"{what} must be an https:// URL, not {url.split('://')[0]}://…")
    return url


def request_json(
    url: str,
    what: str,
    headers: Mapping[str, str],
    body: Any = None,
    method: str | None = None,
    timeout: float = 60,
) -> tuple[int, Any]:
    """Send a JSON request (POST when there is a body); (status, decoded answer or None).

    An HTTP error status is returned, not raised: callers say what it means for them.
    A network failure is a UserError naming `what`.
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just below
        check_url(url, what),
        data=data,
        headers={"Content-Type": "application/json", **headers},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            content = response.read()
            return response.status, json.loads(content) if content else None
    except urllib.error.HTTPError as err:
        return err.code, None
    except OSError as err:
        raise UserError(f"{what} could not be reached: {err}") from None


def image_repository(repository: str) -> str:
    """The image of GitHub repository OWNER/REPO: ghcr.io/owner/repo (GHCR wants lower case)."""
    return f"{REGISTRY}/{repository.lower()}"


@dataclass(frozen=True)
class GitHub:
    """This repository's REST API, with the job's token (GITHUB_TOKEN)."""

    api: str
    repository: str
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "GitHub":
        """The API the runner names (GITHUB_API_URL), for GITHUB_REPOSITORY, with GITHUB_TOKEN."""
        missing = [name for name in ("GITHUB_REPOSITORY", "GITHUB_TOKEN") if not env.get(name)]
        if missing:
            raise UserError(f"{', '.join(missing)} not set: this step runs on GitHub Actions")
        api = env.get("GITHUB_API_URL") or "https://api.github.com"
        return cls(api, env["GITHUB_REPOSITORY"], env["GITHUB_TOKEN"])

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """`METHOD /repos/OWNER/REPO/PATH`; (status, decoded answer)."""
        return self.request(method, f"/repos/{self.repository}{path}", body)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """`METHOD PATH` of the API (any path); (status, decoded answer)."""
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        url = f"{self.api}{path}"
        return request_json(url, "the GitHub API", headers, body, method=method, timeout=30)

    def login(self) -> str:
        """Who this token writes as: the user behind it, or the workflow token's bot.

        GitHub answers `GET /user` for a person's or an app's user token; the
        workflow's own GITHUB_TOKEN is refused there and always writes as
        github-actions[bot].
        """
        status, user = self.request("GET", "/user")
        if status == 200 and isinstance(user, dict) and isinstance(user.get("login"), str):
            return user["login"]
        return WORKFLOW_BOT

    def own_items(self, path: str, marker: str, pages: int = 50) -> list[dict[str, Any]]:
        """Items of a listing (comments, issues) this token wrote that carry `marker`.

        Anyone can write the marker into a comment; only the author tells ours apart.
        """
        login, found = self.login(), []
        for page in range(1, pages + 1):
            sep = "&" if "?" in path else "?"
            status, listed = self.call("GET", f"{path}{sep}per_page=100&page={page}")
            if status != 200 or not isinstance(listed, list):
                raise UserError(f"the GitHub API refused to list {path} (HTTP {status})")
            found += [
                item
                for item in listed
                if isinstance(item, dict)
                and (item.get("user") or {}).get("login") == login
                and marker in str(item.get("body") or "")
            ]
            if len(listed) < 100:
                break
        return found
