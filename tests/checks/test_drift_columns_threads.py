"""Columns' drift computed on several threads gives exactly what one thread gives: each column's
bootstrap has its own seeded generator, and the first failing column's error is the one raised."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import columns_profile as profile
from helpers import write_policy

from gate.checks import drift
from gate.checks.base import CheckContext, CheckUnavailable
from gate.policy.loader import load_policy


def spec(tmp_path: Path):
    body = "version: 1\nchecks:\n  - {id: d, type: drift}\n"
    return load_policy(write_policy(tmp_path / "p.yaml", body)).checks[0]


def sides(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 3_000
    columns = {f"n{i}": rng.normal(0.05 * i, 1, n) for i in range(6)}
    ref = pd.DataFrame(columns | {"c": rng.choice(list("xyz"), n), "k": rng.integers(0, 9, n)})
    cur = ref.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    cur["n3"] = cur["n3"] + 0.2
    return ref, cur


@pytest.mark.parametrize("seed", [1, 2])
def test_threads_give_what_one_thread_gives(tmp_path: Path, monkeypatch, seed):
    ref, cur = sides(seed)
    ctx = CheckContext(profile(cur), reference=profile(ref), resamples=300)
    monkeypatch.setattr(drift, "WORKERS", 1)
    alone = drift.evaluate(spec(tmp_path), ctx)
    monkeypatch.setattr(drift, "WORKERS", 4)
    threaded = drift.evaluate(spec(tmp_path), ctx)
    assert threaded == alone
    assert [c["column"] for c in threaded.columns] == [c["column"] for c in alone.columns]


def test_the_first_failing_columns_error_is_raised(monkeypatch):
    def work(job: int):
        if job in (3, 5):
            raise CheckUnavailable(f"column {job}")
        return job

    monkeypatch.setattr(drift, "WORKERS", 4)
    with pytest.raises(CheckUnavailable, match="column 3"):
        drift._each_column(work, list(range(8)))
    assert drift._each_column(work, [0, 1, 2]) == [0, 1, 2]
