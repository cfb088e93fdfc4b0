"""Evaluation data: CSV and Parquet files read as record batches, with the digest of the file.

The file is opened once; its bytes are hashed from that descriptor while the batches are parsed
from it, and a file that changes size or modification time while being read is refused, so the
digest covers what was evaluated. Column types are fixed by the file (Parquet's schema, or what
pyarrow infers from the first block of a CSV) and stay the same in every batch: see
gate/inputs/csv_batches.py and parquet_batches.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from gate.errors import InputError
from gate.inputs.csv_batches import conversion_hint, csv_batches
from gate.inputs.file_digest import Hasher
from gate.inputs.file_digest import changed as changed
from gate.inputs.files import open_regular
from gate.inputs.parquet_batches import data_columns as data_columns
from gate.inputs.parquet_batches import parquet_batches as parquet_batches
from gate.inputs.parquet_batches import parquet_file_batches
from gate.limits import DEFAULT_BATCH_ROWS

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
PARSERS = {"csv": csv_batches, "parquet": parquet_file_batches}
BATCH_ROWS = DEFAULT_BATCH_ROWS  # rows bound and profiled at once


@dataclass(frozen=True)
class Dataset:
    """One batch of a data file: its rows as a DataFrame, and where they start in the file."""

    path: str
    sha256: str  # the whole file's, once it has been read; "" while streaming
    frame: pd.DataFrame
    offset: int = 0  # rows of the file before this batch
    role: str = "data"  # "data" | "reference": how messages name the file
    table: pa.RecordBatch | None = field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def what(self) -> str:
        return described(self.role, self.path)


def described(role: str, path: str | Path) -> str:
    """How messages name data: "data file eval.csv", or "data <pandas.DataFrame>" in memory."""
    return f"{role} {path}" if str(path).startswith("<") else f"{role} file {path}"


class DataSource:
    """A CSV or Parquet file to stream: `batches()` once, then `sha256` and `rows`.

    A Parquet file's pandas index is not data: the columns its pandas metadata lists as index
    columns (`__index_level_0__`, which `DataFrame.to_parquet()` writes for a filtered frame,
    or a named index) are left out, as `pandas.read_parquet` leaves them out of the columns.
    """

    def __init__(self, path: str | Path, role: str = "data") -> None:
        self.path = Path(path)
        self.role = role
        self.kind = READERS.get(self.path.suffix.lower())
        if self.kind is None:
            raise InputError(
                f"{role} file {self.path}: unsupported format '{self.path.suffix}' "
                f"(use {', '.join(sorted(READERS))})"
            )
        self.sha256 = ""
        self.rows = 0

    @property
    def what(self) -> str:
        return f"{self.role} file {self.path}"

    def total_rows(self) -> int | None:
        """The row count if the file states it (a Parquet footer), else None; never raises:
        `batches()` reports what is wrong with the file."""
        if self.kind != "parquet":
            return None  # a CSV's rows are known only once it is read
        import pyarrow.parquet as pq

        try:
            fd, _ = open_regular(self.path, self.what)
            with os.fdopen(fd, "rb") as fh:
                return pq.read_metadata(fh).num_rows
        except (InputError, OSError, pa.ArrowException):
            return None

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[Dataset]:
        """The file's rows, `rows` at a time; InputError naming the file on any failure."""
        self.rows = 0
        fd, info = open_regular(self.path, self.what)
        if info.st_size == 0:
            os.close(fd)
            raise InputError(f"{self.what} is empty")
        hasher = Hasher(fd, info.st_size)
        hasher.start()
        try:
            with os.fdopen(os.dup(fd), "rb") as fh:
                for batch in self._checked(fh, rows):
                    yield Dataset(str(self.path), "", frame_of(batch), self.rows, self.role, batch)
                    self.rows += batch.num_rows
            self.sha256 = hasher.result()
            if changed(info, os.fstat(fd)):
                raise InputError(f"{self.what} changed while it was being read")
        finally:
            hasher.cancel()
            os.close(fd)
        if self.rows == 0:
            raise InputError(f"{self.what} has no rows")

    def _checked(self, fh: object, rows: int) -> Iterator[pa.RecordBatch]:
        for batch in self._parse(fh, rows):
            require_unique_columns(batch.schema.names, self.what)
            if batch.num_rows:
                yield batch

    def _parse(self, fh: object, rows: int) -> Iterator[pa.RecordBatch]:
        try:
            yield from PARSERS[self.kind](fh, rows)
        except UnicodeDecodeError:
            raise InputError(
                f"{self.what}: its header is not valid UTF-8 text (save the file as UTF-8)"
            ) from None
        except pa.ArrowInvalid as exc:
            hint = conversion_hint(str(exc))
            raise InputError(f"{self.what} is not valid {self.kind.upper()}: {exc}{hint}") from None
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{self.what} cannot be read as {self.kind}: {exc}") from None


def require_unique_columns(names: list[str], what: str) -> None:
    """InputError naming the first column name that occurs more than once: every role looks
    columns up by name, so a duplicated one is ambiguous whatever it is used for."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(
                f"{what} has more than one column named '{name}': rename or drop the duplicates"
            )
        seen.add(name)


def frame_of(batch: pa.RecordBatch) -> pd.DataFrame:
    """A batch as pandas. Not `split_blocks=True` (zero-copy numeric columns, ~0.25 s less per
    1M x 22 rows): frames holding Arrow's buffers at interpreter exit aborted the process
    ("terminate called without an active exception", exit -6) in about 1 run of 30 that
    ended on an input error."""
    return batch.to_pandas()


def load_data(path: str | Path, role: str = "data") -> Dataset:
    """The whole file as one batch (small files, tests); InputError naming the file."""
    source = DataSource(path, role)
    parts = list(source.batches())
    frame = pd.concat([p.frame for p in parts], ignore_index=True) if len(parts) > 1 else None
    first = parts[0]
    return Dataset(first.path, source.sha256, first.frame if frame is None else frame)
