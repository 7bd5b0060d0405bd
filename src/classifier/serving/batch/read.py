"""Reading the input chunk by chunk (CSV or Parquet, local or a URL), each row keeping
its number in the file around the ragged rows that could not be read."""

from collections.abc import Iterator
from pathlib import Path

import fsspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from classifier.contracts.csvfields import Ragged, ragged_rows
from classifier.contracts.errors import UserError
from classifier.contracts.features import CsvDialect

FORMATS = (".csv", ".parquet")


def file_format(location: str, role: str) -> str:
    suffix = Path(location.split("?")[0]).suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{location}: the {role} must be a .csv or .parquet file")
    return suffix


def ragged(location: str, dialect: CsvDialect) -> list[Ragged]:
    """A CSV file's rows with another number of fields than its header (a second read)."""
    if file_format(location, "input") != ".csv":
        return []
    try:
        with fsspec.open(location, "rb") as stream:
            return ragged_rows(stream, dialect.sep)
    except OSError:
        return []  # the reading proper says what is wrong


def chunks(
    location: str,
    columns: list[str],
    dialect: CsvDialect,
    rows: int,
    skip: frozenset[int] = frozenset(),
) -> Iterator[pd.DataFrame]:
    """The file's `columns` in chunks of `rows` rows (CSV cells as text, NA as missing);
    `skip` names CSV rows (the header is 0) that are not read."""
    kind = file_format(location, "input")
    try:
        with fsspec.open(location, "rb") as stream:
            if kind == ".parquet":
                table = pq.ParquetFile(stream)
                _check_columns(location, table.schema_arrow.names, columns)
                for batch in table.iter_batches(batch_size=rows, columns=columns):
                    yield batch.to_pandas()
                return
            header = pd.read_csv(stream, sep=dialect.sep, nrows=0).columns.tolist()
            _check_columns(location, header, columns)
            stream.seek(0)
            yield from pd.read_csv(
                stream,
                sep=dialect.sep,
                dtype=str,
                keep_default_na=False,
                na_values=list(dialect.na_values),
                usecols=columns,
                chunksize=rows,
                skiprows=sorted(skip) or None,
            )
    except FileNotFoundError:
        raise UserError(f"{location}: no such file") from None
    except PermissionError as err:
        raise UserError(f"{location}: access refused ({err})") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pa.ArrowException) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"{location}: cannot be read as {kind[1:]} ({first})") from None


def _check_columns(location: str, found: list[str], needed: list[str]) -> None:
    missing = [c for c in needed if c not in found]
    if missing:
        raise UserError(f"{location}: no column {', '.join(map(repr, missing))}")


class RowNumbers:
    """Each read row's number in the file (0 = first data row), around the rows skipped."""

    def __init__(self, skipped: list[int]) -> None:
        ordered = np.sort(np.asarray(skipped, dtype="int64"))
        # The count of read rows before each skipped one: where it would have sat.
        self.gaps = ordered - np.arange(len(ordered))

    def of(self, first: int, count: int) -> pd.Index:
        """The file's row numbers of read rows `first` .. `first + count - 1`."""
        read = np.arange(first, first + count)
        return pd.Index(read + np.searchsorted(self.gaps, read, side="right"))
