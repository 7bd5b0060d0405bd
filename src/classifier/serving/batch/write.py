"""Writing the outputs: a temporary file moved into place when every row is done,
spreadsheet-safe CSV cells, and the rejects file's rows (file row and line, reason)."""

import contextlib
import os
import re
import tempfile
from pathlib import Path

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from classifier.contracts.errors import UserError
from classifier.contracts.labels import label_text


class Output:
    """A table written chunk by chunk to a temporary file, moved to `location` at the end."""

    def __init__(self, location: str, kind: str, folder: Path) -> None:
        self.location, self.kind = location, kind
        handle, name = tempfile.mkstemp(prefix=".predict-", suffix=kind, dir=folder)
        os.close(handle)
        self.temp = Path(name)
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        if self.kind == ".parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.temp, table.schema)
            self.writer.write_table(table.cast(self.writer.schema))
        else:
            safe = spreadsheet_safe(frame)
            safe.to_csv(self.temp, mode="a", header=self.rows == 0, index=False)
        self.rows += len(frame)

    def finish(self, empty: pd.DataFrame) -> None:
        """Move the file into place (`empty` gives the columns when no row was written)."""
        if self.rows == 0:
            self.write(empty)
        if self.writer is not None:
            self.writer.close()
        fs, path = fsspec.core.url_to_fs(self.location)
        if isinstance(fs, fsspec.implementations.local.LocalFileSystem):
            # mkstemp made it 0600; the output gets a new file's usual mode (umask applied).
            os.chmod(self.temp, 0o666 & ~_umask())
            os.replace(self.temp, path)
        else:
            fs.put_file(str(self.temp), path)  # the object appears whole, or not at all

    def discard(self) -> None:
        """Remove the temporary file (if it was not moved into place)."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        self.temp.unlink(missing_ok=True)


# OWASP's advice on CSV injection: a text cell that a spreadsheet would read as a
# formula (starting with = + - @, a tab or a carriage return) gets a leading quote.
# Numbers, and text that is a number (an id "-15", "+3.5e2"), are left as they are.
FORMULA = re.compile(r"[=+\-@\t\r]")


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every formula-like text cell quoted; other cells untouched."""
    out = frame.copy()
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):  # the label: quote its categories
            # Labels spelled as everywhere else: booleans `true`/`false`, not Python's.
            names = pd.Series([label_text(c) for c in column.cat.categories], dtype=object)
            out[name] = column.cat.rename_categories(_quoted(names, names).tolist())
        elif column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = _quoted(column, column.astype("string").fillna(""))
    return out


def _quoted(column: pd.Series, text: pd.Series) -> pd.Series:
    risky = (text.str.match(FORMULA) & ~text.str.fullmatch(NUMBER)).to_numpy(dtype=bool)
    return column.where(~risky, "'" + text.astype(object)) if risky.any() else column


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def staging_folder(location: str) -> Path:
    """Where the temporary file goes: beside a local output (same disk), else tmp."""
    fs, path = fsspec.core.url_to_fs(location)
    if isinstance(fs, fsspec.implementations.local.LocalFileSystem):
        folder = Path(path).parent
        if not folder.is_dir():
            raise UserError(f"{location}: no folder {folder} to write into")
        return folder
    return Path(tempfile.gettempdir())


def rejects_location(output: str) -> str:
    stem, _ = os.path.splitext(output)
    return f"{stem}.rejects.csv"


def ragged_until(unread: list[tuple[int, str]], last: int) -> tuple[list[tuple[int, str]], list]:
    """(ragged rows up to row `last`, the ones after it)."""
    split = next((i for i, (row, _) in enumerate(unread) if row > last), len(unread))
    return unread[:split], unread[split:]


def no_rows(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ["row", "reason", *columns]})
    return frame.loc[:, ~frame.columns.duplicated()]


def with_unread(lost: pd.DataFrame, unread: list[tuple[int, str]]) -> pd.DataFrame:
    """Refused rows with the ragged ones among them (no values: they could not be read)."""
    if not unread:
        return lost
    rows = pd.DataFrame({"row": [r for r, _ in unread], "reason": [w for _, w in unread]})
    both = pd.concat([lost, rows.astype(object)], ignore_index=True)[list(lost.columns)]
    return both.sort_values("row", kind="stable", ignore_index=True)


def with_lines(refused: pd.DataFrame, lines: bool) -> pd.DataFrame:
    """A CSV input's refused rows also by file line, as `make check` names them (the
    header is line 1); `row` stays the 0-based number the output's rows carry."""
    if lines:
        refused.insert(1, "line", pd.to_numeric(refused["row"]) + 2, allow_duplicates=True)
    return refused.loc[:, ~refused.columns.duplicated()]
