"""Where the service's records live: one answer, in one stated order.

1. the command line (`make monitor RECORDS=…`, `--records`);
2. the environment variable RECORDS;
3. params.yaml's `monitor.records`;
4. `$BENTOML_HOME/monitoring` (BENTOML_HOME defaults to ~/bentoml, as for BentoML).

The service has no command line and no params.yaml. There, a folder named in
BentoML's own monitoring configuration (`services.monitoring.options.log_path`, or
under the service's name) comes first and is honoured; without one, 2 then 4.
`~` and `$BENTOML_HOME` are expanded; a URL (s3://…) is kept as it is. The service,
`make monitor`, `make predict RECORDS=` and `make retrain-pr` all ask
`records_location`. Standard library only: the bento ships this module.
"""

import os
from collections.abc import Mapping
from pathlib import Path

ENV = "RECORDS"
# What BentoML's monitoring `options.log_path` is when nobody configured it.
BENTOML_DEFAULT = "monitoring"


def bentoml_home(env: Mapping[str, str]) -> Path:
    """BentoML's home: $BENTOML_HOME, or ~/bentoml."""
    return Path(env.get("BENTOML_HOME") or "~/bentoml").expanduser()


def expand(location: str, env: Mapping[str, str]) -> str:
    """`~` and `$BENTOML_HOME` resolved; URLs untouched.

    >>> expand("$BENTOML_HOME/monitoring", {"BENTOML_HOME": "/srv/bentoml"})
    '/srv/bentoml/monitoring'
    >>> expand("s3://bucket/prod", {})
    's3://bucket/prod'
    """
    if "://" in location:
        return location
    home = str(bentoml_home(env))
    return str(
        Path(location.replace("$BENTOML_HOME", home).replace("${BENTOML_HOME}", home)).expanduser()
    )


def records_location(
    given: str | None = None,
    env: Mapping[str, str] | None = None,
    configured: str | None = None,
) -> str:
    """The records' location by the order in the module's docstring.

    >>> records_location(None, {"RECORDS": "/data/records"}, "$BENTOML_HOME/monitoring")
    '/data/records'
    >>> records_location(None, {"BENTOML_HOME": "/srv/bentoml"})
    '/srv/bentoml/monitoring'
    """
    env = os.environ if env is None else env
    for candidate in (given, env.get(ENV), configured):
        if candidate:
            return expand(candidate, env)
    return str(bentoml_home(env) / "monitoring")
