"""`type: data_quality`: the rules the policy sets (quality_rules.py, quality_rows.py), each
naming the columns at fault; the check fails when any rule does. Values are exact counts of the
evaluation data (no intervals: the file itself is what is judged)."""

from __future__ import annotations

from gate.checks import quality_rows as rows
from gate.checks import quality_rules as cols
from gate.checks.base import CheckContext, CheckUnavailable, identity
from gate.checks.conditions import apply_severity
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status

#: policy key -> rule, in report order
RULES = {
    "min_rows": rows.min_rows,
    "columns": cols.expected_columns,
    "max_missing_share": cols.missing_share,
    "ranges": cols.ranges,
    "allowed": cols.allowed,
    "max_unseen_share": cols.unseen,
    "constant": cols.constant,
    "max_duplicate_share": rows.duplicates,
    "max_conflicting_share": rows.conflicting,
    "max_overlap_share": rows.overlap,
    "min_class_share": rows.class_balance,
}


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """Run every rule the policy sets; fail naming the rules and columns at fault."""
    entries, errors = [], []
    for name, rule in RULES.items():
        try:
            found = rule(spec.quality, ctx)
        except (CheckUnavailable, ValueError) as exc:  # ValueError: e.g. other hashed columns
            errors.append(f"{name}: {exc}")
            continue
        if found is not None:
            entries.append(found)
    failed = [e for e in entries if e["status"] == "fail"]
    status = Status.ERROR if errors else Status.FAIL if failed else Status.PASS
    parts = errors + [e["message"] for e in failed]
    message = "; ".join(parts) if parts else f"all {len(entries)} rules met"
    return CheckResult(
        status=apply_severity(status, spec.severity),
        metric="failed_rules",
        value=float(len(failed)),
        n=ctx.profile.rows,
        rules=tuple(entries),
        message=message,
        **identity(spec),
    )
