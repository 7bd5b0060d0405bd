"""Each record stream in its own files: BentoML's default monitor, one logger per stream.

BentoML's `DefaultMonitor` writes through two logger names shared by every monitor
(`bentoml_monitor_data`, `bentoml_monitor_schema`) and points them at its own files
with `logging.config.dictConfig` when it first writes. With three streams in one
worker, whichever started last received every stream's records: feedback arriving
between predictions put predictions into the feedback files, and `make monitor`
refused them. `StreamMonitor` keeps BentoML's file layout and JSON lines
(`<log_path>/<stream>/data/data.<worker>.log`, rotated daily; the schema beside it)
but gives each stream loggers of its own, configured without touching any other
logger. It is the service's `monitoring.type`; `type: otlp` still replaces it by
configuration alone.
"""

import logging
from logging.handlers import RotatingFileHandler, TimedRotatingFileHandler
from pathlib import Path
from typing import Any, cast

import bentoml
from bentoml.monitoring import DefaultMonitor
from pythonjsonlogger.json import JsonFormatter

from classifier.contracts.locations import BENTOML_DEFAULT, records_location

# What `monitoring.type` names to select this class (BentoML imports it by path).
TYPE = "classifier.serving.streams.StreamMonitor"


class StreamMonitor(DefaultMonitor):
    """BentoML's default monitor with a logger for each stream (see the module).

    A `log_path` BentoML's configuration names is honoured; BentoML's unconfigured
    default (`monitoring`, relative to wherever the server runs) is replaced by the
    project's one answer, `records_location()`.
    """

    def __init__(self, name: str, log_path: str = BENTOML_DEFAULT, **options: Any) -> None:
        chosen = log_path if log_path != BENTOML_DEFAULT else records_location()
        super().__init__(name, chosen, **options)

    def _init_logger(self) -> None:
        # Overrides DefaultMonitor's one private hook, where the shared loggers are made.
        worker = bentoml.server_context.worker_index or 0
        # DefaultMonitor declares its loggers as None until this hook sets them.
        self.data_logger = cast(
            Any,
            _logger(
                f"classifier.records.{self.name}.data",
                TimedRotatingFileHandler(_file(self, "data", worker), when="D", encoding="utf-8"),
            ),
        )
        self.schema_logger = cast(
            Any,
            _logger(
                f"classifier.records.{self.name}.schema",
                RotatingFileHandler(_file(self, "schema", worker), encoding="utf-8"),
            ),
        )


def _file(monitor: DefaultMonitor, kind: str, worker: int) -> Path:
    path = Path(monitor.log_path, monitor.name, kind, f"{kind}.{worker}.log").absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _logger(name: str, handler: logging.Handler) -> logging.Logger:
    """A logger that writes JSON lines to `handler` alone, replacing any earlier handler."""
    logger = logging.getLogger(name)
    for old in list(logger.handlers):
        logger.removeHandler(old)
        old.close()
    handler.setFormatter(JsonFormatter("()", validate=False))  # as BentoML configures it
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger
