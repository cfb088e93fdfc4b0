"""`model-gate test-policy CASES.yaml`: unit tests for policies (like `conftest verify`).

A cases file names a policy and lists cases, each with inline data (or a data file), optional
column bindings and model, and the expected decision and check statuses.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from gate.errors import GateError, InputError
from gate.inputs.models import LoadPolicy
from gate.policy.loader import BUILTIN_PREFIX, builtin_dir
from gate.runner import RunOptions, run

CASE_KEYS = {"name", "data", "binding", "model", "baseline_model", "model_card", "expect", "today"}


def _policy_path(ref: str, base: Path) -> Path:
    if ref.startswith(BUILTIN_PREFIX):
        return builtin_dir() / f"{ref[len(BUILTIN_PREFIX) :]}.yaml"
    return base / ref


def _data_file(case: dict[str, Any], base: Path, tmp: Path, index: int) -> str:
    data = case.get("data")
    if isinstance(data, str):
        return str(base / data)
    if not isinstance(data, dict) or not data:
        raise InputError(f"case {index + 1}: 'data' must be a file or a mapping of columns")
    try:
        frame = pd.DataFrame(data)
    except ValueError as exc:
        raise InputError(
            f"case {index + 1}: inline data columns differ in length ({exc})"
        ) from None
    path = tmp / f"case-{index + 1}.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _run_case(case: dict[str, Any], policy: Path, base: Path, tmp: Path, i: int) -> list[str]:
    """The case's failures: expected vs actual decision and statuses."""
    unknown = set(case) - CASE_KEYS
    if unknown:
        raise InputError(f"case {i + 1}: unknown key(s) {', '.join(sorted(unknown))}")
    binding = dict(case.get("binding") or {})
    for key in ("sensitive", "features"):
        if key in binding:
            binding[key] = tuple(binding[key])
    today = case.get("today")
    options = RunOptions(
        policy=str(policy),
        data=_data_file(case, base, tmp, i),
        overrides=binding,
        model=str(base / case["model"]) if case.get("model") else None,
        baseline_model=str(base / case["baseline_model"]) if case.get("baseline_model") else None,
        model_card=str(base / case["model_card"]) if case.get("model_card") else None,
        model_rules=LoadPolicy(),
        resamples=200,
        today=dt.date.fromisoformat(str(today)) if today else None,
    )
    evaluation = run(options)
    expect = case.get("expect") or {}
    failures = []
    if "decision" in expect and expect["decision"] != evaluation.decision.verdict.value:
        failures.append(
            f"decision {evaluation.decision.verdict.value}, expected {expect['decision']}"
        )
    statuses = {r.id: r.status.value for r in evaluation.decision.results}
    for check_id, want in (expect.get("checks") or {}).items():
        got = statuses.get(check_id, "absent")
        if got != want:
            failures.append(f"check {check_id}: {got}, expected {want}")
    return failures


def test_policy(paths: list[str]) -> int:
    """0 when every case passes, 1 when any fails; GateError (exit 2) for a broken file."""
    failed = total = 0
    for path in map(Path, paths):
        try:
            spec = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cases file {path}: {exc}") from None
        if not isinstance(spec, dict) or "policy" not in spec or "cases" not in spec:
            raise InputError(f"cases file {path}: needs 'policy' and a list of 'cases'")
        policy = _policy_path(str(spec["policy"]), path.parent)
        with tempfile.TemporaryDirectory() as tmp:
            for i, case in enumerate(spec["cases"]):
                total += 1
                name = case.get("name", f"case {i + 1}")
                try:
                    failures = _run_case(case, policy, path.parent, Path(tmp), i)
                except GateError as exc:
                    raise type(exc)(f"{path}: {name}: {exc}") from None
                failed += bool(failures)
                print(f"{'FAIL' if failures else 'PASS'}  {path.name}: {name}")
                for failure in failures:
                    print(f"        {failure}")
    print(f"{total - failed} passed, {failed} failed", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0
