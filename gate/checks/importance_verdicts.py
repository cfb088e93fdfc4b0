"""The verdicts of an importance check on its bootstrap draws (the rules: checks/importance.py),
and the report.json `features` table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gate.checks.conditions import combine
from gate.engine.importance_bootstrap import rank_correlation, ranks, shares
from gate.engine.resample import percentile_interval
from gate.policy.importance_options import ImportanceOptions
from gate.results import Status, fmt

SKIPPED = "baseline comparison skipped: no baseline model given (when_missing: skip)"


@dataclass(frozen=True)
class Flagged:
    """The features the conditions are about: protected attributes, and proxies of them."""

    protected: tuple[str, ...]
    proxies: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.protected, *self.proxies)

    def role(self, name: str) -> str:
        return "protected" if name in self.protected else "proxy"


@dataclass(frozen=True)
class Measured:
    """One model's importance of each input: the point values and (resamples, inputs) draws."""

    importance: np.ndarray
    draws: np.ndarray

    @property
    def share(self) -> np.ndarray:
        return shares(self.importance)


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    ci = percentile_interval(values, confidence, min_valid=0.0)
    return ci if ci is not None else (float("nan"), float("nan"))


def _rank_interval(ranked: np.ndarray, confidence: float) -> tuple[int, int]:
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(ranked, [alpha, 1 - alpha], method="inverted_cdf")
    return int(lo), int(hi)


def _order(m: Measured) -> np.ndarray:
    """Inputs most important first (ties: in the model's order)."""
    return np.argsort(-m.importance, kind="stable")


@dataclass(frozen=True)
class Summary:
    """The candidate's inputs with their point rank (1 = most important) and share, and the
    bootstrap intervals of their rank and share."""

    inputs: tuple[str, ...]
    rank: dict[str, int]
    share: dict[str, float]
    rank_ci: dict[str, tuple[int, int]]
    share_ci: dict[str, tuple[float, float]]


def summarise(inputs: tuple[str, ...], m: Measured, confidence: float) -> Summary:
    rank_draws, share_draws = ranks(m.draws), shares(m.draws)
    order = _order(m)
    return Summary(
        inputs,
        {inputs[i]: place for place, i in enumerate(order, start=1)},
        {f: float(m.share[i]) for i, f in enumerate(inputs)},
        {f: _rank_interval(rank_draws[:, i], confidence) for i, f in enumerate(inputs)},
        {f: _interval(share_draws[:, i], confidence) for i, f in enumerate(inputs)},
    )


Judged = tuple[list[Status], list[str], float | None, tuple[float, float] | None]


def _rank_condition(
    k: int, present: list[str], flagged: Flagged, s: Summary, level: float
) -> Judged:
    """max_rank: fail when a flagged input's whole rank interval is within the top k, pass
    when wholly below it, else inconclusive; value: the best-ranked flagged input's rank."""
    statuses, notes = [], []
    verb = {Status.FAIL: "within", Status.PASS: "below", Status.INCONCLUSIVE: "straddles"}
    for f in present:
        lo, hi = s.rank_ci[f]
        status = Status.FAIL if hi <= k else Status.PASS if lo > k else Status.INCONCLUSIVE
        statuses.append(status)
        notes.append(
            f"{f} ({flagged.role(f)}) ranks {s.rank[f]} of {len(s.inputs)} inputs "
            f"({level:.0%} interval {_rank_text(lo, hi, len(s.inputs))}): "
            f"{verb[status]} the top {k}"
        )
    if not present:  # none is an input: each is unranked (inputs + 1), as a draw at 0 is
        unranked = float(len(s.inputs) + 1)
        return statuses, notes, unranked, (unranked, unranked)
    worst = min(present, key=s.rank.__getitem__)
    return statuses, notes, float(s.rank[worst]), tuple(map(float, s.rank_ci[worst]))


def _share_condition(limit: float, present: list[str], flagged: Flagged, s: Summary) -> Judged:
    """max_share: pass when a flagged input's share interval is at most the limit, fail when
    wholly above it, else inconclusive; value: the largest flagged share."""
    statuses, notes = [], []
    word = {Status.PASS: "within", Status.FAIL: "above", Status.INCONCLUSIVE: "straddles"}
    for f in present:
        lo, hi = s.share_ci[f]
        status = Status.PASS if hi <= limit else Status.FAIL if lo > limit else Status.INCONCLUSIVE
        statuses.append(status)
        notes.append(
            f"{f} ({flagged.role(f)}) has {fmt(s.share[f])} of the importance "
            f"([{fmt(lo)}, {fmt(hi)}]): {word[status]} max_share {fmt(limit)}"
        )
    if not present:  # none is an input: importance exactly 0
        return statuses, notes, 0.0, (0.0, 0.0)
    worst = max(present, key=s.share.__getitem__)
    return statuses, notes, s.share[worst], s.share_ci[worst]


