"""The drift check on profiles built in memory: the effect-size default against uncorrected
p-values at 10M rows, method choice per column and kind, and errors that name the column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import columns_profile as profile
from helpers import write_policy

from gate.checks.base import CheckContext
from gate.checks.drift import evaluate
from gate.policy.loader import load_policy
from gate.results import Status


def spec(tmp_path: Path, options: str = ""):
    body = f"version: 1\nchecks:\n  - {{id: d, type: drift{options}}}\n"
    return load_policy(write_policy(tmp_path / "p.yaml", body)).checks[0]


def run(spec, reference: pd.DataFrame, current: pd.DataFrame, resamples: int = 200):
    ctx = CheckContext(profile(current), reference=profile(reference), resamples=resamples)
    return evaluate(spec, ctx)


@pytest.fixture(scope="module")
def tiny_shift() -> tuple[pd.DataFrame, pd.DataFrame]:
    """10M rows a side; the current mean is 0.01 standard deviations higher."""
    rng = np.random.default_rng(10)
    n = 10_000_000
    return pd.DataFrame({"x": rng.normal(0, 1, n)}), pd.DataFrame({"x": rng.normal(0.01, 1, n)})


def test_a_tiny_shift_on_10m_rows_is_no_alarm_by_effect_size(tmp_path: Path, tiny_shift):
    result = run(spec(tmp_path), *tiny_shift)
    (column,) = result.columns
    assert column["method"] == "wasserstein"
    assert column["value"] == pytest.approx(0.01, abs=0.003)
    assert column["ci"][1] < 0.1 and column["status"] == "stable"
    assert result.status is Status.PASS


def test_the_same_shift_is_flagged_by_an_uncorrected_p_value(tmp_path: Path, tiny_shift):
    options = ", method: ks, verdict: p_value, correction: none"
    result = run(spec(tmp_path, options), *tiny_shift)
    (column,) = result.columns
    assert column["p_value"] < 1e-6 and column["drifted"] is True
    assert result.status is Status.FAIL


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 5_000
    ref = pd.DataFrame(
        {"a": rng.normal(0, 1, n), "b": rng.integers(0, 50, n), "c": rng.choice(list("xyz"), n)}
    )
    cur = ref.sample(frac=1.0, random_state=4).reset_index(drop=True)
    return ref, cur


def test_methods_follow_column_then_kind_then_check(tmp_path: Path):
    options = ", method: {numeric: ks, c: psi}"
    result = run(spec(tmp_path, options), *frames())
    assert {c["column"]: c["method"] for c in result.columns} == {"a": "ks", "b": "ks", "c": "psi"}
    result = run(spec(tmp_path, ", method: psi"), *frames())
    assert {c["method"] for c in result.columns} == {"psi"}


def test_p_values_are_corrected_across_columns(tmp_path: Path):
    ref, cur = frames()
    result = run(spec(tmp_path, ", method: {numeric: ks, c: chi2}, verdict: p_value"), ref, cur)
    raw = [c["p_value"] for c in result.columns]
    adjusted = [c["p_adjusted"] for c in result.columns]
    assert all(a >= r for a, r in zip(adjusted, raw, strict=True))
    assert result.status is Status.PASS  # the same rows, shuffled


def test_a_column_of_another_kind_in_the_reference_is_an_error_naming_it(tmp_path: Path):
    ref, cur = frames()
    cur["b"] = cur["b"].astype(str) + "x"
    result = run(spec(tmp_path), ref, cur)
    assert result.status is Status.ERROR and "'b'" in result.message


def test_listed_columns_absent_from_a_side_are_named(tmp_path: Path):
    ref, cur = frames()
    result = run(spec(tmp_path, ", columns: [a, q]"), ref, cur.drop(columns="a"))
    assert result.status is Status.ERROR
    assert "'a' (not in the data)" in result.message and "'q'" in result.message


def test_a_column_gone_from_the_data_is_named(tmp_path: Path):
    ref, cur = frames()
    result = run(spec(tmp_path), ref, cur.drop(columns="a").assign(z=1.0))
    assert result.status is Status.ERROR
    assert (
        "not in the data: 'a'" in result.message and "not in the reference: 'z'" in result.message
    )


def test_infinite_values_count_as_missing_for_drift(tmp_path: Path):
    ref, cur = frames()
    cur.loc[: len(cur) // 2, "a"] = np.inf
    result = run(spec(tmp_path), ref, cur)
    a = next(c for c in result.columns if c["column"] == "a")
    assert a["missing"]["current"] == pytest.approx(0.5, abs=0.01)
    assert a["status"] == "drifted" and a["reason"] == "missing share"


def test_a_column_empty_on_both_sides_is_stable(tmp_path: Path):
    ref, cur = frames()
    ref["e"], cur["e"] = np.nan, np.nan
    result = run(spec(tmp_path), ref, cur)
    e = next(c for c in result.columns if c["column"] == "e")
    assert e["status"] == "stable" and result.status is Status.PASS


def test_a_method_for_an_unknown_column_is_named(tmp_path: Path):
    result = run(spec(tmp_path, ", method: {nope: psi}"), *frames())
    assert result.status is Status.ERROR and "'nope'" in result.message
