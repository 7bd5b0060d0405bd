"""Rows of a CSV file whose number of fields is not the header's.

pandas fills a short row with missing values and, reading only some columns
(`usecols`), drops a long row's extra fields: both silently. pyarrow's reader calls
back for exactly those rows, in one C++ pass that keeps a single column, so `make
check` can name them and `make predict` can refuse them with a reason. The bento
ships this module (batch scoring runs in the image).
"""

import csv
import io
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Ragged:
    """A row with the wrong number of fields; `number` counts rows, the header is 1."""

    number: int
    fields: int
    expected: int

    @property
    def reason(self) -> str:
        """Why the row cannot be read, in words."""
        return f"line {self.number} has {self.fields} fields; the header has {self.expected}"


def ragged_rows(source: IO[bytes] | bytes, sep: str) -> list[Ragged]:
    """Every row whose field count differs from the header's, in file order.

    A file pyarrow cannot read at all gives an empty list: the caller's own reader then
    says what is wrong with it.
    """
    import pyarrow
    import pyarrow.csv as pa_csv

    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    header = stream.readline().decode("utf-8", "replace").rstrip("\r\n")
    width = len(next(csv.reader([header], delimiter=sep)))
    found: list[Ragged] = []

    def note(row: Any) -> str:
        found.append(Ragged(row.number + 1, row.actual_columns, row.expected_columns))
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        reader = pa_csv.open_csv(
            stream,
            read_options=pa_csv.ReadOptions(use_threads=False, column_names=names),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep, newlines_in_values=True, invalid_row_handler=note
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=["c0"], column_types={"c0": pyarrow.string()}
            ),
        )
        for _ in reader:  # batches are dropped as read: memory stays flat
            pass
    except (pyarrow.ArrowException, UnicodeDecodeError):
        return []
    return found
