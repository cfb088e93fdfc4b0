"""Load the inputs, bind them, run every check, and decide."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from gate import __version__, backends, limits
from gate.backends.profiling import Plan
from gate.checks import REGISTRY
from gate.checks.base import CheckContext
from gate.decision import decide, describe, group_text
from gate.engine.group_metrics import task_of
from gate.engine.metrics import METRICS, Task
from gate.engine.profile import Profile
from gate.errors import InputError, UsageError
from gate.inputs.binding import require_classes
from gate.inputs.data import BATCH_ROWS, DataSource
from gate.inputs.model_card import load_model_card
from gate.inputs.models import LoadedModel, LoadPolicy, load_model
from gate.policy.diff import CHANGES_CHECK_ID, LOOSENING, Change, policy_changes
from gate.policy.loader import load_policy
from gate.policy.model import CheckSpec, DataBinding, Policy, Waiver
from gate.results import NOT_MET, CheckResult, Evaluation, Severity, Status, fmt


@dataclass(frozen=True)
class RunOptions:
    """Everything `check` and `dry-run` take from the command line."""

    policy: str
    data: str
    model: str | None = None
    baseline_model: str | None = None
    model_card: str | None = None
    base_policy: str | None = None
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)
    model_rules: LoadPolicy = dataclasses.field(default_factory=LoadPolicy)
    baseline_rules: LoadPolicy = dataclasses.field(default_factory=LoadPolicy)
    fail_on_warn: bool = False
    seed: int = 0
    resamples: int = 1000
    today: dt.date | None = None
    no_waivers: bool = False
    batch_rows: int = BATCH_ROWS
    engine: str = "local"  # a name in gate.backends.ENGINES
    scheduler: str | None = None  # the engine's cluster address (dask); None: local


def policy_task(policy: Policy) -> Task:
    """The declared task, else the task of the policy's metrics."""
    if policy.data.task:
        return Task(policy.data.task)
    tasks = {task_of(c.metric) for c in policy.checks if c.metric}
    return tasks.pop() if len(tasks) == 1 else Task.BINARY


def _check_numbers(options: RunOptions) -> None:
    """The same bounds the command line enforces, for callers that build RunOptions directly."""
    limits.seed(options.seed, "seed")
    limits.resamples(options.resamples, "resamples")
    limits.batch_rows(options.batch_rows, "batch_rows")
    for key, value in options.overrides.items():
        if isinstance(value, float):
            limits.finite(value, key)


def run(options: RunOptions) -> Evaluation:
    """The whole evaluation; user errors raise GateError subclasses."""
    _check_numbers(options)
    policy = load_policy(options.policy)
    if policy.mode == "report" and options.fail_on_warn:
        raise UsageError(
            f"--fail-on-warn asks for a gate decision, but policy {policy.path} is report-only "
            "(mode: report)"
        )
    binding = dataclasses.replace(policy.data, **options.overrides)
    model = load_model(options.model, options.model_rules) if options.model else None
    baseline = (
        load_model(options.baseline_model, options.baseline_rules, role="baseline model")
        if options.baseline_model
        else None
    )
    task = policy_task(policy)
    names = binding.features or (model.model.feature_names if model else None)
    plan = Plan(
        binding,
        task,
        model,
        baseline,
        needs_truth=any(c.metric for c in policy.checks),
        features=group_features(policy, binding),
        sample_columns=sample_columns(policy, binding, names),
    )
    source = DataSource(options.data)
    profile = backends.run(
        options.engine, plan, source, options.batch_rows, address=options.scheduler
    )
    _require_labels(policy, profile, binding, source)
    card = load_model_card(options.model_card) if options.model_card else None
    ctx = CheckContext(
        profile,
        task=task,
        sensitive=binding.sensitive,
        model_features=names,
        seed=options.seed,
        resamples=options.resamples,
        model_card=card,
        sources=_sources(source, model, baseline),
    )
    today = options.today or dt.date.today()
    waivers = () if options.no_waivers else policy.waivers
    results = [
        _with_group_waivers(_run_check(spec, ctx), spec, ctx, waivers, today)
        for spec in policy.checks
    ]
    changes: list[Change] = []
    if options.base_policy:
        base = load_policy(options.base_policy)
        changes = policy_changes(base, policy)
        if base.require_change_approval or policy.require_change_approval:
            results += _changes_check(changes)
    decision = decide(
        results, waivers, today, options.fail_on_warn, report_only=policy.mode == "report"
    )
    if options.no_waivers and policy.waivers:
        note = f"{len(policy.waivers)} waiver(s) ignored (--no-waivers)"
        decision = dataclasses.replace(decision, notes=(*decision.notes, note))
    inputs = _describe_inputs(policy, source, model, baseline, binding, task)
    if card is not None:
        inputs["model_card"] = {"path": card.path, "sha256": card.sha256}
    return Evaluation(
        decision,
        policy.name,
        inputs,
        options.seed,
        __version__,
        tuple(c.as_dict() for c in changes),
    )


