"""promote's baseline rule is keyed on the policy *asking* for a comparison (review12d #1):
a comparison made (by a check, a fairness group or an importance feature), one skipped under
`when_missing: skip`, or a trusted policy's `baseline:` / importance baseline conditions."""

from __future__ import annotations

from gate.api import evaluate
from gate.commands.promote_baseline import asks, compared_with
from gate.inputs.policy_dict import load_any
from gate.results import BaselineComparison, CheckResult, Severity, Status
from tests.helpers import classification_frame


def _result(**fields) -> CheckResult:
    base = {"id": "c", "type": "performance", "status": Status.PASS, "severity": Severity.BLOCK}
    return CheckResult(**{**base, "message": "roc_auc 0.8: >= min 0.6", **fields})


def test_a_comparison_made_or_skipped_is_one_the_policy_asked_for():
    assert not asks([_result()], None)
    made = BaselineComparison(value=0.8, delta=0.0, drop=0.0, relative_drop=0.0)
    assert asks([_result(baseline=made)], None)
    assert asks([_result(type="fairness", groups=({"group": {}, "baseline": [{"v": 1}]},))], None)
    assert asks(
        [_result(type="importance", features=({"name": "x", "baseline": {"importance": 0.1}},))],
        None,
    )
    for skipped in ("no baseline given", "no baseline model given"):  # performance, importance
        message = f"roc_auc 0.8: baseline comparison skipped: {skipped} (when_missing: skip)"
        assert asks([_result(status=Status.SKIPPED, message=message)], None)
    mixed = "roc_auc 0.8: >= min 0.6; baseline comparison skipped: no baseline given (...)"
    assert asks([_result(message=mixed)], None)  # a bound passed, the comparison skipped


def test_a_trusted_policy_says_so_by_its_checks():
    def policy(check: dict):
        return load_any({"version": 1, "data": {"label": "y"}, "checks": [check]})

    auc = {"id": "c", "type": "performance", "metric": "roc_auc", "min": 0.6}
    assert not asks([_result()], policy(auc))
    assert asks([_result()], policy({**auc, "baseline": {"max_drop": 0.01}}))


def test_what_was_compared_is_named():
    assert "data.baseline_score: bscore" in compared_with({"binding": {"baseline_score": "bscore"}})
    assert "skipped" in compared_with({"binding": {}})
    local = {"baseline_model": {"path": "v5local", "registry": None}}
    assert "v5local, not a registry version" in compared_with(local)
    registry = {"registry": {"uri": "models:/credit@champion", "version": "5"}}
    assert compared_with({"baseline_model": registry}) == "models:/credit@champion, version 5"


def test_a_genuine_skipped_report_asks_for_a_baseline():
    policy = {
        "version": 1,
        "data": {"label": "y", "score": "s"},
        "checks": [
            {"id": "auc", "type": "performance", "metric": "roc_auc", "min": 0.5,
             "baseline": {"max_drop": 0.01, "when_missing": "skip"}},
        ],
    }  # fmt: skip
    frame = classification_frame(300)
    frame["s"] = frame["x1"].rank(pct=True)
    ev = evaluate(policy, frame)
    assert ev.checks[0].status is Status.PASS and ev.checks[0].baseline is None
    assert asks(ev.checks, None)
