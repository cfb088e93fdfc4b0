"""Per-group quantities of a fairness result against its bound, for charts (HTML and Mermaid).

What a group is judged on depends on the comparison: with a per-group `disparity` (to a
reference group or to overall) it is that gap against the threshold itself; between groups it is
the group's value against the bound that the lowest (difference) or highest (ratio) group of its
sensitive feature sets: `max - min <= d` holds exactly when every group is at most `min + d`, and
`min / max >= m` exactly when every group is at least `max * m`. A metric with components (both
rates of equalized odds) gets one series per component.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gate.results import CheckResult
from gate.wording import components, group_heading, group_name


@dataclass(frozen=True)
class Row:
    """One group in one series: its plotted number, interval, bound and marks."""

    label: str  # untrusted: "feature=value, ..."
    feature: tuple[str, ...]
    value: float | None
    ci: tuple[float, float] | None
    bound: float | None
    past: bool
    reference: bool
    excluded: bool


@dataclass(frozen=True)
class Series:
    name: str  # untrusted when it is a metric or component name
    rows: tuple[Row, ...]
    bound_kind: str | None  # "min" / "max": which side of the bound passes


def _number(value: object) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


def group_label(g: dict[str, Any]) -> str:
    return group_name(g["group"])


def _bounds(r: CheckResult) -> tuple[str, float] | None:
    for kind in ("min", "max"):
        bound = _number(r.threshold.get(kind))
        if bound is not None:
            return kind, bound
    return None


def _past(value: float | None, kind: str | None, bound: float | None) -> bool:
    if value is None or bound is None:
        return False
    return value < bound if kind == "min" else value > bound


def series(r: CheckResult) -> list[Series]:
    """The judged series of a fairness result; [] without groups."""
    if not r.groups:
        return []
    bounds = _bounds(r)
    if any(_number(g.get("disparity")) is not None for g in r.groups):
        return [_disparity(r, bounds)]
    return [_component(r, name, bounds) for name in _components(r)]


def _components(r: CheckResult) -> list[str]:
    values = next((g["values"] for g in r.groups if isinstance(g.get("values"), dict)), None)
    return list(values) if values else list(components(r.metric)[:1]) or ["value"]


def _disparity(r: CheckResult, bounds: tuple[str, float] | None) -> Series:
    kind, bound = bounds or (None, None)
    rows = []
    for g in r.groups:
        value = _number(g.get("disparity"))
        if g.get("reference") and value is None:
            value = 1.0 if (r.comparison or {}).get("aggregate") == "ratio" else 0.0
        rows.append(_row(g, value, None, bound, _past(value, kind, bound)))
    return Series(group_heading(r.comparison), tuple(rows), kind)


def _row(g: dict[str, Any], value: float | None, ci: Any, bound: float | None, past: bool) -> Row:
    excluded = bool(g.get("excluded"))
    return Row(
        group_label(g),
        tuple(sorted(g["group"])),
        value,
        ci,
        bound,
        past and not excluded,
        bool(g.get("reference")),
        excluded,
    )


def _component(r: CheckResult, name: str, bounds: tuple[str, float] | None) -> Series:
    def value_of(g: dict[str, Any]) -> float | None:
        values = g.get("values")
        return _number(values.get(name) if isinstance(values, dict) else g.get("value"))

    anchors = _feature_bounds(r, value_of, bounds)
    kind = bounds[0] if bounds else None
    rows = []
    for g in r.groups:
        value = value_of(g)
        ci = _interval(g) if value is not None and value == _number(g.get("value")) else None
        bound = anchors.get(tuple(sorted(g["group"])))
        rows.append(_row(g, value, ci, bound, _past(value, kind, bound)))
    return Series(name, tuple(rows), kind)


def _interval(g: dict[str, Any]) -> tuple[float, float] | None:
    ci = g.get("ci")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        low, high = _number(ci[0]), _number(ci[1])
        if low is not None and high is not None:
            return low, high
    return None


def _feature_bounds(r: CheckResult, value_of: Any, bounds: tuple[str, float] | None) -> dict:
    """Between groups: per sensitive feature, the bound every group must stay within."""
    comparison = r.comparison or {"aggregate": "difference", "method": "between_groups"}
    if bounds is None or comparison.get("method") != "between_groups":
        return {}
    kind, limit = bounds
    aggregate = comparison.get("aggregate")
    found: dict[tuple[str, ...], list[float]] = {}
    for g in r.groups:
        value = value_of(g)
        if value is not None and not g.get("excluded"):
            found.setdefault(tuple(sorted(g["group"])), []).append(value)
    if aggregate == "difference" and kind == "max":
        return {f: min(v) + limit for f, v in found.items()}
    if aggregate == "ratio" and kind == "min":
        return {f: max(v) * limit for f, v in found.items()}
    return {}


def past_labels(r: CheckResult) -> set[str]:
    """The groups past the bound in any series."""
    return {row.label for s in series(r) for row in s.rows if row.past}
