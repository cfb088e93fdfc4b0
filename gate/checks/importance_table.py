"""report.json's `features` table of an importance check: every input measured, with its
importance, share and rank (intervals included), what it is (protected, proxy, an input of the
candidate) and, compared, the baseline model's numbers."""

from __future__ import annotations

from typing import Any

from gate.checks.importance_summary import (
    Flagged,
    Measured,
    Summary,
    by_importance,
    interval,
    summarise,
)


def features_table(
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
    measures, whichever `importance` is; a protected attribute's / proxy's are per changed row,
    `changed_share` and `changed_rows` saying over what (gate/checks/importance_changed.py)."""
    base = summarise(s.inputs, baseline, confidence) if baseline is not None else None
    rows = []
    for i in by_importance(candidate):
        f = s.inputs[i]
        row: dict[str, Any] = {
            "feature": f,
            "importance": float(candidate.importance[i]),
            "ci": list(interval(candidate.draws[:, i], confidence)),
            **{k: float(v[i]) for k, v in candidate.shown.items()},
            "share": s.share[f],
            "share_ci": list(s.share_ci[f]),
            "rank": s.rank[f],
            "rank_ci": list(s.rank_ci[f]),
            "protected": f in flagged.protected,
            "proxy": f in flagged.proxies,
            "input": f in own,
        }
        if f in candidate.changed:  # measured per changed row: over what share of the rows
            row["changed_share"], row["changed_rows"] = candidate.changed[f]
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
