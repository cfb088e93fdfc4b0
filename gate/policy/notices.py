"""Warnings about a valid policy: what will not do what its author likely expects.

They never make a policy invalid: an expired waiver simply no longer applies, and sensitive
features left out of the policy may still come from `--sensitive` at run time (a policy's
validity never depends on command-line flags, so `validate` cannot call that an error).
"""

from __future__ import annotations

import datetime as dt

from gate.errors import Location
from gate.policy.model import CheckSpec, Policy

NEEDS_GROUPS = {"fairness", "proxy_features", "representation"}


def policy_warnings(policy: Policy, today: dt.date) -> list[tuple[Location, str]]:
    """Expired waivers, and checks that group by sensitive features none of which is named."""
    found = [
        (w.location, f"waiver for '{w.check}' expired on {w.expires.isoformat()}")
        for w in policy.waivers
        if not w.active_on(today)
    ]
    if not policy.data.sensitive:
        found += [(c.location, _no_groups(c)) for c in policy.checks if _names_none(c)]
    return sorted(found, key=lambda f: (f[0].file, f[0].line or 0, f[0].column or 0))


def _names_none(check: CheckSpec) -> bool:
    if check.type not in NEEDS_GROUPS:
        return False
    if check.fairness is not None:
        return not check.fairness.sensitive
    return check.governance is not None and not check.governance.attributes


def _no_groups(check: CheckSpec) -> str:
    key = "sensitive" if check.type == "fairness" else "attributes"
    return (
        f"check '{check.id}' names no sensitive features (neither '{key}:' nor data.sensitive): "
        "pass --sensitive at run time or set data.sensitive"
    )
