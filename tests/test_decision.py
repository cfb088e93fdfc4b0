"""Severities, fail-closed errors, waivers and --fail-on-warn -> approve / block."""

from __future__ import annotations

import datetime as dt

import pytest

from gate.decision import decide
from gate.errors import Location
from gate.policy.model import Waiver
from gate.results import CheckResult, Severity, Status, Verdict

TODAY = dt.date(2026, 11, 23)


def result(status: str, severity: str = "block", id: str = "c") -> CheckResult:
    return CheckResult(
        id=id, type="performance", status=Status(status), severity=Severity(severity), message="m"
    )


def waiver(check: str = "c", expires: dt.date = TODAY) -> Waiver:
    return Waiver(check, "reason", "committee", expires, Location("p.yaml", 9, 3))


@pytest.mark.parametrize(
    ("status", "severity", "verdict"),
    [
        ("pass", "block", "approve"),
        ("fail", "block", "block"),
        ("error", "block", "block"),
        ("inconclusive", "block", "block"),
        ("warn", "warn", "approve"),
        ("error", "warn", "approve"),
        ("fail", "info", "approve"),
        ("error", "info", "approve"),
    ],
)
def test_one_result(status: str, severity: str, verdict: str):
    decision = decide([result(status, severity)], (), TODAY)
    assert decision.verdict is Verdict(verdict)
    assert decision.exit_code == (0 if verdict == "approve" else 1)


def test_fail_on_warn_blocks_on_warnings_only():
    assert decide([result("warn", "warn")], (), TODAY, fail_on_warn=True).exit_code == 1
    assert decide([result("fail", "info")], (), TODAY, fail_on_warn=True).exit_code == 0


def test_active_waiver_waives_through_its_expiry_day():
    decision = decide([result("fail")], (waiver(expires=TODAY),), TODAY)
    assert decision.verdict is Verdict.APPROVE
    (r,) = decision.results
    assert r.status is Status.WAIVED and r.waiver["state"] == "active"


def test_expired_waiver_no_longer_applies_and_is_reported():
    decision = decide([result("fail")], (waiver(expires=TODAY - dt.timedelta(days=1)),), TODAY)
    assert decision.verdict is Verdict.BLOCK
    assert decision.results[0].waiver["state"] == "expired"
    assert "expired on 2026-11-22" in decision.notes[0]


def test_waiver_only_touches_its_own_check_and_passing_checks_stay_pass():
    decision = decide([result("fail", id="a"), result("pass", id="b")], (waiver("b"),), TODAY)
    assert [r.status for r in decision.results] == [Status.FAIL, Status.PASS]
    assert decision.verdict is Verdict.BLOCK
