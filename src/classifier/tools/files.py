"""Atomic, deterministic writers: an output is either complete or untouched, never half-written."""

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; move it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique name rather than mkstemp, so the file gets the usual umask-derived mode, not 0600.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def to_jsonable(value: Any, digits: int = 6) -> Any:
    """Plain JSON types with floats rounded, so reruns and other machines give the same bytes."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, digits) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not np.isfinite(value) else round(value, digits) + 0.0
    return value


def dumps_json(obj: Any) -> str:
    """Canonical JSON text: rounded floats, two-space indent, trailing newline."""
    return json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: Path, obj: Any) -> None:
    """Write `obj` as canonical JSON, atomically."""
    write_text(path, dumps_json(obj))


def write_text(path: Path, text: str) -> None:
    """Write text (UTF-8, LF line endings), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def write_parquet(path: Path, frame: "pd.DataFrame") -> None:
    """Write a table as Parquet without its index, atomically."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def write_model(path: Path, model: Any) -> None:
    """Persist a fitted scikit-learn object with joblib, atomically."""
    with atomic_path(path) as tmp:
        joblib.dump(model, tmp)


def save_figure(path: Path, figure: "Figure") -> None:
    """Save a matplotlib figure as PNG without version metadata, atomically."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})


def write_folder(
    out: Path, texts: dict[str, str], figures: dict[str, "Figure"], jsons: dict[str, Any]
) -> None:
    """Write a folder of files beside `out` and swap it in whole, so no old file lingers."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, text in texts.items():
            write_text(staging / name, text)
        for name, figure in figures.items():
            save_figure(staging / name, figure)
        for name, obj in jsons.items():
            write_json(staging / name, obj)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
