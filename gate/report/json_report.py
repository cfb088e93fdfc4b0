"""report.json: the machine-readable result (schema: gate/schemas/report.schema.json)."""

from __future__ import annotations

from typing import Any

from gate.report.escape import json_text
from gate.results import CheckResult, Evaluation, significant

SCHEMA_VERSION = 1


def to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """The report as plain JSON-ready data; identical inputs and seed give identical data."""
    decision = evaluation.decision
    report = {
        "schema_version": SCHEMA_VERSION,
        "decision": decision.verdict.value,
        "exit_code": decision.exit_code,
        "tool": {"name": "model-gate", "version": evaluation.tool_version},
        "policy": evaluation.policy_name,
        "seed": evaluation.seed,
        "fail_on_warn": decision.fail_on_warn,
        "summary": decision.counts(),
        "inputs": evaluation.inputs,
        "checks": [check_dict(r) for r in decision.results],
        "notes": list(decision.notes),
        "policy_changes": list(evaluation.policy_changes),
    } | ({"curves": evaluation.curves} if evaluation.curves else {})
    if decision.checks_verdict is not None:
        report["checks_decision"] = decision.checks_verdict.value
    return report | ({"audit": evaluation.audit} if evaluation.audit else {})  # --format audit


def check_dict(r: CheckResult) -> dict[str, Any]:
    """One check's entry; optional fields appear only when they have a value."""
    out: dict[str, Any] = {
        "id": r.id,
        "type": r.type,
        "status": r.status.value,
        "severity": r.severity.value,
    }
    optional = {
        "metric": r.metric,
        "value": r.value,
        "threshold": r.threshold or None,
        "confidence": r.confidence,
        "ci": list(r.ci) if r.ci else None,
        "error_bound": r.error_bound,
        "n": r.n,
        "baseline": None if r.baseline is None else r.baseline.as_dict(),
        "comparison": r.comparison,
        "groups": list(r.groups) or None,
        "columns": list(r.columns) or None,
        "rules": list(r.rules) or None,
        "unknown": r.unknown,
        "score_median": r.score_median,
        "average": r.average,
        "class": r.of_class,
        "features": list(r.features) or None,
        "perturbations": list(r.perturbations) or None,
        "slices": list(r.slices) or None,
        "sample": r.sample,
        "spec": r.spec,
        "waiver": r.waiver,
        "location": r.location,
        "extended_at": r.extended_at,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    out["message"] = r.message
    return out


#: keys whose numbers report.json states exactly: a slice's bin edges (review13b #2: edges
#: that differ past the 12th digit must not print alike)
EXACT = frozenset({"bounds"})


def rounded(value: Any, exact: bool = False) -> Any:
    """`value` with every float rounded to SIGNIFICANT significant digits (but under EXACT)."""
    if isinstance(value, float):
        return value if exact else significant(value)
    if isinstance(value, dict):
        return {k: rounded(v, exact or k in EXACT) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v, exact) for v in value]
    return value


def render(evaluation: Evaluation) -> str:
    """report.json's text."""
    document = rounded(to_dict(evaluation))
    return json_text(document, indent=2, sort_keys=False, allow_nan=False) + "\n"
