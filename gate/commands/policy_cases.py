"""Cases files for `model-gate test-policy`: their schema, and reading them whole before any
case runs, so a malformed file (exit 2) names every problem at its line at once.

A case lists inline data (or a data file), optional column bindings, models, a `today:` date
(the run date waivers and expiry are judged on), and what it expects: the decision, and per
check a status, or `{status: .., value: {min: .., max: ..}}`.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from gate.errors import Location, PolicyError
from gate.policy.schema import filled_schema, non_finite_findings, schema_findings
from gate.policy.yamlpos import Path_, SourcedDoc, decode, load_yaml, read_bounded
from gate.results import Status, Verdict

WHAT = "cases file"
FILE = {"type": "string", "minLength": 1}
SCALAR = {"type": ["string", "number", "boolean", "null"]}
STATUS = {"enum": [s.value for s in Status] + ["absent"]}
VALUE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
}
CHECK_EXPECT = {
    "type": ["string", "object"],
    "if": {"type": "string"},
    "then": STATUS,
    "else": {
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {"status": STATUS, "value": VALUE},
    },
}


@cache
def cases_schema() -> dict[str, Any]:
    """The JSON Schema of a cases file (`binding` is a policy's `data:` section)."""
    case = {
        "type": "object",
        "additionalProperties": False,
        "required": ["data", "expect"],  # a case that expects nothing could never fail
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
                "minProperties": 1,
                "properties": {
                    "decision": {"enum": [v.value for v in Verdict]},
                    "checks": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": CHECK_EXPECT,
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
        "$defs": filled_schema()["$defs"],
    }


def case_name(doc: SourcedDoc, i: int) -> str:
    """The case's `name:`, else 'case N (line L)'."""
    case = doc.data["cases"][i]
    if case.get("name"):
        return str(case["name"])
    return f"case {i + 1} (line {doc.loc(('cases', i)).line})"


def read_cases(path: Path) -> SourcedDoc:
    """A cases file, bounded like a policy file, valid against cases_schema(), with real
    dates, inline columns of one length and value ranges with min <= max; PolicyError lists
    every problem: the rules below judge every part that fits the schema, so a schema error
    hides nothing else."""
    label = str(path)
    doc = load_yaml(decode(read_bounded(path, label, WHAT), label, WHAT), label, collect=True)
    if not isinstance(doc.data, dict):
        raise PolicyError([(doc.loc(()), "a cases file is a mapping with 'policy' and 'cases'")])
    found = non_finite_findings(doc)
    numbers = {p for p, _, _ in found}  # said once: not again as a schema problem
    found += [f for f in schema_findings(doc, cases_schema()) if not _under(f[0], numbers)]
    broken = {p for p, _, _ in found}
    problems = doc.problems + [(loc, message) for _, loc, message in found]
    cases = doc.data.get("cases")
    for i, case in enumerate(cases if isinstance(cases, list) else []):
        if isinstance(case, dict) and not _under(("cases", i), broken):
            problems += _case_problems(doc, i, case, broken)
    if problems:
        raise PolicyError(sorted(problems, key=lambda p: (p[0].line or 0, p[0].column or 0)))
    return doc


def _under(path: Path_, broken: set[Path_]) -> bool:
    """True when the value at `path`, or anything holding it, broke the schema."""
    return any(path[: len(p)] == p for p in broken)


def _case_problems(
    doc: SourcedDoc, i: int, case: dict[str, Any], broken: set[Path_]
) -> list[tuple[Location, str]]:
    """The rules the schema cannot express, on the parts of case `i` that fit it."""
    problems = []
    name = case_name(doc, i)

    def fine(*keys: str | int) -> bool:
        """Neither the value at `keys` nor anything in it or holding it broke the schema."""
        path = ("cases", i, *keys)
        return not any(p[: len(path)] == path or path[: len(p)] == p for p in broken)

    if isinstance(case.get("today"), str) and fine("today"):
        try:
            dt.date.fromisoformat(case["today"])
        except ValueError:
            problems.append((doc.loc(("cases", i, "today")), "'today' is not a calendar date"))
    data = case.get("data")
    lists = isinstance(data, dict) and all(isinstance(v, list) for v in data.values())
    if lists and fine("data"):
        problems += _lengths(doc, i, name, data)
    expect = case.get("expect")
    checks = expect.get("checks") if isinstance(expect, dict) else None
    for check, want in checks.items() if isinstance(checks, dict) else []:
        bounds = want.get("value") if isinstance(want, dict) else None
        if not isinstance(bounds, dict) or not fine("expect", "checks", check, "value"):
            continue
        if bounds.get("min", -1e308) > bounds.get("max", 1e308):
            where = doc.loc(("cases", i, "expect", "checks", check, "value"))
            problems.append((where, f"{name}: check {check}: value min is above max"))
    return problems


def _lengths(doc: SourcedDoc, i: int, name: str, data: dict[str, Any]) -> list[Any]:
    if len({len(v) for v in data.values()}) <= 1:
        return []
    lengths = ", ".join(f"{k}: {len(v)}" for k, v in data.items())
    where = doc.loc(("cases", i, "data"))
    return [(where, f"{name}: inline data columns differ in length ({lengths})")]
