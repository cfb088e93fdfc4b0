"""A fairness check's `baseline:`: every group's metric against the baseline model's on the
same rows and resamples ("no group may lose more than 2 points of recall")."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_performance_paired import ctx_of, spec_of

from gate.checks import REGISTRY
from gate.engine import paired
from gate.report.json_report import check_dict
from gate.results import Status, fmt

RECALL = {"metric": "true_positive_rate", "aggregate": "difference"}


def groups(n_per: int = 600, seed: int = 0, lose: dict[str, float] | None = None):
    """Three groups; the candidate equals the baseline except that, in the groups of `lose`,
    it misses that share of the positives the baseline finds."""
    rng = np.random.default_rng(seed)
    sex = np.repeat(["a", "b", "c"], n_per)
    y = rng.integers(0, 2, len(sex))
    base = np.where(rng.uniform(size=len(sex)) < 0.85, y, 1 - y)
    cand = base.copy()
    for group, share in (lose or {}).items():
        found = np.flatnonzero((sex == group) & (y == 1) & (base == 1))
        cand[found[: int(share * len(found))]] = 0
    return y, cand, base, sex


def by_group(result) -> dict[str, dict]:
    return {g["group"]["sex"]: g["baseline"][0] for g in result.groups}


def test_a_planted_recall_loss_fails_only_its_group(tmp_path):
    y, cand, base, sex = groups(lose={"b": 0.12})
    rule = {"max_drop": 0.02, "confidence": 0.95}
    spec = spec_of({**RECALL, "baseline": rule}, tmp_path, "fairness")
    result = REGISTRY["fairness"](spec, ctx_of(y, cand, base, sex=sex))
    assert result.status is Status.FAIL, result.message
    entries = by_group(result)
    assert entries["b"]["status"] == "fail" and entries["b"]["ci"][0] > 0.02
    for unchanged in ("a", "c"):
        assert entries[unchanged]["status"] == "pass"
        assert (entries[unchanged]["drop"], entries[unchanged]["ci"]) == (0.0, [0.0, 0.0])
    assert "sex=b: true_positive_rate" in result.message
    assert "sex=a:" not in result.message and "sex=c:" not in result.message


def test_an_unchanged_candidate_passes_max_drop_zero_in_every_group(tmp_path):
    y, _, base, sex = groups(seed=1)
    rule = {"max_drop": 0, "max_relative_drop": 0, "confidence": 0.95}
    check = {"metric": "equalized_odds_difference", "max": 1.0, "baseline": rule}
    result = REGISTRY["fairness"](
        spec_of(check, tmp_path, "fairness"), ctx_of(y, base, base, sex=sex)
    )
    assert result.status is Status.PASS, result.message
    for g in result.groups:
        assert [e["metric"] for e in g["baseline"]] == ["true_positive_rate", "false_positive_rate"]
        assert all(e["ci"] == [0.0, 0.0] and e["drop"] == 0.0 for e in g["baseline"])


def test_a_straddling_group_is_inconclusive_unless_another_fails(tmp_path):
    y, cand, base, sex = groups(n_per=200, seed=2, lose={"a": 0.03})
    rule = {"max_drop": 0.02, "confidence": 0.95}
    spec = spec_of({**RECALL, "baseline": rule}, tmp_path, "fairness")
    result = REGISTRY["fairness"](spec, ctx_of(y, cand, base, sex=sex))
    entries = by_group(result)
    lo, hi = entries["a"]["ci"]
    assert lo <= 0.02 < hi and entries["a"]["status"] == "inconclusive"
    assert result.status is Status.INCONCLUSIVE, result.message
    y, cand, base, sex = groups(n_per=200, seed=2, lose={"a": 0.03, "c": 0.3})
    result = REGISTRY["fairness"](spec, ctx_of(y, cand, base, sex=sex))
    assert by_group(result)["a"]["status"] == "inconclusive"
    assert result.status is Status.FAIL, result.message


def test_a_waived_group_is_listed_but_not_judged(tmp_path):
    y, cand, base, sex = groups(lose={"b": 0.3})
    spec = spec_of({**RECALL, "baseline": {"max_drop": 0.02}}, tmp_path, "fairness")
    spec = spec.__class__(
        **{
            **spec.__dict__,
            "fairness": spec.fairness.__class__(
                **{**spec.fairness.__dict__, "exclude": ((("sex", "b"),),)}
            ),
        }
    )
    result = REGISTRY["fairness"](spec, ctx_of(y, cand, base, sex=sex))
    assert result.status is Status.PASS, result.message
    assert by_group(result)["b"]["status"] == "fail"  # shown, not counted


@pytest.mark.parametrize(
    ("when", "status"), [({}, Status.ERROR), ({"when_missing": "skip"}, Status.SKIPPED)]
)
def test_when_missing(tmp_path, when, status):
    y, cand, _, sex = groups(n_per=50)
    spec = spec_of({**RECALL, "baseline": {"max_drop": 0.02, **when}}, tmp_path, "fairness")
    result = REGISTRY["fairness"](spec, ctx_of(y, cand, None, sex=sex))
    assert result.status is status, result.message
    assert ("skipped" if when else "--baseline-model") in result.message


NUMBER = r"[-+]?\d+(?:\.\d+)?"
SAID = re.compile(
    rf"(?P<metric>\w+) (?P<value>{NUMBER})(?: \[{NUMBER}, {NUMBER}\])?[:,] "
    rf"\+?(?P<change>{NUMBER}) (?P<way>worse|better) than baseline (?P<base>{NUMBER})"
    rf"(?: \(drop \d+% interval \[(?P<lo>{NUMBER}), (?P<hi>{NUMBER})\]\))?"
)


def said(message: str, metric: str, prefix: str = "") -> dict[str, str]:
    """The numbers a message gives for `metric` against the baseline (after `prefix`)."""
    found = [m for m in SAID.finditer(message) if m.group("metric") == metric]
    found = [m for m in found if message[: m.start()].endswith(prefix)]
    assert len(found) == 1, message
    return found[0].groupdict()


@pytest.mark.parametrize(
    ("kind", "metric"),
    [
        ("performance", "accuracy"),
        ("performance", "false_positive_rate"),
        ("fairness", "true_positive_rate"),
        ("fairness", "false_positive_rate"),
    ],
)
@pytest.mark.parametrize("confidence", [None, 0.95])
def test_a_baseline_message_gives_the_value_the_baseline_value_and_the_drop(
    tmp_path, kind, metric, confidence
):
    """value, then how much worse than the baseline's value, then the drop's interval: the
    numbers report.json has, whatever the metric's direction and the check's type."""
    y, _, base, sex = groups(seed=4)
    cand = base.copy()
    hurt = np.flatnonzero((sex == "b") & (base == y))
    cand[hurt[:60]] = 1 - y[hurt[:60]]  # wrong on positives and negatives: worse either way
    rule = {"max_drop": 0} | ({"confidence": confidence} if confidence else {})
    check = {"metric": metric, "baseline": rule}
    check |= {"aggregate": "difference"} if kind == "fairness" else {}
    result = REGISTRY[kind](spec_of(check, tmp_path, kind), ctx_of(y, cand, base, sex=sex))
    assert result.status is Status.FAIL, result.message
    report = check_dict(result)
    if kind == "performance":
        value, cmp = report["value"], report["baseline"]
        numbers = said(report["message"], metric)
    else:
        group = next(g for g in report["groups"] if g["group"] == {"sex": "b"})
        value, cmp = group["value"], group["baseline"][0]
        numbers = said(report["message"], metric, prefix="sex=b: ")
    assert cmp["drop"] > 0 and numbers["way"] == "worse"
    assert paired.greater_is_better(metric) is (value < cmp["value"])
    assert numbers["value"] == fmt(value), report["message"]
    assert numbers["base"] == fmt(cmp["value"]), report["message"]
    assert numbers["change"] == fmt(cmp["drop"]), report["message"]
    if confidence:
        assert [numbers["lo"], numbers["hi"]] == [fmt(v) for v in cmp["ci"]], report["message"]
    else:
        assert numbers["lo"] is None and "ci" not in cmp


def test_a_group_left_out_for_its_size_is_judged_when_its_paired_drop_is_conclusive(tmp_path):
    """Third review of issue 12, finding 4: min_group_size guards a disparity against noise; a
    small group's paired drop has its own interval, and one wholly beyond max_drop fails."""
    rng = np.random.default_rng(4)
    sex = np.repeat(["a", "b", "c"], [600, 600, 80])
    y = rng.integers(0, 2, len(sex))
    base = np.where(rng.uniform(size=len(sex)) < 0.9, y, 1 - y)
    cand = base.copy()
    cand[(sex == "c") & (y == 1)] = 0  # the candidate loses every positive of the small group
    check = {**RECALL, "min_group_size": 100}
    paired_rule = {"baseline": {"max_drop": 0.02, "confidence": 0.95}}
    result = REGISTRY["fairness"](
        spec_of({**check, **paired_rule}, tmp_path, "fairness"), ctx_of(y, cand, base, sex=sex)
    )
    assert result.status is Status.FAIL and "sex=c" in result.message, result.message
    point = REGISTRY["fairness"](
        spec_of({**check, "baseline": {"max_drop": 0.02}}, tmp_path, "fairness"),
        ctx_of(y, cand, base, sex=sex),
    )
    assert point.status is Status.PASS  # no interval: a small group stays left out
    waived = spec_of({**check, **paired_rule}, tmp_path, "fairness")
    fair = waived.fairness.__class__(**{**waived.fairness.__dict__, "exclude": ((("sex", "c"),),)})
    waived = waived.__class__(**{**waived.__dict__, "fairness": fair})
    assert REGISTRY["fairness"](waived, ctx_of(y, cand, base, sex=sex)).status is Status.PASS
