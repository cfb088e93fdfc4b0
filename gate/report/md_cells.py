"""Table cells of report.md: a row of escaped cells, a number as reports print it."""

from __future__ import annotations

from gate.report.escape import md
from gate.results import fmt


def row(*cells: str) -> str:
    """A table row; every cell must already be escaped (md / md_code / num)."""
    return "| " + " | ".join(cells) + " |"


def num(value: object) -> str:
    """A number as reports print it; anything else (a hand-made report.json) escaped."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return md(fmt(value))
    return "—" if value is None else md(value)
