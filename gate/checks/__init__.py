"""Check types, registered by name: one module each, each exposing `evaluate(spec, ctx)`."""

from __future__ import annotations

from collections.abc import Callable

from gate.checks import documentation, fairness, governance, performance, representation
from gate.checks.base import CheckContext
from gate.policy.model import CheckSpec
from gate.results import CheckResult

Evaluator = Callable[[CheckSpec, CheckContext], CheckResult]

REGISTRY: dict[str, Evaluator] = {
    "documentation": documentation.evaluate,
    "fairness": fairness.evaluate,
    "performance": performance.evaluate,
    "prohibited_features": governance.prohibited,
    "proxy_features": governance.proxy,
    "representation": representation.evaluate,
}
