"""The probes table of a robustness check, for report.md and report.html: each probe (noise
on an input, a monotonicity grid, a counterfactual attribute and its groups) with what it
changed, the rows probed, the flip or violation rate with its interval, the largest score
change and its verdict. Every value from report.json is untrusted: escaped here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gate.report.escape import markup, md
from gate.results import CheckResult, fmt
from gate.wording import group_name

HEAD = ("Probe", "Feature", "Change", "Rows", "Rate [interval]", "Max score change", "Status")


def _num(value: object) -> str:
    return fmt(value) if isinstance(value, int | float) and not isinstance(value, bool) else "—"


def _rate(item: dict[str, Any], count: str) -> str:
    rows = item.get("changed", item.get("rows", item.get("n")))  # noise: the rows it changed
    if count not in item or not rows:
        return "—"
    shown = f"{_num(item[count] / rows)} ({item[count]} of {rows})"
    ci = item.get("ci")
    if isinstance(ci, list) and len(ci) == 2:
        shown += f" [{_num(ci[0])}, {_num(ci[1])}]"
    return shown


def _change(e: dict[str, Any]) -> str:
    if e.get("status") == "skipped":
        return f"skipped: {e.get('reason', '')}"
    if e.get("probe") == "monotonic":
        grid = e.get("grid") or []
        ends = f"{_num(grid[0])} … {_num(grid[-1])}" if grid else ""
        return f"must be {e.get('direction', '')} over {len(grid)} points {ends}"
    if e.get("probe") == "counterfactual":
        proxies = e.get("proxies") or []
        moved = f", with {', '.join(map(str, proxies))}" if proxies else ""
        return f"set to each of {', '.join(map(str, e.get('values') or []))}{moved}"
    noise = e.get("noise") or {}
    parts = [f"±{_num(v)} {k}" for k, v in noise.items()]
    if e.get("swap"):
        parts.append("swap among " + ", ".join(map(str, e["swap"])))
    if e.get("range"):
        parts.append(f"within [{_num(e['range'][0])}, {_num(e['range'][1])}]")
    return "; ".join(parts) or "every perturbed input at once"


def rows(r: CheckResult) -> Iterator[tuple[str, ...]]:
    """The table's rows as plain (unescaped) text: each probe, then its groups."""
    for e in r.perturbations:
        feature = "all at once" if e.get("feature") == "*" else str(e.get("feature", ""))
        count = "violations" if e.get("probe") == "monotonic" else "flips"
        yield (
            str(e.get("probe", "")),
            feature,
            _change(e),
            _num(e.get("rows")),
            _rate(e, count),
            _num(e.get("max_score_change")),
            str(e.get("status", "")),
        )
        for g in e.get("groups") or ():
            name = group_name({feature: g.get("value", "")})
            rate = _rate(g, "flips")
            yield ("", f"↳ {name}", "", _num(g.get("n")), rate, "", str(g.get("status", "")))


def _table(r: CheckResult, cell: Callable[[str], str]) -> list[list[str]]:
    return [[cell(c) for c in line] for line in rows(r)]


def markdown_table(r: CheckResult) -> str:
    """The probes of a robustness result as a Markdown table ('' for other checks)."""
    if not r.perturbations:
        return ""
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    lines += ["| " + " | ".join(line) + " |" for line in _table(r, md)]
    return "\n".join(lines)


def html_table(r: CheckResult) -> str:
    """The probes of a robustness result as an HTML table ('' for other checks)."""
    if not r.perturbations:
        return ""
    head = "".join(f"<th>{markup(h)}</th>" for h in HEAD)
    body = []
    for line in _table(r, markup):
        look = f' class="{line[-1]}"' if line[-1] in ("fail", "inconclusive", "error") else ""
        body.append(f"<tr{look}>" + "".join(f"<td>{c}</td>" for c in line) + "</tr>")
    return f"<h4>Probes</h4><table><tr>{head}</tr>{''.join(body)}</table>"
