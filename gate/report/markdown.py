"""report.md: the pull-request report (headline, table of checks, details, inputs)."""

from __future__ import annotations

from gate import wording
from gate.report import mermaid, slices_section
from gate.report.escape import md, md_code
from gate.report.importance_section import markdown_table as importance_table
from gate.report.md_cells import num, row
from gate.report.md_data import drift_table, rules_table
from gate.report.md_groups import groups_table
from gate.report.robustness_section import markdown_table as probes_markdown
from gate.results import CheckResult, Decision, Evaluation, Status, Verdict

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
    """One line: the verdict and how it was reached (a report-only run is never 'approved')."""
    d = evaluation.decision
    icons = {Verdict.APPROVE: "✅", Verdict.BLOCK: "❌", Verdict.REPORT: "📋"}
    icon = icons.get(d.verdict, "❔")  # inconclusive: a rollout analysis waiting for rows
    head = f"{icon} model-gate: **{wording.headline(d)}** — {md(evaluation.policy_name)}"
    return f"## {head}\n\n{wording.summary(d)}"


def status_cell(r: CheckResult, d: Decision) -> str:
    """'❌ fail', '❔ inconclusive (blocks)' (what blocks says so), '⚠️ warn'."""
    icon = "❔" if r.status is Status.INCONCLUSIVE else ICONS[r.status]
    return f"{icon} {md(wording.status_label(r, d))}"


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
    """'+0.0215 better than baseline 0.85' / '0.0215 worse than baseline 0.85'."""
    if r.baseline is None:
        return "—"
    drop = r.baseline.drop
    if not isinstance(drop, int | float) or isinstance(drop, bool):
        return f"{md(drop)} (baseline {num(r.baseline.value)})"
    return f"{md(wording.baseline_delta(drop))} {num(r.baseline.value)}"


def checks_table(d: Decision) -> str:
    """The table of checks: status, id, what the value is, value, threshold, delta, severity."""
    rows = [
        "| | Check | Metric | Value | Threshold | Δ vs baseline | Severity |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in d.results:
        rows.append(
            row(
                status_cell(r, d),
                md_code(r.id),
                md(wording.value_name(r) or "—"),
                _value(r),
                _threshold(r),
                _delta(r),
                md(wording.severity_label(r, d)),
            )
        )
    return "\n".join(rows)


def _details(evaluation: Evaluation) -> str:
    lines, d = [], evaluation.decision
    for r in d.results:
        lines.append(
            f"- {status_cell(r, d)} **{md(r.id) or '—'}** — {md(r.message)}"
            + (f" <sub>({md(r.location)})</sub>" if r.location else "")
        )
        if r.groups:
            lines.append("\n" + groups_table(r) + "\n")
            chart = mermaid.group_chart(r)
            if chart:
                lines.append(chart + "\n")
        tables = (
            drift_table(r),
            rules_table(r),
            importance_table(r),
            slices_section.markdown(r),
            probes_markdown(r),
        )
        for table in tables:
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
        checks_table(evaluation.decision),
        changes_section(evaluation),
        _details(evaluation),
        _inputs(evaluation),
        footer,
    ]
    return "\n\n".join(p for p in parts if p) + "\n"
