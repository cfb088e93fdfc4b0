"""The weak-slices table of a slices check, in report.md and report.html: each reported slice
(weakest first) with its rows, metric, 95% interval, p-value and BH q-value, and how many
slices were tested (all text escaped: slice names come from the data)."""

from __future__ import annotations

from typing import Any

from gate.report.escape import markup, md
from gate.report.md_cells import num, row
from gate.results import CheckResult, fmt
from gate.wording import group_name

HEAD = ("Slice", "Rows", "Value [95% interval]", "p-value", "q-value (BH)")


def markdown(r: CheckResult) -> str:
    """The report.md table, or '' when the check reported no slice."""
    if not r.slices:
        return ""
    lines = ["| " + " | ".join(HEAD) + " |", "|---|---|---|---|---|"]
    for s in r.slices:
        lines.append(
            row(
                md(group_name(s.get("slice") or {})),
                _rows(s, num),
                _value(s, num),
                _p(s.get("p_value"), md),
                _p(s.get("q_value"), md),
            )
        )
    return "\n".join(lines) + f"\n\n{md(_tested(r))}"


def html(r: CheckResult) -> str:
    """The report.html table, or '' when the check reported no slice."""
    if not r.slices:
        return ""
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in HEAD) + "</tr>"]
    for s in r.slices:
        cells = (
            markup(group_name(s.get("slice") or {})),
            _rows(s, _html_num),
            _value(s, _html_num),
            _p(s.get("p_value"), markup),
            _p(s.get("q_value"), markup),
        )
        rows.append('<tr class="fail">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<h4>Weak slices</h4><table>{''.join(rows)}</table><p>{markup(_tested(r))}</p>"


def _html_num(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return markup(fmt(value))
    return "—" if value is None else markup(value)


def _rows(s: dict[str, Any], number: Any) -> str:
    shown = number(s.get("n"))
    if s.get("support") not in (None, s.get("n")):
        shown += f" ({number(s.get('support'))} in the metric)"
    return shown


def _value(s: dict[str, Any], number: Any) -> str:
    ci = s.get("ci")
    shown = number(s.get("value"))
    if isinstance(ci, list | tuple) and len(ci) == 2:
        shown += f" [{number(ci[0])}, {number(ci[1])}]"
    return shown


def _p(value: object, escape: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.3g}"
    return "—" if value is None else escape(value)


def _tested(r: CheckResult) -> str:
    """'2 of 2 reported slice(s) shown, weakest first; 109 slices tested on 6000 rows'."""
    sample = r.sample if isinstance(r.sample, dict) else {}
    reported = sample.get("slices_reported", len(r.slices))
    shown = f"{len(r.slices)} of {reported} reported slice(s) shown, weakest first"
    if sample.get("slices_tested") is not None:
        shown += f"; {sample['slices_tested']} slices tested"
    if sample.get("rows") is not None:
        shown += f" on {sample['rows']} rows probed"
    return shown
