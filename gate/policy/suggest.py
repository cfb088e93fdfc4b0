"""'Did you mean' hints: the closest known name, among the names that fit where it stands."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

RATIO, DIFFERENCE = "_ratio", "_difference"


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest option, or ''."""
    close = closest(word, options)
    return f"; did you mean '{close}'?" if close else ""


def closest(word: str, options: Iterable[str]) -> str | None:
    """The option closest to `word`, when one is close enough to suggest."""
    close = difflib.get_close_matches(str(word), sorted(options), n=1, cutoff=0.6)
    return close[0] if close else None


def fitting_metrics(check: Mapping[str, Any], metrics: Iterable[str]) -> list[str]:
    """The metrics (already those of the check's type) that fit the check's bound.

    A named ratio (…_ratio, parity at 1) is judged with `min`, a named difference
    (…_difference, parity at 0) with `max`: a check bounded only by `max` (or declaring
    `aggregate: difference`) is not offered a ratio, and the other way round."""
    wants = _direction(check)
    unfit = {DIFFERENCE: RATIO, RATIO: DIFFERENCE}.get(wants or "")
    return [m for m in metrics if not (unfit and m.endswith(unfit))]


def _direction(check: Mapping[str, Any]) -> str | None:
    aggregate = check.get("aggregate")
    if aggregate in ("ratio", "difference"):
        return f"_{aggregate}"
    has_min, has_max = check.get("min") is not None, check.get("max") is not None
    if has_max and not has_min:
        return DIFFERENCE
    if has_min and not has_max:
        return RATIO
    return None
