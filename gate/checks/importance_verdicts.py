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


def judge(
    opts: ImportanceOptions,
    inputs: tuple[str, ...],
    flagged: Flagged,
    candidate: Measured,
    baseline: Measured | None,
    confidence: float,
) -> tuple[Status, str, dict[str, Any]]:
    """(status, message, CheckResult fields: value, ci, threshold, features)."""
    statuses, notes, value, ci = [], [], None, None
    rank_draws, share_draws = ranks(candidate.draws), shares(candidate.draws)
    position = np.empty(len(inputs), dtype=int)
    position[_order(candidate)] = np.arange(1, len(inputs) + 1)
    rank_ci = {f: _rank_interval(rank_draws[:, i], confidence) for i, f in enumerate(inputs)}
    share_ci = {f: _interval(share_draws[:, i], confidence) for i, f in enumerate(inputs)}
    absent = [f for f in flagged.names if f not in inputs]
    present = [f for f in flagged.names if f in inputs]
    if opts.max_rank is not None:
        k = opts.max_rank
        for f in present:
            lo, hi = rank_ci[f]
            status = Status.FAIL if hi <= k else Status.PASS if lo > k else Status.INCONCLUSIVE
            statuses.append(status)
            shown = _rank_text(lo, hi, len(inputs))
            verb = {Status.FAIL: "within", Status.PASS: "below", Status.INCONCLUSIVE: "straddles"}
            notes.append(
                f"{f} ({flagged.role(f)}) ranks {position[inputs.index(f)]} of {len(inputs)} "
                f"inputs ({confidence:.0%} interval {shown}): {verb[status]} the top {k}"
            )
        if present:
            worst = min(present, key=lambda f: position[inputs.index(f)])
            value, ci = float(position[inputs.index(worst)]), tuple(map(float, rank_ci[worst]))
    if opts.max_share is not None:
        s = opts.max_share
        for f in present:
            lo, hi = share_ci[f]
            status = Status.PASS if hi <= s else Status.FAIL if lo > s else Status.INCONCLUSIVE
            statuses.append(status)
            word = {Status.PASS: "within", Status.FAIL: "above", Status.INCONCLUSIVE: "straddles"}
            notes.append(
                f"{f} ({flagged.role(f)}) has {fmt(candidate.share[inputs.index(f)])} of the "
                f"importance ([{fmt(lo)}, {fmt(hi)}]): {word[status]} max_share {fmt(s)}"
            )
        if present and opts.max_rank is None:
            worst = max(present, key=lambda f: candidate.share[inputs.index(f)])
            value, ci = float(candidate.share[inputs.index(worst)]), share_ci[worst]
    if absent and (opts.max_rank is not None or opts.max_share is not None):
        statuses.append(Status.PASS)
        names = ", ".join(f"{f} ({flagged.role(f)})" for f in absent)
        notes.append(f"{names}: not a model input (importance 0)")
    compared: dict[str, Any] = {}
    if opts.compares and baseline is None:
        statuses.append(Status.SKIPPED)
        notes.append(SKIPPED)
    elif opts.compares:
        assert baseline is not None
        s_status, s_notes, compared = _baseline(opts, inputs, candidate, baseline, confidence)
        statuses += s_status
        notes += s_notes
        if value is None and "rank_correlation" in compared:
            value, ci = compared["rank_correlation"], compared["rank_correlation_ci"]
    features = _table(inputs, flagged, candidate, baseline, position, rank_ci, share_ci, confidence)
    top = ", ".join(f"{f['feature']} {fmt(f['share'])}" for f in features[:3])
    message = "; ".join(notes) + f" (top inputs by share: {top})"
    threshold = {
        key: getattr(opts, key)
        for key in ("max_rank", "max_share", "min_rank_correlation", "max_share_change")
        if getattr(opts, key) is not None
    }
    fields = {"value": value, "ci": ci, "threshold": threshold, "features": tuple(features)}
    return combine(statuses), message, fields


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
    inputs: tuple[str, ...],
    flagged: Flagged,
    candidate: Measured,
    baseline: Measured | None,
    position: np.ndarray,
    rank_ci: dict[str, tuple[int, int]],
    share_ci: dict[str, tuple[float, float]],
    confidence: float,
) -> list[dict[str, Any]]:
    """report.json `features`: every input most important first, then the protected
    attributes and proxies that are not inputs (importance 0, rank null)."""
    importance_ci = [_interval(candidate.draws[:, i], confidence) for i in range(len(inputs))]
    base_position = None
    if baseline is not None:
        base_position = np.empty(len(inputs), dtype=int)
        base_position[_order(baseline)] = np.arange(1, len(inputs) + 1)
    rows = []
    for i in _order(candidate):
        f = inputs[i]
        row: dict[str, Any] = {
            "feature": f,
            "importance": float(candidate.importance[i]),
            "ci": list(importance_ci[i]),
            "share": float(candidate.share[i]),
            "share_ci": list(share_ci[f]),
            "rank": int(position[i]),
            "rank_ci": list(rank_ci[f]),
            "protected": f in flagged.protected,
            "proxy": f in flagged.proxies,
            "input": True,
        }
        if baseline is not None and base_position is not None:
            row["baseline"] = {
                "importance": float(baseline.importance[i]),
                "share": float(baseline.share[i]),
                "rank": int(base_position[i]),
            }
        rows.append(row)
    for f in flagged.names:
        if f not in inputs:
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
