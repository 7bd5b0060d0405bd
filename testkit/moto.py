"""S3 on 127.0.0.1: a moto server (a stand-in for S3; no cloud is reachable from the tests)."""

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from classifier.serving.smoke import free_port
from testkit.repo import tool_env

BUCKET = "dvc-store"


@contextlib.contextmanager
def moto_server(log: Path, strict: bool) -> Iterator[tuple[str, dict[str, str]]]:
    """A moto S3 on 127.0.0.1 with a bucket; yields its URL and keys that work on it.

    strict=True turns on moto's IAM checks, so unknown keys are refused. They are off
    for round trips: moto then miscomputes the signature of DVC's listing request (its
    `delimiter=` is empty), refusing even the right keys.
    """

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # the readiness probe and the three IAM calls below go unauthenticated; then keys count
    env = {"INITIAL_NO_AUTH_ACTION_COUNT": "4"} if strict else {}
    with log.open("w") as out:
        server = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
            env=tool_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        iam = client("iam", endpoint, keys)
        _wait(lambda: iam.list_users())
        if strict:
            iam.create_user(UserName="ci")
            key = iam.create_access_key(UserName="ci")["AccessKey"]
            iam.put_user_policy(UserName="ci", PolicyName="s3", PolicyDocument=S3_POLICY)
            keys = {
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            }
        client("s3", endpoint, keys).create_bucket(Bucket=BUCKET)
        yield endpoint, {**keys, "AWS_DEFAULT_REGION": "us-east-1"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)


S3_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def client(service: str, endpoint: str, keys: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
    )


def _wait(call: Callable[[], Any], tries: int = 100) -> None:
    for _ in range(tries):
        try:
            call()
            return
        except Exception:  # the server is still starting
            time.sleep(0.2)
    call()
