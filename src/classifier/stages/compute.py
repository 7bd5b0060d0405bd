"""Where model selection runs: this machine's cores, or a Dask cluster (`compute.backend`).

`dask` hands scikit-learn's joblib work (every grid-search and cross-validation fit,
and evaluate's permutation importance) to a `dask.distributed` cluster through joblib's
Dask backend, scikit-learn's documented route to a cluster; no code of ours schedules
anything. The scheduler's address comes from DASK_SCHEDULER_ADDRESS, so hosts and
credentials stay out of params.yaml. The backend does not change results: every fit is
seeded, the folds are fixed before fitting, and joblib hands results back in the order
the work was given; the workers must run this project's environment (uv.lock), which
is checked for scikit-learn before anything is sent.
"""

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import joblib
import sklearn

from classifier.contracts.errors import UserError
from classifier.contracts.params import Compute

log = logging.getLogger(__name__)

ADDRESS = "DASK_SCHEDULER_ADDRESS"
CONNECT_SECONDS = 10


def connect(compute: Compute, env: Mapping[str, str] = os.environ) -> Any:
    """A client of the cluster at DASK_SCHEDULER_ADDRESS whose workers run this project's
    scikit-learn; a UserError naming the address when there is none."""
    address = env.get(ADDRESS, "").strip()
    if not address:
        raise UserError(
            f"compute.backend is dask: set {ADDRESS} to the scheduler's address "
            "(tcp://host:8786), or set compute.backend: local"
        )
    try:
        from distributed import Client
    except ImportError:
        raise UserError(
            "compute.backend is dask, but this environment has no Dask client: "
            "`make install` (every group) or ENV_GROUPS='pipeline scale'"
        ) from None

    try:
        client = Client(address, timeout=f"{CONNECT_SECONDS}s")  # joblib finds it
    except (OSError, TimeoutError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise UserError(f"cannot reach the Dask scheduler at {address} ({reason})") from None
    versions = set(client.run(lambda: __import__("sklearn").__version__).values())
    if versions - {sklearn.__version__}:
        client.close()
        raise UserError(
            f"the Dask workers at {address} run scikit-learn {', '.join(sorted(versions))}, "
            f"this project {sklearn.__version__}: run them in this project's environment"
        )
    return client


def reachable(compute: Compute) -> None:
    """Validation (prepare, `make run`): the cluster answers, before DVC deletes anything."""
    if compute.backend == "dask":
        connect(compute).close()


@contextmanager
def backend(compute: Compute, env: Mapping[str, str] = os.environ) -> Iterator[None]:
    """Run the joblib work inside on the configured backend."""
    if compute.backend == "local":
        yield
        return
    with connect(compute, env) as client:
        workers = client.scheduler_info()["workers"]
        threads = sum(w["nthreads"] for w in workers.values())
        address = env[ADDRESS].strip()
        log.info("Dask cluster at %s: %d workers, %d threads", address, len(workers), threads)
        with joblib.parallel_config(backend="dask"):
            yield
