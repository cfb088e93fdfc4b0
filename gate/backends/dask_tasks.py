"""What runs on a Dask worker: the profile of one partition, read by path (Parquet) or shipped
by the driver (CSV batches), after checking that the file at the path is the driver's."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from gate.backends.profiling import Plan, profile_batch
from gate.engine.profile import Profile
from gate.errors import InputError
from gate.inputs.data import Dataset, frame_of, parquet_batches

FOOTER_BYTES = 64 * 1024  # the tail of the file a worker compares with the driver's
SAME_PATH = "workers read the data file by path: it must be the same file at the same path there"


@dataclass(frozen=True)
class Partition:
    """Rows of the file one task profiles: its position, first row number and size."""

    index: int
    offset: int
    rows: int
    row_groups: tuple[int, ...] = ()  # Parquet only


@dataclass(frozen=True)
class Fingerprint:
    """What a worker checks before it reads: the file at the path is the driver's file."""

    size: int
    tail: str  # sha256 of the last FOOTER_BYTES bytes (Parquet's metadata lives there)


def file_fingerprint(fh: Any) -> Fingerprint:
    """The file's size and the digest of its tail (Parquet's metadata lives there)."""
    size = os.fstat(fh.fileno()).st_size
    tail = os.pread(fh.fileno(), FOOTER_BYTES, max(0, size - FOOTER_BYTES))
    return Fingerprint(size, hashlib.sha256(tail).hexdigest())


def profile_row_groups(
    plan: Plan, path: str, what: str, part: Partition, fingerprint: Fingerprint, rows: int
) -> Profile | None:
    """On a worker: the profile of one partition's row groups, read from the file by path."""
    import pyarrow.parquet as pq

    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below, after the batches are read
    except FileNotFoundError:
        raise InputError(f"{what} not found on a Dask worker; {SAME_PATH}") from None
    except OSError as exc:
        raise InputError(f"{what} cannot be read on a Dask worker: {exc}") from None
    with fh:
        if file_fingerprint(fh) != fingerprint:
            raise InputError(f"{what} on a Dask worker is not the driver's file; {SAME_PATH}")
        batches = _parquet_batches(pq.ParquetFile(fh, pre_buffer=False), part, rows, what)
        return _fold(plan, path, batches, part.offset)


def _parquet_batches(
    reader: Any, part: Partition, rows: int, what: str
) -> Iterator[pa.RecordBatch]:
    try:
        yield from parquet_batches(reader, rows, list(part.row_groups))
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{what} is not valid PARQUET: {exc}") from None


def profile_table(plan: Plan, path: str, batch: pa.RecordBatch, offset: int) -> Profile | None:
    """On a worker: the profile of one batch the driver parsed."""
    return _fold(plan, path, [batch], offset)


def _fold(plan: Plan, path: str, batches: Iterable[pa.RecordBatch], offset: int) -> Profile | None:
    total: Profile | None = None
    for batch in batches:
        if batch.num_rows:
            data = Dataset(path, "", frame_of(batch), offset, table=batch)
            part = profile_batch(plan, data)
            total = part if total is None else total + part
            offset += batch.num_rows
    return total
