"""Just enough of the OCI distribution API to move a tag: list tags, read a manifest and
the labels of its image, put a manifest under another tag.

Moving a tag this way copies the manifest's exact bytes, so the image (its digest, its
layers) is the one that was released: nothing is pulled, rebuilt or re-pushed. It speaks
to any registry: GHCR, Docker Hub, a cloud's, or `docker-registry` on 127.0.0.1 (plain
HTTP only on loopback). Token auth follows the registry's own challenge
(`WWW-Authenticate: Bearer realm=…`), with REGISTRY_USER / REGISTRY_TOKEN as the basic
credentials for the token. Standard library only: the rollback job installs nothing.
"""

import base64
import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import Any

from classifier.contracts.errors import UserError

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
ACCEPT = ", ".join(INDEX_TYPES + MANIFEST_TYPES)
LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}
CHALLENGE_PART = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Manifest:
    """A manifest as the registry stores it: its bytes are what a tag points at."""

    body: bytes
    media_type: str
    digest: str

    @property
    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


def split_reference(repository: str) -> tuple[str, str]:
    """'ghcr.io/acme/penguins' -> ('ghcr.io', 'acme/penguins'); the registry must be named."""
    host, _, name = repository.partition("/")
    if not name or ("." not in host and ":" not in host and host != "localhost"):
        raise UserError(
            f"image repository {repository!r} must start with its registry "
            "(for example ghcr.io/owner/name or 127.0.0.1:5000/name)"
        )
    if ":" in name or "@" in name:
        raise UserError(f"image repository {repository!r} must not carry a tag or digest")
    return host, name


class Registry:
    """One image repository on one registry."""

    def __init__(self, repository: str, user: str = "", token: str = "") -> None:
        self.repository = repository
        host, self.name = split_reference(repository)
        scheme = "http" if host.rsplit(":", 1)[0] in LOOPBACK else "https"
        self.base = f"{scheme}://{host}/v2/{self.name}"
        self.credentials = (user, token) if token else None
        self.bearer: str | None = None

    def tags(self) -> list[str]:
        """Every tag of the repository (following the registry's pages)."""
        found: list[str] = []
        url: str | None = f"{self.base}/tags/list?n=1000"
        while url:
            status, headers, body = self.call("GET", url)
            if status == 404:
                return found
            self.expect(status, 200, "list its tags", body)
            found += json.loads(body).get("tags") or []
            url = next_page(url, headers.get("link", ""))
        return found

    def manifest(self, reference: str) -> Manifest | None:
        """The manifest a tag (or digest) names; None when there is none."""
        status, headers, body = self.call("GET", f"{self.base}/manifests/{reference}")
        if status == 404:
            return None
        self.expect(status, 200, f"read the manifest of {reference}", body)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        media_type = headers.get("content-type", "").split(";")[0].strip()
        return Manifest(body, media_type or json.loads(body).get("mediaType", ""), digest)

    def put(self, tag: str, manifest: Manifest) -> str:
        """Point `tag` at exactly this manifest; the registry's digest for it."""
        status, headers, body = self.call(
            "PUT",
            f"{self.base}/manifests/{tag}",
            manifest.body,
            {"Content-Type": manifest.media_type},
        )
        self.expect(status, 201, f"move {tag}", body)
        return headers.get("docker-content-digest", manifest.digest)

    def labels(self, manifest: Manifest) -> dict[str, str]:
        """The image's labels (org.opencontainers.image.*), from its config."""
        document = manifest.document
        if manifest.media_type in INDEX_TYPES or "manifests" in document:
            images = [
                m
                for m in document["manifests"]
                if m.get("platform", {}).get("os") not in (None, "unknown")
            ] or document["manifests"]
            inner = self.manifest(images[0]["digest"])
            if inner is None:
                raise UserError(f"{self.repository}: {images[0]['digest']} is missing")
            document = inner.document
        digest = document["config"]["digest"]
        status, _, body = self.call("GET", f"{self.base}/blobs/{digest}")
        self.expect(status, 200, f"read the image config {digest[:19]}", body)
        return json.loads(body).get("config", {}).get("Labels") or {}

    def expect(self, status: int, wanted: int, what: str, body: bytes) -> None:
        if status != wanted:
            detail = body.decode(errors="replace").strip()[:200]
            raise UserError(
                f"{self.repository}: the registry answered HTTP {status} when asked to {what}"
                + (f": {detail}" if detail else "")
            )

    def call(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; a 401 with a Bearer challenge fetches a token and tries once more."""
        status, answer_headers, answer = self.send(method, url, body, headers or {})
        challenge = answer_headers.get("www-authenticate", "")
        if status == 401 and challenge.lower().startswith("bearer "):
            self.bearer = self.token(challenge)
            status, answer_headers, answer = self.send(method, url, body, headers or {})
        elif status == 401 and challenge.lower().startswith("basic") and self.credentials:
            status, answer_headers, answer = self.send(method, url, body, headers or {}, True)
        if status == 401:
            who = "REGISTRY_USER / REGISTRY_TOKEN" if self.credentials else "no credentials"
            raise UserError(f"{self.repository}: the registry refused {who} (HTTP 401)")
        return status, answer_headers, answer

    def token(self, challenge: str) -> str:
        """A bearer token from the challenge's realm, for its service and scope."""
        fields = dict(CHALLENGE_PART.findall(challenge))
        realm = fields.pop("realm", "")
        if not realm.startswith("https://") and urllib.parse.urlsplit(realm).hostname not in (
            "127.0.0.1",
            "localhost",
        ):
            raise UserError(f"{self.repository}: the registry's token realm {realm!r} is not https")
        query = urllib.parse.urlencode(fields)
        status, _, answer = self.send("GET", f"{realm}?{query}", None, {}, basic=True)
        if status != 200:
            raise UserError(f"{self.repository}: no registry token (HTTP {status} from {realm})")
        document = json.loads(answer)
        return str(document.get("token") or document.get("access_token"))

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: dict[str, str],
        basic: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(  # noqa: S310 - https, or plain HTTP on loopback only
            url, data=body, method=method, headers={"Accept": ACCEPT, **headers}
        )
        # Never sent on to a redirect: blobs often live on a storage host of their own.
        if self.bearer and not basic:
            request.add_unredirected_header("Authorization", f"Bearer {self.bearer}")
        elif basic and self.credentials:
            pair = base64.b64encode(":".join(self.credentials).encode()).decode()
            request.add_unredirected_header("Authorization", f"Basic {pair}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, lowered(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, lowered(err.headers), err.read()
        except OSError as err:
            raise UserError(
                f"{self.repository}: the registry could not be reached: {err}"
            ) from None


def lowered(headers: Message) -> dict[str, str]:
    """Header names in lower case (registries differ: Go sends `Www-Authenticate`)."""
    return {name.lower(): value for name, value in headers.items()}


def next_page(url: str, link: str) -> str | None:
    """The next page's URL from a `Link: </v2/…?last=x>; rel="next"` header."""
    match = re.match(r'<([^>]+)>;\s*rel="next"', link)
    return urllib.parse.urljoin(url, match.group(1)) if match else None
