"""The pure parts of the workflow steps: PR hand-off, sanitizing, image names, credentials."""

import json
import re

import pytest

from classifier.ci import comment, release, remote
from classifier.ci import steps as ci
from classifier.ci.runner import arguments
from classifier.contracts.errors import UserError

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
SHA = "0123456789abcdef0123456789abcdef01234567"


def test_pr_info_writes_number_and_head(tmp_path):
    info = ci.pr_info(tmp_path, {"PR_NUMBER": "12", "HEAD_SHA": SHA})
    assert info == {"number": 12, "head_sha": SHA}
    assert json.loads((tmp_path / "pr.json").read_text()) == info


@pytest.mark.parametrize(
    "env", [{"PR_NUMBER": "", "HEAD_SHA": SHA}, {"PR_NUMBER": "1", "HEAD_SHA": "x"}]
)
def test_pr_info_refuses_what_is_not_a_pr(tmp_path, env):
    with pytest.raises(UserError):
        ci.pr_info(tmp_path, env)


def test_sanitize_keeps_only_this_reports_pngs(tmp_path):
    (tmp_path / "confusion.png").write_bytes(PNG)
    (tmp_path / "fake.png").write_text("not a png")
    markdown = "\n".join(
        [
            "![ok](confusion.png)",
            "![token](/proc/self/environ)",
            "![up](../../.git/config.png)",
            "![text](fake.png)",
            "[local](../secrets.txt) and [web](https://example.com) and [here](#notes)",
            '<img src="/etc/passwd"> <details><summary>x</summary>y</details>',
        ]
    )
    clean = comment.sanitize(markdown, tmp_path)
    assert "![ok](confusion.png)" in clean
    assert "/proc/self/environ" not in clean
    assert "config.png" not in clean
    assert "![text](fake.png)" not in clean
    assert "[local](" not in clean
    assert "local and [web](https://example.com)" in clean
    assert "[here](#notes)" in clean
    assert "&lt;img" in clean
    assert "<details><summary>x</summary>y</details>" in clean


def test_sanitize_cuts_what_a_comment_cannot_hold(tmp_path):
    assert len(comment.sanitize("x" * 70_000, tmp_path)) < 65_536


@pytest.mark.parametrize(
    ("ref", "tags", "version"),
    [
        (
            "refs/heads/main",
            ["ghcr.io/acme/penguins:sha-0123456", "ghcr.io/acme/penguins:main"],
            None,
        ),
        (
            "refs/tags/v1.2.3",
            ["ghcr.io/acme/penguins:1.2.3", "ghcr.io/acme/penguins:latest"],
            "1.2.3",
        ),
    ],
)
def test_image_names_follow_the_ref(ref, tags, version):
    env = {"GITHUB_REPOSITORY": "Acme/Penguins", "GITHUB_REF": ref, "GITHUB_SHA": SHA}
    assert release.image_tags(env) == {
        "image": "ghcr.io/acme/penguins",
        "version": version,
        "tags": tags,
    }


@pytest.mark.parametrize("ref", ["refs/tags/v1.2", "refs/tags/release-1", "refs/pull/3/merge"])
def test_a_tag_that_is_not_vX_Y_Z_is_refused(ref):
    with pytest.raises(UserError, match=r"vX\.Y\.Z"):
        release.version_of(ref)


def test_credentials_needed_by_the_remote_storage():
    assert remote.missing_credentials("s3://bucket/x", {}, {}) == [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ]
    assert remote.missing_credentials("s3://bucket/x", {"profile": "ci"}, {}) == []
    full = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
    assert remote.missing_credentials("s3://bucket/x", {}, full) == []
    assert remote.missing_credentials("/mnt/dvc-store", {}, {}) == []


def test_cloud_runner_arguments_name_a_missing_or_bad_setting():
    base = {"GITHUB_RUN_ID": "7", "REPO_TOKEN": "t", "CML_CLOUD": "gcp", "CML_CLOUD_TYPE": "xl"}
    google = {**base, "GOOGLE_APPLICATION_CREDENTIALS_DATA": "{}"}
    assert arguments(google) == [
        "--cloud=gcp",
        "--cloud-type=xl",
        "--labels=cml-7",
        "--single",
        "--idle-timeout=300",
    ]
    assert arguments({**google, "CML_CLOUD_GPU": "v100", "CML_CLOUD_HDD_SIZE": "100"})[-2:] == [
        "--cloud-gpu=v100",
        "--cloud-hdd-size=100",
    ]
    for env, message in [
        ({**google, "CML_CLOUD": "digitalocean"}, "CML_CLOUD is 'digitalocean'; set it to one of"),
        ({**google, "CML_CLOUD_TYPE": ""}, "CML_CLOUD_TYPE is not set"),
        (base, "secrets not set for a runner on gcp: GOOGLE_APPLICATION_CREDENTIALS_DATA"),
        ({**google, "CML_CLOUD_GPU": "h100"}, "CML_CLOUD_GPU is 'h100'; set it to one of"),
        ({**google, "CML_CLOUD_HDD_SIZE": "lots"}, "CML_CLOUD_HDD_SIZE is 'lots'; give a size"),
    ]:
        with pytest.raises(UserError, match=re.escape(message)):
            arguments(env)
