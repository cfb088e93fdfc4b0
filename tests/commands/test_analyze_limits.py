"""What a rollout analysis may decide (review 12): shadow mode never narrows the rows of the
absolute checks, a report-only policy never approves, waivers expire by the clock, and exit 4
means only "more labelled rows will decide" (tests/commands/test_analyze.py has the basics)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from canary_data import LATE, POLICY, analyze, write_canary
from helpers import run_cli
from test_analyze import result_of

from gate.commands.analysis_decision import decide
from gate.errors import PolicyError
from gate.results import Verdict

FLOOR_AND_DROP = """\
version: 1
name: shadow
data: {score: score, sensitive: [region]}
checks:
  - id: auc-floor
    type: performance
    metric: roc_auc
    min: 0.75
  - id: auc-vs-live
    type: performance
    metric: roc_auc
    baseline: {max_drop: 0.02, confidence: 0.95}
"""
ABSOLUTE = FLOOR_AND_DROP.split("  - id: auc-vs-live")[0]


def _shadow(tmp_path: Path, policy: str = FLOOR_AND_DROP) -> dict[str, Path]:
    paths = write_canary(tmp_path, shadow=True, regressed="north")
    paths["policy"].write_text(policy)
    return paths


def _rewrite(paths: dict[str, Path], keep) -> None:
    logs = pd.read_parquet(paths["predictions"])
    logs[keep(logs)].to_parquet(paths["predictions"], index=False)


def test_full_shadow_logs_block_the_planted_regression(tmp_path):
    run = analyze(_shadow(tmp_path), "--resamples", "200", "--output-dir", tmp_path / "out")
    assert run.code == 1, run.stdout + run.stderr
    assert result_of(tmp_path / "out")["counts"]["candidate_labelled"] == 3000


def test_live_logs_missing_the_candidates_bad_rows_are_refused_not_approved(tmp_path):
    # the live model's log lacks region north, where the candidate regressed: comparing on the
    # shared rows alone (the old behaviour) approved the candidate
    paths = _shadow(tmp_path)
    _rewrite(paths, lambda logs: (logs.model_version == "v2") | (logs.region != "north"))
    run = analyze(paths, "--resamples", "200", "--output-dir", tmp_path / "out")
    assert run.code == 2, run.stdout + run.stderr
    assert "live model answered only some of the candidate's requests" in run.stderr
    assert "neither shadow logs" in run.stderr  # a third unshared: no mode to detect
    assert not (tmp_path / "out").exists()
    declared = analyze(paths, "--mode", "shadow", "--resamples", "200")
    assert declared.code == 2, declared.stdout + declared.stderr
    assert "of 3000 labelled candidate row(s) have no live prediction" in declared.stderr


def test_a_canary_sharing_a_few_ids_is_not_shadow(tmp_path):
    # review12d #11's mirror image: a few retried requests answered by both models once made
    # canary logs with a `baseline:` check "shadow logs with gaps" (exit 2)
    paths = write_canary(tmp_path)
    logs = pd.read_parquet(paths["predictions"])
    stray = logs[logs.model_version == "v2"].head(3).assign(model_version="v1")
    pd.concat([logs, stray]).to_parquet(paths["predictions"], index=False)
    paths["policy"].write_text(FLOOR_AND_DROP)
    compared = analyze(paths, "--resamples", "100", "--output-dir", tmp_path / "two")
    assert compared.code in (0, 1, 4), compared.stdout + compared.stderr
    result = result_of(tmp_path / "two")
    assert result["mode"] == "canary" and result["two_sample"]
    assert result["counts"]["candidate_requests_shared_with_live"] == 3
    assert result["counts"]["live_shared_left_out"] == 3
    assert any("answered by the live model too" in n for n in result["notices"])
    # without a baseline check the absolute checks judge every candidate row, as a canary
    paths["policy"].write_text(ABSOLUTE)
    run = analyze(paths, "--output-dir", tmp_path / "out")
    result = result_of(tmp_path / "out")
    assert run.code == 0 and result["mode"] == "canary"
    assert result["settings"]["mode"]["from"].startswith("detected: 3 of the candidate's")
    assert result["counts"]["candidate_labelled"] == (logs.model_version == "v2").sum()


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_a_decision_and_only_approve_approves(verdict):
    if verdict is Verdict.REPORT:
        with pytest.raises(PolicyError, match="report-only"):
            decide(verdict, ())
        return
    decision, _ = decide(verdict, ())
    assert (decision == "approve") == (verdict is Verdict.APPROVE)


def test_a_report_only_policy_is_refused(tmp_path):
    paths = write_canary(tmp_path, regressed="north")
    paths["policy"].write_text("mode: report\n" + textwrap.dedent(POLICY))
    run = analyze(paths, "--resamples", "100", "--output-dir", tmp_path / "out")
    assert run.code == 2, run.stdout + run.stderr
    assert "mode: report is a report-only policy" in run.stderr
    assert not (tmp_path / "out").exists()


WAIVER = """\
waivers:
  - check: recall-parity
    reason: expired long ago
    approved_by: risk
    expires: 2026-01-10
