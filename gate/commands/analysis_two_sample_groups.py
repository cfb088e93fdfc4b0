"""Canary logs with a `baseline:` fairness check ("no group may lose more than 2 points of
recall against the live model"): per group, the candidate's metric on its own labelled rows
of the group against the live model's on the live model's rows of that group. The two are
independent samples, so each is bootstrapped on its own (gate/engine/two_sample.py) and every
group's drop gets the interval of an unpaired difference, judged against max_drop as the
paired comparison judges it (gate/checks/fairness_baseline.py): inconclusive when the
interval straddles it.

Groups are the candidate's: a group only the live model served is not compared (analyze
counts it and says so); a group the candidate served and the live model did not has no
baseline value and is an error of the check (fail closed).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from gate.checks import fairness as fairness_check
from gate.checks.conditions import apply_severity
from gate.checks.fairness_baseline import GroupsJudged, judged, key
from gate.commands.analysis_mix import at_best_inconclusive
from gate.engine.confusion import ConfusionCells
from gate.engine.fairness_groups import comparisons
from gate.engine.groups import Grouping, group_columns
from gate.engine.paired import LABELS
from gate.engine.two_sample import Sample, two_sample_group_drop
from gate.policy.model import CheckSpec, Policy
from gate.results import CheckResult


def unsupported(spec: CheckSpec) -> list[str]:
    """The compared metrics of a fairness check with no per-group two-sample comparison."""
    return [c for c in spec.fairness.components if c not in LABELS]


def rebuilt_groups(
    r: CheckResult,
    spec: CheckSpec,
    policy: Policy,
    samples: tuple[Sample, Sample],
    frames: tuple[pd.DataFrame, pd.DataFrame],
    resamples: int,
    seed: int,
    unlike: str | None = None,
) -> CheckResult:
    """`r` (the fairness check on the candidate's rows) with every group judged against the
    live model's rows of that group; `samples` and `frames`: the candidate's and the live
    model's labelled rows (outputs, and the columns the groups are read from); `unlike`: why
    the two samples are not comparable (the comparison is then inconclusive), or None."""
    if r.value is None:
        return r  # the disparity itself could not be computed: the check's own error stands
    features = tuple(spec.fairness.sensitive or policy.data.sensitive)
    groups, codes = _groups(frames, features, dict(policy.data.unknown_values))
    cells = [
        ConfusionCells.from_rows(c, s.y[keep], s.pred[keep], _at(s.weight, keep), groups.size)
        for s, (c, keep) in zip(samples, codes, strict=True)
    ]
    assert spec.baseline is not None
    draws = resamples if spec.baseline.confidence is not None else 0
    drops = []
    for comp in comparisons(groups, fairness_check.engine_spec(spec, features)):
        cand_cells, live_cells = (x.fold(comp.fold) for x in cells)
        for name in spec.fairness.components:
            drop = two_sample_group_drop(name, cand_cells, live_cells, draws, seed)
            drops.append((comp.grouping, name, drop))
    left_out = {key(g["group"]) for g in r.groups if g.get("excluded")}
    small = frozenset(
        key(g["group"])
        for g in r.groups
        if g.get("excluded_reason", "").startswith("below min_group_size")
    )
    result = judged(spec.baseline, drops, left_out, small)
    n_live = int(codes[1][1].sum())
    if unlike is not None:
        status = at_best_inconclusive(result.status)
        result = dataclasses.replace(result, status=status, notes=[*result.notes, unlike])
    return _result(r, spec, result, f"{len(samples[0])} candidate and {n_live} live row(s)")


def _at(weight: np.ndarray | None, keep: np.ndarray) -> np.ndarray | None:
    return None if weight is None else weight[keep]


def _groups(
    frames: tuple[pd.DataFrame, pd.DataFrame], features: tuple[str, ...], unknown: Any
) -> tuple[Grouping, list[tuple[np.ndarray, np.ndarray]]]:
    """The candidate's groups (labelled as the profile labels them), and per sample each
    kept row's group code and which rows are kept (the live rows of other groups are not)."""
    cand, live = frames
    both = pd.concat([cand[list(features)], live[list(features)]], ignore_index=True)
    every = group_columns([both[f] for f in features], features, len(both), unknown)
    mine = np.unique(every.codes[: len(cand)])
    index = np.full(every.size, -1, dtype=np.int64)
    index[mine] = np.arange(len(mine))
    groups = Grouping(features, tuple(every.labels[j] for j in mine), np.arange(len(mine)))
    out = []
    for part in (every.codes[: len(cand)], every.codes[len(cand) :]):
        code = index[part]
        keep = code >= 0
        out.append((code[keep], keep))
    return groups, out


def _result(r: CheckResult, spec: CheckSpec, judged_: GroupsJudged, rows: str) -> CheckResult:
    """The check's result again: its own bounds, the groups' two-sample comparisons, and the
    small-groups rule, as gate/checks/fairness.py combines them."""
    entries = {k: [e | {"two_sample": True} for e in v] for k, v in judged_.entries.items()}
    plain = tuple({k: v for k, v in g.items() if k != "baseline"} for g in r.groups)
    judged_ = dataclasses.replace(judged_, entries=entries)
    assert r.value is not None
    status, notes, groups = fairness_check.conclude(spec, r.value, r.ci, plain, judged_)
    notes.append(f"two-sample: each group's live rows against its candidate rows ({rows})")
    left = [
        (g["group"], g["n"], str(g.get("excluded_reason"))) for g in r.groups if g.get("excluded")
    ]
    if left:
        notes.append(fairness_check.left_out_note(left))
    return dataclasses.replace(
        r,
        status=apply_severity(status, spec.severity),
        groups=groups,
        message=f"{fairness_check.head(spec, r.value, r.ci)}: " + "; ".join(notes),
        waiver=None,  # taken again by decide()
    )
