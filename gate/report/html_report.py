"""report.html: a self-contained page with the decision, the checks and every group."""

from __future__ import annotations

from gate.report.escape import markup as escape
from gate.report.markdown import disparity_heading
from gate.results import CheckResult, Evaluation, Verdict, fmt

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #d0d7de;padding:4px 8px}
th{background:#f6f8fa;text-align:left}.pass{color:#1a7f37}.fail,.error{color:#cf222e}
.warn,.inconclusive{color:#9a6700}.waived{color:#0969da}code{font-size:12px}"""


def _num(value: object) -> str:
    """A number as reports print it; anything else (a hand-made report.json) escaped."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return escape(fmt(value))
    return "—" if value is None else escape(value)


def _groups(r: CheckResult) -> str:
    head = (
        "<tr><th>group</th><th>n</th><th>value</th><th>interval</th>"
        f"<th>{escape(disparity_heading(r.comparison))}</th><th>p-value</th><th></th></tr>"
    )
    rows = []
    for g in r.groups:
        label = ", ".join(f"{k}={v}" for k, v in g["group"].items())
        ci = f"[{_num(g['ci'][0])}, {_num(g['ci'][1])}]" if "ci" in g else "—"
        note = "reference" if g.get("reference") else g.get("excluded_reason", "")
        p = g.get("p_value")
        p_shown = f"{p:.3g}" if isinstance(p, (int, float)) else _num(p)
        rows.append(
            f"<tr><td>{escape(label)}</td><td>{_num(g.get('n'))}</td><td>{_num(g.get('value'))}"
            f"</td><td>{ci}</td><td>{_num(g.get('disparity'))}</td><td>{p_shown}</td>"
            f"<td>{escape(note)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _check(r: CheckResult) -> str:
    value = _num(r.value) + (f" [{_num(r.ci[0])}, {_num(r.ci[1])}]" if r.ci else "")
    bounds = ", ".join(f"{escape(k)} {_num(v)}" for k, v in r.threshold.items()) or "—"
    status = escape(r.status.value)
    row = (
        f'<tr><td class="{status}">{status}</td><td><code>{escape(r.id)}'
        f"</code></td><td>{escape(r.metric or '—')}</td><td>{value}</td>"
        f"<td>{bounds}</td><td>{escape(r.severity.value)}</td>"
        f"<td>{escape(r.message)}</td></tr>"
    )
    return row


def render(evaluation: Evaluation) -> str:
    """The page; every text from data or policies goes through `markup`, so it neither adds
    tags nor starts a line (the page is two lines: the doctype, then the document)."""
    d = evaluation.decision
    verdict = {
        Verdict.APPROVE: "approved",
        Verdict.BLOCK: "blocked",
        Verdict.REPORT: "report only — no gate decision",
    }[d.verdict]
    checks = "".join(_check(r) for r in d.results)
    groups = "".join(
        f"<h3><code>{escape(r.id)}</code> by group</h3>{_groups(r)}" for r in d.results if r.groups
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in d.notes)
    inputs = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(v['path'])}</td>"
        f"<td><code>{escape(v['sha256'])}</code></td></tr>"
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
        f"<p><small>model-gate {escape(evaluation.tool_version)} · seed {escape(evaluation.seed)}"
        "</small></p></body></html>\n"
    )
