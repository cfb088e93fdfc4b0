"""A fairness group lacking the rows its metric is a share of (review 12b, finding 5): in a
rollout it is a shortfall (exit 4) naming the group, like one class overall, for every
conditional rate (positives: TPR / FNR / recall; negatives: FPR / TNR; predicted positives:
precision; f1), per feature and per intersection, in plain and paired fairness checks; the
check run on the same rows still says `error`, and `model-gate check` still blocks."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from canary_data import LATE, analyze, canary
from helpers import run_cli

from gate.commands import analysis
from gate.commands.analysis import AnalyzeRequest
from gate.inputs.prediction_logs import parse_duration, parse_time

FAIR = """\
version: 1
name: groups
data: {{score: score, sensitive: [{sensitive}]}}
checks:
  - id: parity
    type: fairness
    metric: {metric}
    aggregate: difference
    max: 0.9
    min_group_size: 30{more}
"""


def _policy(metric: str, sensitive: str = "region", more: str = "") -> str:
    return FAIR.format(metric=metric, sensitive=sensitive, more=more)


def _write(tmp: Path, logs: pd.DataFrame, labels: pd.DataFrame, policy: str) -> dict[str, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    paths = {
        "policy": tmp / "p.yaml",
        "predictions": tmp / "logs.parquet",
        "labels": tmp / "labels.csv",
    }
    paths["policy"].write_text(textwrap.dedent(policy))
    logs.to_parquet(paths["predictions"], index=False)
    stamp = labels["label_timestamp"].map(pd.Timestamp.isoformat)
    labels.assign(label_timestamp=stamp).to_csv(paths["labels"], index=False)
    return paths


def _run(paths: dict[str, Path]) -> analysis.Analysis:
    return analysis.analyze(
        AnalyzeRequest(
            policy=str(paths["policy"]),
            predictions=(str(paths["predictions"]),),
            labels=str(paths["labels"]),
            as_of=parse_time(LATE),
            label_delay=parse_duration("1d"),
            candidate_version="v2",
            resamples=100,
        )
    )


def _damaged(damage: str, *, shadow: bool = False, tier: bool = False):
    logs, labels = canary(3000, shadow=shadow)
    logs["tier"] = np.where(logs["x"] > 0, "a", "b")
    east = set(logs.loc[logs.region == "east", "request_id"])
    in_east = labels.request_id.isin(east)
    if tier:  # only the intersection region=east & tier=a lacks positives
        east_a = set(logs.loc[(logs.region == "east") & (logs.tier == "a"), "request_id"])
        in_east = labels.request_id.isin(east_a)
    who = "v2" if damage != "live_predicts_no_positive" else "v1"
    if damage == "no_positives":
        labels.loc[in_east, "label"] = 0
    elif damage == "no_negatives":
        labels.loc[in_east, "label"] = 1
    elif damage in ("no_predicted_positives", "live_predicts_no_positive"):
        hit = (logs.region == "east") & (logs.model_version == who)
        hit &= logs.tier == "a" if tier else True
        logs.loc[hit, "score"] = logs.loc[hit, "score"] * 0.4  # all below 0.5
    elif damage == "nothing_at_all":
        labels.loc[in_east, "label"] = 0
        hit = (logs.region == "east") & (logs.model_version == "v2")
        logs.loc[hit, "score"] = logs.loc[hit, "score"] * 0.4
    return logs, labels


#: (metric, damage, what the group lacks): every conditional rate, and one that is not
CASES = [
    ("true_positive_rate", "no_positives", "no positive examples"),
    ("false_negative_rate", "no_positives", "no positive examples"),
    ("recall", "no_positives", "no positive examples"),
    ("false_positive_rate", "no_negatives", "no negative examples"),
    ("true_negative_rate", "no_negatives", "no negative examples"),
    ("precision", "no_predicted_positives", "no predicted positives"),
    ("f1", "nothing_at_all", "no positive examples and no predicted positives"),
    ("equalized_odds_difference", "no_negatives", "no negative examples"),
]

SHORT = re.compile(r"check 'parity': group (.+?) has (.+?) among its \d+ .*?so (\w+) is undefined")
UNDEFINED = re.compile(r"(\w+) is undefined for (.+?) \((.+?)\)")


def _pairs(reasons) -> set[tuple[str, str, str]]:
    return {(m[3], m[1], m[2]) for r in reasons for m in [SHORT.search(r)] if m}


def _check_pairs(message: str) -> set[tuple[str, str, str]]:
    return {(m[1], m[2], m[3]) for m in UNDEFINED.finditer(message)}


@pytest.mark.parametrize(("metric", "damage", "lacks"), CASES)
def test_a_group_lacking_what_its_rate_is_a_share_of_is_inconclusive(
    tmp_path, metric, damage, lacks
):
    done = _run(_write(tmp_path, *_damaged(damage), _policy(metric)))
    assert done.decision == "inconclusive" and done.exit_code == 4, done.reasons
    found = _pairs(done.reasons)
    assert found and all(group == "region=east" and why == lacks for _, group, why in found)
    # the oracle: the fairness check itself, on the same rows, names the same groups
    (parity,) = done.result.checks
    assert parity.status.value == "error"
    assert found == _check_pairs(parity.message)


@pytest.mark.parametrize(("metric", "damage", "lacks"), CASES[:1] + CASES[3:4] + CASES[5:6])
def test_the_intersection_lacking_it_is_named(tmp_path, metric, damage, lacks):
    policy = _policy(metric, "region, tier", "\n    intersectional: true")
    done = _run(_write(tmp_path, *_damaged(damage, tier=True), policy))
    assert done.exit_code == 4, done.reasons
    found = _pairs(done.reasons)
    assert {g for _, g, _ in found} == {"region=east & tier=a"}
    assert found == _check_pairs(done.result.checks[0].message)


def test_an_unconditional_rate_or_a_healthy_group_is_no_shortfall(tmp_path):
    done = _run(_write(tmp_path / "a", *_damaged("no_positives"), _policy("selection_rate")))
    assert not _pairs(done.reasons) and done.decision == "approve", done.reasons
    done = _run(_write(tmp_path / "b", *canary(3000), _policy("true_positive_rate")))
    assert done.decision == "approve", done.reasons


def test_a_waived_group_is_left_out_as_the_check_leaves_it_out(tmp_path):
    waiver = (
        "\nwaivers:\n  - check: parity\n    group: {region: east}\n    reason: pilot\n"
        "    approved_by: risk\n    expires: 2999-01-01"
    )
    done = _run(_write(tmp_path, *_damaged("no_positives"), _policy("recall") + waiver))
    assert not _pairs(done.reasons), done.reasons
    assert done.result.checks[0].status.value == "waived"
    assert done.decision == "approve"


PAIRED = """\
version: 1
name: paired
data: {{score: score, sensitive: [region]}}
checks:
  - id: parity
    type: fairness
    metric: {metric}
    aggregate: difference
    min_group_size: 30
    baseline: {{max_drop: 0.2, confidence: 0.9}}
