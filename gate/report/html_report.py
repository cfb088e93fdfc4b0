"""report.html: a self-contained page with the decision, the checks and every group."""

from __future__ import annotations

from html import escape

from gate.report.markdown import disparity_heading
from gate.results import CheckResult, Evaluation, Verdict, fmt

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #d0d7de;padding:4px 8px}
th{background:#f6f8fa;text-align:left}.pass{color:#1a7f37}.fail,.error{color:#cf222e}
.warn,.inconclusive{color:#9a6700}.waived{color:#0969da}code{font-size:12px}"""


def _num(value: float | None) -> str:
    return "—" if value is None else fmt(value)


def _groups(r: CheckResult) -> str:
    head = (
        "<tr><th>group</th><th>n</th><th>value</th><th>interval</th>"
        f"<th>{escape(disparity_heading(r.comparison))}</th><th>p-value</th><th></th></tr>"
    )
    rows = []
    for g in r.groups:
        label = ", ".join(f"{k}={v}" for k, v in g["group"].items())
        ci = f"[{fmt(g['ci'][0])}, {fmt(g['ci'][1])}]" if "ci" in g else "—"
        note = "reference" if g.get("reference") else g.get("excluded_reason", "")
        p = f"{g['p_value']:.3g}" if "p_value" in g else "—"
        rows.append(
            f"<tr><td>{escape(label)}</td><td>{g['n']}</td><td>{_num(g['value'])}</td>"
            f"<td>{ci}</td><td>{_num(g.get('disparity'))}</td><td>{p}</td>"
            f"<td>{escape(note)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _check(r: CheckResult) -> str:
    value = _num(r.value) + (f" [{fmt(r.ci[0])}, {fmt(r.ci[1])}]" if r.ci else "")
    bounds = ", ".join(f"{k} {fmt(v)}" for k, v in r.threshold.items()) or "—"
    row = (
        f'<tr><td class="{r.status.value}">{r.status.value}</td><td><code>{escape(r.id)}'
        f"</code></td><td>{escape(r.metric or '—')}</td><td>{value}</td>"
        f"<td>{escape(bounds)}</td><td>{r.severity.value}</td>"
        f"<td>{escape(r.message)}</td></tr>"
    )
    return row


def render(evaluation: Evaluation) -> str:
    """The page; every text from data or policies is HTML-escaped."""
    d = evaluation.decision
    verdict = "approved" if d.verdict is Verdict.APPROVE else "blocked"
    checks = "".join(_check(r) for r in d.results)
    groups = "".join(
        f"<h3><code>{escape(r.id)}</code> by group</h3>{_groups(r)}" for r in d.results if r.groups
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in d.notes)
    inputs = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(v['path'])}</td>"
        f"<td><code>{v['sha256']}</code></td></tr>"
        for k, v in evaluation.inputs.items()
        if isinstance(v, dict) and "sha256" in v
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>model-gate: {verdict} — {escape(evaluation.policy_name)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<h1>model-gate: {verdict} — {escape(evaluation.policy_name)}</h1>"
        "<table><tr><th>status</th><th>check</th><th>metric</th><th>value</th><th>bounds</th>"
        f"<th>severity</th><th>message</th></tr>{checks}</table>{groups}"
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + f"<h2>Inputs</h2><table>{inputs}</table>"
        f"<p><small>model-gate {escape(evaluation.tool_version)} · seed {evaluation.seed}"
        "</small></p></body></html>\n"
    )
