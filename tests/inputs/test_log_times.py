"""Time columns of canary logs and labels are one kind across every file of an analysis: all
zoned, or all without a zone (then all UTC). A log with `Z` times beside a log or label file
with naive times is refused (exit 2) naming both files and columns, as a column mixing the two
is; naive times throughout are UTC, consistently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from canary_data import LATE, write_canary
from helpers import run_cli

from gate.errors import InputError
from gate.inputs.log_times import TimeColumn, one_kind, times
from gate.inputs.prediction_logs import LogColumns, read_inputs

COLS = LogColumns()


def naive(path: Path, column: str) -> None:
    """Rewrite a CSV's time column without its zone (the same wall-clock UTC time)."""
    frame = pd.read_csv(path)
    stamps = pd.to_datetime(frame[column], utc=True).dt.tz_localize(None)
    frame.assign(**{column: stamps.map(pd.Timestamp.isoformat)}).to_csv(path, index=False)


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    return write_canary(tmp_path, n=300)


def test_a_zoned_live_log_beside_a_naive_canary_log_is_refused_naming_both(paths):
    naive(paths["canary"], "timestamp")
    with pytest.raises(InputError) as caught:
        read_inputs([str(paths["live"]), str(paths["canary"])], str(paths["labels"]), COLS)
    said = str(caught.value)
    assert f"{paths['canary']}: timestamp column 'timestamp' has times without a zone" in said
    assert f"{paths['live']}: timestamp column 'timestamp' has times with one" in said


def test_naive_labels_beside_zoned_logs_are_refused_naming_both(paths):
    naive(paths["labels"], "label_timestamp")
    for logs in ([paths["live"], paths["canary"]], [paths["predictions"]]):  # CSV, Parquet
        with pytest.raises(InputError) as caught:
            read_inputs([str(p) for p in logs], str(paths["labels"]), COLS)
        said = str(caught.value)
        assert f"{paths['labels']}: label timestamp column 'label_timestamp' has times " in said
        assert f"{logs[0]}: timestamp column 'timestamp' has times with one" in said


def test_a_parquet_log_without_a_zone_beside_zoned_labels_is_refused(paths):
    frame = pd.read_parquet(paths["predictions"])
    frame.assign(timestamp=frame["timestamp"].dt.tz_localize(None)).to_parquet(
        paths["predictions"], index=False
    )
    with pytest.raises(InputError, match=r"predictions\.parquet: timestamp column 'timestamp' has"):
        read_inputs([str(paths["predictions"])], str(paths["labels"]), COLS)


def test_naive_times_everywhere_are_utc_as_zoned_ones_are(paths):
    files = [str(paths["live"]), str(paths["canary"])]
    zoned = read_inputs(files, str(paths["labels"]), COLS)
    for name, column in (("live", "timestamp"), ("canary", "timestamp")):
        naive(paths[name], column)
    naive(paths["labels"], "label_timestamp")
    plain = read_inputs(files, str(paths["labels"]), COLS)
    pd.testing.assert_series_equal(zoned[0]["timestamp"], plain[0]["timestamp"])
    pd.testing.assert_series_equal(zoned[2]["_label_time"], plain[2]["_label_time"])


def test_the_cli_refuses_the_mix_with_exit_2(paths):
    naive(paths["labels"], "label_timestamp")
    args = ["--policy", paths["policy"], "--predictions", paths["live"], paths["canary"]]
    run = run_cli(
        "analyze", *args, "--labels", paths["labels"], "--candidate-version", "v2",
        "--label-delay", "1d", "--as-of", LATE,
    )  # fmt: skip
    assert run.code == 2, run.stdout + run.stderr
    assert "labels.csv: label timestamp column 'label_timestamp' has times without" in run.stderr
    assert "live.csv: timestamp column 'timestamp' has times with one" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    "values, zoned",
    [
        (["2026-01-01", "2026-01-02"], False),
        (["2026-01-01T10:00:00Z", "2026-01-02T11:00:00.5-05:00"], True),
        (pd.Series(pd.to_datetime(["2026-01-01T10:00"])), False),
        (pd.Series(pd.to_datetime(["2026-01-01T10:00Z"])), True),
    ],
)
def test_each_column_knows_its_kind(values, zoned):
    _, column = times(pd.Series(values), "f.csv", "t", "timestamp")
    assert column == TimeColumn("f.csv", "t", "timestamp", zoned)


def test_a_column_without_rows_has_no_kind_and_mixes_with_either():
    _, empty = times(pd.Series([], dtype=object), "labels.csv", "t", "label timestamp")
    assert empty.zoned is None
    one_kind([empty, TimeColumn("a.csv", "t", "timestamp", True)])
    one_kind([empty, TimeColumn("a.csv", "t", "timestamp", False)])
