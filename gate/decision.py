"""Severities and waivers -> the Decision (approve / block)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gate.policy.model import Waiver
from gate.results import NOT_MET, CheckResult, Decision, Status, Verdict
from gate.wording import group_name

EXPIRY_WARNING_DAYS = 14


def decide(
    results: list[CheckResult],
    waivers: tuple[Waiver, ...],
    today: dt.date,
    fail_on_warn: bool = False,
    report_only: bool = False,
) -> Decision:
    """Apply check-level waivers, then block on any unmet blocking check (or warning, with
    fail_on_warn). Group waivers were applied by their check; here they are only dated.

    `report_only` (a policy with `mode: report`) gives the verdict REPORT instead, unless a
    check of type `policy` (the approval gate on policy changes) blocks: that still blocks."""
    notes = [
        _expiring(w, today)
        for w in waivers
        if w.active_on(today) and (w.expires - today).days <= EXPIRY_WARNING_DAYS
    ]
    whole = tuple(w for w in waivers if w.group is None)
    applied = tuple(_apply_waiver(r, whole, today, notes) for r in results)
    blocked = any(r.blocking for r in applied) or (fail_on_warn and any(r.warning for r in applied))
    if report_only:
        blocked = any(r.blocking for r in applied if r.type == "policy")
    verdict = Verdict.BLOCK if blocked else Verdict.REPORT if report_only else Verdict.APPROVE
    return Decision(
        verdict=verdict,
        results=applied,
        fail_on_warn=fail_on_warn,
        notes=tuple(notes),
        report_only=report_only,
    )


def _expiring(w: Waiver, today: dt.date) -> str:
    return (
        f"waiver for '{w.check}'{group_text(w)} expires on {w.expires.isoformat()}, in "
        f"{(w.expires - today).days} day(s) ({w.location})"
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
        return dataclasses.replace(result, status=Status.WAIVED, waiver=describe(active[0], today))
    for w in mine:
        notes.append(
            f"waiver for '{result.id}' expired on {w.expires.isoformat()} "
            f"({w.location}); it no longer applies"
        )
    if mine:
        return dataclasses.replace(result, waiver=describe(mine[0], today))
    return result


def group_text(waiver: Waiver) -> str:
    """' (group race=Other)' for a group waiver, else ''."""
    if not waiver.group:
        return ""
    return f" (group {group_name(waiver.group)})"


def describe(waiver: Waiver, today: dt.date) -> dict[str, str]:
    """A waiver as reports show it."""
    out = {
        "reason": waiver.reason,
        "approved_by": waiver.approved_by,
        "expires": waiver.expires.isoformat(),
        "state": "active" if waiver.active_on(today) else "expired",
        "location": str(waiver.location),
    }
    if waiver.group:
        out["group"] = group_name(waiver.group)
    return out
