"""Re-judging a report's baseline comparisons from what the report itself states: a
performance check's `baseline` object and every `groups[*].baseline[*]` entry of a fairness
check, each against the rule written beside it (`max_drop`, `max_relative_drop`) or, when a
trusted policy is given, against the policy's rule (gate.report.pinning).

Numbers in report.json carry 12 significant digits (gate.results.SIGNIFICANT), so a delta or drop
recomputed from the rounded values may differ from the one written by up to a unit in the 12th
digit of the larger value: comparisons allow exactly that much."""

from __future__ import annotations

import math
from typing import Any

from gate.checks.conditions import combine, compare_baseline, judge_baseline
from gate.engine.two_sample import MIN_CLASS_ROWS, MIX_ALPHA, mix_p
from gate.policy.model import BaselineRule
from gate.results import RULE_KEYS, BaselineComparison, CheckResult, Status
from gate.wording import group_name

BY_GROUPS = "judged by its groups' comparisons with the baseline"
ROUNDING = 1e-11  # relative: what 12 significant digits leave, with a margin


def follows(value: float, stated: BaselineComparison, greater_is_better: bool) -> bool:
    """Whether the stated delta, drop and relative drop follow from the value and baseline."""
    expected = compare_baseline(value, stated.value, greater_is_better)
    tol = ROUNDING * max(abs(value), abs(stated.value))  # relative at every magnitude
    pairs = [(expected.delta, stated.delta, tol), (expected.drop, stated.drop, tol)]
    if (expected.relative_drop is None) != (stated.relative_drop is None):
        return False
    if expected.relative_drop is not None and stated.relative_drop is not None:
        rel_tol = tol / abs(stated.value) + ROUNDING * abs(expected.relative_drop)
        pairs.append((expected.relative_drop, stated.relative_drop, rel_tol))
    return all(math.isclose(x, y, rel_tol=0.0, abs_tol=t) for x, y, t in pairs)


def stated_rule(bounds: dict[str, Any] | None, confidence: float | None) -> BaselineRule | None:
    """The rule a comparison says it was judged against; None when it states none."""
    bounds = {k: bounds[k] for k in RULE_KEYS if bounds and bounds.get(k) is not None}
    return BaselineRule(**bounds, confidence=confidence) if bounds else None


def group_verdicts(
    r: CheckResult, trusted: BaselineRule | None = None
) -> tuple[Status, list[str]] | None:
    """The verdict the gate gives a fairness check's per-group comparisons (the worst over the
    groups not left out) and the problems found in its entries; None when it states none."""
    statuses: list[Status] = []
    problems: list[str] = []
    found = False
    for g in r.groups:
        for entry in g.get("baseline") or ():
            found = True
            status, problem = _entry_verdict(entry, g.get("group") or {}, trusted)
            if problem:
                problems.append(problem)
            if not g.get("excluded"):
                statuses.append(status)
    return (combine(statuses), problems) if found else None


def _entry_verdict(
    entry: dict[str, Any], group: dict[str, str], trusted: BaselineRule | None
) -> tuple[Status, str | None]:
    """One group's comparison on one metric: the status the gate gives it, and why the entry's
    own status cannot be (None when it can)."""
    where = f"group {group_name(group)} ({entry.get('metric')})"
    rule = trusted or stated_rule(entry, entry.get("confidence"))
    if rule is None:
        return (
            Status.ERROR,
            f"{where} states a baseline comparison but not the rule it was judged by",
        )
    if entry.get("drop") is None or entry.get("value") is None:
        judged = Status.ERROR
    else:
        ci, rel = entry.get("ci"), entry.get("relative_ci")
        cmp = BaselineComparison(
            entry["value"],
            0.0,
            entry["drop"],
            entry.get("relative_drop"),
            rule.confidence if trusted else entry.get("confidence"),
            tuple(ci) if ci else None,
            tuple(rel) if rel else None,
        )
        if trusted and trusted.confidence is not None and cmp.ci is None:
            return Status.ERROR, f"{where} states no interval, and the policy's baseline is paired"
        judged, _ = judge_baseline(rule, cmp)
    stated = _status(entry.get("status"))
    if stated is None or RANK.get(stated, 9) < RANK[judged]:
        return judged, f"{where} says {entry.get('status')}, but its numbers give {judged.value}"
    return judged, None


