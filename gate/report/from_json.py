"""Read report.json back into an Evaluation, e.g. to post it from a privileged workflow that must
not run the pull request's code. Nothing in the file is trusted: it is validated against the
report schema (strict formats for everything that is not free text), every check's status is
re-judged from the numbers the report states (gate.report.consistency), optionally pinned to a
trusted policy (gate.report.pinning), and the decision and exit code are recomputed from the
statuses with the gate's own decision code."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from gate.decision import decide
from gate.errors import InputError
from gate.inputs.files import read_regular
from gate.policy.model import Policy
from gate.report import consistency, pinning
from gate.report.stated_inputs import stated_inputs
from gate.results import (
    BaselineComparison,
    CheckResult,
    Decision,
    Evaluation,
    Severity,
    Status,
    Verdict,
)


def _schema() -> dict[str, Any]:
    text = resources.files("gate.schemas").joinpath("report.schema.json").read_text("utf-8")
    return json.loads(text)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _check(c: dict[str, Any]) -> CheckResult:
    base = c.get("baseline")
    return CheckResult(
        id=c["id"],
        type=c["type"],
        status=Status(c["status"]),
        severity=Severity(c["severity"]),
        message=c["message"],
        metric=c.get("metric"),
        value=c.get("value"),
        threshold=c.get("threshold", {}),
        ci=tuple(c["ci"]) if "ci" in c else None,
        confidence=c.get("confidence"),
        error_bound=c.get("error_bound"),
        n=c.get("n"),
        groups=tuple(c.get("groups", ())),
        columns=tuple(c.get("columns", ())),
        rules=tuple(c.get("rules", ())),
        baseline=BaselineComparison.from_dict(base) if base else None,
        location=c.get("location"),
        extended_at=c.get("extended_at"),
        comparison=c.get("comparison"),
        waiver=c.get("waiver"),
        unknown=c.get("unknown"),
        score_median=c.get("score_median"),
        average=c.get("average"),
        of_class=c.get("class"),
        features=tuple(c.get("features", ())),
        perturbations=tuple(c.get("perturbations", ())),
        slices=tuple(c.get("slices", ())),
        sample=c.get("sample"),
        spec=c.get("spec"),
    )


MAX_REPORT_BYTES = 64 * 2**20  # a report of thousands of checks and groups is a few MiB


def _read(path: str | Path) -> Any:
    """The parsed report: a regular file of bounded size (it comes from another job)."""
    raw = read_regular(path, MAX_REPORT_BYTES, f"report {path}")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except ValueError as exc:
        raise InputError(f"report {path} cannot be read as JSON: {exc}") from None


def _validate(path: str | Path, data: Any) -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(_schema(), format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = "/".join(map(str, errors[0].absolute_path)) or "(top level)"
        raise InputError(
            f"report {path} is not a model-gate report.json: {where}: {errors[0].message}"
        )


@contextlib.contextmanager
def _untrusted(path: str | Path) -> Iterator[None]:
    """Re-judging reads numbers and options the schema types only loosely (a check's `spec`,
    a sample's counts): one of the wrong type is a report model-gate did not write (exit 2),
    never an internal error."""
    try:
        yield
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise InputError(
            f"report {path}: holds a value the re-judging cannot read ({type(exc).__name__}: "
            f"{exc}): not a report model-gate wrote"
        ) from None


def recompute(path: str | Path, data: dict[str, Any], policy: Policy | None = None) -> Decision:
    """The decision the report's checks lead to; InputError when a check's status does not
    follow from its numbers (or from `policy`), or the file claims another decision, exit code
    or summary. A report-only report (decision `report`) is recomputed in report mode."""
    results = [_check(c) for c in data["checks"]]
    # Report mode as the trusted policy declares it, else as the report claims it.
    claimed = data["decision"] == Verdict.REPORT.value
    report_only = policy.mode == "report" if policy is not None else claimed
    today = dt.date.today()
    consistency.check_structure(str(path), results, report_only)
    binding = data["inputs"].get("binding") if isinstance(data["inputs"], dict) else None
    sensitive = tuple((binding or {}).get("sensitive") or ())
    with _untrusted(path):
        stated = stated_inputs(data["inputs"])
        consistency.check_statuses(str(path), results, today, sensitive, stated)
        if policy is not None:
            trusted = dataclasses.replace(stated, sensitive=policy.data.sensitive)
            analysis = isinstance(data["inputs"].get("analysis"), dict)
            pinning.check_pinned(str(path), results, policy, today, binding, trusted, analysis)
    fail_on_warn = data.get("fail_on_warn", False)
    if report_only and fail_on_warn:
        raise InputError(f"report {path}: a report-only report cannot have fail_on_warn")
    # No waivers: a `waived` status (schema: only with its active waiver) stays waived.
    decision = decide(results, (), today, fail_on_warn, report_only=report_only)
    decision = dataclasses.replace(decision, notes=tuple(data.get("notes", ())))
    decision = _analysed(path, data, decision)
    unmet = ", ".join(f"{r.id} ({r.status.value})" for r in decision.blocking) or "none"
    claims = {
        "decision": (data["decision"], decision.verdict.value),
        "exit_code": (data["exit_code"], decision.exit_code),
        "summary": (data["summary"], decision.counts()),
    }
    for key, (claimed, actual) in claims.items():
        if key == "summary":
            claimed = {s.value: claimed.get(s.value, 0) for s in Status}
        if claimed != actual:
            raise InputError(
                f"report {path}: {key} {json.dumps(claimed)} does not follow from its checks "
                f"(they give {json.dumps(actual)}; unmet blocking checks: {unmet}); refusing it"
            )
    return decision


def _analysed(path: str | Path, data: dict[str, Any], decision: Decision) -> Decision:
    """The decision of a rollout analysis (model-gate analyze), which may hold back the
    checks' own verdict — block or inconclusive, never approve — when the report states that
    verdict as `checks_decision` and it follows from the checks; the report as is otherwise."""
    claimed = data.get("checks_decision")
    if claimed is None:
        if data["decision"] == Verdict.INCONCLUSIVE.value:
            raise InputError(
                f"report {path}: decision inconclusive without checks_decision (the checks' "
                "own verdict, which model-gate analyze writes beside it): not a report "
                "model-gate wrote"
            )
        return decision
    own = decision.verdict.value
    if claimed != own:
        raise InputError(
            f"report {path}: checks_decision {json.dumps(claimed)} does not follow from its "
            f"checks (they give {json.dumps(own)}); refusing it"
        )
    if data["decision"] not in (Verdict.BLOCK.value, Verdict.INCONCLUSIVE.value) or (
        data["decision"] == claimed
    ):
        raise InputError(
            f"report {path}: an analysis decides block or inconclusive over the checks' "
            f"verdict, not {json.dumps(data['decision'])} over {json.dumps(claimed)}; refusing it"
        )
    verdict = Verdict(data["decision"])
    return dataclasses.replace(decision, verdict=verdict, checks_verdict=decision.verdict)


def load_report(path: str | Path, policy: Policy | None = None) -> Evaluation:
    """The Evaluation a report.json describes; InputError if it is not a valid, consistent
    report (or, given a trusted `policy`, not a report of exactly its checks)."""
    data = _read(path)
    _validate(path, data)
    return Evaluation(
        recompute(path, data, policy),
        data["policy"],
        data["inputs"],
        data.get("seed", 0),
        data["tool"]["version"],
        tuple(data.get("policy_changes", ())),
        data.get("curves"),
        data.get("audit"),
    )
