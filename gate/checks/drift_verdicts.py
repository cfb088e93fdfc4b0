"""How one drift statistic becomes drifted / stable / inconclusive, and how columns add up.

A verdict is True (drifted), False (stable) or None (inconclusive: the interval straddles the
threshold). Under `effect_size` a statistic drifts when its whole interval lies above `max`, is
stable when the whole interval lies at or below it; under `p_value` a test drifts when its
(corrected) p-value is below `alpha` and a distance when its value reaches `max` (Evidently's rule).
"""

from __future__ import annotations

from collections.abc import Sequence

Verdict = bool | None


def beyond(value: float | None, ci: tuple[float, float] | None, limit: float) -> Verdict:
    """Effect size: whether `value` (on its interval) exceeds `limit`."""
    if value is None:
        return None
    if ci is None:
        return value > limit
    lo, hi = ci
    if lo > limit:
        return True
    if hi <= limit:
        return False
    return None


def widened(
    value: float | None, ci: tuple[float, float] | None, bound: float | None
) -> tuple[float, float] | None:
    """The interval a value from bins is judged on: its own, widened by the bins' error bound
    (so a column whose bound is too wide to tell comes out inconclusive, never passing)."""
    if not bound or value is None:
        return ci
    lo, hi = ci if ci else (value, value)
    return (lo - bound, hi + bound)


def outside(change: float, ci: tuple[float, float] | None, limit: float) -> Verdict:
    """Whether a signed change (on its interval) lies outside [-limit, limit]."""
    if ci is None:
        return abs(change) > limit
    lo, hi = ci
    if lo > limit or hi < -limit:
        return True
    if -limit <= lo and hi <= limit:
        return False
    return None


def by_p_value(p_adjusted: float | None, alpha: float, inclusive: bool = False) -> Verdict:
    """A test's verdict from its corrected p-value (`inclusive`: at alpha too, as Evidently
    judges K-S); None when there is no p-value."""
    if p_adjusted is None:
        return None
    return p_adjusted <= alpha if inclusive else p_adjusted < alpha


def either(a: Verdict, b: Verdict) -> Verdict:
    """A column drifts when its values or its missing rate drift; inconclusive when one is."""
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def status_of(verdict: Verdict) -> str:
    return {True: "drifted", False: "stable", None: "inconclusive"}[verdict]


def share_verdict(verdicts: Sequence[Verdict], max_share: float) -> tuple[str, float]:
    """("fail" | "inconclusive" | "pass", drifted share) for a set of column verdicts."""
    total = len(verdicts)
    if total == 0:
        return "pass", 0.0
    drifted = sum(v is True for v in verdicts)
    unsure = sum(v is None for v in verdicts)
    share = drifted / total
    if share > max_share:
        return "fail", share
    if (drifted + unsure) / total > max_share:
        return "inconclusive", share
    return "pass", share


def outputs_verdict(verdicts: Sequence[Verdict]) -> str:
    """The model's outputs are judged on their own, not as a share diluted by the features: any
    drifted output fails, any undecided one makes the check inconclusive."""
    if any(v is True for v in verdicts):
        return "fail"
    return "inconclusive" if any(v is None for v in verdicts) else "pass"


def worst(*statuses: str) -> str:
    """fail over inconclusive over pass."""
    order = ("pass", "inconclusive", "fail")
    return max(statuses, key=order.index)