"""


def test_an_expired_waiver_stays_expired_whatever_as_of(tmp_path):
    paths = write_canary(tmp_path, regressed="north")
    paths["policy"].write_text(textwrap.dedent(POLICY) + WAIVER)
    run = analyze(paths, "--resamples", "100", as_of="2026-01-06T00:00:00Z")
    assert run.code == 1, run.stdout + run.stderr
    assert "recall-parity" in run.stdout


def _one_class(tmp_path: Path) -> dict[str, Path]:
    paths = write_canary(tmp_path, n=400)
    labels = pd.read_csv(paths["labels"])
    labels.assign(label=0).to_csv(paths["labels"], index=False)
    return paths


def test_labels_of_one_class_are_inconclusive_before_any_check_runs(tmp_path):
    run = analyze(_one_class(tmp_path), "--output-dir", tmp_path / "out", "--min-samples", "10")
    assert run.code == 4, run.stdout + run.stderr
    reasons = result_of(tmp_path / "out")["reasons"]
    assert any("check 'auc-floor' needs both classes" in r for r in reasons)
    # the label as the data has it, not numpy's repr (np.int64(0)): second review, finding 6
    assert any(re.search(r"has the label [01], but", r) for r in reasons), reasons
    assert not any("np." in r for r in reasons)


def test_a_lower_min_group_samples_does_not_turn_inconclusive_into_block(tmp_path):
    paths = write_canary(tmp_path, n=400)
    run = analyze(paths, "--min-samples", "1", "--min-group-samples", "1", as_of=EARLY_ENOUGH)
    assert run.code == 4, run.stdout + run.stderr
    assert "fewer than 30" in run.stdout


EARLY_ENOUGH = "2026-01-03T01:00:00Z"  # about 60 labels matured: every group under 30


@pytest.mark.parametrize(
    "check, needs",
    [
        ("{id: d, type: drift, columns: [x]}", "--reference"),
        ("{id: q, type: data_quality, max_unseen_share: 0.1}", "--reference"),
        ("{id: card, type: documentation, required: [owner]}", "--model-card"),
        ("{id: imp, type: importance, max_rank: 3}", "--model"),
        ("{id: rob, type: robustness, max_flip_rate: 0.1}", "--model"),
    ],
)
def test_a_check_analyze_can_never_compute_is_refused_at_start(tmp_path, check, needs):
    paths = write_canary(tmp_path, n=400)
    paths["policy"].write_text(textwrap.dedent(POLICY) + f"  - {check}\n")
    run = analyze(paths, "--min-samples", "100000")  # would be inconclusive if it ran
    assert run.code == 2, run.stdout + run.stderr
    assert needs in run.stderr and "does not take" in run.stderr


def test_no_matured_label_with_min_samples_0_is_inconclusive(tmp_path):
    paths = write_canary(tmp_path, n=400)
    run = analyze(paths, "--min-samples", "0", "--min-group-samples", "0", "--label-delay", "100d")
    assert run.code == 4, run.stdout + run.stderr
    assert "no labelled candidate row yet" in run.stdout


@pytest.mark.parametrize("delay", ["999999999d", "99999999999999999999d", "3661d"])
def test_a_huge_label_delay_is_a_usage_error(tmp_path, delay):
    paths = write_canary(tmp_path, n=400)
    run = analyze(paths, "--label-delay", delay)
    assert run.code == 2, run.stdout + run.stderr
    assert "--label-delay" in run.stderr


def test_as_of_far_outside_the_calendar_is_a_usage_error(tmp_path):
    paths = write_canary(tmp_path, n=400)
    run = analyze(paths, as_of="1677-09-22T00:00:00Z")
    assert run.code == 2 and "--as-of" in run.stderr


def test_serve_refuses_a_policy_no_analysis_can_decide_at_start(tmp_path):
    (tmp_path / "p.yaml").write_text("mode: report\n" + textwrap.dedent(POLICY))
    (tmp_path / "token").write_text("t" * 32)
    run = run_cli(
        "serve", "--policy", tmp_path / "p.yaml", "--root", tmp_path, "--token-file",
        tmp_path / "token", "--bind", "127.0.0.1:0",
    )  # fmt: skip
    assert run.code == 2 and "report-only" in run.stderr


def test_analysis_json_names_the_decision_of_the_rows_it_rests_on(tmp_path):
    run = analyze(write_canary(tmp_path), "--output-dir", tmp_path / "out")
    assert run.code == 0
    assert json.loads((tmp_path / "out/analysis.json").read_text())["as_of"].startswith("2026-03")
    assert LATE.startswith("2026-03")


def _renamed(paths: dict[str, Path], name) -> None:
    """Every file's request ids through `name` (the index of 'r000123' -> an id)."""
    for key in ("live", "canary", "labels"):
        frame = pd.read_csv(paths[key])
        frame["request_id"] = [name(int(i[1:])) for i in frame["request_id"]]
        frame.to_csv(paths[key], index=False)


