"""Are the two samples of a two-sample comparison (canary logs: the candidate's labelled rows,
the live model's of the same period) the same population? The comparison's interval covers
sampling noise only, which holds when requests are routed to the models at random. A canary
routed by header, region or customer answers another population, and the live model's rows
then say nothing about how the candidate compares (review12d #6): an easy segment makes the
candidate look better, a hard one worse.

What the gate knows of the population is tested: each column the policy names as sensitive
(data.sensitive, the fairness checks' sensitive columns) and, for classification, the label's
base rate, each with a chi-square test of homogeneity. A significant difference (p below
MIX_ALPHA) is not enough to hold a verdict back (review12e #8: on a large canary an
immaterial routing imbalance is significant, for ever): a performance comparison is judged
again with the live model's rows re-weighted to the candidate's mix of that column
(post-stratification), and only a difference that changes the verdict — or one the live rows
cannot be re-weighted to, a value the live model never saw — makes a comparison that passed
inconclusive, with its reason (a failed one still fails: a report may state a worse status
than its numbers give, never a better one, and fail closed). A fairness check's per-group
comparison is still held back on significance alone. A fairness check compares within its
own groups, so its own columns are not tested for it. Every test is recorded in the
comparison's `baseline.mix` (report.json), where the re-judge reads it (review12e #7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.two_sample import MIX_ALPHA, mix_difference
from gate.policy.model import CheckSpec, Policy
from gate.results import Status


def columns_tested(policy: Policy, spec: CheckSpec, label: str) -> list[str]:
    """The columns whose mix a two-sample comparison of `spec` rests on."""
    named = list(policy.data.sensitive)
    for c in policy.checks:
        if c.fairness is not None:
            named += [f for f in c.fairness.sensitive or () if f not in named]
    if spec.fairness is not None:
        own = set(spec.fairness.sensitive or policy.data.sensitive)
        named = [f for f in named if f not in own]
    if policy.data.task != "regression":
        named.append(label)
    return named


@dataclass(frozen=True)
class Mix:
    """One column's mix test: the p-value, each value's share (candidate, live), and (for a
    performance comparison) whether re-weighting the live rows to the candidate's mix changes
    the verdict (None: not judged by its effect)."""

    column: str
    name: str  # as a sentence names it: the column, or "the label"
    p: float
    shares: dict[str, tuple[float, float]]
    rows: tuple[int, int] = (0, 0)  # the candidate's and the live model's rows tested
    material: bool | None = None
    shifted: float | None = None  # the live model's value re-weighted to the candidate's mix

    @property
    def differs(self) -> bool:
        return self.p < MIX_ALPHA

    @property
    def held_back(self) -> bool:
        """Whether it holds the verdict back: a significant difference whose effect was not
        judged, or was judged to change the verdict."""
        return self.differs and self.material is not False

    def sentence(self) -> str:
        shown = "p<1e-12" if self.p < 1e-12 else f"p={self.p:.2g}"
        return f"{self.name} ({_shares(self.shares)}; {shown})"

    def as_dict(self) -> dict[str, Any]:
        """As report.json's `baseline.mix` lists it."""
        shares = {v or "(missing)": [float(a), float(b)] for v, (a, b) in self.shares.items()}
        out = {"column": self.column, "p": self.p, "alpha": MIX_ALPHA, "shares": shares}
        out["rows"] = list(self.rows)
        if self.material is not None:
            out["material"] = self.material
        if self.shifted is not None:
            out["reweighted_baseline"] = self.shifted
        return out | {"held_back": self.held_back}


def mixes(
    policy: Policy, spec: CheckSpec, frames: tuple[pd.DataFrame, pd.DataFrame], label: str
) -> list[Mix]:
    """The mix test of every column a two-sample comparison of `spec` rests on."""
    cand, live = frames
    out = []
    for column in columns_tested(policy, spec, label):
        if column not in cand.columns or column not in live.columns:
            continue
        p, shares = mix_difference(cand[column].to_numpy(), live[column].to_numpy())
        name = "the label" if column == label else column
        out.append(Mix(column, name, p, shares, (len(cand), len(live))))
    return out


def mix_differences(
    policy: Policy, spec: CheckSpec, frames: tuple[pd.DataFrame, pd.DataFrame], label: str
) -> list[str]:
    """One sentence per column whose mix differs between the candidate's and the live
    model's rows (empty: no difference found)."""
    return [m.sentence() for m in mixes(policy, spec, frames, label) if m.differs]


def restratified(cand: pd.Series, live: pd.Series, weight: np.ndarray | None) -> np.ndarray | None:
    """Weights for the live rows giving each value of a column the candidate's share
    (post-stratification); None when the candidate has a value no live row has."""
    a, b = (s.astype(object).where(s.notna(), "").astype(str) for s in (cand, live))
    base = np.ones(len(b)) if weight is None else weight.astype(float)
    cand_share = a.value_counts(normalize=True)
    live_total = pd.Series(base, index=b.index).groupby(b).sum() / base.sum()
    if not set(cand_share.index) <= set(live_total.index[live_total > 0]):
        return None
    factor = (cand_share / live_total).reindex(live_total.index).fillna(0.0)
    return base * b.map(factor).to_numpy(dtype=float)


def _shares(shares: dict[str, tuple]) -> str:
    """The largest differences in share, as 'east 100% vs 0%'."""
    gaps = sorted(shares.items(), key=lambda kv: -abs(kv[1][0] - kv[1][1]))[:3]
    return ", ".join(f"{v or 'missing'} {a:.0%} vs {b:.0%}" for v, (a, b) in gaps)


def confounded_note(differences: list[str]) -> str:
    """The reason a two-sample comparison is inconclusive."""
    return (
        "not comparable: the candidate's and the live model's rows differ in "
        + "; ".join(differences)
        + " (candidate vs live): a two-sample comparison assumes requests routed to the "
        "models at random; route the canary by a random split, or use shadow logs"
    )


def at_best_inconclusive(status: Status) -> Status:
    """A confounded comparison's status: a pass becomes inconclusive, worse stays."""
    return Status.INCONCLUSIVE if status in (Status.PASS, Status.SKIPPED) else status
