"""Bounds on numbers a user passes on the command line or to `evaluate()`.

Kept apart from the heavy modules so the argument parser can use them without importing numpy.
"""

from __future__ import annotations

import math

from gate.errors import UsageError

MIN_RESAMPLES = 10
MAX_RESAMPLES = 100_000  # 1,000 is the default; beyond 100,000 intervals gain nothing visible
DEFAULT_BATCH_ROWS = 131_072  # rows bound and profiled at once (about 150 MB at 22 columns)
MAX_BATCH_ROWS = 16_777_216  # a batch is held in memory with all its columns
MAX_SEED = 2**32 - 1  # numpy's legacy seeding range, so a seed means the same everywhere


def finite(value: float, name: str) -> float:
    """`value` if it is a finite number; UsageError naming `name` otherwise."""
    if not math.isfinite(value):
        raise UsageError(f"{name} must be a finite number, not {value}")
    return value


def resamples(value: int, name: str = "--resamples") -> int:
    """A bootstrap size within [MIN_RESAMPLES, MAX_RESAMPLES]."""
    if not MIN_RESAMPLES <= value <= MAX_RESAMPLES:
        raise UsageError(
            f"{name} must be between {MIN_RESAMPLES:,} and {MAX_RESAMPLES:,}, not {value}"
        )
    return value


def seed(value: int, name: str = "--seed") -> int:
    """A seed within [0, MAX_SEED]."""
    if not 0 <= value <= MAX_SEED:
        raise UsageError(f"{name} must be a whole number from 0 to {MAX_SEED}, not {value}")
    return value


def batch_rows(value: int, name: str = "--batch-rows") -> int:
    """A batch size within [1, MAX_BATCH_ROWS]."""
    if not 1 <= value <= MAX_BATCH_ROWS:
        raise UsageError(f"{name} must be between 1 and {MAX_BATCH_ROWS:,}, not {value}")
    return value
