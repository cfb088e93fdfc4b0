"""Canary / shadow analysis, shared by `model-gate analyze` and `model-gate serve`: join the
logs with their matured labels, make sure there are enough of them, run the policy's checks on
the candidate's rows through the API, and reach a three-way decision.

approve (exit 0), block (exit 1: a blocking check failed or could not be computed, or the
candidate's own logged output is unusable — scores missing or not finite, ids it logged
twice, a shadow candidate answering only part of the requests, labelled requests of its
period in no log, a log that stops while the live one goes on: no check runs,
gate/inputs/log_unusable.py, gate/inputs/log_coverage.py), or
inconclusive (exit 4: fewer labelled rows than --min-samples, a group of a fairness check
with fewer than its minimum or lacking the rows its metric is a share of (no positives for a
true positive rate...; gate/commands/analysis_groups.py), one class only for a check that
needs both, labels a pending correction contradicts, too few live rows for a two-sample
comparison, or a blocking check inconclusive while none failed). With too few candidate rows
the checks still run and are reported when they can be computed, but their outcome is not a
decision: a canary that has not yet seen enough outcomes is neither good nor bad. The other
shortfalls are different: a blocking check that failed on the candidate's rows blocks (more
rows of one group, more live rows cannot undo it; pending corrections cannot when the check
still fails with them applied: gate/commands/analysis_judge.py); they hold back only an
approval or an inconclusive verdict. Only checks that can block
(severity block, not waived) wait for rows; a group only the live model served (never routed
to the candidate) is named in the notices, never waited for. What more rows cannot fix (a
report-only policy, a check needing an input analyze does not take) is refused first
(gate/commands/analysis_limits.py).
A `baseline:` check compares with the live model: paired on shadow logs, two-sample on canary
logs (gate/commands/analysis_two_sample.py).
Waivers expire by the wall clock, whatever --as-of selects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from gate.api import Result, run_options
from gate.commands.analysis_decision import EXIT, failed, notices, settled
from gate.commands.analysis_groups import Outputs, lacking_classes
from gate.commands.analysis_judge import Judge, confirm_despite_corrections
from gate.commands.analysis_limits import (
    can_block,
    class_shortfall,
    refuse_unfit,
    shortfalls,
)
from gate.commands.analysis_settings import DETECTED, described, detected, resolved
from gate.commands.analysis_two_sample import refuse_unsupported
from gate.inputs.log_join import Joined, join
from gate.inputs.log_shadow import BASELINE_PREFIX
from gate.inputs.log_unusable import REASON, CandidateUnusable, facts
from gate.inputs.policy_dict import load_any
from gate.inputs.prediction_logs import LogColumns, read_inputs
from gate.policy.model import CheckSpec, Policy

UNRESOLVED = {"label_delay": "default", "min_samples": "default", "mode": "detected"}


@dataclass(frozen=True)
class AnalyzeRequest:
    """What an analysis is asked to do (the command line's flags, or a webhook's metadata)."""

    policy: str
    predictions: tuple[str, ...]
    labels: str
    as_of: pd.Timestamp
    label_delay: dt.timedelta | None = None  # None: the policy's rollout.label_delay, else 0
    candidate_version: str | None = None
    min_samples: int | None = None  # None: the policy's rollout.min_samples, else 100
    min_group_samples: int | None = None  # None: each fairness check's min_group_size
    mode: str | None = None  # "shadow" | "canary"; None: the policy's rollout.mode, else detected
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
    #: where the label delay and the minimum rows came from (a flag, the policy, the default)
    sources: dict[str, str] = field(default_factory=lambda: dict(UNRESOLVED))
    #: what the decision does not rest on but a reader must know (one version only, groups
    #: the candidate never served, group shortfalls beside a decisive failure)
    notices: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return EXIT[self.decision]

    @property
    def mode(self) -> str:
        return "shadow" if self.joined.shadow else "canary"

    def as_dict(self) -> dict[str, Any]:
        """analysis.json (gate/schemas/analysis.schema.json); Argo reads `{$.decision}`."""
        req, joined = self.request, self.joined
        checks = self.result.checks if self.result else ()
        return {
            "decision": self.decision,
            "exit_code": self.exit_code,
            "reasons": list(self.reasons),
            "notices": list(self.notices),
            "policy": req.policy,
            "inputs": self.files,
            "candidate_version": joined.candidate_version,
            "live_versions": list(joined.live_versions),
            "mode": self.mode,
            "two_sample": joined.two_sample,
            "as_of": req.as_of.isoformat(),
            "label_delay_seconds": int((req.label_delay or dt.timedelta(0)).total_seconds()),
            "min_samples": req.min_samples,
            "settings": described(req, self.sources, self.mode),
            "counts": dict(joined.counts),
            "report_decision": self.result.decision if self.result else None,
            "checks": [
                {"id": r.id, "status": r.status.value, "severity": r.severity.value}
                | {"message": r.message}
                | ({"baseline": r.baseline.as_dict()} if r.baseline is not None else {})
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
    check_arguments(req)
    policy = load_any(req.policy)
    refuse_unfit(policy, req.policy)
    req, sources = resolved(policy, req)
    score, prediction = output_columns(policy, req)
    outputs = tuple(c for c in (score, prediction) if c)
    label = req.label or policy.data.label or "label"
    cols = dataclasses.replace(req.columns, label=label, outputs=outputs, scored=score is not None)
    compared = needs_baseline(policy)
    files: dict[str, Any] = {}
    try:
        logs, log_files, labels, label_file = read_inputs(
            req.predictions, req.labels, cols, req.candidate_version
        )
        files = {"predictions": log_files, "labels": label_file}
        joined = join(
            logs,
            labels,
            cols,
            labels_path=req.labels,
            candidate=req.candidate_version,
            as_of=req.as_of,
            delay=req.label_delay or dt.timedelta(0),
            with_baseline=bool(compared),
            declared_mode=req.mode,
        )
    except CandidateUnusable as exc:
        if "counts" not in exc.facts:  # refused after reading: the logs are at hand
            exc.facts.update(facts(logs, cols.model_version, cols.request_id, exc.version))
        return unusable(req, exc, files, sources)
    if sources["mode"] == DETECTED:
        c = joined.counts
        mode = "shadow" if joined.shadow else "canary"
        sources["mode"] = detected(
            c["candidate_requests_shared_with_live"], c["candidate_requests"], mode
        )
    if compared and not joined.shadow:
        refuse_unsupported(compared)
    today = _today()
    bound = _bound(label, score, prediction, paired=joined.shadow and bool(compared))
    deciding = can_block(policy, today)
    short = shortfalls(deciding, joined, req, label, sources["min_samples"])
    short.groups += lacking_classes(deciding, joined.candidate, bound, today)
    # one class only: the checks cannot run if any check needs both, whatever its severity
    one_class = class_shortfall(policy, joined.candidate, joined.candidate.get(label))
    short.overall += one_class
    measurable = not joined.candidate.empty and not one_class
    result = None
    if measurable:
        judge = Judge(policy, req, cols, bound, bool(compared), today)
        result = judge(joined)
        if short.pending and failed(result):
            confirm_despite_corrections(judge, joined, result, short)
    decision, reasons = settled(result, short)
    joined.counts["groups_live_only"] = len(short.live_only)
    notes = notices(joined, short, decision)
    return Analysis(decision, tuple(reasons), req, joined, result, files, sources, notes)


def unusable(
    req: AnalyzeRequest, exc: CandidateUnusable, files: dict[str, Any], sources: dict[str, str]
) -> Analysis:
    """The block of a candidate whose own output cannot be judged (review12e #4): no check
    ran; analysis.json says why, and states what was counted of the logs."""
    known = exc.facts
    counts = dict(known["counts"])
    n, k = counts["candidate_requests"], counts["candidate_requests_shared_with_live"]
    mode = req.mode or ("shadow" if n and k / n > 0.5 else "canary")
    if sources["mode"] == DETECTED:
        sources["mode"] = detected(k, n, mode)
    joined = Joined(
        pd.DataFrame(),
        pd.DataFrame(),
        exc.version,
        known["live_versions"],
        mode == "shadow",
        pd.DataFrame(),
        counts,
    )
    files = files or {"predictions": known.get("files", [])}
    reason = REASON.format(str(exc))
    return Analysis("block", (reason,), req, joined, None, files, sources)


def _bound(label: str, score: str | None, prediction: str | None, paired: bool) -> Outputs:
    """The joined rows' columns: the label, the candidate's outputs and (shadow logs with a
    `baseline:` check) the live model's beside them."""
    beside = [BASELINE_PREFIX + c if c and paired else None for c in (score, prediction)]
    return Outputs(label, score, prediction, *beside)


def check_arguments(req: AnalyzeRequest) -> None:
    """The API's own checks of the values the request hands it, before any file is read:
    ArgumentError for an empty policy, label, score or prediction (never replaced by the
    policy's), named by its flag on the command line (gate/cli_flags.py)."""
    given = {"label": req.label, "score": req.score, "prediction": req.prediction}
    run_options(req.policy, None, **given, seed=req.seed, resamples=req.resamples)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
