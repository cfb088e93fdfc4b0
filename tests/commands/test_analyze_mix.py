"""A two-sample comparison (canary logs) rests on random routing (review12d #6): when the
candidate's and the live model's rows differ in a sensitive column's mix or the label's base
rate, a comparison that passed is inconclusive with the reason, never an approval — unless
the live model re-weighted to the candidate's mix gives the same verdict (review12e #8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from canary_data import analyze, compared, write_canary
from test_analyze import result_of

from gate.checks.conditions import compare_baseline, judge_baseline
from gate.commands.analysis_mix import MIX_ALPHA, Mix, columns_tested, restratified
from gate.commands.analysis_mix_effect import effect
from gate.engine.metrics import METRICS
from gate.engine.two_sample import Sample, mix_difference
from gate.policy.loader import load_policy
from gate.policy.model import BaselineRule
from gate.results import Status

COMPARED = compared(0.05)


def _routed(tmp_path: Path, by_region: bool) -> dict[str, Path]:
    """Canary logs of two equally good models: routed by region (the candidate answers all of
    east, the live model the rest) or at random."""
    paths = write_canary(tmp_path, shadow=True)
    paths["policy"].write_text(COMPARED)
    logs = pd.read_parquet(paths["predictions"])
    if by_region:
        to_cand = logs.region == "east"
    else:
        rng = np.random.default_rng(1)
        picked = set(logs.request_id[rng.uniform(size=len(logs)) < 0.5])
        to_cand = logs.request_id.isin(picked)
    keep = (logs.model_version == "v2") == to_cand
    logs[keep].to_parquet(paths["predictions"], index=False)
    return paths


def test_a_canary_routed_to_one_region_is_not_compared(tmp_path):
    run = analyze(
        _routed(tmp_path, by_region=True), "--resamples", "200", "--output-dir", tmp_path / "o"
    )
    assert run.code == 4, run.stdout + run.stderr
    result = result_of(tmp_path / "o")
    assert result["mode"] == "canary" and result["checks"][0]["status"] == "inconclusive"
    message = result["checks"][0]["message"]
    assert "not comparable" in message and "region (east 100% vs 0%" in message
    assert "assumes requests routed to the models at random" in message


def test_a_randomly_routed_canary_is_compared(tmp_path):
    run = analyze(
        _routed(tmp_path, by_region=False), "--resamples", "200", "--output-dir", tmp_path / "o"
    )
    assert run.code == 0, run.stdout + run.stderr
    assert "not comparable" not in result_of(tmp_path / "o")["checks"][0]["message"]


def test_the_mix_test_finds_routing_and_not_random_splits():
    rng = np.random.default_rng(0)
    region = rng.choice(["east", "west", "north"], 4000)
    split = rng.uniform(size=4000) < 0.3
    p, shares = mix_difference(region[split], region[~split])
    assert p > MIX_ALPHA and set(shares) == {"east", "west", "north"}
    p, shares = mix_difference(region[region == "east"], region[region != "east"])
    assert p < 1e-12 and shares["east"] == (1.0, 0.0)
    # missing values are a value of their own; one value only has nothing to test
    p, shares = mix_difference(np.array(["a", None, None]), np.array(["a", "a", "a"]))
    assert "" in shares
    assert mix_difference(np.array(["a"] * 5), np.array(["a"] * 9))[0] == 1.0


@pytest.mark.parametrize(
    ("policy", "tested"),
    [
        (COMPARED, ["region", "label"]),
        (
            COMPARED.replace("data: {", "data: {task: regression, ")
            .replace("roc_auc", "mae")
            .replace(", confidence: 0.95", ""),
            ["region"],
        ),
    ],
)
def test_the_columns_tested_are_the_sensitive_ones_and_the_label(tmp_path, policy, tested):
    path = tmp_path / "p.yaml"
    path.write_text(policy)
    loaded = load_policy(str(path))
    assert columns_tested(loaded, loaded.checks[0], "label") == tested


def test_a_significant_but_immaterial_routing_imbalance_is_compared(tmp_path):
    """Review12e #8: east's requests go to the candidate 70 % of the time, the others' 40 %
    (sticky sessions, zone weights); the regions are equally hard, so the imbalance biases
    nothing. Significant (p far below MIX_ALPHA), it no longer holds the verdict back: the
    live model re-weighted to the candidate's mix gives the same verdict, and
    report.json's baseline.mix records the test and its effect (review12e #7)."""
    paths = write_canary(tmp_path, shadow=True, n=8000)
    paths["policy"].write_text(COMPARED)
    logs = pd.read_parquet(paths["predictions"])
    rng = np.random.default_rng(3)
    draw = pd.Series(rng.uniform(size=8000), index=logs.request_id.unique())
    east = logs.groupby("request_id").region.first() == "east"
    picked = set(draw.index[draw < np.where(east.reindex(draw.index), 0.7, 0.4)])
    keep = (logs.model_version == "v2") == logs.request_id.isin(picked)
    logs[keep].to_parquet(paths["predictions"], index=False)
    run = analyze(paths, "--resamples", "200", "--output-dir", tmp_path / "o")
    assert run.code == 0, run.stdout + run.stderr
    check = result_of(tmp_path / "o")["checks"][0]
    assert "re-weighted to the candidate's mix" in check["message"]
    [region] = [m for m in check["baseline"]["mix"] if m["column"] == "region"]
    assert region["p"] < MIX_ALPHA and region["material"] is False and not region["held_back"]
    assert region["shares"]["east"][0] > region["shares"]["east"][1]