@pytest.mark.parametrize(
    "name",
    [lambda i: str(i) if i < 200 else f"00{i - 200}", lambda i: str(10**19 + i)],
    ids=["7-and-007", "20-digits"],
)
def test_csv_ids_are_text_as_written(tmp_path, name):
    # '7' and '007' are two requests; 20-digit ids are not floats (number inference conflated
    # the first and overflowed the second)
    paths = write_canary(tmp_path, n=400)
    _renamed(paths, name)
    out = ("--output-dir", tmp_path / "o")
    run = analyze(paths, "--min-samples", "10", *out, logs="split")
    assert run.code in (0, 4), run.stdout + run.stderr
    assert result_of(tmp_path / "o")["counts"]["labels_matured"] == 400


def test_ids_join_across_file_types_as_text(tmp_path):
    paths = write_canary(tmp_path, n=400)
    logs = pd.read_parquet(paths["predictions"])
    logs["request_id"] = [int(i[1:]) for i in logs["request_id"]]
    logs.to_parquet(paths["predictions"], index=False)
    labels = pd.read_csv(paths["labels"])
    labels["request_id"] = [str(int(i[1:])) for i in labels["request_id"]]
    labels.to_csv(paths["labels"], index=False)
    assert analyze(paths, "--min-samples", "10").code in (0, 4)  # 7 (an integer) is '7'
    labels["request_id"] = [f"{int(i):04d}" for i in labels["request_id"]]
    labels.to_csv(paths["labels"], index=False)
    run = analyze(paths, "--min-samples", "10")  # but not '0007'
    assert run.code == 2 and "none of which a prediction log holds ('0000', '0001'" in run.stderr
    logs.assign(request_id=logs["request_id"].astype(float)).to_parquet(paths["predictions"])
    run = analyze(paths, "--min-samples", "10")
    assert run.code == 2 and "request id column 'request_id' holds floating-point" in run.stderr


def test_messages_after_the_join_name_the_files_and_no_internal_column(tmp_path):
    paths = write_canary(tmp_path, n=400)
    labels = pd.read_csv(paths["labels"])
    labels.assign(label=labels.index % 3).to_csv(paths["labels"], index=False)
    run = analyze(paths, "--min-samples", "10")
    assert run.code == 2, run.stdout + run.stderr
    assert "labels.csv" in run.stderr and "<pandas" not in run.stderr
    labels.to_csv(paths["labels"], index=False)
    canary = pd.read_csv(paths["canary"])
    canary.assign(_label=1).to_csv(paths["canary"], index=False)  # once became '_label_y'
    run = analyze(paths, "--min-samples", "10", logs="split")
    assert run.code in (0, 4) and "_label_y" not in run.stderr, run.stdout + run.stderr
    canary.assign(score=canary["score"].where(canary.index != 5, float("inf"))).to_csv(
        paths["canary"], index=False
    )
    run = analyze(paths, "--min-samples", "10", logs="split")
    assert run.code == 1 and "canary.csv: score column 'score' is not finite in row 6" in run.stdout


def test_labels_before_their_prediction_are_counted_and_refused_above_a_share(tmp_path):
    paths = write_canary(tmp_path, n=400)
    labels = pd.read_csv(paths["labels"])
    stamps = pd.to_datetime(labels["label_timestamp"], utc=True)
    early = stamps - pd.Timedelta(days=3)  # a day before the prediction
    one = labels.assign(label_timestamp=stamps.where(labels.index != 0, early[0]))
    one.assign(label_timestamp=one["label_timestamp"].map(pd.Timestamp.isoformat)).to_csv(
        paths["labels"], index=False
    )
    run = analyze(paths, "--min-samples", "10", "--output-dir", tmp_path / "o")
    assert run.code in (0, 4), run.stdout + run.stderr
    counted = result_of(tmp_path / "o")["counts"]["labels_before_prediction"]
    assert counted == (0 if "r000000" not in pd.read_csv(paths["canary"]).request_id.values else 1)
    labels.assign(label_timestamp=early.map(pd.Timestamp.isoformat)).to_csv(
        paths["labels"], index=False
    )
    run = analyze(paths, "--min-samples", "10")
    assert run.code == 2 and "label timestamp before their prediction" in run.stderr