"""


@pytest.mark.parametrize(
    ("metric", "damage", "lacks"),
    [
        ("true_positive_rate", "no_positives", "no positive examples"),
        ("false_positive_rate", "no_negatives", "no negative examples"),
        ("precision", "no_predicted_positives", "no predicted positives"),
        ("precision", "live_predicts_no_positive", "no predicted positives (of the live model)"),
    ],
)
def test_paired_fairness_groups_lacking_it_are_inconclusive(tmp_path, metric, damage, lacks):
    policy = PAIRED.format(metric=metric)
    done = _run(_write(tmp_path, *_damaged(damage, shadow=True), policy))
    assert done.exit_code == 4, done.reasons
    assert {(g, why) for _, g, why in _pairs(done.reasons)} == {("region=east", lacks)}
    (parity,) = done.result.checks
    assert parity.status.value == "error"  # the check on the same rows: undefined there
    assert "region=east" in parity.message


def test_the_review_case_through_the_cli_and_check_unchanged(tmp_path):
    """Review 12b #5: region b's labels all 0 -> analyze exit 4 naming the group; `check` on
    the candidate's joined rows is still a blocking error (exit 1)."""
    logs, labels = _damaged("no_positives")
    paths = _write(tmp_path, logs, labels, _policy("true_positive_rate"))
    run = analyze(paths)
    assert run.code == 4, run.stdout + run.stderr
    assert "check 'parity': group region=east has no positive examples" in run.stdout
    joined = logs[logs.model_version == "v2"].merge(labels, on="request_id")
    joined.to_csv(tmp_path / "joined.csv", index=False)
    run = run_cli(
        "check", "--policy", paths["policy"], "--data", tmp_path / "joined.csv",
        "--label", "label", "--resamples", "100",
    )  # fmt: skip
    assert run.code == 1, run.stdout + run.stderr
    assert "true_positive_rate is undefined for region=east (no positive examples)" in run.stdout
