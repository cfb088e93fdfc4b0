"""Checks the schema cannot express, then the frozen Policy. Every problem is collected.

The rules read only what passed the schema (`Sourced.valid`); rules about the whole tree are
left out while a piece of it could not be read (`Merged.partial`), so that nothing is reported
about what is merely missing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gate.engine.group_metrics import task_of
from gate.policy.checkspecs import check_spec
from gate.policy.diff_rules import CHANGES_CHECK_ID
from gate.policy.model import CheckSpec, DataBinding, Policy, Waiver
from gate.policy.multiclass_rules import MULTICLASS, multiclass_problems
from gate.policy.semantics_groups import group_problems, reference_problems
from gate.policy.semantics_guess import judged_as
from gate.policy.sourced import Merged, Problems, Sourced
from gate.policy.suggest import did_you_mean
from gate.results import Severity


def build_policy(merged: Merged, sha256: str, problems: Problems) -> Policy:
    """Freeze a merged policy, appending every semantic problem found to `problems` (the
    policy is usable only when, in the end, `problems` is empty)."""
    checks = tuple(check_spec(s, problems) for s in merged.checks.values())
    for s in merged.guessed:
        found: Problems = []
        check_spec(s, found)
        reference_problems(s, merged, found)
        problems.extend((loc, message + judged_as(s.value["type"])) for loc, message in found)
    mode = merged.root.data.get("mode", "gate")
    if not merged.partial:
        _require_checks(merged, checks, mode, problems)
    fairness_ids = {i for i, c in merged.checks.items() if c.value["type"] == "fairness"}
    waivable = {*merged.checks, CHANGES_CHECK_ID}
    known = None if merged.unread else {*merged.ids, CHANGES_CHECK_ID}
    waivers = (_waiver(w, waivable, known, fairness_ids, problems) for w in merged.waivers)
    group_problems(merged, problems)
    data = _data_binding(merged.data)
    _encoded_problems(merged.data.get("encoded"), problems)
    _check_task(data, merged, problems)
    _unweighted_checks(data, merged, problems)
    multiclass_problems(data.task, merged, problems)
    name = merged.root.data.get("name")
    return Policy(
        name=name if isinstance(name, str) and name else Path(merged.root.file).stem,
        path=merged.root.file,
        sha256=sha256,
        data=data,
        checks=checks,
        waivers=tuple(w for w in waivers if w is not None),
        sources=tuple(merged.sources),
        require_change_approval=bool(merged.approval),
        mode=mode,
        approval_set_in=tuple(dict.fromkeys(merged.approval)),
        files=tuple(dict.fromkeys(merged.files)),
        digests=tuple(dict.fromkeys(merged.digests)),
    )


def _require_checks(
    merged: Merged, checks: tuple[CheckSpec, ...], mode: object, problems: Problems
) -> None:
    if not checks:
        message = "the policy has no checks: an empty gate would approve anything"
        problems.append((merged.root.loc(("checks",), key=True), message))
    elif mode == "gate":
        _require_blocking(merged, checks, problems)


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


def _waiver(
    s: Sourced,
    waivable: set[str],
    known: set[str] | None,
    fairness_ids: set[str],
    problems: Problems,
) -> Waiver | None:
    """The waiver, or None when a part of it broke the schema (problems noted either way).

    `known` holds every check id written anywhere in the tree (None while a file of the tree
    could not be read): a waiver naming none of them is a problem."""
    raw = s.valid
    check, group = raw.get("check"), raw.get("group")
    if group is not None and check in waivable and check not in fairness_ids:
        message = f"waiver for '{check}': a group can be waived only on a fairness check"
        problems.append((s.loc("group", key=True), message))
    if check is not None and known is not None and check not in known:
        message = f"waiver for unknown check '{check}'{did_you_mean(check, waivable)}"
        problems.append((s.loc("check"), message))
    expires = _expiry(s, problems)
    if s.broken or expires is None:
        return None
    return Waiver(
        check=raw["check"],
        reason=raw["reason"],
        approved_by=raw["approved_by"],
        expires=expires,
        location=s.loc(),
        group=tuple((str(k), str(v)) for k, v in group.items()) if group else None,
    )


def _expiry(s: Sourced, problems: Problems) -> dt.date | None:
    text = s.valid.get("expires")
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        message = f"waiver expires on '{text}', which is not a calendar date (YYYY-MM-DD)"
        problems.append((s.loc("expires"), message))
        return None


def _data_binding(data: dict[str, Sourced]) -> DataBinding:
    values = {k: s.value for k, s in data.items() if s.value is not None}
    for key in ("sensitive", "features"):
        if key in values:
            values[key] = tuple(values[key])
    return DataBinding(**values)


def _encoded_problems(s: Sourced | None, problems: Problems) -> None:
    """data.encoded: a column encodes one attribute only, and is not itself an attribute."""
    groups = s.value if s is not None and isinstance(s.value, dict) else {}
    owner: dict[str, str] = {}
    for attribute, columns in groups.items():
        for column in columns if isinstance(columns, list) else ():
            if column in owner and owner[column] != attribute:
                message = (
                    f"data.encoded: column '{column}' is under both '{owner[column]}' and "
                    f"'{attribute}'; a column encodes one attribute"
                )
                problems.append((s.loc(attribute), message))
            elif column in groups and column != attribute:
                message = f"data.encoded: '{column}' is an attribute and a column of '{attribute}'"
                problems.append((s.loc(attribute), message))
            owner[column] = attribute


#: the check types whose shares count rows and have no weighted form (their exact tests are on
#: unweighted counts): a bound data.weight would be silently ignored (review13b #15, #18)
COUNTS_ROWS = ("slices", "robustness")


def _unweighted_checks(data: DataBinding, merged: Merged, problems: Problems) -> None:
    """A problem at each slices / robustness check of a policy that binds data.weight."""
    if not data.weight:
        return
    for s in merged.checks.values():
        kind = s.value.get("type")
        if kind in COUNTS_ROWS:
            message = (
                f"check '{s.value['id']}': a {kind} check counts rows (its shares and their exact "
                f"intervals are of unweighted rows), and data.weight weights them by column "
                f"'{data.weight}': its numbers would not be the weighted population's. Run it "
                "from a policy that binds no weight"
            )
            problems.append((s.loc("type"), message))


def _check_task(data: DataBinding, merged: Merged, problems: Problems) -> None:
    """All metrics must belong to one task (the declared one, if any)."""
    by_task: dict[str, list[Sourced]] = {}
    for s in merged.checks.values():
        task = task_of(s.valid.get("metric", ""))
        if task:
            by_task.setdefault(task.value, []).append(s)
    if data.task:
        for task, checks in by_task.items():
            # a multiclass policy names binary metrics (averaged, or of one class)
            binary_in_multiclass = data.task == MULTICLASS and task == "binary_classification"
            if task != data.task and not binary_in_multiclass:
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
