"""`model-gate validate P.yaml ...`: schema and semantic checks of policy files.

Every problem of every file (and of the files it extends) is printed, each as
`file:line:column: message`; warnings as `file:line:column: warning: message`. Exit 2 when a
file has a problem, else 0 (warnings alone do not fail).
"""

from __future__ import annotations

import datetime as dt
import sys

from gate.errors import Location, PolicyError
from gate.policy.loader import analyse_policy
from gate.policy.model import Policy
from gate.policy.notices import policy_warnings
from gate.report.escape import term


def validate(paths: list[str], today: dt.date | None = None) -> int:
    """0 when every file is valid, else 2 after reporting every problem of every file.

    `today` (default: the current date) decides which waivers have expired."""
    day = today or dt.date.today()
    failed = sum(not _validate_one(path, day) for path in paths)
    if failed:
        print(f"{failed} of {len(paths)} policy file(s) invalid", file=sys.stderr)
    return 2 if failed else 0


def _validate_one(path: str, today: dt.date) -> bool:
    try:
        policy, problems = analyse_policy(path)
    except PolicyError as exc:
        policy, problems = None, exc.problems
    warnings = policy_warnings(policy, today) if policy is not None else []
    for loc, message in problems:
        print(f"{term(loc)}: {term(message)}", file=sys.stderr)
    for loc, message in warnings:
        print(f"{term(loc)}: warning: {term(message)}", file=sys.stderr)
    if policy is not None and not problems:
        print(f"{term(path)}: ok ({_summary(policy, warnings)})")
    return not problems


def _summary(policy: Policy, warnings: list[tuple[Location, str]]) -> str:
    extra = f", extends {len(policy.sources) - 1} file(s)" if len(policy.sources) > 1 else ""
    noted = f", {len(warnings)} warning(s)" if warnings else ""
    return f"{len(policy.checks)} checks, {len(policy.waivers)} waivers{extra}{noted}"
