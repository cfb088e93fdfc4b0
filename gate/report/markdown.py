"""report.md: the pull-request report (headline, table of checks, details, inputs)."""

from __future__ import annotations

from gate.report.escape import md
from gate.results import CheckResult, Evaluation, Status, Verdict, fmt

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
        return fmt(r.value)
    return f"{fmt(r.value)} [{fmt(r.ci[0])}, {fmt(r.ci[1])}]"


def _threshold(r: CheckResult) -> str:
    parts = [f"{'≥' if k == 'min' else '≤'} {fmt(v)}" for k, v in r.threshold.items()]
    if r.confidence is not None and parts:
        parts.append(f"at {r.confidence:.0%} confidence")
    return " ".join(parts) or "—"


def _delta(r: CheckResult) -> str:
    if r.baseline is None:
        return "—"
    return f"{r.baseline.delta:+.4f} (baseline {fmt(r.baseline.value)})"


def checks_table(results: tuple[CheckResult, ...]) -> str:
    """The table of checks: status, id, metric, value, threshold, delta, severity."""
    rows = [
        "| | Check | Metric | Value | Threshold | Δ vs baseline | Severity |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {ICONS[r.status]} {r.status.value} | `{r.id}` | {r.metric or '—'} "
            f"| {_value(r)} | {_threshold(r)} | {_delta(r)} | {r.severity.value} |"
        )
    return "\n".join(rows)


def disparity_heading(comparison: dict[str, str] | None) -> str:
    """'impact ratio' for a ratio to the reference group (the four-fifths / LL144 term)."""
    if not comparison or comparison.get("method") == "between_groups":
        return "disparity"
    if comparison == {"aggregate": "ratio", "method": "to_reference"}:
        return "impact ratio"
    anchor = "overall" if comparison["method"] == "to_overall" else "reference"
    return f"{comparison['aggregate']} to {anchor}"


def groups_table(r: CheckResult) -> str:
    """Per-group sizes, values, intervals, gaps and p-values of a fairness result."""
    interval = f"{r.confidence:.0%} CI" if r.confidence else "CI"
    gap = disparity_heading(r.comparison)
    rows = [
        f"| Group | n | {r.metric} | {interval} | {gap} | p-value | |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in r.groups:
        label = ", ".join(f"{md(k)}={md(v)}" for k, v in g["group"].items())
        value = "—" if g["value"] is None else fmt(g["value"])
        if "values" in g:
            value = " / ".join(
                f"{k}: {'—' if v is None else fmt(v)}" for k, v in g["values"].items()
            )
        ci = f"[{fmt(g['ci'][0])}, {fmt(g['ci'][1])}]" if "ci" in g else "—"
        gap = "—" if g.get("disparity") is None else fmt(g["disparity"])
        p = f"{g['p_value']:.3g}" if "p_value" in g else "—"
        note = (
            "reference"
            if g.get("reference")
            else (f"⚠️ left out: {md(g.get('excluded_reason', ''))}" if g.get("excluded") else "")
        )
        rows.append(f"| {label} | {g['n']} | {value} | {ci} | {gap} | {p} | {note} |")
    return "\n".join(rows)


def _details(evaluation: Evaluation) -> str:
    lines = []
    for r in evaluation.decision.results:
        lines.append(
            f"- {ICONS[r.status]} **{md(r.id)}** — {md(r.message)}"
            + (f" <sub>({md(r.location)})</sub>" if r.location else "")
        )
        if r.groups:
            lines.append("\n" + groups_table(r) + "\n")
        if r.waiver:
            w = r.waiver
            lines.append(
                f"  - waiver ({w['state']}, expires {w['expires']}) by "
                f"{md(w['approved_by'])}: {md(w['reason'])}"
            )
    for note in evaluation.decision.notes:
        lines.append(f"- ℹ️ {md(note)}")
    return "<details><summary>Details</summary>\n\n" + "\n".join(lines) + "\n\n</details>"


def _inputs(evaluation: Evaluation) -> str:
    rows = ["| Input | Path | sha256 |", "|---|---|---|"]
    for key in ("policy", "model", "baseline_model", "data"):
        info = evaluation.inputs.get(key)
        if info:
            extra = f" ({info['rows']} rows)" if "rows" in info else ""
            rows.append(f"| {key} | {md(info['path'])}{extra} | `{info['sha256'][:12]}` |")
    return "<details><summary>Inputs</summary>\n\n" + "\n".join(rows) + "\n\n</details>"


def changes_section(evaluation: Evaluation) -> str:
    """What the policy change loosens or tightens, against --base-policy."""
    if not evaluation.policy_changes:
        return ""
    rows = ["| Change | Check | Detail |", "|---|---|---|"]
    for c in evaluation.policy_changes:
        icon = "⚠️ " if c["kind"] in ("removed", "loosened", "waiver added") else ""
        rows.append(f"| {icon}{c['kind']} | `{md(c['check'])}` | {md(c['detail'])} |")
    return "### Policy changes against the base policy\n\n" + "\n".join(rows)


def render(evaluation: Evaluation) -> str:
    """The whole pull-request report."""
    footer = f"<sub>model-gate {evaluation.tool_version} · seed {evaluation.seed}</sub>"
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
