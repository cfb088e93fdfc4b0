"""The Dask backend: partitions of the data file become profiles on workers; the driver adds them.

Parquet: each task opens the file by path on its worker and reads its own row groups; the row
number of its first row comes from the row-group metadata, so row numbers in messages and in the
row sample are the file's. A CSV has no such index (a byte range does not say which row it starts
at, and column types are inferred from the file's first block), so the driver parses a CSV itself,
exactly as the local backend does, and ships its batches to the workers, a few per worker at a
time. The plan (binding and loaded models) is scattered to every worker once, before the first
task, and every task takes that one future. The driver digests the file before and after the run
and refuses it if they differ; a worker first checks that the file at the path is the driver's.
Partition profiles are added in file order whatever order they finish in, so a run is
deterministic; a user error in a partition is raised as that of the earliest failing partition,
the one the local backend would have stopped at. What runs on a worker: gate/backends/dask_tasks.py.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from gate.backends.dask_tasks import (
    Fingerprint,
    Partition,
    file_fingerprint,
    profile_row_groups,
    profile_table,
)
from gate.backends.merging import MergeStack
from gate.backends.profiling import Plan
from gate.engine.profile import Profile
from gate.errors import GateError, InputError, UsageError
from gate.inputs.data import BATCH_ROWS, Dataset, DataSource, changed
from gate.inputs.files import open_regular

Progress = Callable[[int], None]

INSTALL_HINT = "--engine dask needs the optional extra: pip install 'model-gate[dask]'"
CONNECT_TIMEOUT = 5  # seconds to reach a --scheduler
WORKERS_TIMEOUT = 30  # seconds for a --scheduler to have at least one worker
LOCAL_WORKERS = 2  # processes of the cluster started when no --scheduler is given
IN_FLIGHT = 2  # partitions queued per worker: bounds what the driver holds (CSV batches)


def run(
    plan: Plan,
    source: DataSource,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
    address: str | None = None,
) -> Profile:
    """The profile of every row of `source`, computed on a Dask cluster (`address`: a running
    scheduler; None: a local cluster for this run). Sets `source.sha256` and `source.rows`."""
    distributed = _distributed()
    _require_picklable(plan)
    with _client(distributed, address) as client:
        shipped = client.scatter(plan, broadcast=True, hash=False)
        workers = len(client.scheduler_info(n_workers=-1)["workers"])
        limit = IN_FLIGHT * max(1, workers)
        if source.kind == "parquet":
            return _run_parquet(distributed, client, shipped, source, batch_rows, limit, progress)
        tasks = (
            (client.submit(profile_table, shipped, str(source.path), b.table, b.offset), p)
            for p, b in _csv_batches(source, batch_rows)
        )
        total = _collect(distributed, tasks, limit, progress)
        return _nonempty(total, source)


def _distributed() -> Any:
    try:
        import distributed
    except ModuleNotFoundError:
        raise UsageError(INSTALL_HINT) from None
    except ImportError as exc:
        raise UsageError(f"{INSTALL_HINT} (importing it failed: {exc})") from None
    return distributed


def _require_picklable(plan: Plan) -> None:
    """Refuse, before a cluster starts, a model that cannot be sent to workers."""
    import cloudpickle

    try:
        cloudpickle.dumps(plan)
    except Exception as exc:
        models = [m for m in (plan.model, plan.baseline) if m is not None]
        named = ", ".join(f"{m.path} ({m.format})" for m in models) or "the plan"
        raise UsageError(
            f"--engine dask: {named} cannot be sent to workers ({exc}); use --engine local"
        ) from None


@contextmanager
def _client(distributed: Any, address: str | None) -> Iterator[Any]:
    """A client of the scheduler at `address`, or of a local cluster started for this run."""
    if address is None:
        with (
            distributed.LocalCluster(
                n_workers=min(LOCAL_WORKERS, os.cpu_count() or 1),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.CRITICAL,  # a task's user error is reported once, by us
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"--scheduler {address}: no Dask scheduler reached ({exc})") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except (TimeoutError, OSError):
            raise UsageError(
                f"--scheduler {address}: no worker joined within {WORKERS_TIMEOUT} s "
                f"(start one with: dask worker {address})"
            ) from None
        yield client


def _run_parquet(
    distributed: Any,
    client: Any,
    plan: Any,
    source: DataSource,
    batch_rows: int,
    limit: int,
    progress: Progress | None,
) -> Profile:
    """Workers read their row groups by path; the driver digests the file meanwhile, and again
    after the last partition: a file that changed in between is refused."""
    fd, before = open_regular(source.path, source.what)
    with os.fdopen(fd, "rb") as fh, ThreadPoolExecutor(1) as pool:
        if before.st_size == 0:
            raise InputError(f"{source.what} is empty")
        parts, fingerprint = _layout(fh, source, batch_rows)
        fh.seek(0)
        first = pool.submit(hashlib.file_digest, fh, "sha256")
        path, what = str(source.path), source.what
        tasks = (
            (client.submit(profile_row_groups, plan, path, what, p, fingerprint, batch_rows), p)
            for p in parts
        )
        total = _collect(distributed, tasks, limit, progress)
        digest = first.result().hexdigest()
    with open(source.path, "rb") as again:
        after = hashlib.file_digest(again, "sha256").hexdigest()
        now = os.fstat(again.fileno())
    if after != digest or changed(before, now):
        raise InputError(f"{source.what} changed while it was being read")
    source.sha256, source.rows = digest, sum(p.rows for p in parts)
    return _nonempty(total, source)


def _layout(fh: Any, source: DataSource, rows: int) -> tuple[list[Partition], Fingerprint]:
    """Consecutive row groups of at least `rows` rows each (the last may hold fewer)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(fh).metadata
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{source.what} is not valid PARQUET: {exc}") from None
    parts: list[Partition] = []
    groups: list[int] = []
    offset = size = 0
    for i in range(meta.num_row_groups):
        groups.append(i)
        size += meta.row_group(i).num_rows
        if size >= rows or i == meta.num_row_groups - 1:
            parts.append(Partition(len(parts), offset, size, tuple(groups)))
            offset, size, groups = offset + size, 0, []
    return parts, file_fingerprint(fh)


