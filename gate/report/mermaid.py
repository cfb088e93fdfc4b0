"""A Mermaid `xychart-beta` block for the pull-request comment (GitHub and GitLab render it):
the per-group values of an unmet fairness check against its bound, kept small.

Only where it helps: a check that is not passed, with groups and a bound to draw. At most
MAX_GROUPS bars, the groups nearest to or furthest past the bound, in the report's order.
The title's "N past the bound" is the number of groups the report's table marks (a group of
equalized odds is past when either rate is); when the drawn rate shows fewer, it says so.

Names are untrusted: `text` keeps letters, digits and a few harmless marks, so no quote,
bracket, backtick, `#` entity, `%%` comment, tag or line break reaches the block; `&` only
before a blank (an intersection's 'sex=F & race=A'), where it cannot start an entity.
"""

from __future__ import annotations

import re

from gate.report.escape import visible
from gate.report.group_bounds import Row, Series, past_labels, series
from gate.results import CheckResult, Status

MAX_GROUPS = 12
MAX_CHARS = 28
_KEEP = frozenset(" _-.=,:/()+'&")
_BARE_AMPERSAND = re.compile("&(?! )")


def text(name: object) -> str:
    """A name as a Mermaid quoted string's content: safe characters only, one short line."""
    shown = "".join(c if c.isalnum() or c in _KEEP else "_" for c in visible(name))
    shown = " ".join(shown.split())
    shown = shown if len(shown) <= MAX_CHARS else shown[: MAX_CHARS - 1] + "…"
    return _BARE_AMPERSAND.sub("_", shown)


def _number(value: float) -> str:
    return f"{value:.4g}"


def _worst(s: Series) -> list[Row]:
    rows = [r for r in s.rows if r.value is not None and r.bound is not None and not r.excluded]
    sign = 1.0 if s.bound_kind == "min" else -1.0
    order = sorted(rows, key=lambda r: sign * (r.value - r.bound))  # type: ignore[operator]
    kept = {id(r) for r in order[:MAX_GROUPS]}
    return [r for r in rows if id(r) in kept]


def _pick(r: CheckResult) -> Series | None:
    """The series with a bound whose groups come nearest to (or go furthest past) it."""
    candidates = [s for s in series(r) if _worst(s)]
    if not candidates:
        return None

    def margin(s: Series) -> float:
        sign = 1.0 if s.bound_kind == "min" else -1.0
        return min(sign * (row.value - row.bound) for row in _worst(s))  # type: ignore[operator]

    return min(candidates, key=margin)


def _past(r: CheckResult, s: Series, rows: list[Row]) -> str:
    """'2 past the bound' as the table marks them, '2 past the bound, 1 of them drawn' when the
    drawn series shows fewer."""
    marked, drawn = len(past_labels(r)), sum(row.past for row in rows)
    return f"{marked} past the bound" + (f", {drawn} of them drawn" if drawn != marked else "")


def group_chart(r: CheckResult) -> str:
    """The fenced block, or '' where a chart would not help."""
    if r.status is Status.PASS or not r.groups:
        return ""
    s = _pick(r)
    if s is None:
        return ""
    rows = _worst(s)
    values = [row.value for row in rows] + [row.bound for row in rows]
    top = max(values) * 1.1 if max(values) > 0 else 1.0  # type: ignore[type-var,operator]
    low = min(0.0, *values)  # type: ignore[arg-type]
    labels = ", ".join(f'"{text(row.label)}"' for row in rows)
    title = f"{text(r.id)}: {text(s.name)} by group (line: bound; {_past(r, s, rows)})"
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            f'    title "{title}"',
            f"    x-axis [{labels}]",
            f'    y-axis "{text(s.name)}" {_number(low)} --> {_number(top)}',
            f"    bar [{', '.join(_number(row.value) for row in rows)}]",  # type: ignore[arg-type]
            f"    line [{', '.join(_number(row.bound) for row in rows)}]",  # type: ignore[arg-type]
            "```",
        ]
    )
