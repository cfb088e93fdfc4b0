"""`type: representation`: records who is in the evaluation data and what is missing
(group counts and shares per protected attribute; missing-value shares per column)."""

from __future__ import annotations

from gate.checks.base import CheckContext, identity
from gate.checks.conditions import apply_severity
from gate.policy.model import CheckSpec
from gate.results import CheckResult, Status, fmt


def evaluate(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    """List every group's count and share; fail when a column's missing share > max_missing."""
    opts, profile = spec.governance, ctx.profile
    rows = profile.rows
    common = identity(spec) | {"n": rows}
    attributes = list(opts.attributes or ctx.sensitive)
    columns = list(dict.fromkeys([*(opts.features or ctx.model_features or ()), *attributes]))
    absent = [c for c in columns if c not in profile.columns]
    if absent:
        return CheckResult(
            status=Status.ERROR,
            message=(f"column{'s' * (len(absent) > 1)} {', '.join(absent)} not in the data"),
            **common,
        )
    groups = []
    for attribute in attributes:
        grouping, fold = profile.grouping((attribute,))
        counts = (profile.group_rows @ fold).astype(int)
        for j in range(grouping.size):
            n = int(counts[j])
            groups.append({"group": grouping.label(j), "n": n, "value": n / rows})
    missing = {c: profile.columns[c].missing / rows for c in columns}
    over = {
        c: m for c, m in missing.items() if opts.max_missing is not None and m > opts.max_missing
    }
    worst = max(missing.values(), default=0.0)
    summary = (
        f"{rows} rows; {len(groups)} groups over {len(attributes)} attribute(s); "
        f"largest missing share {fmt(worst)}"
    )
    if over:
        listed = ", ".join(f"{c} {fmt(m)}" for c, m in sorted(over.items(), key=lambda i: -i[1]))
        message = f"missing values above max_missing {fmt(opts.max_missing)}: {listed}; {summary}"
        status = Status.FAIL
    else:
        message, status = summary, Status.PASS
    return CheckResult(
        status=apply_severity(status, spec.severity),
        metric="share",
        value=worst,
        groups=tuple(groups),
        message=message,
        **common,
    )
