"""The importance table of a `type: importance` result (report.md and report.html) and its
horizontal bar chart with intervals (report.html): the 15 most important inputs, plus every
protected attribute and proxy wherever it ranks. Names are untrusted: escaped for each medium."""

from __future__ import annotations

from typing import Any

import numpy as np

from gate.report.charts import BASELINE, CANDIDATE, OK, PAST, figure, inline, label
from gate.report.escape import markup, md
from gate.report.md_cells import num, row
from gate.results import CheckResult, fmt

TOP = 15


def shown(r: CheckResult) -> list[dict[str, Any]]:
    """The top TOP entries and every protected attribute / proxy below them."""
    return [f for i, f in enumerate(r.features) if i < TOP or f.get("protected") or f.get("proxy")]


def _role(f: dict[str, Any]) -> str:
    role = "protected" if f.get("protected") else "proxy" if f.get("proxy") else ""
    return role + (" (not an input)" if f.get("input") is False else "")


def _pair(ci: object) -> str:
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return f"[{fmt(ci[0])}, {fmt(ci[1])}]"
    return "—"


def _rank(f: dict[str, Any]) -> str:
    rank = f.get("rank")
    return "—" if rank is None else str(rank)


def _baseline(f: dict[str, Any]) -> str:
    base = f.get("baseline")
    if not isinstance(base, dict):
        return ""
    return f"{fmt(base.get('share'))} (rank {base.get('rank')})"


def _measure(r: CheckResult) -> str:
    """What `importance` is: the permutation measure judged, or SHAP's."""
    sample = r.sample or {}
    return "mean |SHAP|" if sample.get("method") == "shap" else str(sample.get("measure", ""))


def _other(r: CheckResult) -> str | None:
    """The permutation measure shown beside the judged one (its key in `features`), if any."""
    if not any("metric_drop" in f for f in r.features):
        return None
    return "metric_drop" if (r.sample or {}).get("measure") == "reliance" else "reliance"


def markdown_table(r: CheckResult) -> str:
    """report.md: rank, feature, importance [interval], share [interval], role (and the
    other permutation measure, and the baseline's share, when there are)."""
    if not r.features:
        return ""
    compared, other = any("baseline" in f for f in r.features), _other(r)
    what = f" ({md(_measure(r))})" if _measure(r) else ""
    head = f"| Rank | Feature | Importance{what} [interval] | Share [interval] | Role |"
    head += f" {md(other.replace('_', ' ').capitalize())} |" if other else ""
    lines = [
        head + (" Baseline share |" if compared else ""),
        "|---" * (5 + compared + bool(other)) + "|",
    ]
    for f in shown(r):
        cells = [
            md(_rank(f)),
            md(f.get("feature", "")),
            f"{num(f.get('importance'))} {md(_pair(f.get('ci')))}",
            f"{num(f.get('share'))} {md(_pair(f.get('share_ci')))}",
            md(_role(f)) or "—",
            *([num(f.get(other)) if other in f else "—"] if other else []),
        ]
        lines.append(row(*cells, *([md(_baseline(f)) or "—"] if compared else [])))
    more = len(r.features) - len(shown(r))
    tail = f"\n\n{more} more input(s) not shown (see report.json)" if more > 0 else ""
    return "\n".join(lines) + tail


def html_section(r: CheckResult, index: int) -> str:
    """report.html: the chart, then the table."""
    if not r.features:
        return ""
    compared, other = any("baseline" in f for f in r.features), _other(r)
    what = f" ({markup(_measure(r))})" if _measure(r) else ""
    head = f"<tr><th>rank</th><th>feature</th><th>importance{what}</th><th>interval</th>"
    head += "<th>share</th><th>share interval</th><th>role</th>"
    head += f"<th>{other.replace('_', ' ')}</th>" if other else ""
    head += "<th>baseline share (rank)</th></tr>" if compared else "</tr>"
    rows = [head]
    for f in shown(r):
        cells = [
            _rank(f),
            f.get("feature", ""),
            fmt(f.get("importance")),
            _pair(f.get("ci")),
            fmt(f.get("share")),
            _pair(f.get("share_ci")),
            _role(f) or "—",
            *([fmt(f.get(other)) if other in f else "—"] if other else []),
            *([_baseline(f) or "—"] if compared else []),
        ]
        rows.append("<tr>" + "".join(f"<td>{markup(c)}</td>" for c in cells) + "</tr>")
    chart = importance_chart(r, index) or ""
    return f"<h4>Feature importance</h4>{chart}<table>{''.join(rows)}</table>"


def importance_chart(r: CheckResult, index: int) -> str | None:
    """Horizontal bars (most important on top) with the interval as whiskers; protected
    attributes and proxies in red, the baseline's importance as a grey tick."""
    entries = [f for f in shown(r) if isinstance(f.get("importance"), int | float)]
    if not entries:
        return None
    y = np.arange(len(entries))[::-1]
    with figure(f"importance-{index}", 6.4, 0.28 * len(entries) + 1.0) as fig:
        ax = fig.subplots()
        flagged = [bool(f.get("protected") or f.get("proxy")) for f in entries]
        values = [float(f["importance"]) for f in entries]
        ax.barh(y, values, color=[PAST if b else CANDIDATE for b in flagged], height=0.6)
        for yi, f in zip(y, entries, strict=True):
            ci = f.get("ci")
            if isinstance(ci, list | tuple) and len(ci) == 2:
                ax.plot(ci, [yi, yi], color=OK, lw=1.2)
                ax.plot(ci, [yi, yi], "|", color=OK, ms=6)
            base = f.get("baseline")
            if isinstance(base, dict) and isinstance(base.get("importance"), int | float):
                ax.plot([base["importance"]], [yi], "|", color=BASELINE, ms=12, mew=2)
        names = [
            label(f.get("feature", "")) + (" (not an input)" if f.get("input") is False else "")
            for f in entries
        ]
        ax.set_yticks(y, names)
        for tick, bad in zip(ax.get_yticklabels(), flagged, strict=True):
            tick.set_color(PAST if bad else OK)
        ax.axvline(0, color=OK, lw=0.8)
        sample = r.sample or {}
        metric = sample.get("metric") or "importance"
        measure = "mean |SHAP|" if sample.get("method") == "shap" else sample.get("measure")
        text = "reliance: mean output change when shuffled" if measure == "reliance" else ""
        text = text or (f"drop of {metric}" if measure == "metric" else measure or metric)
        if any("changed_rows" in f for f in entries):  # protected / proxies: per changed row
            text += "; protected and proxies per row their shuffle changed"
        ax.set_xlabel(f"importance: {label(text)}")
        ax.grid(axis="x", alpha=0.3)
        return inline(fig, f"{label(r.id)}: feature importance")
