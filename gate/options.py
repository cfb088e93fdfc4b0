"""What a run is asked to do: the options `check`, `dry-run` and `profile` share."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gate.backends.progress import Tracker
from gate.engine.group_metrics import task_of
from gate.engine.metrics import Task
from gate.inputs.data import BATCH_ROWS
from gate.inputs.models import LoadPolicy
from gate.policy.model import Policy


@dataclass(frozen=True)
class RunOptions:
    """Everything `check` and `dry-run` take from the command line, or `evaluate` from Python."""

    policy: str | Mapping[str, Any]  # a path, or a dict (the Python API)
    data: Any  # a path, or (the Python API) a pandas DataFrame or a pyarrow Table
    model: Any = None  # a path, or (the Python API) a fitted estimator
    baseline_model: Any = None
    model_card: str | None = None
    base_policy: str | None = None
    reference: Any = None  # a data file, a saved profile, or a DataFrame / Table
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)
    model_rules: LoadPolicy = dataclasses.field(default_factory=LoadPolicy)
    baseline_rules: LoadPolicy = dataclasses.field(default_factory=LoadPolicy)
    fail_on_warn: bool = False
    seed: int = 0
    resamples: int = 1000
    today: dt.date | None = None
    no_waivers: bool = False
    batch_rows: int = BATCH_ROWS
    progress: Tracker | None = None  # shows the pass over the data (the CLI: on stderr)
    engine: str = "local"  # local | dask
    scheduler: str | None = None  # a Dask scheduler's address (default: a local cluster)


def policy_task(policy: Policy) -> Task:
    """The declared task, else the task of the policy's metrics."""
    if policy.data.task:
        return Task(policy.data.task)
    tasks = {task_of(c.metric) for c in policy.checks if c.metric}
    return tasks.pop() if len(tasks) == 1 else Task.BINARY
