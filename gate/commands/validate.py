"""`model-gate validate P.yaml ...`: schema and semantic checks of policy files."""

from __future__ import annotations

import sys

from gate.errors import PolicyError
from gate.policy.loader import load_policy
from gate.report.escape import term


def validate(paths: list[str]) -> int:
    """0 when every file is valid, else 2 after reporting every problem of every file."""
    failed = 0
    for path in paths:
        try:
            policy = load_policy(path)
        except PolicyError as exc:
            failed += 1
            for loc, message in exc.problems:
                print(f"{term(loc)}: {term(message)}", file=sys.stderr)
            continue
        extra = f", extends {len(policy.sources) - 1} file(s)" if len(policy.sources) > 1 else ""
        counts = f"{len(policy.checks)} checks, {len(policy.waivers)} waivers{extra}"
        print(f"{term(path)}: ok ({counts})")
    if failed:
        print(f"{failed} of {len(paths)} policy file(s) invalid", file=sys.stderr)
    return 2 if failed else 0
