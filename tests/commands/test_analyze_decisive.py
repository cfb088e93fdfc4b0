"""`model-gate analyze` (review 12c): model versions are compared as the text written; a
decisive blocking failure blocks whatever fairness group is short, and only checks that can
block wait for rows; groups the candidate never served are named, not waited for; a shadow
candidate whose log stops early is refused; a header-only label file is "no label yet"."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from canary_data import LATE, POLICY, write_canary
from helpers import run_cli

PARITY_03 = POLICY.replace("max: 0.2", "max: 0.3")


def run(policy: Path, logs: list[Path], labels: Path, *extra: str, version: str | None = "v2"):
    out = policy.parent / "out"
    chosen = ["--candidate-version", version] if version is not None else []
    done = run_cli(
        "analyze", "--policy", policy, "--predictions", *logs, "--labels", labels, *chosen,
        "--as-of", LATE, "--resamples", "50", "--output-dir", out, *extra,
    )  # fmt: skip
    result = json.loads((out / "analysis.json").read_text()) if done.code in (0, 1, 4) else None
    return done, result


@pytest.fixture(scope="module")
def regressed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_canary(tmp_path_factory.mktemp("regressed"), regressed="north")


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_canary(tmp_path_factory.mktemp("healthy"))


# --- model versions are identifiers: text as written, never numbers ---------------------------


@pytest.mark.parametrize(
    ("live", "cand"), [("1.10", "1.1"), ("2", "2.0"), ("2", "02"), ("1e3", "1000")]
)
def test_csv_versions_that_read_as_one_number_stay_two_versions(regressed, tmp_path, live, cand):
    logs = []
    for name, version in (("live", live), ("canary", cand)):
        frame = pd.read_csv(regressed[name], dtype=str).assign(model_version=version)
        logs.append(tmp_path / f"{name}.csv")
        frame.to_csv(logs[-1], index=False)
    (tmp_path / "p.yaml").write_text(PARITY_03)
    done, result = run(tmp_path / "p.yaml", logs, regressed["labels"], version=cand)
    assert done.code == 1, done.stdout + done.stderr  # the regression is not diluted
    assert result["candidate_version"] == cand and result["live_versions"] == [live]
    assert result["counts"]["candidate_predictions"] == len(pd.read_csv(regressed["canary"]))


def test_float_versions_in_a_typed_file_are_refused(regressed, tmp_path):
    frame = pd.read_parquet(regressed["predictions"])
    frame["model_version"] = frame["model_version"].map({"v1": 1.10, "v2": 1.1})
    frame.to_parquet(tmp_path / "logs.parquet", index=False)
    done, _ = run(
        regressed["policy"], [tmp_path / "logs.parquet"], regressed["labels"], version="1.1"
    )
    assert done.code == 2
    assert "model version column 'model_version' holds floating-point numbers" in done.stderr


def test_integer_versions_in_a_typed_file_are_their_digits(regressed, tmp_path):
    frame = pd.read_parquet(regressed["predictions"])
    frame["model_version"] = frame["model_version"].map({"v1": 1, "v2": 2})
    frame.to_parquet(tmp_path / "logs.parquet", index=False)
    done, result = run(
        regressed["policy"], [tmp_path / "logs.parquet"], regressed["labels"], version="2"
    )
    assert done.code == 1 and result["live_versions"] == ["1"]


def test_an_empty_version_is_refused_naming_the_row(regressed, tmp_path):
    frame = pd.read_csv(regressed["canary"], dtype=str)
    frame.loc[3, "model_version"] = ""
    frame.to_csv(tmp_path / "canary.csv", index=False)
    done, _ = run(
        regressed["policy"], [regressed["live"], tmp_path / "canary.csv"], regressed["labels"]
    )
    assert (
        done.code == 2 and "model version column 'model_version' is empty in row 4" in done.stderr
    )


def test_logs_of_one_version_say_no_live_model_was_seen(healthy, tmp_path):
    canary = pd.read_csv(healthy["canary"])
    labels = pd.read_csv(healthy["labels"])
    labels[labels.request_id.isin(canary.request_id)].to_csv(tmp_path / "l.csv", index=False)
    done, result = run(healthy["policy"], [healthy["canary"]], tmp_path / "l.csv", version=None)
    assert done.code == 0, done.stdout + done.stderr
    assert result["live_versions"] == []
    assert any("one model version only ('v2')" in n for n in result["notices"])
    assert "note: the prediction logs hold one model version only" in done.stdout


# --- a decisive failure blocks; short groups wait only for checks that can block ---------------


def _islands(paths: dict[str, Path], tmp_path: Path, version: str, rows: int = 3) -> Path:
    """The logs with `rows` of `version`'s requests moved to a new region, 'islands'."""
    frame = pd.read_parquet(paths["predictions"])
    frame.loc[frame.index[frame.model_version == version][:rows], "region"] = "islands"
    frame.to_parquet(tmp_path / "logs.parquet", index=False)
    return tmp_path / "logs.parquet"


