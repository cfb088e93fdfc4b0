"""The three-way decision of a canary / shadow analysis from the checks' results and the rows
that are short (gate/commands/analysis.py describes the rules), and the notices beside it."""

from __future__ import annotations

from gate.api import Result
from gate.commands.analysis_limits import Shortfalls
from gate.errors import Location, PolicyError
from gate.inputs.log_join import Joined
from gate.inputs.log_shadow import BASELINE_PREFIX
from gate.results import CheckResult, Severity, Status, Verdict

#: the decision's exit code (README "Rollouts" maps them to Argo's and Flagger's outcomes)
EXIT = {"approve": 0, "block": 1, "inconclusive": 4}


def settled(result: Result | None, short: Shortfalls) -> tuple[str, list[str]]:
    """The decision: too few candidate rows overall (or no result) is inconclusive whatever
    the checks say; a blocking check that failed on the rows it has blocks, whatever groups,
    live rows or (confirmed by the caller) pending corrections are short (more rows cannot
    undo a failure measured on enough candidate rows); those shortfalls make inconclusive a
    verdict that would otherwise be approve or inconclusive, or a block resting on errors
    alone (an undefined rate in a short group is an error)."""
    if short.overall or result is None:
        return "inconclusive", [*short.overall, *short.pending, *short.held, *short.groups]
    decision, reasons = decide(Verdict(result.decision), result.checks)
    held = [*short.pending, *short.held, *short.groups]
    if not held or (decision == "block" and failed(result)):
        return decision, reasons
    return "inconclusive", [*held, *(reasons if decision == "inconclusive" else [])]


def failed(result: Result) -> list[str]:
    """The ids of the blocking checks that failed."""
    return [r.id for r in result.checks if r.blocking and r.status is Status.FAIL]


def notices(joined: Joined, short: Shortfalls, decision: str) -> tuple[str, ...]:
    """What the decision does not rest on but a reader must know."""
    out = []
    if not joined.live_versions:
        out.append(
            f"the prediction logs hold one model version only ('{joined.candidate_version}'): "
            "every row was judged as the candidate's and no live model's row was seen; if the "
            "live model's log was given, check its version column"
        )
    out += _unlogged(joined.counts)
    out += _shared(joined)
    if short.live_only:
        out.append(
            f"{len(short.live_only)} group(s) only the live model served (never routed to the "
            f"candidate), left out: {'; '.join(short.live_only)}"
        )
    if decision == "block":
        held = [*short.pending, *short.held, *short.groups]
        out += [f"short, not needed to block: {reason}" for reason in held]
    return tuple(out)


def _unlogged(c: dict[str, int]) -> list[str]:
    """Labelled requests no log holds, by where they fall (gate/inputs/log_coverage.py)."""
    inside = c.get("labels_without_prediction_in_period", 0)
    outside = c.get("labels_without_prediction_outside_period", 0)
    rest = c.get("labels_without_prediction", 0) - inside - outside
    said = [
        (inside, "in the logs' period (predicted while the candidate ran) but in no log"),
        (outside, "labelled outside the logs' period (a label export wider than the logs' window)"),
        (rest, "not yet matured, or their times do not place them in the candidate's period"),
    ]
    return [
        f"{n} labelled request(s) appear in no prediction log, {why}: left out"
        for n, why in said
        if n > 0
    ]


def _shared(joined: Joined) -> list[str]:
    """Requests both models answered in canary logs, and shadow requests the live log lacks."""
    c = joined.counts
    if joined.shadow and c.get("candidate_without_live"):
        paired = any(str(k).startswith(BASELINE_PREFIX) for k in joined.candidate.columns)
        left = ", left out of the rows judged (the comparison needs both answers)" if paired else ""
        return [
            f"{c['candidate_without_live']} labelled candidate request(s) have no live "
            f"answer in the shadow logs (lines the live log lacks){left}"
        ]
    if not joined.shadow and c.get("candidate_requests_shared_with_live"):
        return [
            f"{c['candidate_requests_shared_with_live']} of the candidate's "
            f"{c['candidate_requests']} request(s) were answered by the live model too (retries, "
            "or mirrored requests) in canary logs"
            + (": counted in the candidate's sample only" if joined.two_sample else "")
        ]
    return []


def decide(verdict: Verdict, checks: tuple[CheckResult, ...]) -> tuple[str, list[str]]:
    """approve / block / inconclusive from the checks' verdict, every Verdict mapped: a
    blocking fail or error blocks; a blocking inconclusive with nothing failed is
    inconclusive; a report-only verdict is no decision (refused before, by refuse_unfit)."""
    if verdict is Verdict.APPROVE:
        return "approve", []
    if verdict is Verdict.BLOCK:
        blocking = [r for r in checks if r.blocking]
        hard = [r for r in blocking if r.status is not Status.INCONCLUSIVE]
        if hard or not blocking:
            return "block", [f"check '{r.id}' {r.status.value}: {r.message}" for r in hard]
        return "inconclusive", [
            f"check '{r.id}' inconclusive: {r.message}"
            for r in blocking
            if r.severity is Severity.BLOCK
        ]
    if verdict is Verdict.INCONCLUSIVE:
        return "inconclusive", []
    if verdict is Verdict.REPORT:
        why = "a report-only policy (mode: report) cannot decide a rollout"
    else:
        why = f"no rollout decision for the checks' verdict {verdict!r}"
    raise PolicyError([(Location("policy"), why)])
