"""One home for where records live: command line, then RECORDS, then params.yaml, then
$BENTOML_HOME/monitoring."""

import pytest

from classifier.contracts.locations import records_location

ENV = {"RECORDS": "/from/env", "BENTOML_HOME": "/srv/bentoml"}


@pytest.mark.parametrize(
    ("given", "env", "configured", "expected"),
    [
        ("/from/cli", ENV, "/from/params", "/from/cli"),
        (None, ENV, "/from/params", "/from/env"),
        (None, {"BENTOML_HOME": "/srv/bentoml"}, "$BENTOML_HOME/records", "/srv/bentoml/records"),
        (None, {"BENTOML_HOME": "/srv/bentoml"}, None, "/srv/bentoml/monitoring"),
        (None, {}, "s3://bucket/prod", "s3://bucket/prod"),
        ("", {"RECORDS": ""}, "", None),  # nothing said: BentoML's home
    ],
)
def test_the_first_that_is_given_wins(given, env, configured, expected, monkeypatch):
    monkeypatch.setenv("HOME", "/home/me")
    found = records_location(given, env, configured)
    assert found == (expected or "/home/me/bentoml/monitoring")