@pytest.mark.parametrize("served_by", ["v1", "v2"])
def test_a_failing_blocking_check_blocks_whatever_group_is_short(regressed, tmp_path, served_by):
    logs = _islands(regressed, tmp_path, served_by)
    done, result = run(regressed["policy"], [logs], regressed["labels"])
    assert done.code == 1, done.stdout
    assert result["decision"] == "block" and result["report_decision"] == "block"
    assert result["reasons"] == [r for r in result["reasons"] if "recall-parity' fail" in r]
    island = [n for n in result["notices"] if "region=islands" in n]
    assert len(island) == 1
    if served_by == "v1":  # never routed to the candidate: named, counted, never waited for
        assert "only the live model served" in island[0]
        assert result["counts"]["groups_live_only"] == 1
    else:  # routed to it but short: beside the block, not instead of it
        assert island[0].startswith("short, not needed to block")


def test_a_group_only_the_live_model_served_does_not_hold_an_approval(healthy, tmp_path):
    done, result = run(healthy["policy"], [_islands(healthy, tmp_path, "v1")], healthy["labels"])
    assert done.code == 0, done.stdout
    assert result["counts"]["groups_live_only"] == 1 and result["reasons"] == []


def test_a_short_group_the_candidate_serves_makes_an_approval_wait(healthy, tmp_path):
    done, result = run(healthy["policy"], [_islands(healthy, tmp_path, "v2")], healthy["labels"])
    assert done.code == 4, done.stdout
    assert result["report_decision"] == "approve"
    assert result["reasons"] == [
        "check 'recall-parity': group region=islands has 3 labelled candidate row(s), fewer than 30"
    ]


def test_too_few_rows_overall_keeps_a_failure_inconclusive(regressed, tmp_path):
    done, result = run(regressed["policy"], [regressed["predictions"]], regressed["labels"],
                       "--min-samples", "5000")  # fmt: skip
    assert done.code == 4 and result["report_decision"] == "block"


WAIVER = """\
waivers:
  - check: recall-parity
    reason: the parity dashboard is informational during the rollout
    approved_by: risk@example.com
    expires: 2099-12-31
"""


@pytest.mark.parametrize(
    "change",
    [
        ("    min_group_size: 30\n", "    min_group_size: 30\n    severity: warn\n"),
        ("    min_group_size: 30\n", "    min_group_size: 30\n    severity: info\n"),
        ("    min_group_size: 30\n", "    min_group_size: 30\n" + WAIVER),
    ],
    ids=["warn", "info", "waived"],
)
def test_checks_that_cannot_block_never_make_an_analysis_wait(healthy, tmp_path, change):
    (tmp_path / "p.yaml").write_text(POLICY.replace(*change))
    done, result = run(tmp_path / "p.yaml", [_islands(healthy, tmp_path, "v2")], healthy["labels"])
    assert done.code == 0, done.stdout + done.stderr
    assert result["decision"] == "approve" and result["reasons"] == []


# --- shadow logs: the candidate answers to the end ---------------------------------------------


@pytest.fixture(scope="module")
def shadow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_canary(tmp_path_factory.mktemp("shadow"), shadow=True)


def _cut(paths: dict[str, Path], tmp_path: Path, dropped: int) -> Path:
    """The shadow logs with the candidate's last `dropped` predictions missing."""
    frame = pd.read_parquet(paths["predictions"])
    last = frame.index[frame.model_version == "v2"][-dropped:] if dropped else []
    frame.drop(index=last).to_parquet(tmp_path / "logs.parquet", index=False)
    return tmp_path / "logs.parquet"


@pytest.mark.parametrize("dropped", [31, 1200])
def test_a_shadow_candidate_whose_log_stops_early_is_blocked(shadow, tmp_path, dropped):
    # review12e #4: the candidate stopped answering: its output is unusable, a block (exit
    # 1: Flagger's rollback hook gets 200), not an input error that leaves it at its weight
    done, result = run(shadow["policy"], [_cut(shadow, tmp_path, dropped)], shadow["labels"])
    assert done.code == 1, done.stdout + done.stderr
    told = f"{dropped} of 3000 live request(s) since the candidate's first"
    assert told in done.stdout and result["decision"] == "block" and result["mode"] == "shadow"
    assert result["reasons"][0].startswith("the candidate's output is unusable: the candidate")


