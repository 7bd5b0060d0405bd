"""The pure parts of the workflow steps: PR hand-off, which charts may leave, images, keys."""

import json
import re

import pytest

from classifier.ci import comment, release, remote
from classifier.ci import steps as ci
from classifier.ci.registry import Registry, next_page, split_reference
from classifier.ci.rollback import released, repository, wanted_version
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


def test_only_the_reports_own_png_files_may_leave_the_machine(tmp_path):
    (tmp_path / "confusion.png").write_bytes(PNG)
    (tmp_path / "cv_scores.png").write_text("not a png")
    secret = tmp_path / "secret"
    secret.write_bytes(PNG + b"token")
    (tmp_path / "importance.png").symlink_to(secret)
    assert comment.png(tmp_path, "confusion") == PNG
    assert comment.png(tmp_path, "selection") is None  # not PNG bytes
    assert comment.png(tmp_path, "importance") is None  # a link to another file
    assert comment.png(tmp_path, "drift") is None  # absent


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://asset.cml.dev/0a1b2c?cml=png&cache-bypass=1f", True),
        ("https://x.example/a.png) ![b](/etc/passwd", False),
        ('https://x.example/a.png "title"', False),
        ("file:///etc/passwd", False),
        ("http://evil.example/a.png", False),
    ],
)
def test_an_uploaded_charts_url_cannot_break_out_of_its_image(url, kept):
    assert bool(comment.UPLOADED.fullmatch(url)) is kept


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
        (  # GTO's registration of the model: the same release as v1.2.3
            "refs/tags/classifier@v1.2.3",
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


@pytest.mark.parametrize(
    "ref",
    ["refs/tags/v1.2", "refs/tags/release-1", "refs/pull/3/merge", "refs/tags/other@v1.2.3"],
)
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


def test_released_versions_are_the_x_y_z_tags_in_numeric_order():
    tags = ["latest", "main", "sha-0123456", "1.10.0", "1.9.0", "v2.0.0", "1.9", "0.1.0"]
    assert released(tags) == ["0.1.0", "1.9.0", "1.10.0"]


@pytest.mark.parametrize(
    ("text", "version"), [("1.2.0", "1.2.0"), ("v1.2.0", "1.2.0"), (" 3.0.1 ", "3.0.1")]
)
def test_a_rollback_version_may_be_written_as_the_tag(text, version):
    assert wanted_version(text) == version


@pytest.mark.parametrize("text", ["", "latest", "1.2", "v1.2.0-rc1"])
def test_a_rollback_without_a_version_says_which_form_it_wants(text):
    with pytest.raises(UserError, match=r"give a released version, X\.Y\.Z"):
        wanted_version(text)


def test_the_rollback_image_is_the_release_workflows_unless_named():
    assert repository({"GITHUB_REPOSITORY": "Acme/Penguins"}) == "ghcr.io/acme/penguins"
    named = {"IMAGE_REPOSITORY": "registry.example.com/ml/classifier", "GITHUB_REPOSITORY": "a/b"}
    assert repository(named) == "registry.example.com/ml/classifier"
    with pytest.raises(UserError, match="IMAGE_REPOSITORY not set"):
        repository({})


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("ghcr.io/acme/penguins", ("ghcr.io", "acme/penguins")),
        ("127.0.0.1:5000/penguins", ("127.0.0.1:5000", "penguins")),
        ("localhost/a/b", ("localhost", "a/b")),
    ],
)
def test_an_image_repository_names_its_registry(reference, expected):
    assert split_reference(reference) == expected


@pytest.mark.parametrize(
    ("reference", "message"),
    [("acme/penguins", "must start with its registry"), ("ghcr.io/a/b:1.0.0", "tag or digest")],
)
def test_an_image_repository_without_a_registry_or_with_a_tag_is_refused(reference, message):
    with pytest.raises(UserError, match=message):
        split_reference(reference)


def test_only_loopback_registries_are_spoken_to_over_plain_http():
    assert Registry("127.0.0.1:5000/a").base == "http://127.0.0.1:5000/v2/a"
    assert Registry("localhost:5000/a").base == "http://localhost:5000/v2/a"
    assert Registry("ghcr.io/acme/p").base == "https://ghcr.io/v2/acme/p"
    assert Registry("127.0.0.1.example.com/a").base.startswith("https://")


def test_tag_pages_follow_the_link_header():
    url = "https://ghcr.io/v2/a/b/tags/list?n=2"
    link = '</v2/a/b/tags/list?n=2&last=1.1.0>; rel="next"'
    assert next_page(url, link) == "https://ghcr.io/v2/a/b/tags/list?n=2&last=1.1.0"
    assert next_page(url, "") is None