def _changes_check(changes: list[Change]) -> list[CheckResult]:
    """The approval gate on policy loosening: a blocking result a waiver can approve."""
    loosening = [c for c in changes if c.kind in LOOSENING]
    status = Status.FAIL if loosening else Status.PASS
    message = (
        (
            "; ".join(f"{c.check}: {c.detail}" for c in loosening)
            + f" — approve with a waiver for '{CHANGES_CHECK_ID}'"
        )
        if loosening
        else ("the policy change loosens nothing")
    )
    return [
        CheckResult(
            id=CHANGES_CHECK_ID,
            type="policy",
            status=status,
            severity=Severity.BLOCK,
            message=message,
        )
    ]


def _run_check(spec: CheckSpec, ctx: CheckContext) -> CheckResult:
    result = REGISTRY[spec.type](spec, ctx)
    if spec.extended_at is None:
        return result
    return dataclasses.replace(result, extended_at=str(spec.extended_at))


def _with_group_waivers(
    result: CheckResult,
    spec: CheckSpec,
    ctx: CheckContext,
    waivers: tuple[Waiver, ...],
    today: dt.date,
) -> CheckResult:
    """A fairness check that is met once its actively waived groups are left out is `waived`;
    its numbers stay those of all groups, and the message gives the value without them."""
    mine = [w for w in waivers if w.check == spec.id and w.group and w.active_on(today)]
    if not mine or result.status not in NOT_MET or spec.fairness is None:
        return result
    exclude = tuple(w.group for w in mine)
    rerun = _run_check(
        dataclasses.replace(spec, fairness=dataclasses.replace(spec.fairness, exclude=exclude)), ctx
    )
    if rerun.status is not Status.PASS:
        return result
    groups = ", ".join(group_text(w).strip(" ()") for w in mine)
    message = f"{result.message}; without the waived {groups}: {fmt(rerun.value)}"
    return dataclasses.replace(
        result, status=Status.WAIVED, message=message, waiver=describe(mine[0], today)
    )


def group_features(policy: Policy, binding: DataBinding) -> tuple[str, ...]:
    """Every sensitive feature a check groups by: the profile's group cells are their cross
    product, and each check's groups fold out of them."""
    features = list(binding.sensitive)
    for check in policy.checks:
        if check.fairness:
            features += check.fairness.sensitive
        if check.governance and check.type == "representation":
            features += check.governance.attributes
    return tuple(dict.fromkeys(features))


def sample_columns(
    policy: Policy, binding: DataBinding, names: tuple[str, ...] | None
) -> tuple[str, ...]:
    """The columns of the row sample: what the checks that read rows (proxy screening) read."""
    columns: list[str] = []
    for check in policy.checks:
        if check.type == "proxy_features" and check.governance:
            columns += check.governance.features or names or ()
            columns += check.governance.attributes or binding.sensitive
    return tuple(dict.fromkeys(columns))


def _sources(
    source: DataSource, model: LoadedModel | None, baseline: LoadedModel | None
) -> dict[str, str]:
    columns = f"{source.path} columns"
    return {
        "candidate": model.path if model else columns,
        "baseline": baseline.path if baseline else columns,
    }


def _require_labels(
    policy: Policy, profile: Profile, binding: DataBinding, source: DataSource
) -> None:
    """The label over the whole file: two classes at most, the positive one among them, and
    both present when a check needs both."""
    parts = profile.candidate
    if parts is None or "confusion" not in parts:
        return
    counts = parts["confusion"].n
    positives, negatives = int(counts[:, 1].sum()), int(counts[:, 0].sum())
    require_classes(profile.classes, positives, str(source.path), binding)
    if positives and negatives:
        return
    needing = [
        c.id
        for c in policy.checks
        if c.type == "performance" and METRICS[c.metric].needs_both_classes
    ]
    if needing:
        only = "positive" if positives else "negative"
        raise InputError(
            f"data file {source.path}: label column '{binding.label}' has only "
            f"{only} examples, but check{'s' if len(needing) > 1 else ''} "
            f"{', '.join(needing)} need both classes"
        )


def _describe_inputs(
    policy: Policy,
    source: DataSource,
    model: LoadedModel | None,
    baseline: LoadedModel | None,
    binding: DataBinding,
    task: Task,
) -> dict[str, Any]:
    def model_info(m: LoadedModel | None) -> dict[str, Any] | None:
        if m is None:
            return None
        files = [f.as_dict() for f in m.files]
        return {"path": m.path, "sha256": m.sha256, "format": m.format, "files": files}

    return {
        "policy": {
            "path": policy.path,
            "sha256": policy.sha256,
            "name": policy.name,
            "sources": list(policy.sources),
            "files": [{"path": label, "sha256": sha} for label, sha in policy.digests],
        },
        "model": model_info(model),
        "baseline_model": model_info(baseline),
        "data": {"path": str(source.path), "sha256": source.sha256, "rows": source.rows},
        "task": task.value,
        "binding": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(binding).items()
        },
    }