@pytest.mark.parametrize("dropped", [0, 30])
def test_live_requests_after_the_candidate_are_counted_up_to_one_percent(shadow, tmp_path, dropped):
    done, result = run(shadow["policy"], [_cut(shadow, tmp_path, dropped)], shadow["labels"])
    assert done.code == 0, done.stdout + done.stderr
    assert result["mode"] == "shadow" and result["counts"]["live_after_candidate"] == dropped
    assert f"; {dropped} live request(s) after the candidate's last prediction" in done.stdout


def test_an_as_of_before_the_cut_judges_the_candidate_on_its_whole_period(shadow, tmp_path):
    logs = _cut(shadow, tmp_path, 1200)  # the candidate's last prediction: 2026-01-02T05:59Z
    labels = pd.read_csv(shadow["labels"])
    labels[pd.to_datetime(labels.label_timestamp) <= "2026-01-04T05:59Z"].to_csv(
        tmp_path / "l.csv", index=False
    )
    done = run_cli(
        "analyze", "--policy", shadow["policy"], "--predictions", logs,
        "--labels", tmp_path / "l.csv", "--candidate-version", "v2",
        "--as-of", "2026-01-02T05:59:00Z",
    )  # fmt: skip
    assert done.code in (0, 4), done.stderr
    assert "; 0 live request(s) after the candidate's last prediction" in done.stdout


def test_canary_logs_count_the_live_requests_after_the_candidate(healthy, tmp_path):
    # review12e #10: canary logs are held to the end too (tests/commands/test_analyze_coverage)
    done, result = run(healthy["policy"], [healthy["predictions"]], healthy["labels"])
    logs = pd.read_parquet(healthy["predictions"])
    last = logs.loc[logs.model_version == "v2", "timestamp"].max()
    after = int(((logs.model_version == "v1") & (logs.timestamp > last)).sum())
    assert result["mode"] == "canary" and result["counts"]["live_after_candidate"] == after
    assert f"; {after} live request(s) after the candidate's last prediction" in done.stdout


# --- a header-only label file: no label yet ----------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_header_only_label_file_is_no_label_yet(healthy, tmp_path, suffix):
    empty = pd.read_csv(healthy["labels"]).iloc[:0]
    path = tmp_path / f"labels{suffix}"
    empty.to_csv(path, index=False) if suffix == ".csv" else empty.to_parquet(path, index=False)
    done, result = run(healthy["policy"], [healthy["predictions"]], path)
    assert done.code == 4, done.stderr
    assert result["counts"]["labels"] == 0 and result["report_decision"] is None
    assert result["reasons"][0].startswith("0 labelled candidate row(s), fewer than")


@pytest.mark.parametrize(
    "header", ["request_id,label\n", "", "request_id\tlabel\tlabel_timestamp\n"]
)
def test_a_label_file_without_the_expected_columns_is_still_refused(healthy, tmp_path, header):
    path = tmp_path / "labels.csv"
    path.write_text(header)
    done, _ = run(healthy["policy"], [healthy["predictions"]], path)
    assert done.code == 2 and f"labels file {path}" in done.stderr


# --- a label export wider than the logs ---------------------------------------------------------


def test_labels_of_requests_no_log_holds_are_counted_not_refused(healthy, tmp_path):
    labels = pd.read_csv(healthy["labels"])
    stray = labels.head(5).assign(request_id=[f"old{i}" for i in range(5)])
    pd.concat([labels, stray]).to_csv(tmp_path / "l.csv", index=False)
    done, result = run(healthy["policy"], [healthy["predictions"]], tmp_path / "l.csv")
    assert done.code == 0, done.stderr
    assert result["counts"]["labels_without_prediction"] == 5
    stray = "5 labelled request(s) appear in no prediction log"
    assert any(n.startswith(stray) for n in result["notices"])


def test_labels_none_of_which_a_log_holds_are_refused(healthy, tmp_path):
    labels = pd.read_csv(healthy["labels"])
    labels.assign(request_id="x" + labels.request_id).to_csv(tmp_path / "l.csv", index=False)
    done, _ = run(healthy["policy"], [healthy["predictions"]], tmp_path / "l.csv")
    assert done.code == 2 and "3000 request(s), none of which a prediction log holds" in done.stderr
