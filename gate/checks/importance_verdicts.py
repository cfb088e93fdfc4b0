"""The verdicts of an importance check on its bootstrap draws (the rules: checks/importance.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from gate.checks.conditions import combine
from gate.checks.importance_changed import MIN_CHANGED_ROWS
from gate.checks.importance_summary import Flagged, Measured, Summary, interval, summarise
from gate.checks.importance_table import features_table
from gate.engine.importance_bootstrap import CARRIED, important, rank_correlation, shares
from gate.engine.resample import percentile_interval
from gate.policy.importance_options import ImportanceOptions
from gate.results import Status, fmt

SKIPPED = "baseline comparison skipped: no baseline model given (when_missing: skip)"


Judged = tuple[list[Status], list[str], float | None, tuple[float, float] | None]


def rank_condition(
    k: int, present: list[str], flagged: Flagged, s: Summary, level: float, own: int | None = None
) -> Judged:
    """max_rank: fail when a flagged input's whole rank interval is within the top k, pass
    when wholly below it (an unranked draw is below every k), else inconclusive; value: the
    best-ranked flagged input's rank (inputs + 1 when none is ranked, as its interval says)."""
    statuses, notes = [], []
    verb = {Status.FAIL: "within", Status.PASS: "below", Status.INCONCLUSIVE: "straddles"}
    n = len(s.inputs)
    own = n if own is None else own  # the candidate's inputs (s may hold a baseline's too)
    for f in present:
        lo, hi = s.rank_ci[f]
        status = (
            Status.FAIL
            if hi <= min(k, n)
            else Status.PASS
            if lo > min(k, n)
            else Status.INCONCLUSIVE
        )
        point = f"ranks {s.rank[f]} of {own} inputs"
        if s.rank[f] is None:
            point = f"is unranked (importance not above 0) among {own} inputs"
        measured, (status, few) = status, too_few(status, f, s)
        statuses.append(status)
        notes.append(
            f"{f} ({flagged.role(f)}) {point} ({level:.0%} interval {_rank_text(lo, hi, n)}): "
            f"{verb[measured]} the top {k}{few}"
        )
    unranked = float(n + 1)  # as in rank_ci: not above 0, below every top k
    if not present:  # none is an input (or probed): each is unranked
        return statuses, notes, unranked, (unranked, unranked)
    worst = min(present, key=lambda f: s.rank[f] or n + 1)
    lo, hi = s.rank_ci[worst]
    return statuses, notes, float(s.rank[worst] or unranked), (float(lo), float(hi))


def too_few(status: Status, f: str, s: Summary) -> tuple[Status, str]:
    """A pass on a flagged input whose shuffles changed fewer than MIN_CHANGED_ROWS rows is
    inconclusive (what changed is too little to tell); the note says so."""
    if f not in s.changed or s.changed[f][1] >= MIN_CHANGED_ROWS or status is Status.FAIL:
        return status, ""
    rows = s.changed[f][1]
    return Status.INCONCLUSIVE, (
        f", but its shuffles changed its value on only {rows:.3g} sampled rows (of its rarest "
        f"value; fewer than {MIN_CHANGED_ROWS}): too few to tell; give rows of each of its "
        "values, or test it with a robustness counterfactual"
    )


def share_condition(limit: float, present: list[str], flagged: Flagged, s: Summary) -> Judged:
    """max_share: pass when a flagged input's share interval is at most the limit, fail when
    wholly above it, else inconclusive; value: the largest flagged share."""
    statuses, notes = [], []
    word = {Status.PASS: "within", Status.FAIL: "above", Status.INCONCLUSIVE: "straddles"}
    for f in present:
        lo, hi = s.share_ci[f]
        status = Status.PASS if hi <= limit else Status.FAIL if lo > limit else Status.INCONCLUSIVE
        measured, (status, few) = status, too_few(status, f, s)
        statuses.append(status)
        notes.append(
            f"{f} ({flagged.role(f)}) has {fmt(s.share[f])} of the importance "
            f"([{fmt(lo)}, {fmt(hi)}]): {word[measured]} max_share {fmt(limit)}{few}"
        )
    if not present:  # none is an input: importance exactly 0
        return statuses, notes, 0.0, (0.0, 0.0)
    worst = max(present, key=s.share.__getitem__)
    return statuses, notes, s.share[worst], s.share_ci[worst]


def _unprobed(flagged: Flagged) -> Judged:
    """A flagged input constant on the probed rows: shuffling it changed nothing, so its
    importance of 0 says nothing about the model: inconclusive."""
    notes = [
        f"{f} ({flagged.role(f)}) takes a single value on the sampled rows: shuffling it "
        "changes nothing, so the model's reliance on it cannot be measured here (use rows "
        "where it varies)"
        for f in flagged.constant
    ]
    return [Status.INCONCLUSIVE] * len(notes), notes, None, None


