"""Canary logs with a `baseline:` fairness check: each group's metric on the candidate's rows
against the live model's rows of that group, an unpaired difference (each sample bootstrapped
on its own). A regression planted in one group fails naming that group, a healthy canary
passes, a drop whose interval straddles max_drop is inconclusive, and the interval of a
group's drop covers the true drop at its nominal rate."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from canary_data import analyze, write_canary
from helpers import ROOT
from test_analyze import result_of

from gate.checks.fairness_baseline import judged
from gate.engine.confusion import ConfusionCells
from gate.engine.groups import Grouping
from gate.engine.two_sample import two_sample_group_drop
from gate.policy.model import BaselineRule
from gate.results import Status

POLICY = """\
version: 1
name: canary-groups
data: {score: score, sensitive: [region]}
checks:
  - id: recall-vs-live
    type: fairness
    metric: true_positive_rate
    aggregate: difference
    max: 0.9
    baseline: {max_drop: 0.1, confidence: 0.95}
"""
REPORT_SCHEMA = json.loads((ROOT / "gate/schemas/report.schema.json").read_text())


def _run(tmp_path, **kwargs):
    paths = write_canary(tmp_path, **kwargs)
    paths["policy"].write_text(POLICY)
    run = analyze(paths, "--output-dir", tmp_path / "out", "--resamples", "400")
    report = json.loads((tmp_path / "out/report.json").read_text())
    jsonschema.validate(report, REPORT_SCHEMA)
    [check] = report["checks"]
    per_group = {g["group"]["region"]: g["baseline"] for g in check["groups"]}
    return run, check, per_group


def test_a_regression_planted_in_one_group_fails_naming_it(tmp_path):
    run, check, per_group = _run(tmp_path, regressed="east")
    assert run.code == 1, run.stdout + run.stderr
    assert check["status"] == "fail"
    assert "region=east: true_positive_rate" in check["message"]
    assert "north" not in check["message"].split("two-sample")[0]
    [east] = per_group["east"]
    assert east["status"] == "fail" and east["two_sample"] is True and east["ci"][0] > 0.1
    assert {b[0]["status"] for r, b in per_group.items() if r != "east"} == {"pass"}
    assert result_of(tmp_path / "out")["decision"] == "block"


def test_a_healthy_canary_passes_every_group(tmp_path):
    run, check, per_group = _run(tmp_path)
    assert run.code == 0, run.stdout + run.stderr
    assert check["status"] == "pass"
    assert "two-sample: each group's live rows against its candidate rows" in check["message"]
    for [entry] in per_group.values():
        assert entry["status"] == "pass" and entry["ci"][0] < 0 < entry["ci"][1]


def _cells(rng, recalls, n) -> ConfusionCells:
    """Two groups of n rows each, 40 % positives; group g's recall is recalls[g]."""
    group = np.repeat([0, 1], n)
    y = (rng.uniform(size=2 * n) < 0.4).astype(np.int64)
    hit = rng.uniform(size=2 * n) < np.where(y == 1, np.take(recalls, group), 0.2)
    return ConfusionCells.from_rows(group, y, hit.astype(np.int64), groups=2)


GROUPS = Grouping(("g",), (("a",), ("b",)), np.arange(2))


def test_a_drop_whose_interval_straddles_max_drop_is_inconclusive():
    rng = np.random.default_rng(5)
    drop = two_sample_group_drop(
        "true_positive_rate", _cells(rng, [0.8, 0.7], 300), _cells(rng, [0.8, 0.8], 300), 400, 1
    )
    rule = BaselineRule(max_drop=0.1, confidence=0.95)
    result = judged(rule, [(GROUPS, "true_positive_rate", drop)], set())
    statuses = {e[0]["status"] for e in result.entries.values()}
    assert result.status is Status.INCONCLUSIVE and "inconclusive" in statuses


@pytest.mark.parametrize("recalls", [([0.7, 0.8], [0.8, 0.8]), ([0.8, 0.6], [0.8, 0.75])])
def test_the_interval_of_each_groups_drop_covers_at_the_nominal_rate(recalls):
    """400 simulated canaries, 200 rows per group and model: the 95 % interval of each
    group's drop covers the true drop (live recall - candidate recall) 92-98 % of the time."""
    rng = np.random.default_rng(11)
    cand, live = recalls
    truth = np.subtract(live, cand)
    covered = np.zeros(2)
    runs = 400
    for run in range(runs):
        drop = two_sample_group_drop(
            "true_positive_rate", _cells(rng, cand, 200), _cells(rng, live, 200), 300, run
        )
        for g, (lo, hi) in enumerate(drop.interval(0.95)):
            covered[g] += lo <= truth[g] <= hi
    assert ((covered / runs >= 0.92) & (covered / runs <= 0.98)).all(), covered / runs


def test_the_point_values_are_each_samples_own_rates():
    rng = np.random.default_rng(2)
    cand, live = _cells(rng, [0.7, 0.9], 100), _cells(rng, [0.8, 0.8], 100)
    drop = two_sample_group_drop("true_positive_rate", cand, live, 0, 0)
    for cells, values in ((cand, drop.candidate), (live, drop.baseline)):
        n = cells.n  # [group, truth, prediction]
        assert np.allclose(values, n[:, 1, 1] / n[:, 1].sum(axis=1))
    with pytest.raises(KeyError):
        two_sample_group_drop("scoring_rate", cand, live, 0, 0)
