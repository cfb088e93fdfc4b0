"""Evaluation data: CSV and Parquet files read as record batches, with the digest of the file.

The file is opened once; its bytes are hashed from that descriptor while the batches are parsed
from it, and a file that changes size or modification time while being read is refused, so the
digest covers what was evaluated. Column types are fixed by the file (Parquet's schema, or what
pyarrow infers from the first block of a CSV) and stay the same in every batch.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from gate.errors import InputError
from gate.inputs.files import MiB, open_regular
from gate.limits import DEFAULT_BATCH_ROWS

if TYPE_CHECKING:
    import pyarrow.parquet as pq

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
BATCH_ROWS = DEFAULT_BATCH_ROWS  # rows bound and profiled at once
CSV_BLOCK = 8 * MiB  # a CSV's column types come from its first block (pyarrow reads ~30 ahead)


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
        hasher = _Hasher(fd, info.st_size)
        hasher.start()
        try:
            with os.fdopen(os.dup(fd), "rb") as fh:
                for batch in self._parse(fh, rows):
                    require_unique_columns(batch.schema.names, self.what)
                    if batch.num_rows:
                        frame = frame_of(batch)
                        yield Dataset(str(self.path), "", frame, self.rows, self.role, batch)
                        self.rows += batch.num_rows
            self.sha256 = hasher.result()
            if changed(info, os.fstat(fd)):
                raise InputError(f"{self.what} changed while it was being read")
        finally:
            hasher.cancel()
            os.close(fd)
        if self.rows == 0:
            raise InputError(f"{self.what} has no rows")

    def _parse(self, fh: object, rows: int) -> Iterator[pa.RecordBatch]:
        try:
            yield from (_csv(fh, rows) if self.kind == "csv" else _parquet(fh, rows))
        except UnicodeDecodeError:
            raise InputError(
                f"{self.what}: its header is not valid UTF-8 text (save the file as UTF-8)"
            ) from None
        except pa.ArrowInvalid as exc:
            hint = ""
            if "invalid UTF8" in str(exc):
                hint = " (a value is not valid UTF-8 text: save the file as UTF-8)"
            elif "conversion error" in str(exc):
                hint = (
                    f" (column types are inferred from the first {CSV_BLOCK // MiB} MiB of a "
                    "CSV: make the column's values consistent, or convert the file to Parquet)"
                )
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


def _csv(fh: object, rows: int) -> Iterator[pa.RecordBatch]:
    stream = _open_csv(fh, {})
    text = {f.name: pa.string() for f in stream.schema if pa.types.is_null(f.type)}
    if text:  # no value in the first block: pyarrow would refuse one further down
        stream.close()  # its read-ahead may still be reading `fh`: read anew, from 0, apart
        stream = _open_csv(PositionalReader(fh.fileno()), text)  # type: ignore[attr-defined]
    names = stream.schema.names
    binary = [f.name for f in stream.schema if pa.types.is_binary(f.type)]
    if binary:  # pyarrow reads a column with bytes that are not UTF-8 as binary
        raise pa.ArrowInvalid(
            f"column '{binary[0]}' has values that are not valid UTF-8 text "
            "(save the file as UTF-8)"
        )
    try:
        for batch in stream:
            yield from _split(batch, rows)
    except pa.ArrowInvalid as exc:
        raise pa.ArrowInvalid(_named(str(exc), names)) from None


def _open_csv(fh: object, column_types: dict[str, pa.DataType]) -> Any:
    """pyarrow's streaming CSV reader; column types are inferred from the first block, except
    `column_types`. Reopened only when a column needs one (the first block is parsed again)."""
    from pyarrow import csv

    return csv.open_csv(
        fh,
        read_options=csv.ReadOptions(block_size=CSV_BLOCK),
        convert_options=csv.ConvertOptions(strings_can_be_null=True, column_types=column_types),
    )


def _named(message: str, names: list[str]) -> str:
    """pyarrow's 'CSV column #5' with the column's name."""
    import re

    def name(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return f"column '{names[index]}'" if index < len(names) else match.group(0)

    return re.sub(r"CSV column #(\d+)", name, message)


def _parquet(fh: object, rows: int) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    # pre_buffer=False: with it, pyarrow keeps every row group it pre-read until the file is
    # closed, so memory grows with the file instead of the batch
    yield from parquet_batches(pq.ParquetFile(fh, pre_buffer=False), rows)


def parquet_batches(
    reader: pq.ParquetFile, rows: int, row_groups: list[int] | None = None
) -> Iterator[pa.RecordBatch]:
    """A Parquet file's batches (of `row_groups`, default all) without its pandas index columns;
    pandas metadata that cannot be parsed is dropped (pyarrow's to_pandas would fail on it)."""
    schema = reader.schema_arrow
    readable = _pandas_metadata(schema) is not None or b"pandas" not in (schema.metadata or {})
    batches = reader.iter_batches(rows, row_groups, columns=data_columns(schema))
    for batch in batches:
        yield batch if readable else batch.replace_schema_metadata(None)


def data_columns(schema: pa.Schema) -> list[str] | None:
    """A Parquet file's columns without those its pandas metadata names as the frame's index
    (a RangeIndex is stored as a dict entry and no column); None: every column is data."""
    meta = _pandas_metadata(schema) or {}
    index = meta.get("index_columns")
    stored = {c for c in index if isinstance(c, str)} if isinstance(index, list) else set()
    if not stored & set(schema.names):
        return None
    return [name for name in schema.names if name not in stored]


def _pandas_metadata(schema: pa.Schema) -> dict[str, Any] | None:
    """The schema's pandas metadata when it is a readable JSON object, else None."""
    try:
        meta = schema.pandas_metadata
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def _split(batch: pa.RecordBatch, rows: int) -> Iterator[pa.RecordBatch]:
    for start in range(0, batch.num_rows, rows):
        yield batch.slice(start, rows)


def load_data(path: str | Path, role: str = "data") -> Dataset:
    """The whole file as one batch (small files, tests); InputError naming the file."""
    source = DataSource(path, role)
    parts = list(source.batches())
    frame = pd.concat([p.frame for p in parts], ignore_index=True) if len(parts) > 1 else None
    first = parts[0]
    return Dataset(first.path, source.sha256, first.frame if frame is None else frame)


def changed(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether a file was written between two stats: size, modification time, or the change
    time, which `os.utime` cannot set back (a rewrite that restores the mtime still shows)."""
    fields = ("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")
    return any(getattr(before, f) != getattr(after, f) for f in fields)


class PositionalReader(io.RawIOBase):
    """A descriptor read with pread from a position of its own: two readers of one descriptor,
    such as a stream being abandoned and its replacement, never move each other's position."""

    def __init__(self, fd: int, offset: int = 0) -> None:
        super().__init__()
        self.fd, self.position = fd, offset

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position}.get(whence)
        self.position = (os.fstat(self.fd).st_size if base is None else base) + offset
        return self.position

    def readinto(self, buffer: Any) -> int:
        chunk = os.pread(self.fd, len(buffer), self.position)
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)


class _Hasher(threading.Thread):
    """sha256 of a descriptor's first `size` bytes, read with pread beside the parser."""

    def __init__(self, fd: int, size: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.size = fd, size
        self.digest = hashlib.sha256()
        self.error: OSError | None = None
        self.stopped = threading.Event()

    def cancel(self) -> None:
        """Stop reading (the pass failed or ended) and wait for the thread."""
        self.stopped.set()
        self.join()

    def run(self) -> None:
        offset = 0
        try:
            while offset < self.size and not self.stopped.is_set():
                chunk = os.pread(self.fd, min(8 * MiB, self.size - offset), offset)
                if not chunk:
                    break
                self.digest.update(chunk)
                offset += len(chunk)
        except OSError as exc:
            self.error = exc

    def result(self) -> str:
        self.join()
        if self.error is not None:
            raise InputError(f"cannot read the file to digest it: {self.error}")
        return self.digest.hexdigest()
