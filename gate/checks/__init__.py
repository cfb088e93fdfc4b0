"""Check types, registered by name: one module each, each exposing `evaluate(spec, ctx)`."""

from __future__ import annotations

from collections.abc import Callable

from gate.checks import (
    data_quality,
    documentation,
    drift,
    fairness,
    governance,
    importance,
    performance,
    representation,
    robustness,
    slices,
)
from gate.checks.base import CheckContext
from gate.policy.model import CheckSpec
from gate.results import CheckResult

Evaluator = Callable[[CheckSpec, CheckContext], CheckResult]

REGISTRY: dict[str, Evaluator] = {
    "data_quality": data_quality.evaluate,
    "documentation": documentation.evaluate,
    "drift": drift.evaluate,
    "fairness": fairness.evaluate,
    "importance": importance.evaluate,
    "performance": performance.evaluate,
    "prohibited_features": governance.prohibited,
    "proxy_features": governance.proxy,
    "representation": representation.evaluate,
    "slices": slices.evaluate,
    "robustness": robustness.evaluate,
}
