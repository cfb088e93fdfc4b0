"""The rules of `type: data_quality`, registered by policy key: each reads the profile (and the
reference's where it compares) and returns one rule entry naming the columns at fault, or None
when the policy does not set it. Shares are of rows (of present values for category rules)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gate.checks.base import CheckContext, CheckUnavailable
from gate.engine.columns import ColumnProfile
from gate.errors import UsageError
from gate.policy.model import QualityOptions
from gate.results import fmt

Rule = Callable[[QualityOptions, CheckContext], dict[str, Any] | None]
KINDS_MATCHING = {"numeric": {"numeric"}, "categorical": {"categorical"}}


def entry(rule: str, threshold: Any, value: float | None, at_fault: list[dict], what: str) -> dict:
    """A rule entry: failed when any column (or the data as a whole) is at fault."""
    status = "fail" if at_fault else "pass"
    listed = ", ".join(_shown(c) for c in at_fault[:10]) + (" ..." * (len(at_fault) > 10))
    message = f"{what}: {listed}" if at_fault else f"{what}: none"
    out = {"rule": rule, "status": status, "threshold": threshold, "value": value}
    return out | {"columns": at_fault, "message": message}


def _shown(column: dict) -> str:
    value = column.get("value")
    shown = fmt(value) if isinstance(value, float) else value
    detail = column.get("detail")
    return f"{column['column']} ({detail or shown})"


def missing_share(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.max_missing_share is None and not opts.missing_per_column:
        return None
    columns = ctx.profile.columns
    limits = dict(opts.missing_per_column)
    if opts.max_missing_share is not None:
        limits = {c: limits.get(c, opts.max_missing_share) for c in columns} | limits
    at_fault, worst = [], 0.0
    for name, limit in limits.items():
        if name not in columns:
            at_fault.append({"column": name, "detail": "not in the data"})
            continue
        share = _missing(columns[name])
        worst = max(worst, share)
        if share > limit:
            at_fault.append({"column": name, "value": share, "detail": f"{fmt(share)} > {limit}"})
    threshold = opts.max_missing_share if not opts.missing_per_column else dict(limits)
    return entry("max_missing_share", threshold, worst, at_fault, "missing share above the limit")


def _missing(column: ColumnProfile) -> float:
    return column.missing / column.count if column.count else 0.0


def expected_columns(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    expected = list(opts.expected)
    if opts.expected_from_model:
        if not ctx.model_features:
            raise UsageError(
                "data_quality 'columns: model' needs --model with a model whose input names are "
                "known (or list the columns)"
            )
        kinds = ctx.model_kinds or {}  # an ONNX model's typed inputs; else names only
        expected += [(name, kinds.get(name, "any")) for name in ctx.model_features]
    if not expected:
        return None
    columns, at_fault = ctx.profile.columns, []
    for name, kind in dict(expected).items():
        if name not in columns:
            at_fault.append({"column": name, "detail": "missing"})
            continue
        found = columns[name].kind
        if kind != "any" and found != "empty" and found not in KINDS_MATCHING.get(kind, {kind}):
            at_fault.append({"column": name, "detail": f"{found}, expected {kind}"})
    shown = {name: kind for name, kind in expected}
    return entry("columns", shown, float(len(at_fault)), at_fault, "unexpected columns")


def ranges(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if not opts.ranges:
        return None
    at_fault = []
    for name, lo, hi in opts.ranges:
        column = _column(ctx, name)
        numbers = column.numbers
        if numbers is None:
            if column.kind != "empty":
                at_fault.append({"column": name, "detail": f"{column.kind}, not numeric"})
            continue
        low = numbers.min if numbers.neginf == 0 else float("-inf")
        high = numbers.max if numbers.posinf == 0 else float("inf")
        if (lo is not None and low is not None and low < lo) or (
            hi is not None and high is not None and high > hi
        ):
            seen = f"values from {fmt(low)} to {fmt(high)}, allowed {_range(lo, hi)}"
            at_fault.append({"column": name, "detail": seen})
    threshold = {n: {k: v for k, v in (("min", lo), ("max", hi)) if v is not None}
                 for n, lo, hi in opts.ranges}  # fmt: skip
    return entry("ranges", threshold, float(len(at_fault)), at_fault, "values out of range")


def _range(lo: float | None, hi: float | None) -> str:
    return f"[{'-inf' if lo is None else fmt(lo)}, {'inf' if hi is None else fmt(hi)}]"


def _column(ctx: CheckContext, name: str) -> ColumnProfile:
    if name not in ctx.profile.columns:
        raise CheckUnavailable(f"column {name!r} is not in the data")
    return ctx.profile.columns[name]


def allowed(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if not opts.allowed:
        return None
    at_fault, worst = [], 0.0
    for name, values in opts.allowed:
        column = _column(ctx, name)
        counts = category_counts(column)
        if counts is None:
            at_fault.append({"column": name, "detail": "too many distinct values to list"})
            continue
        bad = {v: n for v, n in counts.items() if v not in values}
        share = sum(bad.values()) / column.present if column.present else 0.0
        worst = max(worst, share)
        if bad:
            listed = ", ".join(sorted(bad, key=lambda v: -bad[v])[:5])
            at_fault.append({"column": name, "value": share, "detail": f"{fmt(share)}: {listed}"})
    threshold = {n: list(v) for n, v in opts.allowed}
    return entry("allowed", threshold, worst, at_fault, "values not allowed")


def category_counts(column: ColumnProfile) -> dict[str, int] | None:
    """Every value's count as text (categories, or a numeric column's exact table); None when
    some values were not kept (past the category cap or the exact-value cap)."""
    if column.categories is not None:
        cats = column.categories
        return None if cats.other else dict(cats.counts)
    if column.numbers is not None:
        numbers = column.numbers
        if numbers.values is None or numbers.value_counts is None:
            return None
        pairs = zip(numbers.values.tolist(), numbers.value_counts.tolist(), strict=True)
        counts = {number_text(v): int(n) for v, n in pairs}
        infinite = {"inf": numbers.posinf, "-inf": numbers.neginf}
        return counts | {k: n for k, n in infinite.items() if n}
    return {}


def number_text(value: float) -> str:
    """A number as category text: integral values without a fraction (2.0 -> "2")."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def unseen(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.max_unseen_share is None:
        return None
    reference = ctx.require_reference("max_unseen_share")
    at_fault, worst = [], 0.0
    for name, column in ctx.profile.columns.items():
        if column.categories is None or name not in reference.columns:
            continue
        known = category_counts(reference.columns[name])
        if known is None or column.categories.other:
            side = "reference" if known is None else "data"
            raise CheckUnavailable(
                f"column {name!r}: the {side} has more than {column.categories.cap} categories, "
                "past which a profile keeps only a sample of them, so unseen ones cannot be "
                "counted (leave the column out with its own data_quality check, or raise the cap)"
            )
        new = {v: n for v, n in column.categories.counts.items() if v not in known}
        share = sum(new.values()) / column.present if column.present else 0.0
        worst = max(worst, share)
        if share > opts.max_unseen_share:
            listed = ", ".join(sorted(new, key=lambda v: -new[v])[:5])
            at_fault.append({"column": name, "value": share, "detail": f"{fmt(share)}: {listed}"})
    return entry(
        "max_unseen_share", opts.max_unseen_share, worst, at_fault, "categories the reference lacks"
    )


def constant(opts: QualityOptions, ctx: CheckContext) -> dict | None:
    if opts.constant is None or opts.constant:
        return None
    at_fault = []
    for name, column in ctx.profile.columns.items():
        if column.kind == "empty":
            at_fault.append({"column": name, "detail": "no values at all"})
        elif _single_value(column):
            at_fault.append({"column": name, "detail": "a single value"})
    return entry("constant", False, float(len(at_fault)), at_fault, "constant columns")


def _single_value(column: ColumnProfile) -> bool:
    if column.numbers is not None:
        n = column.numbers
        infinite = (n.posinf > 0) + (n.neginf > 0)
        return (n.n > 0 and n.min == n.max and infinite == 0) or (n.n == 0 and infinite == 1)
    cats = column.categories
    return cats is not None and len(cats.counts) == 1 and cats.other == 0
