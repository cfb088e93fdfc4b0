"""report.md: the pull-request report (headline, table of checks, details, inputs)."""

from __future__ import annotations

from gate.report import mermaid
from gate.report.escape import md, md_code
from gate.report.md_cells import num, row
from gate.report.md_data import drift_table, rules_table
from gate.results import CheckResult, Evaluation, Status, Verdict

MARKER = "<!-- model-gate-report -->"
ICONS = {
    Status.PASS: "✅",
    Status.FAIL: "❌",
    Status.WARN: "⚠️",
    Status.WAIVED: "🟦",
    Status.INCONCLUSIVE: "❔",
    Status.ERROR: "💥",
    Status.SKIPPED: "⏭️",
}


def headline(evaluation: Evaluation) -> str:
    """One line: the verdict and how it was reached."""
    d = evaluation.decision
    total = len(d.results)
    if d.verdict is Verdict.APPROVE:
        head = f"✅ model-gate: **approved** — {md(evaluation.policy_name)}"
    elif d.verdict is Verdict.REPORT:
        head = f"📋 model-gate: **report only — no gate decision** — {md(evaluation.policy_name)}"
    else:
        head = f"❌ model-gate: **blocked** — {md(evaluation.policy_name)}"
    parts = [f"{d.counts()[Status.PASS.value]} of {total} checks passed"]
    if d.blocking:
        parts.append(f"{len(d.blocking)} blocking")
    if d.warnings:
        parts.append(
            f"{len(d.warnings)} warning{'s' * (len(d.warnings) > 1)}"
            + (" (--fail-on-warn)" if d.fail_on_warn else "")
        )
    waived = d.counts()[Status.WAIVED.value]
    if waived:
        parts.append(f"{waived} waived")
    return f"## {head}\n\n{' · '.join(parts)}"


def _value(r: CheckResult) -> str:
    if r.value is None:
        return "—"
    if r.ci is None:
        return num(r.value)
    return f"{num(r.value)} [{num(r.ci[0])}, {num(r.ci[1])}]"


_BOUND = {"min": "≥", "max": "≤"}


def _percent(value: object) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.0%}"
    return md(value)


def _threshold(r: CheckResult) -> str:
    parts = [f"{_BOUND.get(k) or md(k)} {num(v)}" for k, v in r.threshold.items()]
    if r.confidence is not None and parts:
        parts.append(f"at {_percent(r.confidence)} confidence")
    return " ".join(parts) or "—"


def _delta(r: CheckResult) -> str:
    if r.baseline is None:
        return "—"
    delta = r.baseline.delta
    shown = f"{delta:+.4f}" if isinstance(delta, (int, float)) else md(delta)
    return f"{shown} (baseline {num(r.baseline.value)})"


def checks_table(results: tuple[CheckResult, ...]) -> str:
    """The table of checks: status, id, metric, value, threshold, delta, severity."""
    rows = [
        "| | Check | Metric | Value | Threshold | Δ vs baseline | Severity |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            row(
                f"{ICONS[r.status]} {md(r.status.value)}",
                md_code(r.id),
                md(r.metric or "—"),
                _value(r),
                _threshold(r),
                _delta(r),
                md(r.severity.value),
            )
        )
    return "\n".join(rows)


def disparity_heading(comparison: dict[str, str] | None) -> str:
    """'impact ratio' for a ratio to the reference group (the four-fifths / LL144 term)."""
    if not comparison or comparison.get("method") == "between_groups":
        return "disparity"
    if comparison == {"aggregate": "ratio", "method": "to_reference"}:
        return "impact ratio"
    anchor = "overall" if comparison.get("method") == "to_overall" else "reference"
    return f"{comparison.get('aggregate', '')} to {anchor}"


