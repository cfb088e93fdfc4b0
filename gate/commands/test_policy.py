"""`model-gate test-policy CASES.yaml...`: unit tests for policies (like `conftest verify`).

Every cases file is read and checked first (gate.commands.policy_cases): a malformed one is
exit 2 with every problem at its line, before any case runs. Then each case runs on its own
through the Python API (inline data as a DataFrame, never a temporary file) and reports PASS or
FAIL; a case whose inputs cannot be used (a missing data file, a policy error) fails with the
message and the next case runs. Exit 0 when every case passes, 1 when any fails.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from gate.api import run_options
from gate.commands.policy_cases import case_name, read_cases
from gate.errors import GateError, PolicyError
from gate.inputs.data import described
from gate.inputs.frames import LABELS
from gate.policy.loader import BUILTIN_PREFIX
from gate.policy.yamlpos import SourcedDoc
from gate.report.escape import term
from gate.results import CheckResult, Evaluation, fmt
from gate.runner import RunOptions, run

IN_MEMORY = described("data", LABELS[pd.DataFrame])  # how messages name a DataFrame


@dataclass(frozen=True)
class Case:
    """One case of a cases file, with what names it in messages."""

    doc: SourcedDoc
    index: int
    name: str

    @property
    def spec(self) -> dict[str, Any]:
        return self.doc.data["cases"][self.index]

    @property
    def label(self) -> str:
        """ "case 'name' (cases.yaml:LINE)", or "case N (cases.yaml:LINE)" without a name."""
        where = f"{Path(self.doc.file).name}:{self.doc.loc(('cases', self.index)).line}"
        named = self.spec.get("name")
        return f"case '{named}' ({where})" if named else f"case {self.index + 1} ({where})"


def inline_frame(data: dict[str, list[Any]]) -> pd.DataFrame:
    """A case's inline columns as a DataFrame, each typed as a CSV reader would type it: whole
    numbers stay whole (nullable when a value is missing), a column mixing text with numbers
    or booleans is text."""
    return pd.DataFrame({name: _column(values) for name, values in data.items()})


def _column(values: list[Any]) -> pd.Series:
    kinds = {type(v) for v in values if v is not None}
    gaps = None in values
    if kinds and kinds <= {bool}:
        return pd.Series(values, dtype="boolean" if gaps else bool)
    if kinds and kinds <= {int}:
        return pd.Series(values, dtype="Int64" if gaps else "int64")
    if kinds and kinds <= {int, float}:
        return pd.Series(values, dtype="float64")
    if kinds <= {str}:
        return pd.Series(values, dtype=object)
    return pd.Series([None if v is None else str(v) for v in values], dtype=object)


def _options(case: Case, policy: str, base: Path) -> RunOptions:
    """The case's run as the Python API takes it; `binding:` overrides any `data:` key."""
    spec = case.spec
    binding = dict(spec.get("binding") or {})
    for key in ("sensitive", "features"):
        if binding.get(key) is not None:
            binding[key] = tuple(binding[key])

    def file(key: str) -> str | None:
        return str(base / spec[key]) if spec.get(key) else None

    data = spec["data"]
    options = run_options(
        policy,
        str(base / data) if isinstance(data, str) else inline_frame(data),
        model=file("model"),
        baseline=file("baseline_model"),
        model_card=file("model_card"),
        resamples=200,
        today=dt.date.fromisoformat(spec["today"]) if spec.get("today") else None,
    )
    return replace(options, overrides=binding)


def _check_failures(check_id: str, want: Any, got: CheckResult | None) -> list[str]:
    """What differs between one check's expectation and its result."""
    want = {"status": want} if isinstance(want, str) else want
    status = got.status.value if got else "absent"
    failures = []
    if "status" in want and want["status"] != status:
        failures.append(f"check {check_id}: {status}, expected {want['status']}")
    bounds = want.get("value")
    if bounds:
        value = got.value if got else None
        low, high = bounds.get("min"), bounds.get("max")
        pairs = (("at least", low), ("at most", high))
        wanted = " and ".join(f"{word} {fmt(b)}" for word, b in pairs if b is not None)
        if value is None:
            failures.append(f"check {check_id}: no value ({status}), expected {wanted}")
        elif (low is not None and value < low) or (high is not None and value > high):
            failures.append(f"check {check_id}: value {fmt(value)}, expected {wanted}")
    return failures


def compare(expect: dict[str, Any], evaluation: Evaluation) -> list[str]:
    """Every way the evaluation differs from the case's expectations."""
    failures = []
    verdict = evaluation.decision.verdict.value
    if "decision" in expect and expect["decision"] != verdict:
        failures.append(f"decision {verdict}, expected {expect['decision']}")
    results = {r.id: r for r in evaluation.decision.results}
    for check_id, want in (expect.get("checks") or {}).items():
        failures += _check_failures(check_id, want, results.get(check_id))
    return failures


def _run_case(case: Case, policy: str, base: Path) -> list[str]:
    """The case's failures; an input error is one, naming the case's inline data."""
    try:
        evaluation = run(_options(case, policy, base))
    except PolicyError as exc:
        return ["error: " + "; ".join(f"{loc}: {msg}" for loc, msg in exc.problems)]
    except GateError as exc:
        return ["error: " + str(exc).replace(IN_MEMORY, f"the inline data of {case.label}")]
    return compare(case.spec.get("expect") or {}, evaluation)


def _policy(doc: SourcedDoc, path: Path) -> str:
    ref = doc.data["policy"]
    return ref if ref.startswith(BUILTIN_PREFIX) else str(path.parent / ref)


def _run_file(path: Path, doc: SourcedDoc) -> tuple[int, int]:
    """(cases run, cases failed) of one cases file; every case runs."""
    failed = 0
    for i in range(len(doc.data["cases"])):
        case = Case(doc, i, case_name(doc, i))
        failures = _run_case(case, _policy(doc, path), path.parent)
        failed += bool(failures)
        print(f"{'FAIL' if failures else 'PASS'}  {term(path.name)}: {term(case.name)}")
        for failure in failures:
            print(f"        {term(failure)}")
    return len(doc.data["cases"]), failed


def _read_all(paths: list[Path]) -> list[SourcedDoc]:
    """Every cases file, read and checked before any case runs: one PolicyError for all."""
    docs, problems = [], []
    for path in paths:
        try:
            docs.append(read_cases(path))
        except PolicyError as exc:
            problems += exc.problems
    if problems:
        raise PolicyError(problems)
    return docs


def test_policy(paths: list[str]) -> int:
    """0 when every case passes, 1 when any fails; GateError (exit 2) for a malformed file."""
    files = [Path(p) for p in paths]
    failed = total = 0
    for path, doc in zip(files, _read_all(files), strict=True):
        ran, broke = _run_file(path, doc)
        total, failed = total + ran, failed + broke
    print(f"{total - failed} passed, {failed} failed", file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0
