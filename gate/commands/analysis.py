"""Canary / shadow analysis, shared by `model-gate analyze` and `model-gate serve`: join the
logs with their matured labels, make sure there are enough of them, run the policy's checks on
the candidate's rows through the API, and reach a three-way decision.

approve (exit 0), block (exit 1: a blocking check failed or could not be computed), or
inconclusive (exit 4: fewer labelled rows than --min-samples, a group of a fairness check
with fewer than its minimum, or a blocking check inconclusive while none failed). With too
few rows the checks still run and are reported, but their outcome is not a decision: a canary
that has not yet seen enough outcomes is neither good nor bad.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gate.api import Result, run_options
from gate.errors import InputError
from gate.inputs.log_join import BASELINE_PREFIX, Joined, join
from gate.inputs.policy_dict import load_any
from gate.inputs.prediction_logs import LogColumns, read_labels, read_logs
from gate.policy.model import CheckSpec, Policy
from gate.results import Severity, Status

EXIT = {"approve": 0, "block": 1, "inconclusive": 4}


@dataclass(frozen=True)
class AnalyzeRequest:
    """What an analysis is asked to do (the command line's flags, or a webhook's metadata)."""

    policy: str
    predictions: tuple[str, ...]
    labels: str
    as_of: pd.Timestamp
    label_delay: dt.timedelta = dt.timedelta(0)
    candidate_version: str | None = None
    min_samples: int = 100
    min_group_samples: int | None = None  # None: each fairness check's min_group_size
    columns: LogColumns = field(default_factory=LogColumns)
    label: str | None = None  # the label file's column; None: the policy's data.label or 'label'
    score: str | None = None  # None: the policy's data.score (or 'score')
    prediction: str | None = None
    seed: int = 0
    resamples: int = 1000


@dataclass(frozen=True)
class Analysis:
    """The three-way decision, why, and what it rests on."""

    decision: str
    reasons: tuple[str, ...]
    request: AnalyzeRequest
    joined: Joined
    result: Result | None
    files: dict[str, Any] = field(default_factory=dict)  # the logs' and labels' path, sha256

    @property
    def exit_code(self) -> int:
        return EXIT[self.decision]

    def as_dict(self) -> dict[str, Any]:
        """analysis.json (gate/schemas/analysis.schema.json); Argo reads `{$.decision}`."""
        req, joined = self.request, self.joined
        checks = self.result.checks if self.result else ()
        return {
            "decision": self.decision,
            "exit_code": self.exit_code,
            "reasons": list(self.reasons),
            "policy": req.policy,
            "inputs": self.files,
            "candidate_version": joined.candidate_version,
            "live_versions": list(joined.live_versions),
            "mode": "shadow" if joined.shadow else "canary",
            "as_of": req.as_of.isoformat(),
            "label_delay_seconds": int(req.label_delay.total_seconds()),
            "min_samples": req.min_samples,
            "counts": dict(joined.counts),
            "report_decision": self.result.decision if self.result else None,
            "checks": [
                {"id": r.id, "status": r.status.value, "severity": r.severity.value}
                | {"message": r.message}
                for r in checks
            ],
        }


def output_columns(policy: Policy, req: AnalyzeRequest) -> tuple[str | None, str | None]:
    """The logs' score and prediction columns: the flags, else the policy's, else 'score'."""
    score = req.score or policy.data.score
    prediction = req.prediction or policy.data.prediction
    return (score or (None if prediction else "score")), prediction


def needs_baseline(policy: Policy) -> list[CheckSpec]:
    return [c for c in policy.checks if c.baseline is not None]


def analyze(req: AnalyzeRequest) -> Analysis:
    """Read, join, count, evaluate and decide; GateError subclasses for bad input."""
    policy = load_any(req.policy)
    score, prediction = output_columns(policy, req)
    outputs = tuple(c for c in (score, prediction) if c)
    label = req.label or policy.data.label or "label"
    cols = dataclasses.replace(req.columns, label=label, outputs=outputs, scored=score is not None)
    logs, log_files = read_logs(req.predictions, cols)
    labels, label_file = read_labels(req.labels, cols)
    files = {"predictions": log_files, "labels": label_file}
    compared = needs_baseline(policy)
    joined = join(
        logs,
        labels,
        cols,
        labels_path=req.labels,
        candidate=req.candidate_version,
        as_of=req.as_of,
        delay=req.label_delay,
        with_baseline=bool(compared),
    )
    shadow = joined.shadow
    if compared and not shadow:
        _refuse_canary_baseline(compared)
    short = shortfalls(policy, joined, req)
    result = None
    if len(joined.candidate):
        result = _evaluate(policy, joined, req, cols, score, prediction, shadow and compared)
    if short:
        return Analysis("inconclusive", tuple(short), req, joined, result, files)
    assert result is not None  # no rows is a shortfall
    decision, reasons = decide(result)
    return Analysis(decision, tuple(reasons), req, joined, result, files)


def _refuse_canary_baseline(compared: list[CheckSpec]) -> None:
    """A `baseline:` comparison needs both models' outputs on the same requests (shadow)."""
    strict = [c for c in compared if getattr(c.baseline, "when_missing", "error") != "skip"]
    if strict:
        raise InputError(
            f"check '{strict[0].id}' compares with the baseline, which needs the live model's "
            "outputs on the candidate's own requests (shadow logs); these logs split the "
            "requests between the models (a canary), so no request has both. Log the live "
            "model's outputs for the candidate's requests, or set "
            "`baseline: {when_missing: skip}`"
        )


