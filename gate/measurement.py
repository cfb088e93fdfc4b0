"""One pass over the data: load the policy's models, stream the file into a profile, and load
the reference (a data file profiled the same way, or a saved profile that must match)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gate import backends
from gate.backends.profiling import Plan
from gate.engine.metrics import METRICS, Task
from gate.engine.profile import VERSION, Profile
from gate.errors import InputError
from gate.inputs.binding import require_classes
from gate.inputs.data import DataSource
from gate.inputs.estimators import open_model
from gate.inputs.frames import FrameSource, data_source, is_in_memory
from gate.inputs.models import LoadedModel
from gate.inputs.requirements import (
    require_known_classes,
    require_model_task,
    require_multiclass_binding,
    require_truth,
    require_unknown_features,
)
from gate.options import RunOptions, policy_task
from gate.pass_needs import (
    data_needs,
    group_features,
    named_columns,
    sample_columns,
    with_baseline_inputs,
)
from gate.policy.model import DataBinding, Policy, joint_parts
from gate.profile_meta import require_same_meta


@dataclass(frozen=True)
class Reference:
    """The reference the data is compared with (drift): its profile and where it came from."""

    path: str
    sha256: str
    kind: str  # "profile" | "data"
    profile: Profile
    built_from: dict[str, Any] = dataclasses.field(default_factory=dict)
    source: Any = dataclasses.field(default=None, compare=False, repr=False)  # its data's

    def describe(self) -> dict[str, Any]:
        out = {"path": self.path, "sha256": self.sha256, "kind": self.kind}
        out["rows"] = self.profile.rows
        if self.built_from:
            out["built_from"] = self.built_from
        return out


@dataclass(frozen=True)
class Measured:
    """What one pass leaves: the loaded inputs, the data's profile, and the reference."""

    binding: DataBinding
    task: Task
    model: LoadedModel | None
    baseline: LoadedModel | None
    names: tuple[str, ...] | None  # the candidate model's input names
    source: DataSource | FrameSource
    profile: Profile
    reference: Reference | None = None

    def sources(self) -> dict[str, str]:
        columns = f"{self.source.path} columns"
        return {
            "candidate": self.model.path if self.model else columns,
            "baseline": self.baseline.path if self.baseline else columns,
        }


def measure(
    options: RunOptions,
    policy: Policy,
    outputs: bool | None = None,
    *,
    hash_columns: bool | None = None,
    output_columns: bool | None = None,
    group_columns: tuple[str, ...] | None = None,
    reference_hashes: bool | None = None,
) -> Measured:
    """Load the models, profile the data (and the reference); InputError on bad inputs.

    `outputs`: whether to bind the label and the model's outputs (default: when a check
    reads a metric); False profiles the columns and groups only. `hash_columns`,
    `output_columns`, `group_columns`: what the profiles hold beyond that (see Plan);
    `reference_hashes`: whether the reference's must hold row hashes; None: what the policy's
    data checks need (data_needs)."""
    binding = dataclasses.replace(policy.data, **options.overrides)
    needs = data_needs(policy, binding, options.model is not None)
    if outputs is not False:
        require_truth(policy.checks, binding)  # before loading anything
    require_unknown_features(binding, group_features(policy, binding))
    hash_columns = needs.hashes if hash_columns is None else hash_columns
    output_columns = needs.outputs if output_columns is None else output_columns
    group_columns = needs.grouped if group_columns is None else group_columns
    if reference_hashes is None:
        reference_hashes = needs.reference_hashes
    model = open_model(options.model, options.model_rules) if options.model is not None else None
    baseline = (
        open_model(options.baseline_model, options.baseline_rules, role="baseline model")
        if options.baseline_model is not None
        else None
    )
    if baseline is not None:
        _note_replaced_columns(binding, baseline.path)
    task = policy_task(policy)
    require_multiclass_binding(binding, task)
    if outputs is not False:
        require_model_task(model, task)
        require_model_task(baseline, task)
    require_known_classes(policy.checks, model, binding, task)
    names = binding.features or (model.model.feature_names if model else None)
    features = group_features(policy, binding)
    plan = Plan(
        binding,
        task,
        model,
        baseline,
        needs_truth=any(c.metric for c in policy.checks) if outputs is None else outputs,
        features=features,
        sample_columns=sample_columns(policy, binding, with_baseline_inputs(names, baseline)),
        named_columns=named_columns(policy, binding),
        meta=plan_meta(binding, task, features, hash_columns, output_columns, group_columns),
        hash_columns=hash_columns,
        output_columns=output_columns,
        group_columns=group_columns,
        paired=joint_parts(policy.checks),
    )
    source = data_source(options.data)
    ref_plan = reference_plan(plan, reference_hashes)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the reference pass runs beside the data's (both mostly in numpy / pyarrow, which
        # release the GIL): on the local engine, quietly; the data's pass shows the progress
        alongside = options.reference is not None and options.engine == "local"
        quiet = dataclasses.replace(options, progress=None)
        pending = (
            pool.submit(load_reference, options.reference, ref_plan, quiet) if alongside else None
        )
        profile = _pass(plan, source, options)
        require_labels(policy, profile, binding, source)
        if pending is not None:
            reference = pending.result()
        else:
            reference = (
                load_reference(options.reference, ref_plan, options)
                if options.reference is not None
                else None
            )
    return Measured(binding, task, model, baseline, names, source, profile, reference)


