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


def test_a_blocking_result_among_passes_blocks_and_warnings_alone_do_not():
    passes = [result("pass", id=f"p{i}") for i in range(3)]
    assert decide([*passes, result("inconclusive", id="x")], (), TODAY).verdict is Verdict.BLOCK
    assert decide([*passes, result("warn", "warn", id="w")], (), TODAY).verdict is Verdict.APPROVE
    assert decide(passes, (), TODAY, fail_on_warn=True).verdict is Verdict.APPROVE
    assert decide([], (), TODAY).verdict is Verdict.APPROVE


@pytest.mark.parametrize("status", ["fail", "warn", "inconclusive", "error"])
def test_every_unmet_status_can_be_waived_and_is_reported_in_full(status: str):
    severity = "warn" if status == "warn" else "block"
    decision = decide([result(status, severity)], (waiver(expires=TODAY),), TODAY)
    (r,) = decision.results
    assert r.status is Status.WAIVED
    assert r.waiver == {
        "reason": "reason",
        "approved_by": "committee",
        "expires": "2026-11-23",
        "state": "active",
        "location": "p.yaml:9:3",
    }
    assert decision.verdict is Verdict.APPROVE


def test_the_first_active_waiver_applies_and_an_expired_one_beside_it_is_silent():
    old = waiver(expires=TODAY - dt.timedelta(days=3))
    new = Waiver("c", "second", "board", TODAY + dt.timedelta(days=30), Location("q.yaml", 2, 1))
    decision = decide([result("fail")], (old, new), TODAY)
    (r,) = decision.results
    assert r.status is Status.WAIVED and r.waiver["reason"] == "second"
    assert decision.notes == ()


def test_an_expired_waiver_is_described_as_expired_and_named_in_a_note():
    expired = waiver(expires=TODAY - dt.timedelta(days=1))
    decision = decide([result("error")], (expired,), TODAY)
    (r,) = decision.results
    assert r.status is Status.ERROR
    assert r.waiver["state"] == "expired" and r.waiver["expires"] == "2026-11-22"
    assert decision.notes == (
        "waiver for 'c' expired on 2026-11-22 (p.yaml:9:3); it no longer applies",
    )


def test_a_waiver_for_a_passing_check_changes_nothing_and_an_expired_one_is_not_noted():
    expired = waiver(expires=TODAY - dt.timedelta(days=40))
    decision = decide([result("pass")], (expired,), TODAY)
    assert decision.results[0].status is Status.PASS
    assert decision.results[0].waiver is None
    assert decision.notes == ()


@pytest.mark.parametrize(("days", "noted"), [(0, True), (14, True), (15, False), (-1, False)])
def test_a_waiver_expiring_within_14_days_is_noted(days: int, noted: bool):
    soon = waiver(expires=TODAY + dt.timedelta(days=days))
    decision = decide([result("pass")], (soon,), TODAY)
    expected = (
        f"waiver for 'c' expires on {(TODAY + dt.timedelta(days=days)).isoformat()}, "
        f"in {days} day(s) (p.yaml:9:3)"
    )
    assert (expected in decision.notes) is noted


def test_a_group_waiver_is_not_applied_to_the_whole_check_but_is_dated():
    group = Waiver(
        "c", "r", "x", TODAY + dt.timedelta(days=2), Location("p.yaml", 4), (("g", "C"),)
    )
    decision = decide([result("fail")], (group,), TODAY)
    assert decision.results[0].status is Status.FAIL
    assert decision.verdict is Verdict.BLOCK
    assert decision.notes == (
        "waiver for 'c' (group g=C) expires on 2026-11-25, in 2 day(s) (p.yaml:4)",
    )


def test_group_waivers_are_described_with_their_group():
    from gate.decision import describe, group_text

    two = Waiver("c", "r", "x", TODAY, Location("p.yaml"), (("g", "C"), ("s", "f")))
    assert group_text(two) == " (group g=C & s=f)"
    assert group_text(waiver()) == ""
    assert describe(two, TODAY)["group"] == "g=C & s=f"
    assert describe(two, TODAY + dt.timedelta(days=1))["state"] == "expired"
    assert "group" not in describe(waiver(), TODAY)


def test_fail_on_warn_is_recorded_on_the_decision():
    assert decide([result("pass")], (), TODAY, fail_on_warn=True).fail_on_warn is True
    assert decide([result("pass")], (), TODAY).fail_on_warn is False
