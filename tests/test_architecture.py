"""The layers of DESIGN.md, and the published schemas kept in step with the registries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

from gate.checks import REGISTRY
from gate.engine.group_metrics import GROUP_METRICS, NAMED_DISPARITIES
from gate.engine.metrics import METRICS
from gate.policy.schema_doc import filled_schema

PACKAGE = ROOT / "gate"
UPPER = ("gate.report", "gate.ci", "gate.cli", "gate.commands", "gate.api", "gate.runner")
LOWER = ["engine", "checks", "decision.py", "results.py", "errors.py", "policy", "inputs"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("part", LOWER)
def test_lower_layers_never_import_upper_ones(part: str):
    target = PACKAGE / part
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    for path in files:
        bad = [m for m in imported_modules(path) if m.startswith(UPPER)]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_ci_does_http():
    for path in PACKAGE.rglob("*.py"):
        if "ci" not in path.relative_to(PACKAGE).parts[:1]:
            assert not {"requests", "urllib.request", "http.client"} & imported_modules(path), path


def test_policy_schema_lists_the_registered_metrics_and_check_types():
    defs = filled_schema()["$defs"]  # the published schema without its "${name}" alternatives
    assert set(defs["check"]["properties"]["type"]["enum"]) == set(REGISTRY)
    by_type = {b["if"]["properties"]["type"]["const"]: b for b in defs["check"]["allOf"]}
    assert set(by_type) == set(REGISTRY)
    metric = {t: defs[f"{t}_check"]["properties"].get("metric", {}) for t in REGISTRY}
    assert set(metric["performance"]["enum"]) == set(METRICS)
    assert set(metric["fairness"]["enum"]) == set(GROUP_METRICS) | set(NAMED_DISPARITIES)


def import_graph(package: Path, prefix: str) -> dict[str, set[str]]:
    """module -> the modules of the same package it imports (at any depth of the file)."""
    modules = {f"{prefix}.{p.stem}": p for p in package.glob("*.py") if p.stem != "__init__"}
    return {name: imported_modules(path) & set(modules) for name, path in modules.items()}


def test_the_policy_package_has_no_import_cycle():
    from graphlib import CycleError, TopologicalSorter

    graph = import_graph(PACKAGE / "policy", "gate.policy")
    assert graph["gate.policy.loader"] >= {"gate.policy.semantics", "gate.policy.files"}
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"gate/policy imports in a circle: {' -> '.join(exc.args[1])}")