def judge(
    opts: ImportanceOptions,
    inputs: tuple[str, ...],
    own: tuple[str, ...],
    flagged: Flagged,
    candidate: Measured,
    baseline: Measured | None,
    confidence: float,
) -> tuple[Status, str, dict[str, Any]]:
    """(status, message, CheckResult fields: value, ci, threshold, features). `inputs`: what
    was measured (both models' inputs when compared), `own`: the candidate's. value: the best
    flagged rank under max_rank (inputs + 1: unranked), else the largest flagged share,
    else the rank correlation with the baseline."""
    s = summarise(inputs, candidate, confidence)
    present = [f for f in flagged.names if f in own and f not in flagged.constant]
    absent = [f for f in flagged.names if f not in own]
    statuses, notes, value, ci = [], [], None, None
    if opts.max_share is not None:
        statuses, notes, value, ci = share_condition(opts.max_share, present, flagged, s)
    if opts.max_rank is not None:
        ranked = rank_condition(opts.max_rank, present, flagged, s, confidence, len(own))
        statuses, notes = ranked[0] + statuses, ranked[1] + notes
        value, ci = ranked[2], ranked[3]
    if opts.max_rank is not None or opts.max_share is not None:
        more, lines, _, _ = _unprobed(flagged)
        statuses, notes = statuses + more, notes + lines
    if absent and (opts.max_rank is not None or opts.max_share is not None):
        statuses.append(Status.PASS)
        names = ", ".join(f"{f} ({flagged.role(f)})" for f in absent)
        notes.append(f"{names}: not a model input (importance 0)")
    if opts.compares and baseline is None:
        statuses.append(Status.SKIPPED)
        notes.append(SKIPPED)
    elif opts.compares and baseline is not None:
        more, lines, compared = _baseline(opts, inputs, candidate, baseline, confidence)
        statuses, notes = statuses + more, notes + lines
        if value is None and "rank_correlation" in compared:
            value, ci = compared["rank_correlation"], compared["rank_correlation_ci"]
    features = features_table(s, own, flagged, candidate, baseline, confidence)
    top = ", ".join(f"{f['feature']} {fmt(f['share'])}" for f in features[:3])
    fields = {"value": value, "ci": ci, "threshold": opts.threshold, "features": tuple(features)}
    return combine(statuses), "; ".join(notes) + f" (top inputs by share: {top})", fields


def _rank_text(lo: int, hi: int, inputs: int) -> str:
    def one(r: int) -> str:
        return "unranked" if r > inputs else str(r)

    return f"[{one(lo)}, {one(hi)}]"


def _baseline(
    opts: ImportanceOptions,
    inputs: tuple[str, ...],
    candidate: Measured,
    baseline: Measured,
    confidence: float,
) -> tuple[list[Status], list[str], dict[str, Any]]:
    statuses, notes, out = [], [], {}
    if opts.min_rank_correlation is not None:
        x = opts.min_rank_correlation
        keep = important(candidate.importance, baseline.importance)  # 95 % of either's
        rho = float(rank_correlation(candidate.importance[keep], baseline.importance[keep]))
        pairs = rank_correlation(candidate.draws[:, keep], baseline.draws[:, keep])
        ci = percentile_interval(pairs, confidence)
        if ci is None or not np.isfinite(rho):
            statuses.append(Status.ERROR)
            notes.append(
                f"the rank correlation is undefined over the {int(keep.sum())} inputs holding "
                f"{CARRIED:.0%} of either model's importance (fewer than 2, or an importance "
                "that is constant)"
            )
        else:
            lo, hi = ci
            status = Status.PASS if lo >= x else Status.FAIL if hi < x else Status.INCONCLUSIVE
            statuses.append(status)
            word = {Status.PASS: "at least", Status.FAIL: "below", Status.INCONCLUSIVE: "straddles"}
            notes.append(
                f"rank correlation with the baseline over the {int(keep.sum())} inputs holding "
                f"{CARRIED:.0%} of either model's importance {fmt(rho)} ([{fmt(lo)}, {fmt(hi)}]): "
                f"{word[status]} min_rank_correlation {fmt(x)}"
            )
            out = {"rank_correlation": rho, "rank_correlation_ci": (lo, hi)}
    if opts.max_share_change is not None:
        y = opts.max_share_change
        change = shares(candidate.draws) - shares(baseline.draws)
        point = candidate.share - baseline.share
        per = []
        for i in range(len(inputs)):
            lo, hi = interval(change[:, i], confidence)
            inside, outside = -y <= lo and hi <= y, lo > y or hi < -y
            per.append(Status.PASS if inside else Status.FAIL if outside else Status.INCONCLUSIVE)
        worst = int(np.argmax(np.abs(point)))
        status = combine(per)
        statuses.append(status)
        lo, hi = interval(change[:, worst], confidence)
        word = {Status.PASS: "within", Status.FAIL: "beyond", Status.INCONCLUSIVE: "straddles"}
        bad = [inputs[i] for i, s in enumerate(per) if s is status and status is not Status.PASS]
        named = f" ({', '.join(bad[:5])})" if bad else ""
        notes.append(
            f"largest share change {inputs[worst]} {point[worst]:+.4g} ([{fmt(lo)}, {fmt(hi)}]):"
            f" {word[status]} max_share_change {fmt(y)}{named}"
        )
    return statuses, notes, out
