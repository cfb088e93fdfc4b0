"""Where labelled requests no log holds fall against the logs' period, and when a canary log
has stopped (gate/inputs/log_coverage.py, review12e #10), on hand-made logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gate.inputs.log_coverage import placed, require_canary_to_the_end, require_logged
from gate.inputs.log_unusable import CandidateUnusable
from gate.inputs.prediction_logs import REQUEST_TIME, LogColumns

COLS = LogColumns()
START = pd.Timestamp("2026-01-01", tz="UTC")
N = 1000


def _logs(n: int = N, share: float = 0.5, seed: int = 0) -> pd.DataFrame:
    """n one-minute requests from START, a random `share` answered by the candidate v2."""
    to_cand = np.random.default_rng(seed).uniform(size=n) < share
    return pd.DataFrame(
        {
            "request_id": [f"r{i:05d}" for i in range(n)],
            "timestamp": START + pd.to_timedelta(np.arange(n), unit="min"),
            "model_version": np.where(to_cand, "v2", "v1"),
        }
    )


def _labels(logs: pd.DataFrame, delay: pd.Series | pd.Timedelta, request_time: bool = False):
    labels = pd.DataFrame(
        {"request_id": logs.request_id, "_label": 1, "_label_time": logs.timestamp + delay}
    )
    return labels.assign(**{REQUEST_TIME: logs.timestamp}) if request_time else labels


def _placed(kept: pd.DataFrame, labels: pd.DataFrame):
    """The labels placed against the logs `kept` (all of them up to as_of)."""
    return placed(labels, kept, kept, kept[kept.model_version == "v2"], COLS)


@pytest.mark.parametrize("request_time", [False, True])
def test_unlogged_requests_inside_and_outside_the_period_are_told_apart(request_time):
    every = _logs()
    labels = _labels(every, pd.Timedelta(days=2), request_time)
    middle = every.index[(every.index % 10 == 0) & (every.index > 100) & (every.index < 900)]
    kept = every.drop(index=[*range(50), *range(950, N), *middle])
    unlogged = _placed(kept, labels)
    assert unlogged.in_period == len(middle) and unlogged.outside == 100
    first = kept.index[kept.model_version == "v2"].min()  # the candidate's period: to the end
    assert unlogged.period_labelled == 950 - first
    with pytest.raises(CandidateUnusable, match=f"{len(middle)} of the {950 - first} labelled"):
        require_logged(unlogged, "v2")


def test_one_late_correction_does_not_blind_the_period():
    every = _logs()
    delay = pd.Series(pd.Timedelta(days=2), index=every.index)
    delay.iloc[3] = pd.Timedelta(days=60)  # one label corrected two months later
    kept = every.drop(index=range(200, 400))
    unlogged = _placed(kept, _labels(every, delay))
    assert unlogged.in_period == 200


def test_delays_too_spread_to_place_a_request_leave_it_unplaced_not_outside():
    every = _logs()
    days = np.random.default_rng(1).uniform(1, 20, N)
    kept = every.drop(index=range(200, 400))
    unlogged = _placed(kept, _labels(every, pd.to_timedelta(days, unit="D")))
    assert unlogged.in_period == 0 and unlogged.outside == 0 and unlogged.unplaced == 200


def test_a_few_unlogged_requests_are_tolerated():
    every = _logs()
    kept = every.drop(index=[100, 500, 700])
    unlogged = _placed(kept, _labels(every, pd.Timedelta(hours=1)))
    assert unlogged.in_period == 3
    require_logged(unlogged, "v2")  # 3 of 1000: below 1 %


def _split(logs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    cand = logs.model_version == "v2"
    return logs[cand], logs[~cand]


@pytest.mark.parametrize("share", [0.5, 0.05, 0.01])
def test_a_healthy_canary_runs_to_the_end_at_any_share(share):
    for seed in range(20):
        cand, live = _split(_logs(20_000, share, seed))
        after = int((live.timestamp > cand.timestamp.max()).sum())  # raises nothing: counted
        assert require_canary_to_the_end(cand, live, COLS) == after


def test_a_canary_log_that_stops_is_refused_and_the_count_kept_otherwise():
    cand, live = _split(_logs())
    stopped = cand[cand.timestamp < START + pd.Timedelta(minutes=600)]
    with pytest.raises(CandidateUnusable, match="the candidate's log stops before the live"):
        require_canary_to_the_end(stopped, live, COLS)
    last = cand.timestamp.max()
    assert require_canary_to_the_end(cand, live, COLS) == int((live.timestamp > last).sum())
