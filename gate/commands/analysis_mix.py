"""Are the two samples of a two-sample comparison (canary logs: the candidate's labelled rows,
the live model's of the same period) the same population? The comparison's interval covers
sampling noise only, which holds when requests are routed to the models at random. A canary
routed by header, region or customer answers another population, and the live model's rows
then say nothing about how the candidate compares (review12d #6): an easy segment makes the
candidate look better, a hard one worse.

What the gate knows of the population is tested: each column the policy names as sensitive
(data.sensitive, the fairness checks' sensitive columns) and, for classification, the label's
base rate, each with a chi-square test of homogeneity. A difference beyond MIX_ALPHA makes
a comparison that passed inconclusive, with its reason (a failed one still fails: a report
may state a worse status than its numbers give, never a better one, and fail closed); a
fairness check compares within its own groups, so its own columns are not tested for it."""

from __future__ import annotations

import pandas as pd

from gate.engine.two_sample import mix_difference
from gate.policy.model import CheckSpec, Policy
from gate.results import Status

#: the p-value below which the two samples' mix of a column differs (per column tested)
MIX_ALPHA = 0.001


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


def mix_differences(
    policy: Policy, spec: CheckSpec, frames: tuple[pd.DataFrame, pd.DataFrame], label: str
) -> list[str]:
    """One sentence per column whose mix differs between the candidate's and the live
    model's rows (empty: no difference found)."""
    cand, live = frames
    out = []
    for column in columns_tested(policy, spec, label):
        if column not in cand.columns or column not in live.columns:
            continue
        p, shares = mix_difference(cand[column].to_numpy(), live[column].to_numpy())
        if p < MIX_ALPHA:
            name = "the label" if column == label else column
            shown = "p<1e-12" if p < 1e-12 else f"p={p:.2g}"
            out.append(f"{name} ({_shares(shares)}; {shown})")
    return out


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