RANK = {Status.PASS: 0, Status.INCONCLUSIVE: 1, Status.FAIL: 2, Status.ERROR: 3}


def _status(word: object) -> Status | None:
    try:
        return Status(str(word))
    except ValueError:
        return None


def judge_stated(
    value: float, stated: BaselineComparison, rule: BaselineRule, greater_is_better: bool
) -> tuple[Status, list[str], str | None]:
    """A performance check's comparison judged again from report.json: the status its numbers
    give, capped by its recorded mix tests (two-sample), the notes, and the first problem
    found in the mix record (None)."""
    judged, notes = judge_baseline(rule, stated)
    cap, problems = mix_verdict(value, stated, rule, greater_is_better)
    if cap is not None and RANK[judged] < RANK[cap]:
        judged, notes = cap, [*notes, "a group-mix difference holds it back (baseline.mix)"]
    return judged, notes, problems[0] if problems else None


def mix_verdict(
    value: float, stated: BaselineComparison, rule: BaselineRule, greater_is_better: bool
) -> tuple[Status | None, list[str]]:
    """A two-sample comparison's recorded mix tests (`baseline.mix`, review12e #7/#8) and
    rows of the rarer class (`baseline.rarer_class_rows`) judged again: the cap they put on
    its status (INCONCLUSIVE when one holds the verdict back; None) and the problems found in
    the mix record. Each test's p is computed again from its shares and rows
    and held against MIX_ALPHA; a difference called immaterial must state the re-weighted
    baseline, and that baseline must give the comparison's own verdict."""
    cap: Status | None = None
    problems: list[str] = []
    rarer = stated.rarer_class_rows
    if rarer is not None and min(rarer) < MIN_CLASS_ROWS:
        cap = Status.INCONCLUSIVE  # too few of a class for the interval (review12d #13)
    base, _ = judge_baseline(rule, stated)
    for m in stated.mix:
        where = f"baseline.mix column {m.get('column')!r}"
        try:
            p = mix_p(m["shares"], (int(m["rows"][0]), int(m["rows"][1])))
        except (KeyError, TypeError, ValueError, IndexError):
            problems.append(f"{where} states no shares and rows to test again")
            cap = Status.INCONCLUSIVE
            continue
        if (p < MIX_ALPHA) != (float(m.get("p", 1.0)) < MIX_ALPHA) or m.get("alpha") != MIX_ALPHA:
            problems.append(f"{where} states p {m.get('p')}, its shares and rows give {p:.3g}")
        if p >= MIX_ALPHA:
            continue
        material = m.get("material") is not False or not _same(
            value, stated, rule, greater_is_better, m.get("reweighted_baseline"), base
        )
        if material:
            cap = Status.INCONCLUSIVE
            if m.get("held_back") is not True:
                problems.append(f"{where} differs (p {p:.3g}) and changes the verdict: held back")
    return cap, problems


def _same(
    value: float,
    stated: BaselineComparison,
    rule: BaselineRule,
    greater_is_better: bool,
    reweighted: object,
    verdict: Status,
) -> bool:
    """Whether the comparison with the live model re-weighted to the candidate's mix (its
    interval moved by the drop's shift) gets `verdict`."""
    if not isinstance(reweighted, (int, float)) or not math.isfinite(reweighted):
        return False
    point = compare_baseline(value, float(reweighted), greater_is_better)
    shift = point.drop - stated.drop
    ci = (stated.ci[0] + shift, stated.ci[1] + shift) if stated.ci else None
    rel = stated.relative_ci
    if rel is not None and point.relative_drop is not None:
        move = point.relative_drop - (stated.relative_drop or 0.0)
        rel = (rel[0] + move, rel[1] + move)
    moved = BaselineComparison(
        point.value, point.delta, point.drop, point.relative_drop, stated.confidence, ci, rel
    )
    return judge_baseline(rule, moved)[0] is verdict
