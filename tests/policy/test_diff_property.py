"""Property: whenever a check that blocks under the base policy passes under the current one,
the policy diff lists a loosening for that check (or for the data binding / the policy)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import classification_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.policy.diff import policy_changes
from gate.policy.diff_rules import LOOSENING
from gate.policy.loader import load_policy
from gate.results import CheckResult
from gate.runner import RunOptions, run

MAYBE = st.one_of(st.none(), st.sampled_from([0.2, 0.5, 0.7, 0.8, 0.9, 0.95]))
FAIRNESS = st.fixed_dictionaries(
    {
        "id": st.just("fair"),
        "type": st.just("fairness"),
        "metric": st.sampled_from(["selection_rate", "true_positive_rate", "accuracy"]),
        "aggregate": st.just("ratio"),
        "min": st.sampled_from([0.5, 0.7, 0.8, 0.9, 0.97]),
    },
    optional={
        "severity": st.sampled_from(["block", "warn", "info"]),
        "method": st.sampled_from(["between_groups", "to_overall", "to_reference"]),
        "sensitive": st.sampled_from([["sex"], ["race"], ["sex", "race"]]),
        "intersectional": st.booleans(),
        "min_group_size": st.sampled_from([1, 30, 100, 250]),  # 700: an engine crash, reported
        "small_groups": st.sampled_from(["exclude", "fail"]),
        "min_group_share": st.sampled_from([0.0, 0.05, 0.2]),
        "exclude_missing": st.booleans(),
    },
)
PERFORMANCE = st.fixed_dictionaries(
    {"id": st.just("perf"), "type": st.just("performance"), "metric": st.just("accuracy")},
    optional={"min": MAYBE, "max": MAYBE, "severity": st.sampled_from(["block", "warn"])},
).filter(lambda c: c.get("min") is not None or c.get("max") is not None)
POLICY = st.fixed_dictionaries(
    {
        "checks": st.lists(
            st.one_of(FAIRNESS, PERFORMANCE), min_size=1, max_size=2, unique_by=lambda c: c["id"]
        ),
        "data": st.fixed_dictionaries(
            {"label": st.just("y"), "score": st.just("score")},
            optional={
                "threshold": st.sampled_from([0.3, 0.5, 0.7]),
                "sensitive": st.sampled_from([["sex"], ["race"], ["sex", "race"]]),
                "positive_label": st.sampled_from([0, 1]),
            },
        ),
    },
    optional={"mode": st.sampled_from(["gate", "report"])},
)


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = classification_frame(900, seed=3)
    rng = np.random.default_rng(3)
    frame["race"] = rng.choice(["a", "b", "c", None], len(frame), p=[0.6, 0.25, 0.1, 0.05])
    logit = 1.5 * frame["x1"] - frame["x2"] + 0.4 * (frame["sex"] == "m")
    frame["score"] = 1 / (1 + np.exp(-logit))
    path = tmp_path_factory.mktemp("prop") / "d.csv"
    frame.to_csv(path, index=False)
    return path


def write(tmp: Path, name: str, body: dict) -> Path | None:
    """The policy file, or None when the generated policy is not a valid one."""
    if not any(c.get("severity", "block") == "block" for c in body["checks"]):
        body = {**body, "mode": "report"}
    checks = [{k: v for k, v in c.items() if v is not None} for c in body["checks"]]
    path = tmp / name
    path.write_text(yaml.safe_dump({"version": 1, **body, "checks": checks}))
    return path


def blocking_results(policy: Path, data: Path) -> dict[str, CheckResult] | None:
    from gate.errors import GateError

    try:
        evaluation = run(
            RunOptions(policy=str(policy), data=str(data), resamples=20, today=dt.date(2026, 1, 1))
        )
    except GateError:
        return None
    return {r.id: r for r in evaluation.decision.results}


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(POLICY, POLICY)
def test_a_check_unblocked_by_a_change_is_listed_as_loosened(data_file: Path, base, current):
    with tempfile.TemporaryDirectory() as tmp:
        base_path, current_path = (
            write(Path(tmp), "base.yaml", base),
            write(Path(tmp), "p.yaml", current),
        )
        before, after = (
            blocking_results(base_path, data_file),
            blocking_results(current_path, data_file),
        )
        if before is None or after is None:
            return
        listed = {
            c.check
            for c in policy_changes(load_policy(base_path), load_policy(current_path))
            if c.kind in LOOSENING
        }
    for check_id, result in before.items():
        blocked = result.blocking and base.get("mode") != "report"
        now = after.get(check_id)
        freed = now is None or not now.blocking or current.get("mode") == "report"
        if blocked and freed:
            assert listed & {check_id, "data", "policy"}, (
                check_id,
                result.status,
                now and now.status,
            )
