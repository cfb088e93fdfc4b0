"""One pass over the data: load the policy's models, stream the file into a profile, and load
the reference (a data file profiled the same way, or a saved profile that must match)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from gate import backends
from gate.backends.profiling import ALL, Plan
from gate.engine.metrics import METRICS, Task
from gate.engine.profile import VERSION, Profile
from gate.errors import InputError
from gate.inputs.binding import require_classes, require_truth, require_unknown_features
from gate.inputs.data import DataSource
from gate.inputs.models import LoadedModel, load_model
from gate.options import RunOptions, policy_task
from gate.policy.model import DataBinding, Policy


@dataclass(frozen=True)
class Reference:
    """The reference the data is compared with (drift): its profile and where it came from."""

    path: str
    sha256: str
    kind: str  # "profile" | "data"
    profile: Profile
    built_from: dict[str, Any] = dataclasses.field(default_factory=dict)

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
    source: DataSource
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
    needs = data_needs(policy, binding, bool(options.model))
    if outputs is not False:
        require_truth(policy.checks, binding)  # before loading anything
    require_unknown_features(binding, group_features(policy, binding))
    hash_columns = needs.hashes if hash_columns is None else hash_columns
    output_columns = needs.outputs if output_columns is None else output_columns
    group_columns = needs.grouped if group_columns is None else group_columns
    if reference_hashes is None:
        reference_hashes = needs.reference_hashes
    model = load_model(options.model, options.model_rules) if options.model else None
    baseline = (
        load_model(options.baseline_model, options.baseline_rules, role="baseline model")
        if options.baseline_model
        else None
    )
    task = policy_task(policy)
    names = binding.features or (model.model.feature_names if model else None)
    features = group_features(policy, binding)
    plan = Plan(
        binding,
        task,
        model,
        baseline,
        needs_truth=any(c.metric for c in policy.checks) if outputs is None else outputs,
        features=features,
        sample_columns=sample_columns(policy, binding, names),
        meta=plan_meta(binding, task, features, hash_columns, output_columns, group_columns),
        hash_columns=hash_columns,
        output_columns=output_columns,
        group_columns=group_columns,
    )
    source = DataSource(options.data)
    ref_plan = reference_plan(plan, reference_hashes)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the reference pass runs beside the data's (both mostly in numpy / pyarrow, which
        # release the GIL): on the local engine, quietly; the data's pass shows the progress
        alongside = options.reference and options.engine == "local"
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
                load_reference(options.reference, ref_plan, options) if options.reference else None
            )
    return Measured(binding, task, model, baseline, names, source, profile, reference)


def _pass(plan: Plan, source: DataSource, options: RunOptions) -> Profile:
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
        "binding": dataclasses.asdict(binding),
        "bins": {"scores": scores.BINS, "columns": columns.BINS, "hashes": row_hashes.HASH_CAP},
        "holds": holds,
    }
    return json.loads(json.dumps(meta))


def reference_plan(plan: Plan, hashes: bool) -> Plan:
    """The run's plan for its reference: the same binding, bins, outputs and per-group columns,
    and row hashes only when `hashes` (overlap reads them; duplicates read the data's alone)."""
    holds = {**plan.meta.get("holds", {}), "hashes": hashes}
    return dataclasses.replace(plan, hash_columns=hashes, meta={**plan.meta, "holds": holds})


def load_reference(path: str, plan: Plan, options: RunOptions) -> Reference:
    """A saved profile (checked against the reference plan's binding and bins, and holding at
    least the parts it asks for) or a data file profiled now under that plan (see
    reference_plan): its columns, groups, per-group columns, row hashes when asked, and the
    candidate's outputs when asked (the candidate model runs on it then; the baseline never
    does, and no label is needed)."""
    from gate.inputs import profile_file

    if profile_file.is_profile(path):
        profile, built_from, sha = profile_file.load(path, "reference profile")
        require_same_meta(profile.meta, plan.meta, f"reference profile {path}")
        return Reference(path, sha, "profile", profile, built_from)
    model = plan.model if plan.output_columns else None
    plain = dataclasses.replace(plan, model=model, baseline=None, needs_truth=False)
    source = DataSource(path, "reference")
    profile = _pass(plain, source, options)
    return Reference(path, source.sha256, "data", profile)


def require_same_meta(theirs: dict[str, Any], ours: dict[str, Any], what: str) -> None:
    """InputError naming every setting in which a saved profile differs from this run, or
    each part the run needs that the profile does not hold (holding more is fine)."""
    differences = [
        f"{key} {_shown(theirs, key)} there, {_shown(ours, key)} here"
        for key in _keys(theirs) | _keys(ours)
        if _get(theirs, key) != _get(ours, key) and not key.startswith("holds.")
    ]
    if differences:
        raise InputError(
            f"{what} was built with other settings ({'; '.join(sorted(differences))}): "
            "build it again with `model-gate profile` and this policy"
        )
    lacking = _lacking(theirs.get("holds") or {}, ours.get("holds") or {})
    if lacking:
        raise InputError(
            f"{what} does not hold {'; '.join(lacking)}, which this run needs: build it again "
            "with `model-gate profile` and this policy (with --model for the model's outputs)"
        )


def _lacking(theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """What `ours` holds that `theirs` does not, in words."""
    from gate.backends.profiling import ALL

    lacking = []
    if ours.get("hashes") and not theirs.get("hashes"):
        lacking.append("row hashes")
    if ours.get("outputs") and not theirs.get("outputs"):
        lacking.append("the model's outputs (score / prediction)")
    held = set(theirs.get("group_columns") or ())
    needed = set(ours.get("group_columns") or ()) - held
    if needed and ALL not in held:
        named = "every column" if ALL in needed else ", ".join(sorted(needed))
        lacking.append(f"per-group column profiles of {named}")
    return lacking


def _keys(meta: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in meta.items():
        name = f"{prefix}{key}"
        keys |= _keys(value, f"{name}.") if isinstance(value, dict) else {name}
    return keys


def _get(meta: dict[str, Any], key: str) -> Any:
    value: Any = meta
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _shown(meta: dict[str, Any], key: str) -> str:
    value = _get(meta, key)
    return "unset" if value is None else json.dumps(value)


@dataclass(frozen=True)
class Needs:
    """What the data checks need the passes to keep (see Plan). Of the data: row hashes
    (duplicates, conflicting labels, overlap), the model's outputs as columns (prediction
    drift), the columns profiled per group cell (drift by group; ALL for every column). Of the
    reference: the same outputs and per-group columns, and row hashes only for overlap."""

    hashes: bool = False
    outputs: bool = False
    grouped: tuple[str, ...] = ()
    reference_hashes: bool = False


def data_needs(policy: Policy, binding: DataBinding, has_model: bool) -> Needs:
    """What the policy's data checks need the data's and the reference's passes to keep."""
    quality = [c.quality for c in policy.checks if c.quality is not None]
    overlap = any(q.max_overlap_share is not None for q in quality)
    hashes = overlap or any(
        q.max_duplicate_share is not None or q.max_conflicting_share is not None for q in quality
    )
    bound = has_model or bool(binding.score or binding.prediction)
    outputs = bound and any(c.drift is not None and c.drift.outputs for c in policy.checks)
    columns: list[str] = []
    for c in policy.checks:
        if c.drift is not None and c.drift.by_group and binding.sensitive:
            columns += c.drift.columns or [ALL]
    grouped = (ALL,) if ALL in columns else tuple(dict.fromkeys(columns))
    return Needs(hashes, outputs, grouped, reference_hashes=overlap)


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
        raise InputError(
            f"data file {source.path}: label column '{binding.label}' has only "
            f"{only} examples, but check{'s' if len(needing) > 1 else ''} "
            f"{', '.join(needing)} need both classes"
        )
