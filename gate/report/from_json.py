"""Read report.json back into an Evaluation (validated first), e.g. to post it from a
privileged workflow that must not run the pull request's code."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from gate.errors import InputError
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
        n=c.get("n"),
        groups=tuple(c.get("groups", ())),
        baseline=BaselineComparison(
            base["value"], base["delta"], base["drop"], base.get("relative_drop")
        )
        if base
        else None,
        location=c.get("location"),
        extended_at=c.get("extended_at"),
        comparison=c.get("comparison"),
        waiver=c.get("waiver"),
    )


def load_report(path: str | Path) -> Evaluation:
    """The Evaluation a report.json describes; InputError if it is not a valid report."""
    from jsonschema import Draft202012Validator

    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"report {path} cannot be read as JSON: {exc}") from None
    errors = sorted(Draft202012Validator(_schema()).iter_errors(data), key=str)
    if errors:
        where = "/".join(map(str, errors[0].absolute_path)) or "(top level)"
        raise InputError(
            f"report {path} is not a model-gate report.json: {where}: {errors[0].message}"
        )
    decision = Decision(
        Verdict(data["decision"]),
        tuple(_check(c) for c in data["checks"]),
        data.get("fail_on_warn", False),
        tuple(data.get("notes", ())),
    )
    return Evaluation(
        decision,
        data["policy"],
        data["inputs"],
        data.get("seed", 0),
        data["tool"]["version"],
        tuple(data.get("policy_changes", ())),
    )
