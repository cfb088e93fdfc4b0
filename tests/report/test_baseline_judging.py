"""Re-judging baseline comparisons from report.json alone (third review of issue 12, findings
11, 16, 17): every comparison states the rule it was judged by, a status better than its
numbers give is refused (per group for fairness), a trusted policy's rule judges fairness
reports too, and genuine reports of near-equal models are never refused for rounding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gate.api import evaluate
from gate.checks.conditions import compare_baseline
from gate.errors import InputError
from gate.policy.loader import load_policy
from gate.report.baseline_judging import follows
from gate.report.from_json import load_report
from gate.report.json_report import rounded
from gate.results import BaselineComparison
from tests.helpers import write_policy

FAIRNESS = """
version: 1
data: {label: y, prediction: pred, baseline_prediction: bpred, sensitive: [g]}
checks:
  - id: recall-kept
    type: fairness
    metric: true_positive_rate
    aggregate: difference
    max: 1.0
    baseline: {max_drop: 0.02, confidence: 0.95}
"""
PERFORMANCE = """
version: 1
data: {label: y, score: score, baseline_score: base}
checks:
  - id: auc-vs-base
    type: performance
    metric: roc_auc
    baseline: {max_drop: 0.08, confidence: 0.95}
"""


def _fairness_data(lose_group_c: bool) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 600
    g = rng.choice(["a", "b", "c"], n, p=[0.45, 0.45, 0.10])
    y = rng.integers(0, 2, n)
    base = (1.5 * y + rng.standard_normal(n) > 0.75).astype(int)
    cand = base.copy()
    if lose_group_c:
        cand[(g == "c") & (y == 1)] = 0
    return pd.DataFrame({"y": y, "g": g, "pred": cand, "bpred": base})


def _report(tmp: Path, policy: str, data: pd.DataFrame) -> tuple[Path, Path]:
    path = write_policy(tmp / "policy.yaml", policy)
    evaluate(path, data, resamples=200).write(tmp / "out", [])
    return path, tmp / "out" / "report.json"


def _forge(report: Path, into: Path, groups_too: bool = False) -> Path:
    """Only the verdict words changed to an approval; every number as the gate wrote it."""
    doc = json.loads(report.read_text())
    for check in doc["checks"]:
        check["status"] = "pass"
        for group in check.get("groups", ()) if groups_too else ():
            for entry in group.get("baseline", ()):
                entry["status"] = "pass"
    doc.update(decision="approve", exit_code=0)
    doc["summary"] = dict.fromkeys(doc["summary"], 0) | {"pass": len(doc["checks"])}
    into.write_text(json.dumps(doc))
    return into


def test_a_fairness_report_whose_groups_failed_is_not_an_approval(tmp_path: Path):
    _, report = _report(tmp_path, FAIRNESS, _fairness_data(lose_group_c=True))
    entries = json.loads(report.read_text())["checks"][0]["groups"]
    stated = {e["group"]["g"]: e["baseline"][0] for e in entries}
    assert stated["c"]["max_drop"] == 0.02 and stated["c"]["confidence"] == 0.95
    assert stated["c"]["status"] == "fail"
    load_report(report)  # genuine: accepted
    for groups_too, why in ((False, "gives fail"), (True, "g=c")):
        forged = _forge(report, tmp_path / f"forged{groups_too}.json", groups_too)
        with pytest.raises(InputError, match=why):
            load_report(forged)


def test_a_performance_baseline_report_states_its_rule_and_is_rejudged(tmp_path: Path):
    rng = np.random.default_rng(7)
    n = 400
    y = rng.integers(0, 2, n)
    z = rng.standard_normal(n)
    data = pd.DataFrame(
        {"y": y, "base": 1.2 * y + z, "score": 1.2 * y + z + 0.9 * rng.standard_normal(n)}
    )
    _, report = _report(tmp_path, PERFORMANCE, data)
    check = json.loads(report.read_text())["checks"][0]
    assert check["baseline"]["max_drop"] == 0.08 and check["status"] != "pass"
    with pytest.raises(InputError, match=r"max_drop 0\.08"):
        load_report(_forge(report, tmp_path / "forged.json"))


def test_a_trusted_policy_accepts_genuine_fairness_baseline_reports(tmp_path: Path):
    """--policy pins the checks; a fairness comparison is per group, not check-level."""
    policy, report = _report(tmp_path, FAIRNESS, _fairness_data(lose_group_c=False))
    trusted = load_policy(policy)
    assert load_report(report, trusted).decision.verdict.value == "approve"
    (tmp_path / "f").mkdir()
    failed = _report(tmp_path / "f", FAIRNESS, _fairness_data(lose_group_c=True))[1]
    with pytest.raises(InputError, match="g=c"):
        load_report(_forge(failed, tmp_path / "f.json", groups_too=True), trusted)


@pytest.mark.parametrize("seed", range(5))
def test_rounding_to_12_digits_never_makes_a_genuine_comparison_inconsistent(seed: int):
    """report.json keeps 12 significant digits: near-equal models (relative drops down to
    1e-12) must still read back as consistent, in either direction of better."""
    rng = np.random.default_rng(seed)
    base = 10 ** rng.uniform(-14, 1, 20_000)  # an MSE of 1e-13 as well as an AUC
    value = base * (1 + rng.choice([-1, 1], base.size) * 10 ** rng.uniform(-12, -1, base.size))
    for v, b, better in zip(value, base, rng.integers(0, 2, base.size).astype(bool), strict=True):
        cmp = compare_baseline(float(v), float(b), better)
        back = BaselineComparison(**rounded(cmp.as_dict()))
        assert follows(rounded(float(v)), back, better), (v, b)


def test_a_changed_number_is_still_caught():
    cmp = compare_baseline(0.80, 0.82, True)
    forged = BaselineComparison(cmp.value, cmp.delta, cmp.drop - 1e-6, cmp.relative_drop)
    assert not follows(0.80, forged, True)


def test_a_forged_equality_of_tiny_numbers_is_caught():
    """The tolerance is relative at every magnitude: an MSE of 9e-13 against 1e-13 stated as
    'the same' (delta 0) does not follow."""
    forged = BaselineComparison(1e-13, 0.0, 0.0, 0.0)
    assert not follows(9e-13, forged, False)
    genuine = compare_baseline(9e-13, 1e-13, False)
    assert follows(9e-13, BaselineComparison(**rounded(genuine.as_dict())), False)


def _mixed(p_claim: float | None = None, **entry: object) -> tuple[BaselineComparison, float]:
    """A two-sample comparison that passes on its own numbers (auc 0.90 vs live 0.89, drop
    interval within max_drop), with the mix test of a region column the canary was routed
    by (east 60 % of the candidate's rows, 20 % of the live model's); and its value."""
    from gate.engine.two_sample import MIX_ALPHA, mix_difference

    cand = np.array(["east"] * 600 + ["west"] * 400)
    live = np.array(["east"] * 400 + ["west"] * 1600)
    p, shares = mix_difference(cand, live)
    mix = {
        "column": "region",
        "p": p if p_claim is None else p_claim,
        "alpha": MIX_ALPHA,
        "shares": {v: [a, b] for v, (a, b) in shares.items()},
        "rows": [1000, 2000],
        "held_back": True,
    } | entry
    cmp = compare_baseline(0.90, 0.89, True)
    stated = BaselineComparison(
        cmp.value, cmp.delta, cmp.drop, cmp.relative_drop, 0.95, (-0.03, 0.01), None,
        {"max_drop": 0.02}, True, (mix,),
    )  # fmt: skip
    return stated, 0.90


def _verdict(stated: BaselineComparison, value: float):
    from gate.policy.model import BaselineRule
    from gate.report.baseline_judging import mix_verdict

    return mix_verdict(value, stated, BaselineRule(max_drop=0.02, confidence=0.95), True)


def test_a_mix_difference_caps_a_two_sample_comparison_at_inconclusive():
    """Review12e #7: the mix test that made a comparison inconclusive is in report.json's
    baseline.mix, and the re-judge derives the cap again: flipping the status to pass, or
    the entry's held_back / p, is refused."""
    from gate.results import Status

    stated, value = _mixed()
    assert _verdict(stated, value) == (Status.INCONCLUSIVE, [])
    cap, problems = _verdict(*_mixed(held_back=False, material=False))
    assert cap is Status.INCONCLUSIVE and "changes the verdict: held back" in problems[0]
    cap, problems = _verdict(*_mixed(p_claim=0.5, held_back=False))
    assert cap is Status.INCONCLUSIVE and "its shares and rows give" in problems[0]
    cap, problems = _verdict(*_mixed(rows="x"))
    assert cap is Status.INCONCLUSIVE and "no shares and rows" in problems[0]


