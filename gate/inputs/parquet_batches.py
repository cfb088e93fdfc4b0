"""A Parquet file as record batches, without the columns that hold a pandas index.

A Parquet file's pandas index is not data: the columns its pandas metadata lists as index
columns (`__index_level_0__`, which `DataFrame.to_parquet()` writes for a filtered frame, or a
named index) are left out, as `pandas.read_parquet` leaves them out of the columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import pyarrow.parquet as pq


def parquet_file_batches(fh: Any, rows: int) -> Iterator[pa.RecordBatch]:
    """The batches of the open file `fh`, at most `rows` rows each."""
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
