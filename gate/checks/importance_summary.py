"""One model's measured importance of each input (point values and bootstrap draws) and its
summary: each input's share and rank with their intervals, and the protected attributes and
proxies the conditions are about."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gate.engine.importance_bootstrap import ranks, shares
from gate.engine.resample import percentile_interval


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
    the measure judged, and the point values of each measure shown (reliance, metric_drop);
    `changed`: each protected attribute / proxy measured per changed row -> (the share of rows
    its shuffles changed, how many rows that is) (gate/checks/importance_changed.py)."""

    importance: np.ndarray
    draws: np.ndarray
    shown: dict[str, np.ndarray] = field(default_factory=dict)
    changed: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def share(self) -> np.ndarray:
        return shares(self.importance)


def interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    ci = percentile_interval(values, confidence, min_valid=0.0)
    return ci if ci is not None else (float("nan"), float("nan"))


def rank_interval(ranked: np.ndarray, confidence: float) -> tuple[int, int]:
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(ranked, [alpha, 1 - alpha], method="inverted_cdf")
    return int(lo), int(hi)


def by_importance(m: Measured) -> np.ndarray:
    """Inputs most important first (ties: in the model's order)."""
    return np.argsort(-m.importance, kind="stable")


@dataclass(frozen=True)
class Summary:
    """The inputs with their point rank (1 = most important; None: importance not above 0,
    unranked) and share, and the bootstrap intervals of their rank (inputs + 1: unranked) and
    share; `changed` as Measured's."""

    inputs: tuple[str, ...]
    rank: dict[str, int | None]
    share: dict[str, float]
    rank_ci: dict[str, tuple[int, int]]
    share_ci: dict[str, tuple[float, float]]
    changed: dict[str, tuple[float, float]] = field(default_factory=dict)


def summarise(inputs: tuple[str, ...], m: Measured, confidence: float) -> Summary:
    rank_draws, share_draws = ranks(m.draws), shares(m.draws)
    order = by_importance(m)
    return Summary(
        inputs,
        {
            inputs[i]: place if m.importance[i] > 0 else None
            for place, i in enumerate(order, start=1)
        },
        {f: float(m.share[i]) for i, f in enumerate(inputs)},
        {f: rank_interval(rank_draws[:, i], confidence) for i, f in enumerate(inputs)},
        {f: interval(share_draws[:, i], confidence) for i, f in enumerate(inputs)},
        dict(m.changed),
    )
