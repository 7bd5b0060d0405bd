"""Reading the next chunk and writing the last one while the current one is scored."""

import contextlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from classifier.serving.batch.write import Output


def prefetched(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The next chunk is read (Arrow releases the GIL) while this one is scored."""
    with ThreadPoolExecutor(1, thread_name_prefix="read") as pool:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk


class WriteBehind:
    """Writes done in order on one thread, at most one waiting: memory stays flat."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="write")
        self.last: Future[None] | None = None

    def write(self, out: Output, frame: pd.DataFrame) -> None:
        self.wait()
        self.last = self.pool.submit(out.write, frame)

    def wait(self) -> None:
        if self.last is not None:
            self.last.result()  # a failed write stops the run here
            self.last = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.wait()
        self.pool.shutdown()
