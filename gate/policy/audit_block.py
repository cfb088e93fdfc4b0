"""The policy's `audit:` block: what an audit summary states about the audit itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gate.errors import Location
from gate.policy.model import AuditInfo
from gate.policy.sourced import Sourced

DATES = ("audit_date", "distribution_date")


def audit_info(keys: dict[str, Sourced]) -> tuple[AuditInfo, list[tuple[Location, str]]]:
    """The merged `audit:` block, and a problem naming each date that is not a calendar date."""
    problems: list[tuple[Location, str]] = []

    def date(value: Any, s: Sourced, *where: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(value)) if value is not None else None
        except ValueError:
            problems.append(
                (s.loc(*where), f"audit: '{value}' is not a calendar date (YYYY-MM-DD)")
            )
            return None

    values: dict[str, Any] = {}
    for key, s in keys.items():
        if key == "data_period":
            start, end = (date(s.value.get(k), s, k) for k in ("start", "end"))
            if start and end and start > end:
                problems.append(
                    (s.loc("end"), f"audit: data_period ends ({end}) before it starts ({start})")
                )
            values[key] = (start, end)
        elif key in DATES:
            values[key] = date(s.value, s)
        else:
            values[key] = str(s.value)
    return AuditInfo(**values), problems