def groups_table(r: CheckResult) -> str:
    """Per-group sizes, values, intervals, gaps and p-values of a fairness result."""
    interval = f"{_percent(r.confidence)} CI" if r.confidence else "CI"
    gap = md(disparity_heading(r.comparison))
    rows = [
        row("Group", "n", md(r.metric), interval, gap, "p-value", ""),
        "|---|---|---|---|---|---|---|",
    ]
    rows += [_group_row(g) for g in r.groups]
    return "\n".join(rows)


def _group_row(g: dict) -> str:
    label = ", ".join(f"{md(k)}={md(v)}" for k, v in g["group"].items())
    value = num(g.get("value"))
    if "values" in g:
        value = " / ".join(f"{md(k)}: {num(v)}" for k, v in g["values"].items())
    ci = f"[{num(g['ci'][0])}, {num(g['ci'][1])}]" if "ci" in g else "—"
    p = g.get("p_value")
    p_shown = f"{p:.3g}" if isinstance(p, (int, float)) else num(p)
    note = (
        "reference"
        if g.get("reference")
        else (f"⚠️ left out: {md(g.get('excluded_reason', ''))}" if g.get("excluded") else "")
    )
    return row(label, num(g.get("n")), value, ci, num(g.get("disparity")), p_shown, note)


def _details(evaluation: Evaluation) -> str:
    lines = []
    for r in evaluation.decision.results:
        lines.append(
            f"- {ICONS[r.status]} **{md(r.id) or '—'}** — {md(r.message)}"
            + (f" <sub>({md(r.location)})</sub>" if r.location else "")
        )
        if r.groups:
            lines.append("\n" + groups_table(r) + "\n")
            chart = mermaid.group_chart(r)
            if chart:
                lines.append(chart + "\n")
        for table in (drift_table(r), rules_table(r)):
            if table:
                lines.append("\n" + table + "\n")
        if r.waiver:
            w = r.waiver
            lines.append(
                f"  - waiver ({md(w.get('state', ''))}, expires {md(w.get('expires', ''))}) by "
                f"{md(w.get('approved_by', ''))}: {md(w.get('reason', ''))}"
            )
    for note in evaluation.decision.notes:
        lines.append(f"- ℹ️ {md(note)}")
    return "<details><summary>Details</summary>\n\n" + "\n".join(lines) + "\n\n</details>"


def _inputs(evaluation: Evaluation) -> str:
    rows = ["| Input | Path | sha256 |", "|---|---|---|"]
    for key in ("policy", "model", "baseline_model", "data"):
        info = evaluation.inputs.get(key)
        if info:
            extra = f" ({num(info['rows'])} rows)" if "rows" in info else ""
            digest = md_code(str(info.get("sha256", ""))[:12])
            rows.append(row(key, md(info.get("path", "")) + extra, digest))
    return "<details><summary>Inputs</summary>\n\n" + "\n".join(rows) + "\n\n</details>"


def changes_section(evaluation: Evaluation) -> str:
    """What the policy change loosens or tightens, against --base-policy."""
    if not evaluation.policy_changes:
        return ""
    rows = ["| Change | Check | Detail |", "|---|---|---|"]
    for c in evaluation.policy_changes:
        icon = "⚠️ " if c.get("kind") in ("removed", "loosened", "waiver added") else ""
        kind, check = md(c.get("kind", "")), md_code(c.get("check", ""))
        rows.append(row(f"{icon}{kind}", check, md(c.get("detail", ""))))
    return "### Policy changes against the base policy\n\n" + "\n".join(rows)


def render(evaluation: Evaluation) -> str:
    """The whole pull-request report."""
    footer = f"<sub>model-gate {md(evaluation.tool_version)} · seed {md(evaluation.seed)}</sub>"
    parts = [
        MARKER,
        headline(evaluation),
        checks_table(evaluation.decision.results),
        changes_section(evaluation),
        _details(evaluation),
        _inputs(evaluation),
        footer,
    ]
    return "\n\n".join(p for p in parts if p) + "\n"
