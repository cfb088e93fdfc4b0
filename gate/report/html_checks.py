"""report.html's per-check details: message, waiver, baseline, groups (every component, with
the chart), drift columns (with the drifted columns' distributions) and data-quality rules."""

from __future__ import annotations

from typing import Any

from gate.report import slices_section
from gate.report.charts import distribution_chart
from gate.report.escape import markup as escape
from gate.report.group_bounds import group_label, past_labels
from gate.report.group_chart import group_chart
from gate.report.importance_section import html_section as importance_section
from gate.report.md_groups import value_heading
from gate.report.robustness_section import html_table as probes_html
from gate.results import CheckResult, Decision, fmt
from gate.wording import (
    baseline_delta,
    blocks,
    group_heading,
    group_name,
    severity_label,
    status_label,
    weight,
)

_BOUND = {"min": "≥", "max": "≤"}


def num(value: object) -> str:
    """A number as reports print it; anything else (a hand-made report.json) escaped."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return escape(fmt(value))
    return "—" if value is None else escape(value)


def _interval(ci: object) -> str:
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return f"[{num(ci[0])}, {num(ci[1])}]"
    return "—"


def _p(value: object) -> str:
    return (
        f"{value:.3g}"
        if isinstance(value, float | int) and not isinstance(value, bool)
        else num(value)
    )


def threshold(r: CheckResult) -> str:
    parts = [f"{_BOUND.get(k) or escape(k)} {num(v)}" for k, v in r.threshold.items()]
    if r.confidence is not None and parts:
        parts.append(f"at {r.confidence:.0%} confidence")
    return " ".join(parts) or "—"


def delta(r: CheckResult) -> str:
    """'+0.0215 better than baseline 0.85' / '0.0215 worse than baseline 0.85'."""
    if r.baseline is None:
        return "—"
    drop = r.baseline.drop
    if not isinstance(drop, int | float) or isinstance(drop, bool):
        return f"{escape(drop)} (baseline {num(r.baseline.value)})"
    return f"{escape(baseline_delta(drop))} {num(r.baseline.value)}"


def status_span(r: CheckResult, d: Decision, tag: str = "span") -> str:
    """The status, coloured by its weight: an inconclusive check that blocks looks like a
    fail (and says it blocks), one that does not like a warning."""
    look = escape(weight(r, d).value)
    shown = escape(status_label(r, d))
    bold = ' style="font-weight:700"' if blocks(r, d) else ""
    return f'<{tag} class="{look}"{bold}>{shown}</{tag}>'


def check_section(r: CheckResult, index: int, d: Decision) -> str:
    """One check's details; `index` keeps its charts' ids apart from the others'."""
    where = f" <small>({escape(r.location)})</small>" if r.location else ""
    facts = _facts(r, d)
    parts = [
        f'<section class="check"><h3>{status_span(r, d)} '
        f"<code>{escape(r.id)}</code></h3><p>{escape(r.message)}{where}</p>",
        f"<ul>{facts}</ul>" if facts else "",
        _waiver(r.waiver),
    ]
    if r.groups:
        parts += [group_chart(r, index) or "", groups_table(r)]
    if r.columns:
        parts.append(columns_section(r, index))
    if r.rules:
        parts.append(rules_table(r))
    if r.features:
        parts.append(importance_section(r, index))
    if r.slices:
        parts.append(slices_section.html(r))
    if r.perturbations:
        parts.append(probes_html(r))
    return "".join(parts) + "</section>"


def _facts(r: CheckResult, d: Decision) -> str:
    items = [f"type {escape(r.type)}, severity {escape(severity_label(r, d))}"]
    if r.n is not None:
        items.append(f"rows: {num(r.n)}")
    if r.error_bound is not None:
        items.append(f"error bound (from bins): ±{num(r.error_bound)}")
    if r.comparison:
        items.append(
            "comparison: " + ", ".join(f"{escape(k)} {escape(v)}" for k, v in r.comparison.items())
        )
    if r.baseline is not None:
        b = r.baseline
        items.append(delta(r) + _relative(b.relative_drop))
    if r.extended_at:
        items.append(f"from {escape(r.extended_at)}")
    return "".join(f"<li>{item}</li>" for item in items)


def _relative(rel: object) -> str:
    if not isinstance(rel, int | float) or isinstance(rel, bool) or rel == 0:
        return ""
    return f" ({abs(rel):.2%} {'worse' if rel > 0 else 'better'}, relative)"


def _waiver(w: dict[str, str] | None) -> str:
    if not w:
        return ""
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(w.get(key, '—'))}</td></tr>"
        for k, key in (
            ("state", "state"),
            ("reason", "reason"),
            ("approver", "approved_by"),
            ("expires", "expires"),
            ("group", "group"),
            ("where", "location"),
        )
        if key in w
    )
    return f"<h4>Waiver</h4><table>{rows}</table>"


