"""In-memory evaluation data (the Python API): a pandas DataFrame or a pyarrow Table, streamed
as record batches through the same profiling path as a file, never written to disk.

A DataFrame becomes an Arrow table first (its index is not data, as `pandas.read_parquet` leaves
a stored index out), so its batches reach the checks exactly as a file's do. Its digest is the
sha256 of a canonical serialisation: the Arrow IPC encoding of the schema (without metadata, so
the pandas version and index do not count) and of the rows in batches of DIGEST_ROWS. The same
columns, types and values give the same digest whatever the chunking or the batch size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from gate.errors import InputError
from gate.inputs.data import (
    BATCH_ROWS,
    Dataset,
    DataSource,
    described,
    frame_of,
    load_data,
    require_unique_columns,
)

DIGEST_ROWS = 65_536
LABELS = {pd.DataFrame: "<pandas.DataFrame>", pa.Table: "<pyarrow.Table>"}


def is_in_memory(data: object) -> bool:
    """Whether `data` is an in-memory table (not a path)."""
    return isinstance(data, pd.DataFrame | pa.Table)


def data_source(data: str | Path | pd.DataFrame | pa.Table, role: str = "data") -> Any:
    """The source to stream: a file's DataSource or, for a frame or table, a FrameSource."""
    if is_in_memory(data):
        return FrameSource(data, role)  # type: ignore[arg-type]
    if not isinstance(data, str | Path):
        raise InputError(
            f"{role}: expected a path, a pandas DataFrame or a pyarrow Table, "
            f"not {type(data).__name__}"
        )
    return DataSource(data, role)


class FrameSource:
    """A DataFrame or Table to stream like a DataSource: `batches()`, then `sha256`, `rows`."""

    kind = "memory"

    def __init__(self, data: pd.DataFrame | pa.Table, role: str = "data") -> None:
        self.path = LABELS[type(data)] if type(data) in LABELS else f"<{type(data).__name__}>"
        self.role = role
        self.table = data if isinstance(data, pa.Table) else _from_pandas(data, self.what)
        require_unique_columns(self.table.schema.names, self.what)
        self.sha256 = ""
        self.rows = 0

    @property
    def what(self) -> str:
        return described(self.role, self.path)

    def total_rows(self) -> int:
        return self.table.num_rows

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[Dataset]:
        """The rows, `rows` at a time, each as a record batch and its pandas frame."""
        self.rows = 0
        if self.table.num_rows == 0:
            raise InputError(f"{self.what} has no rows")
        for batch in record_batches(self.table, rows):
            yield Dataset(self.path, "", frame_of(batch), self.rows, self.role, batch)
            self.rows += batch.num_rows
        self.sha256 = table_digest(self.table)

    def frame(self) -> pd.DataFrame:
        """Every row as one pandas frame (the checks that read rows)."""
        return self.table.to_pandas()


def _from_pandas(frame: pd.DataFrame, what: str) -> pa.Table:
    require_unique_columns([str(c) for c in frame.columns], what)
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise InputError(f"{what} cannot be read as a table: {exc}") from None


def record_batches(table: pa.Table, rows: int) -> Iterator[pa.RecordBatch]:
    """The table's rows as record batches of exactly `rows` (the last one fewer)."""
    for start in range(0, table.num_rows, rows):
        part = table.slice(start, rows).combine_chunks()
        batches = part.to_batches()
        yield batches[0] if batches else pa.RecordBatch.from_pylist([], schema=part.schema)


def table_digest(table: pa.Table) -> str:
    """sha256 of the canonical serialisation (see the module's docstring)."""
    schema = table.schema.remove_metadata()
    digest = hashlib.sha256(schema.serialize().to_pybytes())
    for batch in record_batches(table.replace_schema_metadata(None), DIGEST_ROWS):
        digest.update(batch.serialize().to_pybytes())
    return digest.hexdigest()


def all_rows(source: Any) -> pd.DataFrame:
    """Every row of a source as one frame: a FrameSource's table, or the file read again."""
    if isinstance(source, FrameSource):
        return source.frame()
    return load_data(source.path, source.role).frame
