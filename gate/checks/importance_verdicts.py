"""The verdicts of an importance check on its bootstrap draws (the rules: checks/importance.py),
and the report.json `features` table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gate.checks.conditions import combine
from gate.engine.importance_bootstrap import important, rank_correlation, ranks, shares
from gate.engine.resample import percentile_interval
from gate.policy.importance_options import ImportanceOptions
from gate.results import Status, fmt

SKIPPED = "baseline comparison skipped: no baseline model given (when_missing: skip)"


@dataclass(frozen=True)
class Flagged:
    """The features the conditions are about: protected attributes, and proxies of them."""

    protected: tuple[str, ...]
    proxies: tuple[str, ...]
    constant: tuple[str, ...] = ()  # inputs among them whose values do not vary on the rows

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.protected, *self.proxies)

    def role(self, name: str) -> str:
        return "protected" if name in self.protected else "proxy"


@dataclass(frozen=True)
class Measured:
    """One model's importance of each input: the point values and (resamples, inputs) draws of
    the measure judged, and the point values of each measure shown (reliance, metric_drop)."""

    importance: np.ndarray
    draws: np.ndarray
    shown: dict[str, np.ndarray] = field(default_factory=dict)

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
    """The inputs with their point rank (1 = most important; None: importance not above 0,
    unranked) and share, and the bootstrap intervals of their rank (inputs + 1: unranked) and
    share."""

    inputs: tuple[str, ...]
    rank: dict[str, int | None]
    share: dict[str, float]
    rank_ci: dict[str, tuple[int, int]]
    share_ci: dict[str, tuple[float, float]]


def summarise(inputs: tuple[str, ...], m: Measured, confidence: float) -> Summary:
    rank_draws, share_draws = ranks(m.draws), shares(m.draws)
    order = _order(m)
    return Summary(
        inputs,
        {
            inputs[i]: place if m.importance[i] > 0 else None
            for place, i in enumerate(order, start=1)
        },
        {f: float(m.share[i]) for i, f in enumerate(inputs)},
        {f: _rank_interval(rank_draws[:, i], confidence) for i, f in enumerate(inputs)},
        {f: _interval(share_draws[:, i], confidence) for i, f in enumerate(inputs)},
    )


Judged = tuple[list[Status], list[str], float | None, tuple[float, float] | None]


def _rank_condition(
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
        statuses.append(status)
        point = f"ranks {s.rank[f]} of {own} inputs"
        if s.rank[f] is None:
            point = f"is unranked (importance not above 0) among {own} inputs"
        notes.append(
            f"{f} ({flagged.role(f)}) {point} ({level:.0%} interval {_rank_text(lo, hi, n)}): "
            f"{verb[status]} the top {k}"
        )
    unranked = float(n + 1)  # as in rank_ci: not above 0, below every top k
    if not present:  # none is an input (or probed): each is unranked
        return statuses, notes, unranked, (unranked, unranked)
    worst = min(present, key=lambda f: s.rank[f] or n + 1)
    lo, hi = s.rank_ci[worst]
    return statuses, notes, float(s.rank[worst] or unranked), (float(lo), float(hi))


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
        statuses, notes, value, ci = _share_condition(opts.max_share, present, flagged, s)
    if opts.max_rank is not None:
        ranked = _rank_condition(opts.max_rank, present, flagged, s, confidence, len(own))
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
    features = _table(s, own, flagged, candidate, baseline, confidence)
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
        keep = important(candidate.importance, baseline.importance)  # unused in both: left out
        rho = float(rank_correlation(candidate.importance[keep], baseline.importance[keep]))
        pairs = rank_correlation(candidate.draws[:, keep], baseline.draws[:, keep])
        ci = percentile_interval(pairs, confidence)
        if ci is None or not np.isfinite(rho):
            statuses.append(Status.ERROR)
            notes.append(
                f"the rank correlation is undefined over the {int(keep.sum())} inputs above 0 "
                "in either model (fewer than 2, or an importance that is constant)"
            )
        else:
            lo, hi = ci
            status = Status.PASS if lo >= x else Status.FAIL if hi < x else Status.INCONCLUSIVE
            statuses.append(status)
            word = {Status.PASS: "at least", Status.FAIL: "below", Status.INCONCLUSIVE: "straddles"}
            notes.append(
                f"rank correlation with the baseline over the {int(keep.sum())} inputs above 0 "
                f"in either model {fmt(rho)} ([{fmt(lo)}, {fmt(hi)}]): "
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
    own: tuple[str, ...],
    flagged: Flagged,
    candidate: Measured,
    baseline: Measured | None,
    confidence: float,
) -> list[dict[str, Any]]:
    """report.json `features`: every input measured (the candidate's, then a baseline's others:
    `input` false) most important first, then the protected attributes and proxies that are
    not inputs (importance 0, rank null). `reliance` and `metric_drop`: both permutation
    measures, whichever `importance` is."""
    base = summarise(s.inputs, baseline, confidence) if baseline is not None else None
    rows = []
    for i in _order(candidate):
        f = s.inputs[i]
        row: dict[str, Any] = {
            "feature": f,
            "importance": float(candidate.importance[i]),
            "ci": list(_interval(candidate.draws[:, i], confidence)),
            **{k: float(v[i]) for k, v in candidate.shown.items()},
            "share": s.share[f],
            "share_ci": list(s.share_ci[f]),
            "rank": s.rank[f],
            "rank_ci": list(s.rank_ci[f]),
            "protected": f in flagged.protected,
            "proxy": f in flagged.proxies,
            "input": f in own,
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