def test_an_immaterial_mix_difference_is_accepted_only_when_its_reweighting_agrees():
    """Review12e #8: a difference whose re-weighted baseline gives the same verdict does not
    hold it back; one whose re-weighted baseline changes it does, whatever `material` says."""
    from gate.results import Status

    same = _mixed(material=False, reweighted_baseline=0.891, held_back=False)
    assert _verdict(*same) == (None, [])
    other = _mixed(material=False, reweighted_baseline=0.93, held_back=False)
    cap, problems = _verdict(*other)
    assert cap is Status.INCONCLUSIVE and problems
    roundtrip = BaselineComparison.from_dict(same[0].as_dict())
    assert roundtrip.mix == same[0].mix and roundtrip.as_dict()["mix"][0]["column"] == "region"


def test_too_few_rows_of_a_class_cap_a_two_sample_comparison():
    """Review12e #7: the "fewer than 20 labelled rows of a class" downgrade is re-derived
    from baseline.rarer_class_rows: a flip to pass is refused."""
    import dataclasses

    from gate.results import Status

    stated, value = _mixed(material=False, reweighted_baseline=0.891, held_back=False)
    few = dataclasses.replace(stated, rarer_class_rows=(13, 400))
    assert _verdict(few, value) == (Status.INCONCLUSIVE, [])
    assert BaselineComparison.from_dict(few.as_dict()).rarer_class_rows == (13, 400)
    assert _verdict(dataclasses.replace(stated, rarer_class_rows=(20, 400)), value)[0] is None