def _evaluate(
    policy: Policy,
    joined: Joined,
    req: AnalyzeRequest,
    cols: LogColumns,
    score: str | None,
    prediction: str | None,
    with_baseline: bool,
) -> Result:
    from gate.runner import run

    options = run_options(
        req.policy,
        joined.candidate,
        label=cols.label,
        score=score,
        prediction=prediction,
        seed=req.seed,
        resamples=req.resamples,
        today=req.as_of.date(),
    )
    if with_baseline:
        extra = {
            "baseline_score": BASELINE_PREFIX + score if score else None,
            "baseline_prediction": BASELINE_PREFIX + prediction if prediction else None,
        }
        overrides = {**options.overrides, **{k: v for k, v in extra.items() if v}}
        options = dataclasses.replace(options, overrides=overrides)
    return Result(run(options))


def shortfalls(policy: Policy, joined: Joined, req: AnalyzeRequest) -> list[str]:
    """Why there are too few labelled rows to decide: overall, and per group of each fairness
    check (the groups any model's logs hold, so a group with no labelled row yet counts)."""
    n = len(joined.candidate)
    least, why = min_rows(policy, req)
    out = []
    if n < least:
        out.append(
            f"{n} labelled candidate row(s), fewer than {why} "
            f"({joined.counts['labels_not_yet_matured']} label(s) not yet past the label delay)"
        )
    for spec in policy.checks:
        if spec.fairness is not None:
            out += _small_groups(spec, policy, joined.candidate, joined.predicted, req)
    return out


def min_rows(policy: Policy, req: AnalyzeRequest) -> tuple[int, str]:
    """The rows needed to decide: --min-samples, or a data_quality check's larger min_rows
    (in a rollout, rows still to come make a canary inconclusive, not blocked)."""
    least, why = req.min_samples, f"--min-samples {req.min_samples}"
    for spec in policy.checks:
        rows = spec.quality.min_rows if spec.quality else None
        if rows is not None and rows > least:
            least, why = rows, f"min_rows {rows} of check '{spec.id}'"
    return least, why


def _small_groups(
    spec: CheckSpec,
    policy: Policy,
    rows: pd.DataFrame,
    everyone: pd.DataFrame,
    req: AnalyzeRequest,
) -> list[str]:
    fair = spec.fairness
    assert fair is not None
    least = req.min_group_samples if req.min_group_samples is not None else fair.min_group_size
    features = list(fair.sensitive or policy.data.sensitive)
    missing = [f for f in features if f not in everyone.columns]
    if missing or least <= 0:
        return []  # the check itself reports a missing column
    sets = [features] if fair.intersectional else [[f] for f in features]
    out = []
    for by in sets:
        seen = everyone[by].dropna().drop_duplicates()
        sizes = rows.groupby(by, dropna=True).size()
        for values in seen.itertuples(index=False, name=None):
            key = values if len(by) > 1 else values[0]
            got = int(sizes.get(key, 0))
            if got < least:
                group = " & ".join(f"{f}={v}" for f, v in zip(by, values, strict=True))
                out.append(
                    f"check '{spec.id}': group {group} has {got} labelled candidate row(s), "
                    f"fewer than {least}"
                )
    return out


def decide(result: Result) -> tuple[str, list[str]]:
    """approve / block / inconclusive from the checks: a blocking fail or error blocks; a
    blocking inconclusive with nothing failed is inconclusive."""
    if result.decision != "block":
        return "approve", []
    blocking = [r for r in result.checks if r.blocking]
    hard = [r for r in blocking if r.status is not Status.INCONCLUSIVE]
    if hard or not blocking:
        return "block", [f"check '{r.id}' {r.status.value}: {r.message}" for r in hard]
    return "inconclusive", [
        f"check '{r.id}' inconclusive: {r.message}"
        for r in blocking
        if r.severity is Severity.BLOCK
    ]
