"""Backends: how the batches of a data file become one profile (local loop, Dask partitions).

Each backend is one module with `run(plan, source, batch_rows, progress[, address]) -> Profile`
that also sets `source.sha256` and `source.rows`; `address` is where its cluster is (a Dask
scheduler), for the backends in CLUSTERED. Nothing outside the module knows its library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from gate.errors import UsageError

if TYPE_CHECKING:
    from gate.backends.profiling import Plan
    from gate.engine.profile import Profile
    from gate.inputs.data import DataSource

ENGINES = {"local": "gate.backends.local", "dask": "gate.backends.dask"}  # --engine -> module
CLUSTERED = {"dask"}  # engines that take an --scheduler address


def run(
    engine: str,
    plan: Plan,
    source: DataSource,
    batch_rows: int,
    progress: Callable[[int], None] | None = None,
    address: str | None = None,
) -> Profile:
    """The profile of every row of `source`, computed by the backend named `engine`."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine '{engine}' (use {', '.join(ENGINES)})")
    if address is not None and engine not in CLUSTERED:
        raise UsageError(f"--scheduler needs --engine {' or '.join(sorted(CLUSTERED))}")
    backend = importlib.import_module(ENGINES[engine])
    if engine in CLUSTERED:
        return backend.run(plan, source, batch_rows, progress, address)
    return backend.run(plan, source, batch_rows, progress)
