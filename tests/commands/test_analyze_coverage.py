"""`model-gate analyze` (review12e #10): the logs must cover the candidate's period in canary
mode as in shadow mode. Labelled requests no log holds, predicted while the candidate ran, are
its unusable output above 1 % (a candidate that does not log the requests it fails on is not
judged on the ones it chose), a true "label export wider than the logs' window" stays a
notice, and a canary log that stops while the live one goes on blocks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from canary_data import LATE, write_canary
from helpers import run_cli

UNUSABLE = "the candidate's output is unusable: "


def run(paths: dict[str, Path], logs: pd.DataFrame, labels: Path | None = None):
    """analyze of v2 on `logs` (written beside the generated ones) and the labels."""
    root = paths["policy"].parent
    logs.to_parquet(root / "cut.parquet", index=False)
    out = root / "out"
    done = run_cli(
        "analyze", "--policy", paths["policy"], "--predictions", root / "cut.parquet",
        "--labels", labels or paths["labels"], "--candidate-version", "v2",
        "--as-of", LATE, "--resamples", "50", "--output-dir", out,
    )  # fmt: skip
    assert done.code in (0, 1, 4), done.stdout + done.stderr
    return done, json.loads((out / "analysis.json").read_text())


@pytest.fixture
def healthy(tmp_path: Path) -> dict[str, Path]:
    return write_canary(tmp_path)


def _logs(paths: dict[str, Path]) -> pd.DataFrame:
    return pd.read_parquet(paths["predictions"])


def _unlogged(logs: pd.DataFrame, share: float) -> pd.DataFrame:
    """The logs without `share` of the candidate's rows, spread over its period (a logger
    that skips the requests the candidate failed on)."""
    cand = logs.index[logs.model_version == "v2"]
    skipped = np.random.default_rng(1).choice(cand, int(share * len(cand)), replace=False)
    return logs.drop(index=skipped)


def test_a_canary_that_leaves_a_quarter_unlogged_is_blocked(healthy):
    logs = _logs(healthy)
    done, result = run(healthy, logs)
    assert done.code == 0 and result["mode"] == "canary"  # logged in full: approved
    done, result = run(healthy, _unlogged(logs, 0.25))
    assert done.code == 1, done.stdout + done.stderr
    assert result["decision"] == "block" and result["mode"] == "canary"
    gap = int(0.25 * (logs.model_version == "v2").sum())
    told = f"{gap} of the 3000 labelled request(s) predicted while the candidate ran appear in no"
    assert result["reasons"][0].startswith(UNUSABLE) and told in result["reasons"][0]
    assert "wider than the logs' window" not in done.stdout


def test_a_few_unlogged_requests_are_counted_and_said_truly(healthy):
    done, result = run(healthy, _unlogged(_logs(healthy), 0.01))  # 15 of 3000: 0.5 %
    assert done.code == 0, done.stdout
    counts = result["counts"]
    assert counts["labels_without_prediction_in_period"] == counts["labels_without_prediction"]
    said = [n for n in result["notices"] if "appear in no prediction log" in n]
    assert len(said) == 1 and "in the logs' period (predicted while the candidate ran)" in said[0]
    assert "wider than the logs' window" not in said[0]


def test_a_label_export_wider_than_the_logs_stays_a_notice(healthy):
    logs = _logs(healthy)
    kept = logs[logs.request_id.between("r000200", "r002799")]  # 200 before, 200 after cut
    done, result = run(healthy, kept)
    assert done.code == 0, done.stdout + done.stderr
    counts = result["counts"]
    assert counts["labels_without_prediction"] == 400
    assert counts["labels_without_prediction_outside_period"] == 400
    assert counts["labels_without_prediction_in_period"] == 0
    wider = "400 labelled request(s) appear in no prediction log, labelled outside the logs' "
    said = [n for n in result["notices"] if n.startswith(wider)]
    assert len(said) == 1 and "wider than the logs' window" in said[0]


def _spread_delays(paths: dict[str, Path], with_request_time: bool) -> Path:
    """The labels with delays from 1 to 20 days (the label time alone no longer places a
    request in a two-day period), and with the request's time when asked."""
    labels = pd.read_csv(paths["labels"])
    logs = _logs(paths).set_index("request_id")["timestamp"]
    asked = logs.reindex(labels.request_id).to_numpy()
    days = np.random.default_rng(2).uniform(1, 20, len(labels))
    stamps = pd.to_datetime(asked, utc=True) + pd.to_timedelta(days, unit="D")
    labels = labels.assign(label_timestamp=[t.isoformat() for t in stamps])
    if with_request_time:
        labels["timestamp"] = [pd.Timestamp(t).isoformat() for t in asked]
    path = paths["policy"].parent / f"labels_{with_request_time}.csv"
    labels.to_csv(path, index=False)
    return path


def test_a_request_time_column_in_the_label_file_places_the_unlogged(healthy):
    logs = _unlogged(_logs(healthy), 0.25)
    done, result = run(healthy, logs, _spread_delays(healthy, with_request_time=True))
    assert done.code == 1 and result["reasons"][0].startswith(UNUSABLE), done.stdout
    # without it the spread delays cannot place them: counted apart, never "wider"
    done, result = run(healthy, logs, _spread_delays(healthy, with_request_time=False))
    said = [n for n in result["notices"] if "appear in no prediction log" in n]
    assert said and "do not place them" in said[0] and "wider" not in said[0], said


def _stopped(logs: pd.DataFrame, at: float) -> pd.DataFrame:
    """The candidate's requests after `at` of the period answered by the live model (its log
    stopped; the router sent everything to the live model)."""
    late = (logs.model_version == "v2") & (logs.request_id >= f"r{int(at * 3000):06d}")
    return logs.assign(model_version=logs.model_version.where(~late, "v1"))


def test_a_canary_log_that_stops_at_60_percent_is_blocked(healthy):
    done, result = run(healthy, _stopped(_logs(healthy), 0.6))
    assert done.code == 1, done.stdout + done.stderr
    reason = result["reasons"][0]
    assert reason.startswith(UNUSABLE + "the candidate's log stops before the live model's: 1200")


def test_a_small_healthy_canary_is_not_taken_for_a_stopped_log(tmp_path):
    paths = write_canary(tmp_path, share=0.05, seed=3)
    done, result = run(paths, _logs(paths))
    assert "stops before" not in done.stdout and result["decision"] != "block", done.stdout
    assert 0 <= result["counts"]["live_after_candidate"] < 300
