"""Raw data tracked by a .dvc pointer, pushed to a remote, pulled into a fresh clone.

Two remotes: a local directory, and S3 through dvc-s3 against a moto server on
127.0.0.1 (a stand-in for S3, with its IAM checks on so wrong keys are refused).
"""

from pathlib import Path

from testkit.repo import git_commit, run, snapshot

RAW = "data/raw/fruit.csv"


def track_raw_data_with_dvc(repo: Path) -> None:
    """What the README tells users to do to move data/raw from git to DVC."""
    run(["git", "rm", "-q", "--cached", RAW], repo)
    run(["dvc", "add", RAW], repo)
    git_commit(repo, "data/raw tracked by DVC")


def fresh_clone(repo: Path, target: Path) -> Path:
    run(["git", "clone", "-q", str(repo), str(target)], target.parent)
    assert not (target / RAW).exists()
    return target


def stages_run(output: str) -> list[str]:
    return [s for s in ("prepare", "train", "evaluate") if f"Running stage '{s}'" in output]


def test_local_remote_push_clone_pull_and_nothing_reruns(clone, tmp_path):
    track_raw_data_with_dvc(clone)
    run(["dvc", "remote", "add", "-d", "storage", str(tmp_path / "remote")], clone)
    git_commit(clone, "remote")
    run(["classifier", "push"], clone)

    fresh = fresh_clone(clone, tmp_path / "fresh")
    pulled = run(["classifier", "pull"], fresh)
    assert "skipped" not in pulled.stdout
    assert (fresh / RAW).read_bytes() == (clone / RAW).read_bytes()
    assert (fresh / "models/model.joblib").is_file()
    assert (fresh / ".dvc/cache/runs").is_dir()  # the run-cache came along
    result = run(["classifier", "run"], fresh)
    assert stages_run(result.stdout) == []
    assert "Data and pipelines are up to date" in result.stdout


def test_report_reads_the_base_data_through_dvc(clone, tmp_path):
    track_raw_data_with_dvc(clone)
    run(["git", "checkout", "-q", "-b", "pr"], clone)
    lines = (clone / RAW).read_text().splitlines()
    (clone / RAW).write_text("\n".join(lines[:-4]) + "\n")
    run(["dvc", "add", RAW], clone)
    git_commit(clone, "fewer rows")
    run(["classifier", "run"], clone)
    git_commit(clone, "results")
    run(["classifier", "report", "--base", "main", "--out", "report"], clone)
    markdown = (clone / "report/report.md").read_text()
    assert "Rows: 240 → 236, **0 added, 4 removed, 0 changed** (by content)." in markdown


# ---- S3 (moto) ----


def s3_remote(repo: Path, endpoint: str) -> None:
    run(["dvc", "remote", "add", "-d", "storage", "s3://dvc-store/fruit"], repo)
    run(["dvc", "remote", "modify", "storage", "endpointurl", endpoint], repo)
    run(["dvc", "remote", "modify", "storage", "region", "us-east-1"], repo)
    git_commit(repo, "S3 remote")


def test_s3_remote_on_moto_push_clone_pull_and_nothing_reruns(clone, tmp_path, moto_s3):
    endpoint, keys = moto_s3
    track_raw_data_with_dvc(clone)
    s3_remote(clone, endpoint)
    run(["classifier", "push"], clone, **keys)

    fresh = fresh_clone(clone, tmp_path / "fresh")
    run(["classifier", "pull"], fresh, **keys)
    assert (fresh / RAW).read_bytes() == (clone / RAW).read_bytes()
    result = run(["classifier", "run"], fresh)
    assert stages_run(result.stdout) == []


def test_s3_pull_with_wrong_credentials_fails_with_one_clear_line(clone, tmp_path, strict_moto_s3):
    endpoint, keys = strict_moto_s3
    track_raw_data_with_dvc(clone)
    s3_remote(clone, endpoint)
    fresh = fresh_clone(clone, tmp_path / "fresh")
    before = snapshot(fresh)
    wrong = {**keys, "AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1", "AWS_SECRET_ACCESS_KEY": "nope"}
    result = run(["classifier", "pull"], fresh, check=False, **wrong)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: dvc pull from remote 'storage' (s3://dvc-store/fruit) failed: ")
    assert snapshot(fresh) == before
    assert not (fresh / RAW).exists()


def test_s3_pull_without_credentials_is_skipped_with_a_notice(clone, tmp_path, moto_s3):
    endpoint, _ = moto_s3
    track_raw_data_with_dvc(clone)
    s3_remote(clone, endpoint)
    fresh = fresh_clone(clone, tmp_path / "fresh")
    no_keys = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    result = run(["classifier", "pull"], fresh, **no_keys)
    assert (
        "::notice title=DVC remote::dvc pull skipped: remote 'storage' (s3://dvc-store/fruit) "
        "needs AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"
    ) in result.stdout
    failed = run(["classifier", "run"], fresh, check=False)
    assert "tracked by DVC (data/raw/fruit.csv.dvc) but not in the workspace" in failed.stderr
