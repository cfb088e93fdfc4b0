"""The per-group dot chart of a fairness result in report.html (see gate.report.charts)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gate.report.charts import CANDIDATE, LEFT_OUT, OK, PAST, figure, inline, label
from gate.report.group_bounds import Row, Series, series
from gate.results import CheckResult

MAX_ROWS = 60  # groups drawn; the table below the chart lists every group


def group_chart(r: CheckResult, index: int) -> str | None:
    """Dots with interval whiskers per group, one panel per judged series (and the values
    beside a disparity panel), the bound drawn, groups past it in red, the reference marked."""
    judged = series(r)
    if not judged:
        return None
    panels = _panels(r, judged)
    past = {row.label for s in judged for row in s.rows if row.past}
    rows = panels[0].rows[:MAX_ROWS]
    height = 0.26 * len(rows) + 1.1
    with figure(f"groups-{index}", 3.4 * len(panels) + 1.6, height) as fig:
        axes = np.atleast_1d(fig.subplots(1, len(panels), sharey=True))
        for ax, panel in zip(axes, panels, strict=True):
            _panel(ax, panel, past)
        y = np.arange(len(rows))[::-1]
        axes[0].set_yticks(y, [_name(row) for row in rows])
        for tick, row in zip(axes[0].get_yticklabels(), rows, strict=True):
            tick.set_color(PAST if row.label in past else (LEFT_OUT if row.excluded else OK))
        axes[0].set_ylim(-0.7, len(rows) - 0.3)
        return inline(fig, f"{label(r.id)} by group")


def _panels(r: CheckResult, judged: list[Series]) -> list[Series]:
    """A disparity series is shown beside the groups' own values (with their intervals)."""
    if len(judged) == 1 and judged[0].name != (r.metric or "value") and _has_values(r):
        values = tuple(
            Row(row.label, row.feature, _value(g), _ci(g), None, False, row.reference, row.excluded)
            for row, g in zip(judged[0].rows, r.groups, strict=True)
        )
        return [Series(r.metric or "value", values, None), judged[0]]
    return judged


def _has_values(r: CheckResult) -> bool:
    return any(_value(g) is not None for g in r.groups)


def _value(g: dict[str, Any]) -> float | None:
    v = g.get("value")
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _ci(g: dict[str, Any]) -> tuple[float, float] | None:
    ci = g.get("ci")
    return (float(ci[0]), float(ci[1])) if isinstance(ci, list | tuple) and len(ci) == 2 else None


def _name(row: Row) -> str:
    mark = " (reference)" if row.reference else (" (left out)" if row.excluded else "")
    return label(row.label) + mark


def _panel(ax: Any, panel: Series, past: set[str]) -> None:
    rows = panel.rows[:MAX_ROWS]
    y = np.arange(len(rows))[::-1]
    for yi, row in zip(y, rows, strict=True):
        if row.value is None:
            continue
        colour = PAST if row.label in past else (LEFT_OUT if row.excluded else CANDIDATE)
        if row.ci is not None:
            ax.plot(row.ci, [yi, yi], color=colour, lw=1.4, alpha=0.6, solid_capstyle="butt")
            ax.plot(row.ci, [yi, yi], "|", color=colour, ms=7)
        marker = "D" if row.reference else "o"
        ax.plot([row.value], [yi], marker, color=colour, ms=6 if row.reference else 5)
    _bound_marks(ax, rows, y)
    ax.set_title(label(panel.name))
    ax.grid(axis="x", alpha=0.3)


def _bound_marks(ax: Any, rows: tuple[Row, ...], y: np.ndarray) -> None:
    """The threshold: one line when every group shares it, else a segment per feature."""
    bounds = {row.bound for row in rows if row.bound is not None}
    if len(bounds) == 1:
        ax.axvline(bounds.pop(), color=PAST, ls="--", lw=1.2)
        return
    for feature in dict.fromkeys(row.feature for row in rows):
        mine = [(yi, row.bound) for yi, row in zip(y, rows, strict=True) if row.feature == feature]
        bound = next((b for _, b in mine if b is not None), None)
        if bound is not None:
            ys = [yi for yi, _ in mine]
            ax.plot([bound, bound], [min(ys) - 0.4, max(ys) + 0.4], "--", color=PAST, lw=1.2)
