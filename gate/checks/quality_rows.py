"""Data-quality rules about rows as a whole: how many, duplicates, conflicting labels, overlap
with the reference, and label balance (from the row hashes and the label column's profile)."""

from __future__ import annotations

from typing import Any

from gate.checks.base import CheckContext, CheckUnavailable
from gate.checks.quality_rules import category_counts, entry
from gate.engine.metrics import Task
from gate.errors import UsageError
from gate.policy.model import QualityOptions
from gate.results import fmt


def min_rows(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.min_rows is None:
        return None
    rows = ctx.profile.rows
    at_fault = [] if rows >= opts.min_rows else [{"column": "(all)", "detail": f"{rows} rows"}]
    what = f"fewer than {opts.min_rows} rows"
    return entry("min_rows", opts.min_rows, float(rows), at_fault, what)


def _hashes(ctx: CheckContext, rule: str) -> Any:
    hashes = ctx.profile.hashes
    if hashes is None:
        raise CheckUnavailable(f"{rule} needs the row hashes, which this run did not collect")
    return hashes


def _share_rule(rule: str, limit: float, count: Any, total: int, what: str) -> dict:
    """A share of rows against its limit; `count` is a RowCount (exact or estimated)."""
    rows, bound = count.value, count.error_bound
    share = rows / total if total else 0.0
    at_fault = []
    if share > limit:
        detail = f"{fmt(rows)} rows, {fmt(share)}"
        at_fault = [{"column": "(all)", "value": share, "detail": detail}]
    out = entry(rule, limit, share, at_fault, what)
    if bound:
        out["error_bound"] = bound / total if total else 0.0
    return out


def duplicates(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.max_duplicate_share is None:
        return None
    hashes = _hashes(ctx, "max_duplicate_share")
    count = hashes.duplicate_rows()
    return _share_rule(
        "max_duplicate_share", opts.max_duplicate_share, count, hashes.rows,
        "rows repeating an earlier row",
    )  # fmt: skip


def conflicting(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.max_conflicting_share is None:
        return None
    if not ctx.binding.label:
        raise CheckUnavailable("max_conflicting_share needs a label (data.label)")
    hashes = _hashes(ctx, "max_conflicting_share")
    count = hashes.conflicting_rows()
    return _share_rule(
        "max_conflicting_share", opts.max_conflicting_share, count, hashes.rows,
        "rows whose features repeat with another label",
    )  # fmt: skip


def overlap(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.max_overlap_share is None:
        return None
    reference = ctx.require_reference("max_overlap_share")
    hashes = _hashes(ctx, "max_overlap_share")
    if reference.hashes is None:
        raise CheckUnavailable(
            "max_overlap_share: the reference profile has no row hashes; build it again with "
            "`model-gate profile` and this policy"
        )
    count = hashes.overlap_rows(reference.hashes)
    return _share_rule(
        "max_overlap_share", opts.max_overlap_share, count, hashes.rows,
        "evaluation rows whose features occur in the reference",
    )  # fmt: skip


def class_balance(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.min_class_share is None:
        return None
    label = ctx.binding.label
    if ctx.task is Task.REGRESSION:
        raise UsageError("min_class_share counts label classes: this policy's task is regression")
    if not label or label not in ctx.profile.columns:
        raise CheckUnavailable("min_class_share needs the label column (data.label) in the data")
    counts = category_counts(ctx.profile.columns[label])
    if not counts:
        raise CheckUnavailable(f"label column {label!r}: its classes cannot be counted")
    total = sum(counts.values())
    shares = {k: n / total for k, n in counts.items()}
    at_fault = [
        {"column": label, "value": s, "detail": f"class {k}: {fmt(s)}"}
        for k, s in sorted(shares.items())
        if s < opts.min_class_share
    ]
    if len(shares) < 2:
        at_fault.append({"column": label, "detail": "a single class"})
    smallest = min(shares.values())
    return entry("min_class_share", opts.min_class_share, smallest, at_fault, "rare label classes")
