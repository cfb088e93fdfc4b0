"""The drift and data-quality tables of report.md: the columns that drifted or could not be
told apart from drift, and the rules that failed, each naming its columns (all text escaped)."""

from __future__ import annotations

from typing import Any

from gate.report.escape import md
from gate.report.md_cells import num, row
from gate.results import CheckResult, fmt
from gate.wording import group_name

MAX_ROWS = 20  # the comment stays small; report.json and report.html list every column


def drift_table(r: CheckResult) -> str:
    """The non-stable columns of a drift check (worst first), and how many were stable."""
    shown = [c for c in r.columns if c.get("status") != "stable"]
    if not shown:
        return ""
    shown.sort(key=lambda c: (c.get("status") != "drifted", -(c.get("value") or 0.0)))
    lines = [
        "| Column | Status | Method | Value [interval] | p (adjusted) | Missing share | Groups |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_drift_row(c) for c in shown[:MAX_ROWS]]
    more = len(shown) - MAX_ROWS
    tail = f"\n\n{more} more not shown (see report.json)" if more > 0 else ""
    stable = len(r.columns) - len(shown)
    return "\n".join(lines) + tail + f"\n\n{stable} column(s) stable."


def _drift_row(c: dict[str, Any]) -> str:
    value = num(c.get("value"))
    ci = c.get("ci")
    if ci:
        value += f" [{num(ci[0])}, {num(ci[1])}]"
    p = c.get("p_adjusted")
    p_shown = f"{p:.3g}" if isinstance(p, int | float) else "—"
    missing = c.get("missing") or {}
    missing_shown = f"{num(missing.get('reference'))} → {num(missing.get('current'))}"
    where = ", ".join(group_name(g) for g in c.get("concentrated", ()))
    name = str(c.get("column", "")) + (" (model output)" if c.get("role") == "output" else "")
    return row(
        md(name), md(c.get("status", "")), md(c.get("method", "")), value, p_shown,
        missing_shown, md(f"concentrated in {where}") if where else "—",
    )  # fmt: skip


def rules_table(r: CheckResult) -> str:
    """Every rule of a data-quality check with its status and the columns at fault."""
    if not r.rules:
        return ""
    lines = ["| Rule | Status | Value | Columns at fault |", "|---|---|---|---|"]
    for rule in r.rules:
        at_fault = rule.get("columns") or []
        listed = ", ".join(
            f"{c.get('column', '')} ({c.get('detail') or fmt_any(c.get('value'))})"
            for c in at_fault[:10]
        ) + (" …" if len(at_fault) > 10 else "")
        lines.append(
            row(md(rule.get("rule", "")), md(rule.get("status", "")),
                 num(rule.get("value")), md(listed) if listed else "—")
        )  # fmt: skip
    return "\n".join(lines)


def fmt_any(value: object) -> str:
    """A number as reports print it, anything else as text (escaped by the caller)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return fmt(value)
    return str(value)