def test_a_time_column_mixing_zoned_and_naive_times_is_refused(tmp_path):
    paths = write_canary(tmp_path, n=400)
    canary = pd.read_csv(paths["canary"])
    naive = canary["timestamp"].str.replace("+00:00", "", regex=False)
    canary.assign(timestamp=naive.where(canary.index % 2 == 0, canary["timestamp"])).to_csv(
        paths["canary"], index=False
    )
    run = analyze(paths, logs="split")
    assert run.code == 2 and "mixes times with a zone and times without one" in run.stderr
    assert "canary.csv" in run.stderr


@pytest.mark.parametrize(
    "times, mixed",
    [
        (["2026-01-01", "2026-01-02"], False),  # a date's '-02' is no zone
        (["2026-01-01T10:00:00", "2026-01-02 11:00"], False),
        (["2026-01-01T10:00:00Z", "2026-01-02T11:00:00.5-05:00", "2026-01-02T11:00+0100"], False),
        (["2026-01-01T10:00:00Z", "2026-01-02"], True),
        (["2026-01-01T10:00:00+01:00", "2026-01-02T10:00:00"], True),
    ],
)
def test_zoned_and_naive_times_are_told_apart(times, mixed):
    from gate.errors import InputError
    from gate.inputs.prediction_logs import _times

    frame = pd.DataFrame({"t": times})
    if mixed:
        with pytest.raises(InputError, match="mixes times with a zone"):
            _times(frame, "f.csv", "t", "timestamp")
    else:
        assert len(_times(frame, "f.csv", "t", "timestamp")) == len(times)


def test_a_candidate_missing_its_bad_rows_in_shadow_logs_is_refused_not_approved(tmp_path):
    # second review: the candidate's log lacks region north, where it regressed, while the
    # live model's log is complete; judging on the rows the candidate logged approved it
    for policy in (FLOOR_AND_DROP, ABSOLUTE):
        paths = _shadow(tmp_path, policy)
        _rewrite(paths, lambda logs: (logs.model_version == "v1") | (logs.region != "north"))
        run = analyze(paths, "--resamples", "200", "--output-dir", tmp_path / "out")
        assert run.code == 1, run.stdout + run.stderr  # a block (review12e #4), not approved
        assert "the candidate answered only some of the live model's requests" in run.stdout
        assert "the candidate's output is unusable" in run.stdout


def test_live_requests_outside_the_candidates_time_are_not_missing(tmp_path):
    # the live model ran before the candidate's shadow started: those requests are not gaps
    paths = _shadow(tmp_path, ABSOLUTE)
    logs = pd.read_parquet(paths["predictions"])
    early = logs.timestamp < logs.timestamp.min() + pd.Timedelta(minutes=300)
    logs[~(early & (logs.model_version == "v2"))].to_parquet(paths["predictions"], index=False)
    run = analyze(paths, "--resamples", "100", "--output-dir", tmp_path / "out")
    assert run.code in (0, 1), run.stdout + run.stderr
    assert result_of(tmp_path / "out")["mode"] == "shadow"


def test_a_baseline_against_two_live_versions_is_refused(tmp_path):
    # second review: live v0 and v1 answering different requests made a patchwork baseline
    paths = _shadow(tmp_path)
    logs = pd.read_parquet(paths["predictions"])
    half = (logs.model_version == "v1") & (logs.request_id < "r001500")
    logs.loc[half, "model_version"] = "v0"
    logs.to_parquet(paths["predictions"], index=False)
    run = analyze(paths, "--resamples", "100", "--output-dir", tmp_path / "out")
    assert run.code == 2, run.stdout + run.stderr
    assert "answered by 2 live versions (v0, v1)" in run.stderr


def test_an_as_of_in_the_future_is_refused(tmp_path):
    # second review: a future as_of counted labels younger than the label delay
    paths = write_canary(tmp_path)
    run = analyze(paths, "--output-dir", tmp_path / "out", as_of="2199-12-31T00:00:00Z")
    assert run.code == 2, run.stdout + run.stderr
    assert "is in the future" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_multiclass_policy_is_refused_at_start(tmp_path):
    """Rollout analysis binds binary outcomes; a multiclass policy is refused, never run."""
    paths = write_canary(tmp_path, n=400)
    paths["policy"].write_text(
        "version: 1\ndata: {task: multiclass_classification, label: label}\nchecks:\n"
        "  - {id: acc, type: performance, metric: accuracy, min: 0.5}\n"
    )
    run = analyze(paths)
    assert run.code == 2 and "multiclass_classification" in run.stderr, run.stderr