def _csv_batches(source: DataSource, rows: int) -> Iterator[tuple[Partition, Dataset]]:
    for index, batch in enumerate(source.batches(rows)):
        yield Partition(index, batch.offset, batch.rows), batch


def _nonempty(total: Profile | None, source: DataSource) -> Profile:
    if total is None:
        raise InputError(f"{source.what} has no rows")
    return total


def _collect(
    distributed: Any,
    tasks: Iterable[tuple[Any, Partition]],
    limit: int,
    progress: Progress | None,
) -> Profile | None:
    """Submit tasks at most `limit` ahead of the results; add the profiles in file order."""
    merge = _Merge(progress)
    pending = distributed.as_completed()
    for future, part in tasks:
        merge.parts[future] = part
        pending.add(future)
        while pending.count() >= limit:
            merge.settle(next(pending))
        if merge.failure is not None:
            break  # later partitions cannot change which error is reported
    for future in pending:
        merge.settle(future)
    if merge.failure is not None:
        raise merge.failure[1]
    return merge.stack.total()


class _Merge:
    """Finished partition profiles, added in partition order as soon as their turn comes."""

    def __init__(self, progress: Progress | None) -> None:
        self.parts: dict[Any, Partition] = {}
        self.ready: dict[int, Profile | None] = {}
        self.next = 0
        self.stack = MergeStack()  # the same order of additions as the local backend's
        self.failure: tuple[int, BaseException] | None = None
        self.progress = progress

    def settle(self, future: Any) -> None:
        part = self.parts.pop(future)
        if future.status == "error":
            self._fail(part, future.exception())
        elif future.status == "finished":
            self.ready[part.index] = future.result()
            if self.progress is not None:
                self.progress(part.rows)
            while self.next in self.ready:
                profile = self.ready.pop(self.next)
                if profile is not None:
                    self.stack.push(profile)
                self.next += 1

    def _fail(self, part: Partition, exc: BaseException) -> None:
        if not isinstance(exc, GateError):
            raise exc  # a bug, not the user's data: the CLI's internal-error path
        if self.failure is None or part.index < self.failure[0]:
            self.failure = (part.index, exc)
            for future, other in self.parts.items():
                if other.index > part.index:
                    future.cancel()
