"""Checks the schema cannot express, then the frozen Policy. Every problem is collected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gate.engine.group_metrics import task_of
from gate.errors import Location, PolicyError
from gate.policy.checkspecs import check_spec
from gate.policy.diff import CHANGES_CHECK_ID
from gate.policy.loader import Merged, Sourced
from gate.policy.model import (
    CheckSpec,
    DataBinding,
    Policy,
    Waiver,
)
from gate.policy.schema import did_you_mean
from gate.results import Severity

Problems = list[tuple[Location, str]]


def build_policy(merged: Merged, sha256: str) -> Policy:
    """Freeze a merged policy, or raise PolicyError with every semantic problem found."""
    problems: Problems = []
    checks = tuple(check_spec(s, problems) for s in merged.checks.values())
    if not checks:
        problems.append(
            (
                merged.root.loc(("checks",), key=True),
                "the policy has no checks: an empty gate would approve anything",
            )
        )
    mode = merged.root.data.get("mode", "gate")
    if checks and mode == "gate":
        _require_blocking(merged, checks, problems)
    fairness_ids = {i for i, c in merged.checks.items() if c.value["type"] == "fairness"}
    waivable = {*merged.checks, CHANGES_CHECK_ID}
    waivers = tuple(_waiver(w, waivable, fairness_ids, problems) for w in merged.waivers)
    data = _data_binding(merged.data)
    _check_task(data, merged, problems)
    if problems:
        raise PolicyError(sorted(problems, key=lambda p: (p[0].file, p[0].line or 0)))
    name = merged.root.data.get("name") or Path(merged.root.file).stem
    return Policy(
        name=name,
        path=merged.root.file,
        sha256=sha256,
        data=data,
        checks=checks,
        waivers=waivers,
        sources=tuple(merged.sources),
        require_change_approval=bool(merged.approval),
        mode=mode,
        approval_set_in=tuple(dict.fromkeys(merged.approval)),
        files=tuple(dict.fromkeys(merged.files)),
        digests=tuple(dict.fromkeys(merged.digests)),
    )


def _require_blocking(merged: Merged, checks: tuple[CheckSpec, ...], problems: Problems) -> None:
    """A gate whose checks are all warn / info would approve failures: refuse it."""
    if any(c.severity is Severity.BLOCK for c in checks):
        return
    key = "checks" if "checks" in merged.root.data else "extends"
    ids = ", ".join(c.id for c in checks)
    problems.append(
        (
            merged.root.loc((key,), key=True),
            f"no check blocks (all warn or info: {ids}), so the gate would approve failing "
            "checks; give one 'severity: block', or declare 'mode: report' for a report-only "
            "policy",
        )
    )


def _waiver(s: Sourced, check_ids: set[str], fairness_ids: set[str], problems: Problems) -> Waiver:
    raw = s.value
    group = raw.get("group")
    if group is not None and raw["check"] in check_ids and raw["check"] not in fairness_ids:
        problems.append(
            (
                s.loc("group", key=True),
                f"waiver for '{raw['check']}': a group can be waived only on a fairness check",
            )
        )
    if raw["check"] not in check_ids:
        problems.append(
            (
                s.loc("check"),
                f"waiver for unknown check '{raw['check']}'{did_you_mean(raw['check'], check_ids)}",
            )
        )
    try:
        expires = dt.date.fromisoformat(raw["expires"])
    except ValueError:
        problems.append(
            (
                s.loc("expires"),
                f"waiver expires on '{raw['expires']}', which is not a calendar date (YYYY-MM-DD)",
            )
        )
        expires = dt.date.min
    return Waiver(
        check=raw["check"],
        reason=raw["reason"],
        approved_by=raw["approved_by"],
        expires=expires,
        location=s.loc(),
        group=tuple((str(k), str(v)) for k, v in group.items()) if group else None,
    )


def _data_binding(data: dict[str, Sourced]) -> DataBinding:
    values = {k: s.value for k, s in data.items() if s.value is not None}
    for key in ("sensitive", "features"):
        if key in values:
            values[key] = tuple(values[key])
    return DataBinding(**values)


def _check_task(data: DataBinding, merged: Merged, problems: Problems) -> None:
    """All metrics must belong to one task (the declared one, if any)."""
    by_task: dict[str, list[Sourced]] = {}
    for s in merged.checks.values():
        task = task_of(s.value.get("metric", ""))
        if task:
            by_task.setdefault(task.value, []).append(s)
    if data.task:
        for task, checks in by_task.items():
            if task != data.task:
                problems.extend(
                    (
                        c.loc("metric"),
                        f"metric '{c.value['metric']}' is a {task} "
                        f"metric but data.task is {data.task}",
                    )
                    for c in checks
                )
    elif len(by_task) > 1:
        summary = "; ".join(
            f"{t}: {', '.join(c.value['id'] for c in cs)}" for t, cs in by_task.items()
        )
        problems.append(
            (
                merged.root.loc(("checks",), key=True),
                f"the checks mix metrics of different tasks ({summary})",
            )
        )
