"""`model-gate test-policy CASES.yaml`: unit tests for policies (like `conftest verify`).

A cases file names a policy and lists cases, each with inline data (or a data file), optional
column bindings and model, and the expected decision and check statuses. Cases files are read
with the same bounds as policy files and checked against a schema before any case runs; every
number in them must be finite (a missing value is `null`).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from gate.errors import GateError, InputError, PolicyError
from gate.inputs.models import LoadPolicy
from gate.policy.loader import BUILTIN_PREFIX
from gate.policy.schema import non_finite, policy_schema, schema_problems
from gate.policy.yamlpos import SourcedDoc, decode, load_yaml, read_bounded
from gate.report.escape import term
from gate.results import Status, Verdict
from gate.runner import RunOptions, run

WHAT = "cases file"
FILE = {"type": "string", "minLength": 1}
SCALAR = {"type": ["string", "number", "boolean", "null"]}


@cache
def cases_schema() -> dict[str, Any]:
    """The JSON Schema of a cases file (`binding` is a policy's `data:` section)."""
    case = {
        "type": "object",
        "additionalProperties": False,
        "required": ["data"],
        "properties": {
            "name": {"type": "string"},
            "data": {
                "type": ["string", "object"],
                "minLength": 1,
                "minProperties": 1,
                "additionalProperties": {"type": "array", "items": SCALAR},
            },
            "binding": {"$ref": "#/$defs/data"},
            "model": FILE,
            "baseline_model": FILE,
            "model_card": FILE,
            "today": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "expect": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "decision": {"enum": [v.value for v in Verdict]},
                    "checks": {
                        "type": "object",
                        "additionalProperties": {"enum": [s.value for s in Status] + ["absent"]},
                    },
                },
            },
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["policy", "cases"],
        "properties": {"policy": FILE, "cases": {"type": "array", "items": case}},
        "$defs": policy_schema()["$defs"],
    }


def read_cases(path: Path) -> SourcedDoc:
    """A cases file, bounded like a policy file and valid against cases_schema()."""
    label = str(path)
    doc = load_yaml(decode(read_bounded(path, label, WHAT), label, WHAT), label)
    if not isinstance(doc.data, dict):
        raise PolicyError([(doc.loc(()), "a cases file is a mapping with 'policy' and 'cases'")])
    problems = non_finite(doc) or schema_problems(doc, cases_schema())
    if problems:
        raise PolicyError(problems)
    return doc


def _data_file(data: str | dict[str, list], base: Path, tmp: Path, index: int) -> str:
    if isinstance(data, str):
        return str(base / data)
    try:
        frame = pd.DataFrame(data)
    except ValueError as exc:
        raise InputError(
            f"case {index + 1}: inline data columns differ in length ({exc})"
        ) from None
    path = tmp / f"case-{index + 1}.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _options(case: dict[str, Any], policy: str, base: Path, tmp: Path, i: int) -> RunOptions:
    binding = dict(case.get("binding") or {})
    for key in ("sensitive", "features"):
        if binding.get(key) is not None:
            binding[key] = tuple(binding[key])
    today = case.get("today")
    return RunOptions(
        policy=policy,
        data=_data_file(case["data"], base, tmp, i),
        overrides=binding,
        model=str(base / case["model"]) if case.get("model") else None,
        baseline_model=str(base / case["baseline_model"]) if case.get("baseline_model") else None,
        model_card=str(base / case["model_card"]) if case.get("model_card") else None,
        model_rules=LoadPolicy(),
        resamples=200,
        today=dt.date.fromisoformat(today) if today else None,
    )


def _run_case(case: dict[str, Any], policy: str, base: Path, tmp: Path, i: int) -> list[str]:
    """The case's failures: expected vs actual decision and statuses."""
    evaluation = run(_options(case, policy, base, tmp, i))
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


def _check_dates(doc: SourcedDoc) -> None:
    problems = []
    for i, case in enumerate(doc.data["cases"]):
        try:
            if "today" in case:
                dt.date.fromisoformat(case["today"])
        except ValueError:
            problems.append((doc.loc(("cases", i, "today")), "'today' is not a calendar date"))
    if problems:
        raise PolicyError(problems)


def _run_file(path: Path) -> tuple[int, int]:
    """(cases run, cases failed) of one cases file."""
    doc = read_cases(path)
    _check_dates(doc)
    ref = doc.data["policy"]
    policy = ref if ref.startswith(BUILTIN_PREFIX) else str(path.parent / ref)
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(doc.data["cases"]):
            name = case.get("name", f"case {i + 1}")
            try:
                failures = _run_case(case, policy, path.parent, Path(tmp), i)
            except PolicyError as exc:
                where = doc.loc(("cases", i))
                raise PolicyError([(where, f"case '{name}':"), *exc.problems]) from None
            except GateError as exc:
                raise type(exc)(f"{doc.loc(('cases', i))}: {name}: {exc}") from None
            failed += bool(failures)
            print(f"{'FAIL' if failures else 'PASS'}  {term(path.name)}: {term(name)}")
            for failure in failures:
                print(f"        {term(failure)}")
    return len(doc.data["cases"]), failed


def test_policy(paths: list[str]) -> int:
    """0 when every case passes, 1 when any fails; GateError (exit 2) for a broken file."""
    failed = total = 0
    for path in map(Path, paths):
        ran, broke = _run_file(path)
        total, failed = total + ran, failed + broke
    print(f"{total - failed} passed, {failed} failed", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0
