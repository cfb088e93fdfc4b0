"""Severities and waivers -> the Decision (approve / block)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gate.policy.model import Waiver
from gate.results import NOT_MET, CheckResult, Decision, Status, Verdict


def decide(
    results: list[CheckResult],
    waivers: tuple[Waiver, ...],
    today: dt.date,
    fail_on_warn: bool = False,
) -> Decision:
    """Apply waivers, then block on any unmet blocking check (or warning, with fail_on_warn)."""
    notes: list[str] = []
    applied = tuple(_apply_waiver(r, waivers, today, notes) for r in results)
    blocked = any(r.blocking for r in applied) or (fail_on_warn and any(r.warning for r in applied))
    return Decision(
        verdict=Verdict.BLOCK if blocked else Verdict.APPROVE,
        results=applied,
        fail_on_warn=fail_on_warn,
        notes=tuple(notes),
    )


def _apply_waiver(
    result: CheckResult, waivers: tuple[Waiver, ...], today: dt.date, notes: list[str]
) -> CheckResult:
    """An unmet check with an active waiver becomes `waived`; expired waivers are reported."""
    if result.status not in NOT_MET:
        return result
    mine = [w for w in waivers if w.check == result.id]
    active = [w for w in mine if w.active_on(today)]
    if active:
        w = active[0]
        return dataclasses.replace(result, status=Status.WAIVED, waiver=_describe(w, today))
    for w in mine:
        notes.append(
            f"waiver for '{result.id}' expired on {w.expires.isoformat()} "
            f"({w.location}); it no longer applies"
        )
    if mine:
        return dataclasses.replace(result, waiver=_describe(mine[0], today))
    return result


def _describe(waiver: Waiver, today: dt.date) -> dict[str, str]:
    return {
        "reason": waiver.reason,
        "approved_by": waiver.approved_by,
        "expires": waiver.expires.isoformat(),
        "state": "active" if waiver.active_on(today) else "expired",
        "location": str(waiver.location),
    }
