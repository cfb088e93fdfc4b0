"""A CSV file as record batches, with column types fixed by its first block.

pyarrow infers each column's type from the first CSV_BLOCK bytes. Those bytes are read apart
(with pread, so nothing moves the file's position) and parsed once to learn the types; the file
is then streamed with every type given. The result is what pyarrow's own inference gives (the
same converters, the same errors on a later value that does not fit), at about 60 % of its parse
cost: a stream that infers its columns is ~1.6x slower on every block, not just the first. A
column without a value in the first block is read as text (inference would refuse any later
value in it). Since the types are given, the stream's block size no longer decides them: it
parses STREAM_BLOCK at a time (4 MiB parses ~10 % faster than 8 MiB, in cache), and its blocks
are joined and cut into batches of exactly the rows asked for, as a Parquet file's or a frame's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from gate.inputs.files import MiB

CSV_BLOCK = 8 * MiB  # a CSV's column types come from its first block
STREAM_BLOCK = 4 * MiB  # then it is parsed this much at a time (smaller blocks parse faster)


def csv_batches(fh: Any, rows: int) -> Iterator[pa.RecordBatch]:
    """The batches of the open file `fh` (at its start), `rows` rows each (the last fewer);
    ArrowInvalid naming the column when a value does not fit its column's type."""
    names, types = first_block_types(fh.fileno())
    try:  # a value that does not fit may be in the stream's first block, parsed as it opens
        yield from _rebatched(_open_csv(fh, types, STREAM_BLOCK), rows)
    except pa.ArrowInvalid as exc:
        raise pa.ArrowInvalid(_named(str(exc), names)) from None


def first_block_types(fd: int) -> tuple[list[str], dict[str, pa.DataType]]:
    """The column names, and every column's type as pyarrow infers it from the first block
    (text where the block has no value); no types when two columns share a name (the caller
    refuses the file, naming the column)."""
    # one byte past the block: pyarrow parses a final block to its end, and a block followed by
    # more only to its last whole row, as it does in the file
    head = os.pread(fd, CSV_BLOCK + 1, 0)
    stream = _open_csv(pa.BufferReader(head), {}, CSV_BLOCK)
    schema = stream.schema
    stream.close()
    binary = [f.name for f in schema if pa.types.is_binary(f.type)]
    if binary:  # pyarrow reads a column with bytes that are not UTF-8 as binary
        raise pa.ArrowInvalid(
            f"column '{binary[0]}' has values that are not valid UTF-8 text "
            "(save the file as UTF-8)"
        )
    if len(set(schema.names)) < len(schema.names):
        return schema.names, {}
    text = pa.string()
    return schema.names, {f.name: text if pa.types.is_null(f.type) else f.type for f in schema}


def conversion_hint(message: str) -> str:
    """What to do about pyarrow's message on a CSV value, or ""."""
    if "invalid UTF8" in message:
        return " (a value is not valid UTF-8 text: save the file as UTF-8)"
    if "conversion error" in message:
        return (
            f" (column types are inferred from the first {CSV_BLOCK // MiB} MiB of a "
            "CSV: make the column's values consistent, or convert the file to Parquet)"
        )
    return ""


def _open_csv(source: Any, column_types: dict[str, pa.DataType], block: int) -> Any:
    """pyarrow's streaming CSV reader; types not in `column_types` are inferred."""
    from pyarrow import csv

    return csv.open_csv(
        source,
        read_options=csv.ReadOptions(block_size=block),
        convert_options=csv.ConvertOptions(strings_can_be_null=True, column_types=column_types),
    )


def _named(message: str, names: list[str]) -> str:
    """pyarrow's 'CSV column #5' with the column's name."""

    def name(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return f"column '{names[index]}'" if index < len(names) else match.group(0)

    return re.sub(r"CSV column #(\d+)", name, message)


def _rebatched(blocks: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of `blocks` in batches of exactly `rows` (the last one fewer), whatever the
    blocks: a CSV's batches are then the same as a Parquet file's or a frame's of those rows."""
    parts: list[pa.RecordBatch] = []
    held = 0
    for block in blocks:
        while block.num_rows:
            take = min(rows - held, block.num_rows)
            parts.append(block.slice(0, take))
            held += take
            block = block.slice(take)
            if held == rows:
                yield _joined(parts)
                parts, held = [], 0
    if held:
        yield _joined(parts)


def _joined(parts: list[pa.RecordBatch]) -> pa.RecordBatch:
    """One batch of the parts' rows (copied into one buffer per column)."""
    if len(parts) == 1:
        return parts[0]
    return pa.Table.from_batches(parts).combine_chunks().to_batches()[0]
