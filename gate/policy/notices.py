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
    found += [(Location(policy.path), m) for m in _unknown_values_unused(policy)]
    return sorted(found, key=lambda f: (f[0].file, f[0].line or 0, f[0].column or 0))


def _unknown_values_unused(policy: Policy) -> list[str]:
    """data.unknown_values naming a feature that neither data.sensitive nor any check groups
    by: the run refuses it (a typo would count nothing as unknown) unless --sensitive adds it."""
    named = list(policy.data.sensitive or ())
    for check in policy.checks:
        named += check.fairness.sensitive if check.fairness else ()
        if check.governance is not None and check.type == "representation":
            named += check.governance.attributes
    grouped = {f for f in named if isinstance(f, str)}  # warnings are also sought on policies
    return [  # with errors, whose values may be of any shape
        f"data.unknown_values names '{feature}', which no check groups by (neither "
        "data.sensitive nor a check's sensitive:): the run refuses it unless --sensitive adds it"
        for feature, _ in policy.data.unknown_values
        if feature != "*" and feature not in grouped
    ]


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
