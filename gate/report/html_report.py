"""report.html: one self-contained page (no scripts, no requests) with the verdict banner,
everything report.md has, per-group charts, model curves and drift / data-quality details.

Charts are inline SVG from matplotlib (why: gate.report.charts). Every untrusted text goes
through `markup` (or, inside charts, `charts.label`); the page is two lines, the doctype and
the document, so no untrusted text begins a line.
"""

from __future__ import annotations

import datetime as dt

from gate.report import html_checks as sections
from gate.report.charts import curves_chart
from gate.report.escape import markup as escape
from gate.report.html_checks import num, threshold
from gate.results import Decision, Evaluation
from gate.wording import blocks, headline, severity_label, summary, value_name

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1f2328}
main{max-width:1100px;margin:0 auto;padding:1rem 2rem 3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #d0d7de;padding:4px 8px;
vertical-align:top}th{background:#f6f8fa;text-align:left}code{font-size:12px}
.banner{color:#fff;padding:1rem 2rem}.banner h1{margin:0 0 .3rem;font-size:1.5rem}
.banner p{margin:.2rem 0}.approve{background:#1a7f37}.block{background:#cf222e}
.report{background:#59636e}.pass{color:#1a7f37}.fail,.error,.drifted{color:#cf222e}
.warn,.inconclusive{color:#9a6700}.waived{color:#0969da}.skipped{color:#59636e}
td.pass,td.fail,td.error,td.warn,td.inconclusive,td.waived,td.skipped{font-weight:600}
section.check{border-top:1px solid #d0d7de;margin-top:1rem}
svg.chart{max-width:100%;height:auto;display:block;margin:.5rem 0}
small,.muted{color:#59636e}"""


def banner(evaluation: Evaluation, now: dt.datetime) -> str:
    """The coloured verdict, the blocking checks by name, the counts and the run's time."""
    d = evaluation.decision
    title = f"model-gate: {escape(headline(d))} — {escape(evaluation.policy_name)}"
    counts = (
        " · ".join(f"{n} {escape(status)}" for status, n in d.counts().items() if n) or "no checks"
    )
    lines = [f"<h1>{title}</h1>", f"<p>{escape(summary(d))}</p>",
             f"<p>{len(d.results)} checks: {counts}</p>"]  # fmt: skip
    blocking = [r for r in d.results if blocks(r, d) and not r.warning]
    if blocking:
        names = ", ".join(f"<code>{escape(r.id)}</code> ({escape(r.status.value)})"
                          for r in blocking)  # fmt: skip
        lines.append(f"<p>Blocking: {names}</p>")
    if d.warnings:
        names = ", ".join(f"<code>{escape(r.id)}</code>" for r in d.warnings)
        lines.append(f"<p>Warnings{' (--fail-on-warn)' if d.fail_on_warn else ''}: {names}</p>")
    when = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines.append(f'<p><small style="color:#fff">run {when}</small></p>')
    return f'<header class="banner {d.verdict.value}">{"".join(lines)}</header>'


def checks_table(d: Decision) -> str:
    """Status, check, what the value is, value, threshold, delta, severity, message."""
    head = (
        "<tr><th>status</th><th>check</th><th>metric</th><th>value</th><th>threshold</th>"
        "<th>Δ vs baseline</th><th>severity</th><th>message</th></tr>"
    )
    rows = []
    for r in d.results:
        value = num(r.value) + (f" [{num(r.ci[0])}, {num(r.ci[1])}]" if r.ci else "")
        rows.append(
            f"<tr>{sections.status_span(r, d, 'td')}<td><code>{escape(r.id)}</code></td>"
            f"<td>{escape(value_name(r) or '—')}</td><td>{value}</td><td>{threshold(r)}</td>"
            f"<td>{sections.delta(r)}</td><td>{escape(severity_label(r, d))}</td>"
            f"<td>{escape(r.message)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _changes(evaluation: Evaluation) -> str:
    if not evaluation.policy_changes:
        return ""
    rows = "".join(
        f"<tr><td>{escape(c.get('kind', ''))}</td><td><code>{escape(c.get('check', ''))}</code>"
        f"</td><td>{escape(c.get('detail', ''))}</td></tr>"
        for c in evaluation.policy_changes
    )
    return (
        "<h2>Policy changes against the base policy</h2>"
        f"<table><tr><th>change</th><th>check</th><th>detail</th></tr>{rows}</table>"
    )


def _curves(evaluation: Evaluation) -> str:
    curves = evaluation.curves
    if not curves or not any(k in curves for k in ("candidate", "baseline")):
        return ""
    note = (
        ""
        if all(c.get("exact", True) for c in curves.values() if isinstance(c, dict))
        else (
            '<p class="muted">From fine score bins (more distinct scores than the exact '
            "budget).</p>"
        )
    )
    return f"<h2>Model curves</h2>{curves_chart(curves)}{note}"


def _inputs(evaluation: Evaluation) -> str:
    rows = []
    for key, info in evaluation.inputs.items():
        if not isinstance(info, dict) or "sha256" not in info:
            continue
        extra = f" ({num(info['rows'])} rows)" if "rows" in info else ""
        kind = info.get("format") or info.get("kind") or ""
        rows.append(
            f"<tr><td>{escape(key)}</td><td>{escape(info.get('path', ''))}{extra}</td>"
            f"<td>{escape(kind)}</td><td><code>{escape(info['sha256'])}</code></td></tr>"
        )
    head = "<tr><th>input</th><th>path</th><th>format</th><th>sha256</th></tr>"
    return f"<h2>Inputs</h2><table>{head}{''.join(rows)}</table>"


def render(evaluation: Evaluation, now: dt.datetime | None = None) -> str:
    """The page; `now` (the run's time in the banner) defaults to the current time."""
    d = evaluation.decision
    details = "".join(sections.check_section(r, i, d) for i, r in enumerate(d.results))
    notes = "".join(f"<li>{escape(n)}</li>" for n in d.notes)
    title = f"model-gate: {escape(headline(d))} — {escape(evaluation.policy_name)}"
    body = (
        banner(evaluation, now or dt.datetime.now(dt.UTC))
        + "<main><h2>Checks</h2>"
        + checks_table(d)
        + _changes(evaluation)
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + _curves(evaluation)
        + f"<h2>Details</h2>{details}"
        + _inputs(evaluation)
        + f"<p><small>model-gate {escape(evaluation.tool_version)} · seed "
        + f"{escape(evaluation.seed)}</small></p></main>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{' '.join(STYLE.split(chr(10)))}</style></head>"
        f"<body>{body}</body></html>\n"
    )
