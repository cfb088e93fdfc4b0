"""`model-gate analyze`: generated canary / shadow logs with delayed labels, through the real
CLI; a regression planted in one group blocks, its absence approves, too few matured labels
is inconclusive (exit 4), and bad input is exit 2 naming the file and column."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from canary_data import LATE, POLICY, analyze, canary, write_canary
from helpers import run_cli

from gate.commands import analysis
from gate.commands.analysis import AnalyzeRequest
from gate.errors import UsageError
from gate.inputs.label_maturity import matured
from gate.inputs.prediction_logs import LogColumns, parse_duration, parse_time

SCHEMA = Path(__file__).parents[2] / "gate/schemas/analysis.schema.json"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_canary(tmp_path_factory.mktemp("healthy"))


@pytest.fixture(scope="module")
def regressed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_canary(tmp_path_factory.mktemp("regressed"), regressed="east")


def result_of(out: Path) -> dict:
    result = json.loads((out / "analysis.json").read_text())
    jsonschema.validate(result, json.loads(SCHEMA.read_text()))
    return result


def test_a_healthy_canary_is_approved(healthy, tmp_path):
    run = analyze(healthy, "--output-dir", tmp_path / "out", logs="split")
    assert run.code == 0, run.stderr
    assert "analysis: APPROVE (exit 0)" in run.stdout
    result = result_of(tmp_path / "out")
    assert result["decision"] == "approve" and result["mode"] == "canary"
    assert result["counts"]["candidate_labelled"] == result["counts"]["candidate_predictions"]
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["decision"] == "approve"
    assert report["inputs"]["data"]["rows"] == result["counts"]["candidate_labelled"]
    digest = hashlib.sha256(healthy["labels"].read_bytes()).hexdigest()
    assert result["inputs"]["labels"] == {
        "path": str(healthy["labels"]),
        "sha256": digest,
        "rows": 3000,
    }
    assert [f["path"] for f in result["inputs"]["predictions"]] == [
        str(healthy["live"]),
        str(healthy["canary"]),
    ]


def test_a_regression_in_one_group_blocks(regressed, tmp_path):
    run = analyze(regressed, "--output-dir", tmp_path / "out")
    assert run.code == 1, run.stderr
    result = result_of(tmp_path / "out")
    assert result["decision"] == "block"
    status = {c["id"]: c["status"] for c in result["checks"]}
    assert status == {"auc-floor": "pass", "recall-parity": "fail"}
    report = json.loads((tmp_path / "out/report.json").read_text())
    groups = {g["group"]["region"]: g["value"] for g in report["checks"][1]["groups"]}
    assert min(groups, key=groups.get) == "east"  # the group it was planted in


def test_labels_not_yet_past_the_delay_are_inconclusive(healthy, tmp_path):
    # labels arrive 2 days after their prediction: at Jan 4 03:00 with a 1-day delay only the
    # first ~3 hours' labels count (~180 of 3000 requests, ~90 of them the candidate's)
    run = analyze(healthy, "--output-dir", tmp_path / "out", as_of="2026-01-04T03:00:00Z")
    assert run.code == 4, run.stderr
    result = result_of(tmp_path / "out")
    assert result["decision"] == "inconclusive"
    assert result["counts"]["labels_not_yet_matured"] > 2500
    assert any("fewer than --min-samples 100" in r for r in result["reasons"])
    assert "analysis: INCONCLUSIVE (exit 4)" in run.stdout


def test_a_planted_regression_stays_inconclusive_while_labels_are_missing(regressed):
    """Too few rows is not a decision, even when the few rows look bad."""
    run = analyze(regressed, as_of="2026-01-04T03:00:00Z")
    assert run.code == 4, run.stdout + run.stderr
    assert "the checks' own verdict (block) is not the decision, because:" in run.stdout
    # review12e #9: the report's headline is the analysis's, never the checks' "exit 1"
    assert "BLOCKED" not in run.stdout and "· exit 1" not in run.stdout
    assert "\nINCONCLUSIVE — " in run.stdout and "· exit 4\n" in run.stdout


def test_the_console_and_the_annotations_state_the_analysis_decision(healthy, tmp_path):
    # review12e #9: the console opened with "APPROVED · 2 of 2 checks passed · exit 0" for a
    # run exiting 4, and --format github wrote no annotation for it
    run = analyze(
        healthy, "--min-group-samples", "600", "--output-dir", tmp_path / "o", "--format", "github"
    )
    assert run.code == 4, run.stderr
    assert "\nINCONCLUSIVE — more labelled rows will decide · 2 of 2 checks passed · exit 4\n" in (
        run.stdout
    )
    assert "APPROVED" not in run.stdout and "exit 0" not in run.stdout
    annotations = (tmp_path / "o" / "annotations.txt").read_text().splitlines()
    assert annotations[0].startswith("::warning title=model-gate%3A analysis inconclusive::")
    assert "the checks' own verdict is approve" in annotations[0]
    assert "fewer than 600" in annotations[0]


def test_a_small_group_is_inconclusive(healthy):
    run = analyze(healthy, "--min-group-samples", "600")
    assert run.code == 4, run.stderr
    assert "check 'recall-parity': group region=" in run.stdout
    assert "fewer than 600" in run.stdout


def test_a_data_quality_min_rows_above_min_samples_is_inconclusive_not_a_block(healthy, tmp_path):
    policy = tmp_path / "rows.yaml"
    policy.write_text(POLICY + "  - id: enough\n    type: data_quality\n    min_rows: 5000\n")
    run = analyze({**healthy, "policy": policy})
    assert run.code == 4, run.stdout + run.stderr
    assert "fewer than min_rows 5000 of check 'enough'" in run.stdout


def test_a_blocking_inconclusive_check_is_inconclusive(healthy, tmp_path):
    policy = tmp_path / "tight.yaml"
    policy.write_text(
        POLICY.replace("min: 0.7", "min: 0.893\n    confidence: 0.95").replace("max: 0.2", "max: 1")
    )
    run = analyze({**healthy, "policy": policy})
    assert run.code == 4, run.stdout + run.stderr
    assert "check 'auc-floor' inconclusive" in run.stdout


SHADOW_POLICY = """\
version: 1
name: shadow
data: {score: score}
checks:
  - id: no-auc-drop
    type: performance
    metric: roc_auc
    baseline: {max_drop: 0.03}