def judge(
    opts: ImportanceOptions,
    inputs: tuple[str, ...],
    flagged: Flagged,
    candidate: Measured,
    baseline: Measured | None,
    confidence: float,
) -> tuple[Status, str, dict[str, Any]]:
    """(status, message, CheckResult fields: value, ci, threshold, features). value: the best
    flagged rank under max_rank (inputs + 1 when none is an input), else the largest flagged
    share, else the rank correlation with the baseline."""
    s = summarise(inputs, candidate, confidence)
    present = [f for f in flagged.names if f in inputs]
    absent = [f for f in flagged.names if f not in inputs]
    statuses, notes, value, ci = [], [], None, None
    if opts.max_share is not None:
        statuses, notes, value, ci = _share_condition(opts.max_share, present, flagged, s)
    if opts.max_rank is not None:
        ranked = _rank_condition(opts.max_rank, present, flagged, s, confidence)
        statuses, notes = ranked[0] + statuses, ranked[1] + notes
        value, ci = ranked[2], ranked[3]
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
    features = _table(s, flagged, candidate, baseline, confidence)
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
        rho = float(rank_correlation(candidate.importance, baseline.importance))
        ci = percentile_interval(rank_correlation(candidate.draws, baseline.draws), confidence)
        if ci is None or not np.isfinite(rho):
            statuses.append(Status.ERROR)
            notes.append("the rank correlation is undefined (an importance that is constant)")
        else:
            lo, hi = ci
            status = Status.PASS if lo >= x else Status.FAIL if hi < x else Status.INCONCLUSIVE
            statuses.append(status)
            word = {Status.PASS: "at least", Status.FAIL: "below", Status.INCONCLUSIVE: "straddles"}
            notes.append(
                f"rank correlation with the baseline {fmt(rho)} ([{fmt(lo)}, {fmt(hi)}]): "
                f"{word[status]} min_rank_correlation {fmt(x)}"
            )
            out = {"rank_correlation": rho, "rank_correlation_ci": (lo, hi)}
    if opts.max_share_change is not None:
        y = opts.max_share_change
        change = shares(candidate.draws) - shares(baseline.draws)
        point = candidate.share - baseline.share
        per = []
        for i in range(len(inputs)):
            lo, hi = _interval(change[:, i], confidence)
            inside, outside = -y <= lo and hi <= y, lo > y or hi < -y
            per.append(Status.PASS if inside else Status.FAIL if outside else Status.INCONCLUSIVE)
        worst = int(np.argmax(np.abs(point)))
        status = combine(per)
        statuses.append(status)
        lo, hi = _interval(change[:, worst], confidence)
        word = {Status.PASS: "within", Status.FAIL: "beyond", Status.INCONCLUSIVE: "straddles"}
        bad = [inputs[i] for i, s in enumerate(per) if s is status and status is not Status.PASS]
        named = f" ({', '.join(bad[:5])})" if bad else ""
        notes.append(
            f"largest share change {inputs[worst]} {point[worst]:+.4g} ([{fmt(lo)}, {fmt(hi)}]):"
            f" {word[status]} max_share_change {fmt(y)}{named}"
        )
    return statuses, notes, out


def _table(
    s: Summary,
    flagged: Flagged,
    candidate: Measured,
    baseline: Measured | None,
    confidence: float,
) -> list[dict[str, Any]]:
    """report.json `features`: every input most important first, then the protected
    attributes and proxies that are not inputs (importance 0, rank null)."""
    base = summarise(s.inputs, baseline, confidence) if baseline is not None else None
    rows = []
    for i in _order(candidate):
        f = s.inputs[i]
        row: dict[str, Any] = {
            "feature": f,
            "importance": float(candidate.importance[i]),
            "ci": list(_interval(candidate.draws[:, i], confidence)),
            "share": s.share[f],
            "share_ci": list(s.share_ci[f]),
            "rank": s.rank[f],
            "rank_ci": list(s.rank_ci[f]),
            "protected": f in flagged.protected,
            "proxy": f in flagged.proxies,
            "input": True,
        }
        if baseline is not None and base is not None:
            row["baseline"] = {
                "importance": float(baseline.importance[i]),
                "share": base.share[f],
                "rank": base.rank[f],
            }
        rows.append(row)
    for f in flagged.names:
        if f not in s.inputs:
            rows.append(
                {
                    "feature": f,
                    "importance": 0.0,
                    "ci": [0.0, 0.0],
                    "share": 0.0,
                    "share_ci": [0.0, 0.0],
                    "rank": None,
                    "rank_ci": None,
                    "protected": f in flagged.protected,
                    "proxy": f in flagged.proxies,
                    "input": False,
                }
            )
    return rows
