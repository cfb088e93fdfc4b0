"""Load the inputs, bind them, run every check, and decide."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd

from gate import __version__, limits
from gate.checks import REGISTRY
from gate.checks.base import CheckContext, ModelOutputs
from gate.decision import decide, describe, group_text
from gate.engine.curves import model_curves
from gate.engine.metrics import Task
from gate.engine.profile import Profile
from gate.engine.robustness_probes import is_numeric
from gate.errors import ArgumentError, UsageError
from gate.inputs.data import DataSource
from gate.inputs.frames import FrameSource, all_rows
from gate.inputs.model_card import load_model_card
from gate.inputs.models import LoadedModel
from gate.inputs.policy_dict import load_any
from gate.inputs.predictions import outputs_on_rows
from gate.measurement import Measured, measure
from gate.options import RunOptions
from gate.policy.diff import policy_changes
from gate.policy.diff_rules import CHANGES_CHECK_ID, LOOSENING, Change
from gate.policy.loader import load_policy
from gate.policy.model import CheckSpec, DataBinding, Policy, Waiver
from gate.policy.spec_dict import measured_spec
from gate.results import NOT_MET, CheckResult, Evaluation, Severity, Status, fmt


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
    policy = load_any(options.policy)
    if policy.mode == "report" and options.fail_on_warn:
        raise ArgumentError(  # named --fail-on-warn on the command line
            "fail_on_warn",
            f" asks for a gate decision, but policy {policy.path} is report-only (mode: report)",
        )
    measured = measure(options, policy)
    profile, binding, task = measured.profile, measured.binding, measured.task
    model, baseline, source = measured.model, measured.baseline, measured.source
    names = measured.names
    card = load_model_card(options.model_card) if options.model_card else None
    ctx = CheckContext(
        profile,
        task=task,
        sensitive=binding.sensitive,
        model_features=names,
        baseline_features=baseline.model.feature_names if baseline else None,
        model_kinds=getattr(model.model, "feature_kinds", None) if model else None,
        seed=options.seed,
        resamples=options.resamples,
        model_card=card,
        sources=measured.sources(),
        binding=binding,
        reference=measured.reference.profile if measured.reference else None,
        reference_source=_reference_file(measured),
        read_rows=lambda which: _read_rows(measured, which),
        predict=lambda which, frame: _predict(measured, which, frame),
        explain=lambda which, frame: _explain(measured, which, frame),
        has_model=frozenset(
            role for role, m in (("candidate", model), ("baseline", baseline)) if m is not None
        ),
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
    _describe_features(inputs, measured)
    if measured.reference is not None:
        inputs["reference"] = measured.reference.describe()
    if card is not None:
        inputs["model_card"] = {"path": card.path, "sha256": card.sha256}
    return Evaluation(
        decision,
        policy.name,
        inputs,
        options.seed,
        __version__,
        tuple(c.as_dict() for c in changes),
        _curves(profile),
        _audit(policy, today),
    )


def _audit(policy: Policy, today: dt.date) -> dict[str, Any] | None:
    """The policy's `audit:` block for report.json, audit_date defaulting to the run date."""
    if policy.audit is None:
        return None
    return {"audit_date": today.isoformat(), **policy.audit.as_dict()}


def _reference_file(measured: Any) -> str | None:
    """The reference's data (a file or an in-memory label; None for a saved profile or none)."""
    ref = measured.reference
    return ref.path if ref is not None and ref.kind == "data" else None


def _read_rows(measured: Any, which: str) -> Any:
    """All rows of the data ("current") or the reference data as one pandas frame."""
    if which == "current":
        return all_rows(measured.source)
    if _reference_file(measured) is None:
        raise UsageError(f"the {which} data has no rows to read (a saved profile)")
    return all_rows(measured.reference.source)


def _predict(measured: Measured, which: str, frame: pd.DataFrame) -> ModelOutputs:
    """The candidate's or the baseline's outputs on rows a behaviour check built."""
    loaded = measured.model if which == "candidate" else measured.baseline
    assert loaded is not None, which  # CheckContext.model_outputs asks only for models given
    out = outputs_on_rows(loaded, frame, measured.binding, measured.task)
    assert out.labels is not None
    return ModelOutputs(out.labels, out.scores, out.classes)


def _explain(measured: Measured, which: str, frame: pd.DataFrame) -> Any:
    """The candidate's or the baseline's exact SHAP values on rows (type: importance)."""
    from gate.inputs.shap_values import shap_values

    loaded = measured.model if which == "candidate" else measured.baseline
    assert loaded is not None, which  # the check asks model_outputs first
    return shap_values(loaded, frame, measured.binding, measured.task)


def _curves(profile: Profile) -> dict[str, Any] | None:
    """The candidate's and the baseline's score curves (report.json "curves")."""
    return model_curves(profile.candidate, profile.baseline)


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
    result = dataclasses.replace(REGISTRY[spec.type](spec, ctx), spec=measured_spec(spec))
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


def _describe_features(inputs: dict[str, Any], measured: Measured) -> None:
    """Each model's input columns (and which are numeric in the data) beside its digest, so
    re-judging can refuse a skip or a missing probe that the model's inputs contradict."""
    sample = measured.profile.sample
    frame = sample.frame if sample is not None else None
    for key, loaded in (("model", measured.model), ("baseline_model", measured.baseline)):
        names = measured.binding.features or (loaded.model.feature_names if loaded else None)
        if inputs.get(key) is None or names is None:
            continue
        inputs[key]["features"] = list(names)
        if frame is not None and all(n in frame.columns for n in names):
            inputs[key]["numeric_features"] = [n for n in names if is_numeric(frame[n])]


def _describe_inputs(
    policy: Policy,
    source: DataSource | FrameSource,
    model: LoadedModel | None,
    baseline: LoadedModel | None,
    binding: DataBinding,
    task: Task,
) -> dict[str, Any]:
    def model_info(m: LoadedModel | None) -> dict[str, Any] | None:
        if m is None:
            return None
        files = [f.as_dict() for f in m.files]
        out = {"path": m.path, "sha256": m.sha256, "format": m.format, "files": files}
        out |= {"registry": m.registry} if m.registry else {}
        return out | ({"sha256_note": m.note} if m.note else {})

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
            k: (list(v) if isinstance(v, tuple) else v) for k, v in binding.as_dict().items()
        },
    }