"""


@pytest.mark.parametrize("planted, code", [(None, 0), ("east", 1)])
def test_shadow_logs_compare_with_the_live_model_on_the_same_requests(tmp_path, planted, code):
    paths = write_canary(tmp_path, regressed=planted, shadow=True)
    paths["policy"].write_text(SHADOW_POLICY)
    run = analyze(paths, "--output-dir", tmp_path / "out")
    assert run.code == code, run.stdout + run.stderr
    assert result_of(tmp_path / "out")["mode"] == "shadow"
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["checks"][0]["baseline"] is not None


def test_a_fairness_baseline_without_a_two_sample_comparison_is_refused():
    """Per group, canary logs compare binary label metrics two-sample
    (tests/commands/test_analyze_two_sample_groups.py). The policy admits no other metric in
    a fairness baseline today; should one come (a score metric per group, compared paired on
    shadow logs), canary logs refuse it, `when_missing: skip` or not (review12d #5: the live
    model is the baseline, so "no baseline given" would be a false reason), never judge it."""
    import dataclasses

    from gate.commands.analysis_two_sample import refuse_unsupported
    from gate.errors import InputError
    from gate.inputs.policy_dict import load_any

    check = {"id": "recall-vs-live", "type": "fairness", "metric": "true_positive_rate"}
    check |= {"aggregate": "difference", "max": 0.2}
    policy = {"version": 1, "data": {"score": "score", "sensitive": ["region"]}}

    def spec(baseline: dict):
        [loaded] = load_any({**policy, "checks": [{**check, "baseline": baseline}]}).checks
        refuse_unsupported([loaded])  # a binary label metric: compared two-sample
        scored = dataclasses.replace(loaded.fairness, components=("roc_auc",))
        return dataclasses.replace(loaded, fairness=scored)

    for baseline in ({"max_drop": 0.05}, {"max_drop": 0.05, "when_missing": "skip"}):
        with pytest.raises(InputError, match="compares each group's roc_auc with the live"):
            refuse_unsupported([spec(baseline)])


def _bad(tmp_path: Path, logs: pd.DataFrame | None = None, labels: pd.DataFrame | None = None):
    paths = write_canary(tmp_path, n=400)
    if logs is not None:
        logs.to_csv(paths["canary"], index=False)
    if labels is not None:
        labels.to_csv(paths["labels"], index=False)
    return paths


def _csv_frames():
    logs, labels = canary(400)
    return logs[logs.model_version == "v2"].reset_index(drop=True), labels


@pytest.mark.parametrize(
    "damage, expected",
    [
        ("no_score", ["canary.csv", "score / prediction column 'score'"]),
        ("bad_time", ["canary.csv", "timestamp column 'timestamp'", "'yesterday'", "row 3"]),
        ("unknown_label", ["labels.csv", "column 'request_id'", "none of which", "'zz-r000000'"]),
        ("no_label_time", ["labels.csv", "label timestamp column 'label_timestamp'"]),
        ("bool_score", ["canary.csv", "score column 'score' must be numeric"]),
    ],
)
def test_bad_input_is_exit_2_naming_file_and_column(tmp_path, damage, expected):
    logs, labels = _csv_frames()
    if damage == "no_score":
        logs = logs.drop(columns="score")
    elif damage == "bad_time":
        logs["timestamp"] = logs["timestamp"].astype(str)
        logs.loc[2, "timestamp"] = "yesterday"
    elif damage == "unknown_label":
        labels = labels.assign(request_id="zz-" + labels["request_id"])  # no id matches
    elif damage == "no_label_time":
        labels = labels.drop(columns="label_timestamp")
    elif damage == "bool_score":
        logs["score"] = logs["score"] > 0.5
    paths = _bad(tmp_path, logs=logs, labels=labels)
    run = analyze(paths, "--output-dir", tmp_path / "out", logs="split")
    assert run.code == 2, run.stdout + run.stderr
    for text in expected:
        assert text in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


BROKEN = {  # the candidate's own output broken, as its log shows it (review12e #4)
    "duplicate": (
        lambda logs: pd.concat([logs, logs.iloc[:2]], ignore_index=True),
        "request id column 'request_id' repeats 'r000",
    ),
    "empty": (
        lambda logs: logs.assign(score=logs.score.mask(logs.index == 4)),
        "is empty in row 5",
    ),
    "nan_all": (lambda logs: logs.assign(score=float("nan")), "is empty in rows 1, 2, 3, 4, 5"),
    "text": (lambda logs: logs.assign(score="error"), "score column 'score' is not a number in"),
    "inf": (
        lambda logs: logs.assign(score=logs.score.mask(logs.index == 5, float("inf"))),
        "score column 'score' is not finite in row 6",
    ),
}


@pytest.mark.parametrize("damage", sorted(BROKEN))
def test_the_candidates_broken_output_blocks_and_the_live_models_is_bad_input(tmp_path, damage):
    # review12e #4: the candidate's NaN / text / infinite scores or repeated request ids are
    # its own failure: a decision (block, exit 1: Flagger rolls back), with the reason; the
    # same damage in the live model's log is the input's (exit 2, nothing written)
    edit, expected = BROKEN[damage]
    logs, labels = _csv_frames()
    paths = _bad(tmp_path, logs=edit(logs), labels=labels)
    run = analyze(paths, "--output-dir", tmp_path / "out", logs="split")
    assert run.code == 1, run.stdout + run.stderr
    result = json.loads((tmp_path / "out" / "analysis.json").read_text())
    [reason] = result["reasons"]
    assert reason.startswith("the candidate's output is unusable: ")
    assert "canary.csv" in reason and expected in reason and expected in run.stdout
    assert result["decision"] == "block" and result["checks"] == []
    jsonschema.validate(result, json.loads(SCHEMA.read_text()))
    assert result["counts"]["live_predictions"] > 0 and result["live_versions"] == ["v1"]
    (tmp_path / "live").mkdir()
    live_paths = write_canary(tmp_path / "live", n=400)
    edit(pd.read_csv(live_paths["live"])).to_csv(live_paths["live"], index=False)
    run = analyze(live_paths, "--output-dir", tmp_path / "live" / "out", logs="split")
    assert run.code == 2 and "live.csv" in run.stderr, run.stdout + run.stderr
    assert not (tmp_path / "live" / "out").exists()


def test_several_versions_need_the_candidate_named(healthy):
    run = run_cli(
        "analyze",
        "--policy",
        healthy["policy"],
        "--predictions",
        healthy["predictions"],
        "--labels",
        healthy["labels"],
    )
    assert run.code == 2
    assert "2 model versions (v1, v2)" in run.stderr and "--candidate-version" in run.stderr


def test_a_corrected_label_replaces_the_earlier_once_it_has_matured():
    cols = LogColumns()
    t = pd.Timestamp("2026-01-10T00:00:00Z")
    labels = pd.DataFrame(
        {
            "request_id": ["a", "a", "b"],
            "_label": [0, 1, 1],
            "_label_time": [t, t + pd.Timedelta(days=3), t],
        }
    )
    early, counts = matured(labels, cols, t + pd.Timedelta(days=2), pd.Timedelta(days=1))
    assert dict(zip(early.request_id, early._label, strict=True)) == {"a": 0, "b": 1}
    assert counts["labels_replaced_by_later"] == 0
    late, counts = matured(labels, cols, t + pd.Timedelta(days=5), pd.Timedelta(days=1))
    assert dict(zip(late.request_id, late._label, strict=True)) == {"a": 1, "b": 1}
    assert counts["labels_replaced_by_later"] == 1


def test_durations_and_times():
    assert parse_duration("1d12h").total_seconds() == 36 * 3600
    assert parse_duration("0").total_seconds() == 0
    for bad in ("", "12", "1x", "d", "1d 2h", "-1d"):
        with pytest.raises(UsageError, match="--label-delay"):
            parse_duration(bad)
    assert parse_time("2026-01-01").isoformat() == "2026-01-01T00:00:00+00:00"
    assert parse_time("2026-01-01T02:00:00+02:00").isoformat() == "2026-01-01T00:00:00+00:00"
    with pytest.raises(UsageError, match="--as-of"):
        parse_time("soon")


def test_numeric_timestamps_are_refused_with_the_column(tmp_path):
    logs, _ = _csv_frames()
    logs["timestamp"] = range(len(logs))
    paths = _bad(tmp_path, logs=logs)
    run = analyze(paths, logs="split")
    assert run.code == 2 and "timestamp column 'timestamp' holds numbers" in run.stderr


INTERSECTIONAL = POLICY.replace("sensitive: [region]", "sensitive: [region, tier]").replace(
    "min_group_size: 30", "min_group_size: 30\n    intersectional: true"
)


def test_groups_count_per_intersection_and_include_groups_without_labels(tmp_path):
    """A group the logs hold but no matured label covers yet counts as 0 rows."""
    logs, labels = canary(3000)
    logs["tier"] = "standard"
    late = logs["timestamp"] > logs["timestamp"].quantile(0.9)
    logs.loc[late, "tier"] = "premium"  # only the last requests: their labels are not in yet
    logs.to_parquet(tmp_path / "logs.parquet")
    labels.to_csv(tmp_path / "labels.csv", index=False)
    (tmp_path / "policy.yaml").write_text(INTERSECTIONAL)
    as_of = str(logs["timestamp"].quantile(0.9) + pd.Timedelta(days=3))
    request = AnalyzeRequest(
        policy=str(tmp_path / "policy.yaml"),
        predictions=(str(tmp_path / "logs.parquet"),),
        labels=str(tmp_path / "labels.csv"),
        as_of=parse_time(as_of),
        label_delay=parse_duration("1d12h"),
        candidate_version="v2",
        resamples=200,
    )
    done = analysis.analyze(request)
    assert done.decision == "inconclusive" and done.exit_code == 4
    short = [r for r in done.reasons if "group" in r]
    assert {r.split("group ")[1].split(" has")[0] for r in short} == {
        f"region={r} & tier=premium" for r in ("north", "south", "east")
    }
    assert all("has 0 labelled" in r for r in short)
    assert done.result is not None  # the checks still ran, on the rows there are


def test_the_label_column_is_the_policys_unless_a_flag_names_it(tmp_path):
    paths = write_canary(tmp_path, n=1200)
    labels = pd.read_csv(paths["labels"]).rename(columns={"label": "outcome"})
    labels.to_csv(paths["labels"], index=False)
    paths["policy"].write_text(
        POLICY.replace("  score: score\n", "  score: score\n  label: outcome\n")
    )
    assert analyze(paths).code == 0
    run = analyze(paths, "--label-column", "label")
    assert run.code == 2 and "labels.csv has no label column 'label'" in run.stderr


@pytest.mark.parametrize(
    ("flag", "says"),
    [
        ("--policy", "--policy must not be empty"),  # was '.: policy file is not a regular file'
        ("--label-column", "--label-column must not be empty"),  # was the policy's, silently
        ("--score", "--score must not be empty"),
        ("--prediction", "--prediction must not be empty"),
        ("--predictions", "--predictions must not be empty"),  # was 'predictions file .: ...'
        ("--labels", "--labels must not be empty"),
        ("--as-of", "--as-of: not an ISO 8601 time '' (e.g. 2026-11-24T18:00:00Z)"),  # was now
    ],
)
def test_an_empty_flag_is_named_by_the_flag_and_never_replaced(
    healthy, tmp_path, capsys, flag, says
):
    """An empty value is an error naming its flag (not the API's argument, nor a file '.'), and
    never falls back to the policy's value or the current time."""
    from gate.cli import main

    given = {
        "--policy": str(healthy["policy"]),
        "--predictions": str(healthy["predictions"]),
        "--labels": str(healthy["labels"]),
        "--candidate-version": "v2",
        "--as-of": LATE,
        "--resamples": "50",
        "--output-dir": str(tmp_path / "out"),
        flag: "",
    }
    code = main(["analyze", *(x for pair in given.items() for x in pair)])
    assert (code, capsys.readouterr().err) == (2, f"model-gate: error: {says}\n")
    assert not (tmp_path / "out").exists()