def groups_table(r: CheckResult) -> str:
    """Every group: size, value (every component), interval, gap, p-value, marks."""
    past = past_labels(r)
    head = (
        f"<tr><th>group</th><th>n</th><th>{escape(value_heading(r))}</th><th>interval</th>"
        f"<th>{escape(group_heading(r.comparison))}</th><th>p-value</th><th></th></tr>"
    )
    rows = [head]
    for g in r.groups:
        label = group_label(g)
        value = num(g.get("value"))
        if isinstance(g.get("values"), dict):
            value = " / ".join(f"{escape(k)}: {num(v)}" for k, v in g["values"].items())
        marks = [
            m
            for m, on in (("reference", g.get("reference")), ("past the bound", label in past))
            if on
        ]
        if g.get("excluded"):
            marks.append(f"left out: {g.get('excluded_reason', '')}")
        cls = ' class="fail"' if label in past else ""
        rows.append(
            f"<tr{cls}><td>{escape(label)}</td><td>{num(g.get('n'))}</td><td>{value}</td>"
            f"<td>{_interval(g.get('ci'))}</td><td>{num(g.get('disparity'))}</td>"
            f"<td>{_p(g.get('p_value'))}</td><td>{escape('; '.join(marks))}</td></tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def _drift_status(c: dict[str, Any]) -> str:
    status = c.get("status") or {True: "drifted", False: "ok", None: "inconclusive"}.get(
        c.get("drifted"), "—"
    )
    return f'<td class="{escape(status)}">{escape(status)}</td>'


def _missing(m: object) -> str:
    if not isinstance(m, dict):
        return "—"
    shown = f"{num(m.get('reference'))} → {num(m.get('current'))}"
    if m.get("drifted"):
        shown += " (drifted)"
    return shown


def _drifted_groups(c: dict[str, Any]) -> str:
    hits = [g for g in c.get("groups") or () if isinstance(g, dict) and g.get("drifted")]
    return ", ".join(group_name(g.get("group") or {}) + f" ({fmt_num(g)})" for g in hits)


def fmt_num(g: dict[str, Any]) -> str:
    v = g.get("value")
    return fmt(v) if isinstance(v, int | float) and not isinstance(v, bool) else "—"


def columns_section(r: CheckResult, index: int) -> str:
    """The drift columns table, then each drifted column's reference vs current shares."""
    head = (
        "<tr><th>column</th><th>role</th><th>kind</th><th>method</th><th>value</th>"
        "<th>interval</th><th>threshold</th><th>p-value (adjusted)</th><th>missing share</th>"
        "<th>rows ref / cur</th><th>status</th><th>drifted groups</th></tr>"
    )
    rows, charts = [head], []
    for i, c in enumerate(r.columns):
        n = c.get("n") or {}
        bounds = " ".join(
            f"{_BOUND.get(k) or escape(k)} {num(v)}" for k, v in (c.get("threshold") or {}).items()
        )
        rows.append(
            f"<tr><td>{escape(c.get('column', ''))}</td><td>{escape(c.get('role', ''))}</td>"
            f"<td>{escape(c.get('kind', ''))}</td><td>{escape(c.get('method', ''))}</td>"
            f"<td>{num(c.get('value'))}</td><td>{_interval(c.get('ci'))}</td>"
            f"<td>{bounds or '—'}</td>"
            f"<td>{_p(c.get('p_value'))} ({_p(c.get('p_adjusted'))})</td>"
            f"<td>{_missing(c.get('missing'))}</td>"
            f"<td>{num(n.get('reference'))} / {num(n.get('current'))}</td>{_drift_status(c)}"
            f"<td>{escape(_drifted_groups(c))}</td></tr>"
        )
        if c.get("drifted"):
            charts.append(distribution_chart(c, index * 1000 + i) or "")
    shown = (
        f"<h4>Drifted columns: reference vs current</h4>{''.join(charts)}" if any(charts) else ""
    )
    return f"<h4>Columns</h4><table>{''.join(rows)}</table>{shown}"


def _rule_threshold(value: object) -> str:
    if isinstance(value, dict):  # per-column thresholds, e.g. {column: share}
        return ", ".join(f"{escape(k)} {num(v)}" for k, v in value.items())
    return num(value)


def rules_table(r: CheckResult) -> str:
    """Each data-quality rule with its status and the columns at fault."""
    head = (
        "<tr><th>rule</th><th>status</th><th>threshold</th><th>value</th>"
        "<th>columns at fault</th><th>message</th></tr>"
    )
    rows = [head]
    for rule in r.rules:
        status = escape(rule.get("status", ""))
        columns = ", ".join(
            f"{escape(c.get('column', ''))} ({num(c.get('value'))})"
            for c in rule.get("columns") or ()
            if isinstance(c, dict)
        )
        rows.append(
            f'<tr><td>{escape(rule.get("rule", ""))}</td><td class="{status}">{status}</td>'
            f"<td>{_rule_threshold(rule.get('threshold'))}</td>"
            f"<td>{num(rule.get('value'))}</td><td>{columns or '—'}</td>"
            f"<td>{escape(rule.get('message', ''))}</td></tr>"
        )
    return f"<h4>Rules</h4><table>{''.join(rows)}</table>"
