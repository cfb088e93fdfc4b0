"""The per-group table of a fairness check in report.md: each group's component metric(s)
(the selection rates of demographic_parity_ratio, both rates of equalized odds), its gap, and a
mark on every group past the bound, not only the worst."""

from __future__ import annotations

from typing import Any

from gate import wording
from gate.report.escape import md
from gate.report.group_bounds import group_label, past_labels
from gate.report.md_cells import num, row
from gate.results import CheckResult

PAST = "⛔ past the bound"


def _percent(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.0%}"
    return md(value)


def value_heading(r: CheckResult) -> str:
    """What the value column lists: the component metric(s), never the named metric."""
    return " / ".join(wording.components(r.metric)) or "value"


def groups_table(r: CheckResult) -> str:
    """Per-group sizes, values, intervals, gaps and p-values of a fairness result."""
    interval = f"{_percent(r.confidence)} CI" if r.confidence else "CI"
    gap = md(wording.group_heading(r.comparison))
    past = past_labels(r)
    rows = [
        row("Group", "n", md(value_heading(r)), interval, gap, "p-value", ""),
        "|---|---|---|---|---|---|---|",
    ]
    rows += [_group_row(g, group_label(g) in past) for g in r.groups]
    return "\n".join(rows)


def _group_row(g: dict[str, Any], past: bool) -> str:
    label = md(group_label(g))
    value = num(g.get("value"))
    if "values" in g:
        value = " / ".join(f"{md(k)}: {num(v)}" for k, v in g["values"].items())
    ci = f"[{num(g['ci'][0])}, {num(g['ci'][1])}]" if "ci" in g else "—"
    p = g.get("p_value")
    p_shown = f"{p:.3g}" if isinstance(p, int | float) else num(p)
    marks = ["reference"] if g.get("reference") else []
    if past:
        marks.append(PAST)
    if g.get("excluded"):
        marks.append(f"⚠️ left out: {md(g.get('excluded_reason', ''))}")
    gap = num(g.get("disparity"))
    return row(label, num(g.get("n")), value, ci, gap, p_shown, "; ".join(marks))