def _accuracy_rows(right: dict[str, tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Labels (all 1) and predictions right on `right[region][0]` of `right[region][1]` rows."""
    y, pred = [], []
    for hits, n in right.values():
        y += [1] * n
        pred += [1] * hits + [0] * (n - hits)
    return np.array(y), np.array(pred)


def test_an_imbalance_that_changes_the_verdict_holds_it_back():
    # the candidate is 5 points worse in each region, but routed to the easy one: on the raw
    # samples it looks better (pass); re-weighted to its mix the live model is better by more
    # than max_drop: the difference is material
    cand_regions = {"easy": (810, 900), "hard": (55, 100)}
    live_regions = {"easy": (95, 100), "hard": (540, 900)}
    cand = Sample(*_accuracy_rows(cand_regions))
    live = Sample(*_accuracy_rows(live_regions))
    frames = (
        pd.DataFrame({"region": ["easy"] * 900 + ["hard"] * 100}),
        pd.DataFrame({"region": ["easy"] * 100 + ["hard"] * 900}),
    )
    metric, rule = METRICS["accuracy"], BaselineRule(max_drop=0.02)
    cmp = compare_baseline(metric(cand.y, cand.pred, None), metric(live.y, live.pred, None), True)
    status, _ = judge_baseline(rule, cmp)
    assert status is Status.PASS
    p, shares = mix_difference(frames[0].region.to_numpy(), frames[1].region.to_numpy())
    judged = effect(
        Mix("region", "region", p, shares), metric, rule, cmp, (cand, live), frames, status
    )
    assert judged.material and judged.held_back
    assert judged.shifted == pytest.approx(0.9 * 0.95 + 0.1 * 0.6)
    # a value the live model never saw cannot be re-weighted to: material
    assert restratified(frames[0].region, pd.Series(["hard"] * 900), None) is None


def test_a_comparison_held_back_by_the_mix_cannot_be_flipped_to_pass(tmp_path):
    """Review12e #7: the region-routed canary's report.json records the mix test in the
    comparison's baseline.mix; `comment` re-judges it, so a status flipped to pass (with the
    reason cut from the message, the decision approved) is refused, the genuine one posted."""
    import json

    from fakes import post_comment as post

    run = analyze(
        _routed(tmp_path, by_region=True), "--resamples", "200", "--output-dir", tmp_path / "o"
    )
    assert run.code == 4, run.stdout + run.stderr
    genuine = json.loads((tmp_path / "o" / "report.json").read_text())
    [mix] = [m for m in genuine["checks"][0]["baseline"]["mix"] if m["column"] == "region"]
    assert mix["held_back"] and mix["material"] and mix["rows"][0] > 0
    (tmp_path / "genuine").mkdir()
    code, stderr, _ = post(tmp_path / "genuine", json.loads(json.dumps(genuine)))
    assert code == 0, stderr
    forged = json.loads(json.dumps(genuine))
    check = forged["checks"][0]
    check["status"], check["message"] = "pass", check["message"].split("; not comparable")[0]
    forged |= {"decision": "approve", "exit_code": 0}
    forged.pop("checks_decision", None)
    forged.pop("notes", None)
    for edit in ({}, {"held_back": False, "material": False}):
        check["baseline"]["mix"] = [m | edit for m in check["baseline"]["mix"]]
        (tmp_path / f"forged{len(edit)}").mkdir()
        code, stderr, _ = post(tmp_path / f"forged{len(edit)}", json.loads(json.dumps(forged)))
        assert code == 2 and "baseline.mix" in stderr, stderr
