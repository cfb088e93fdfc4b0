"""The local backend: one process reads the file batch by batch and adds the batch profiles."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing

from gate.backends.merging import MergeStack
from gate.backends.profiling import Plan, profile_batch
from gate.engine.profile import Profile
from gate.inputs.data import BATCH_ROWS, DataSource

Progress = Callable[[int], None]  # called with the rows of each batch once it is profiled


def run(
    plan: Plan,
    source: DataSource,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> Profile:
    """The profile of every row of `source`; nothing row-sized outlives its batch."""
    stack = MergeStack()
    with closing(source.batches(batch_rows)) as batches:  # stops its reading on any error
        for batch in batches:
            stack.push(profile_batch(plan, batch))
            if progress is not None:
                progress(batch.rows)
    total = stack.total()
    assert total is not None  # batches() raises on a file without rows
    return total
