"""A CSV file as record batches, with column types fixed by its first block.

pyarrow infers each column's type from the first CSV_BLOCK bytes. Those bytes are read apart
(with pread, so nothing moves the file's position) and parsed once to learn the types; the file
is then streamed with every type given. The result is what pyarrow's own inference gives (the
same converters, the same errors on a later value that does not fit), at about 60 % of its parse
cost: a stream that infers its columns is ~1.6x slower on every block, not just the first. A
column without a value in the first block is read as text (inference would refuse any later
value in it). Since the types are given, the stream's block size no longer decides them: it
parses STREAM_BLOCK at a time, and its blocks are joined and cut into batches of exactly the
rows asked for, as a Parquet file's or a frame's.

The stream reads up to 32 blocks ahead of its parser (Arrow's background reader, not settable),
and the data and reference files stream at once: 4 MiB blocks held ~290 MB of a 141 MB CSV's
bytes and parsed blocks at peak, 1 MiB blocks (Arrow's default) ~165 MB for the same CPU time.
A row longer than a block cannot be parsed in it; the file is then read again from its start in
blocks of CSV_BLOCK, as the first block is, so any row that fits the first block's size reads.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyarrow as pa

from gate.inputs.files import MiB

CSV_BLOCK = 8 * MiB  # a CSV's column types come from its first block
STREAM_BLOCK = 1 * MiB  # then it is parsed this much at a time (Arrow reads 32 blocks ahead)


def csv_batches(fh: Any, rows: int) -> Iterator[pa.RecordBatch]:
    """The batches of the open file `fh` (at its start), `rows` rows each (the last fewer);
    ArrowInvalid naming the column when a value does not fit its column's type."""
    names, types = first_block_types(fh.fileno())
    done = 0  # batches yielded, each of `rows` rows
    try:  # a value that does not fit may be in the stream's first block, parsed as it opens
        try:
            with closing(_open_csv(fh, types, STREAM_BLOCK)) as stream:
                for batch in _rebatched(stream, rows):
                    yield batch
                    done += 1
        except pa.ArrowInvalid as exc:
            if "straddling object" not in str(exc):
                raise
            # a row longer than STREAM_BLOCK: again from the start (the abandoned stream may still
            # read ahead on `fh`, so this one reads with pread), in blocks of the first's size
            with closing(_open_csv(_Positional(fh.fileno()), types, CSV_BLOCK)) as stream:
                yield from itertools.islice(_rebatched(stream, rows), done, None)
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


class _Positional(io.RawIOBase):
    """A descriptor read from its start with pread, at a position of its own: another reader
    of the descriptor never moves it, nor it the other."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd, self.position = fd, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = os.pread(self.fd, len(buffer), self.position)
        buffer[: len(chunk)] = chunk
        self.position += len(chunk)
        return len(chunk)