def _pass(plan: Plan, source: DataSource | FrameSource, options: RunOptions) -> Profile:
    """The profile of every row of `source`, on the chosen engine, showing progress."""
    tracked = options.progress(source) if options.progress else contextlib.nullcontext()
    with tracked as step:
        return backends.run(
            options.engine, plan, source, options.batch_rows, step, address=options.scheduler
        )


def plan_meta(
    binding: DataBinding,
    task: Task,
    features: tuple[str, ...],
    hash_columns: bool = False,
    output_columns: bool = False,
    group_columns: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What two profiles must share to be merged or compared: the binding, the group features
    and the fixed bins (as plain JSON values, as a profile file stores them); and "holds", the
    parts beyond counts they hold (a reference may hold more than a run needs, not less)."""
    from gate.engine import columns, row_hashes, scores

    holds = {
        "hashes": hash_columns,
        "outputs": output_columns,
        "group_columns": sorted(set(group_columns)),
    }
    meta = {
        "version": VERSION,
        "task": task.value,
        "features": list(features),
        "binding": binding.as_dict(),
        "bins": {"scores": scores.BINS, "columns": columns.BINS, "hashes": row_hashes.HASH_CAP},
        "holds": holds,
    }
    return json.loads(json.dumps(meta))


def reference_plan(plan: Plan, hashes: bool) -> Plan:
    """The run's plan for its reference: the same binding, bins, outputs and per-group columns,
    row hashes only when `hashes` (overlap reads them; duplicates read the data's alone), and
    no row sample (the checks that read rows read the data's)."""
    holds = {**plan.meta.get("holds", {}), "hashes": hashes}
    meta = {**plan.meta, "holds": holds}
    return dataclasses.replace(plan, hash_columns=hashes, meta=meta, sample_columns=())


def load_reference(path: Any, plan: Plan, options: RunOptions) -> Reference:
    """A saved profile (checked against the reference plan's binding and bins, and holding at
    least the parts it asks for) or data (a file, a DataFrame or a Table) profiled now under
    that plan (see reference_plan): its columns, groups, per-group columns, row hashes when
    asked, and the candidate's outputs when asked (the candidate model runs on it then; the
    baseline never does, and no label is needed)."""
    from gate.inputs import profile_file

    if not is_in_memory(path) and profile_file.is_profile(path):
        profile, built_from, sha = profile_file.load(path, "reference profile")
        require_same_meta(profile.meta, plan.meta, f"reference profile {path}")
        return Reference(str(path), sha, "profile", profile, built_from)
    model = plan.model if plan.output_columns else None
    plain = dataclasses.replace(plan, model=model, baseline=None, needs_truth=False)
    source = data_source(path, "reference")
    profile = _pass(plain, source, options)
    return Reference(str(source.path), source.sha256, "data", profile, source=source)


def _note_replaced_columns(binding: DataBinding, model: object) -> None:
    """A notice on stderr when the baseline model takes the place of baseline columns the
    binding names: the baseline's outputs are then the model's, and the columns are ignored
    (a command-line override, as DESIGN allows; said aloud, not silent)."""
    bound = [
        f"data.{key}: {value!r}"
        for key in ("baseline_score", "baseline_prediction")
        if (value := getattr(binding, key))
    ]
    if bound:
        print(
            f"model-gate: notice: --baseline-model {str(model)!r} replaces the policy's "
            f"{', '.join(bound)}: the baseline's outputs are the model's, the column is not used",
            file=sys.stderr,
        )


def require_labels(
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
        many = len(needing) > 1
        which = f"check{'s' if many else ''} {', '.join(needing)} need{'' if many else 's'}"
        raise InputError(
            f"data file {source.path}: label column '{binding.label}' has only "
            f"{only} examples, but {which} both classes"
        )
