"""What the one pass must keep for a policy's checks beyond counts: row hashes, outputs as
columns, per-group columns, the sensitive features whose cells key the statistics, and the
columns of the row sample the checks that read rows (proxy screening, behaviour checks) read."""

from __future__ import annotations

from dataclasses import dataclass

from gate.backends.profiling import ALL
from gate.inputs.models import LoadedModel
from gate.policy.model import BEHAVIOUR, CheckSpec, DataBinding, Policy


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


def with_baseline_inputs(
    names: tuple[str, ...] | None, baseline: LoadedModel | None
) -> tuple[str, ...] | None:
    """The candidate's inputs, then the baseline model's others (a behaviour check calls the
    baseline on the sampled rows too)."""
    theirs = baseline.model.feature_names if baseline is not None else None
    if not theirs:
        return names
    return tuple(dict.fromkeys((*(names or ()), *theirs)))


def sample_columns(
    policy: Policy, binding: DataBinding, names: tuple[str, ...] | None
) -> tuple[str, ...]:
    """The columns of the row sample: what the checks that read rows (proxy screening, the
    behaviour checks) read."""
    columns: list[str] = []
    for check in policy.checks:
        if check.type == "proxy_features" and check.governance:
            columns += check.governance.features or names or ()
            columns += check.governance.attributes or binding.sensitive
        if check.type in BEHAVIOUR:
            columns += _behaviour_columns(check, binding, names)
    return tuple(dict.fromkeys(columns))


def _behaviour_columns(
    check: CheckSpec, binding: DataBinding, names: tuple[str, ...] | None
) -> list[str]:
    """What a behaviour check reads of each sampled row: the model's inputs, the bound roles,
    the sensitive features, and the columns its options name."""
    b = binding
    roles = (b.label, b.weight, b.score, b.prediction, b.baseline_score, b.baseline_prediction)
    options = getattr(check, check.type)
    named = tuple(getattr(options, "columns", ()) or ())
    scores = (column for _, column in b.scores)  # multiclass: each class's probability column
    return [*(names or ()), *(r for r in roles if r), *scores, *b.sensitive, *named]


#: the keys of a behaviour check that name data columns: (type, key, its columns, whether an
#: encoding may stand in for the column: importance shuffles an attribute's encoded columns, so
#: an attribute declared in data.encoded, or one whose dummies the data holds, is left to its
#: check; a counterfactual sets the attribute's own values, so it needs the column itself)
NAMING_KEYS = (
    ("slices", "features", lambda o: o.features or (), False),
    ("importance", "protected", lambda o: o.protected, True),
    ("importance", "proxies", lambda o: o.proxies, True),
    ("robustness", "counterfactual", lambda o: o.counterfactual, False),
    ("robustness", "proxies", lambda o: [p for _, ps in o.proxies for p in ps], False),
    ("robustness", "features", lambda o: [r.name for r in o.features], False),
)


def named_columns(policy: Policy, binding: DataBinding) -> tuple[tuple[str, str, bool], ...]:
    """(column, where the policy names it, whether an encoding may stand in) for every data
    column a behaviour check's keys name, so that a column the data lacks is an input error
    before the pass (as an unknown sensitive column is), not a check error after it. An
    attribute the binding declares as encoded (data.encoded) is left to an importance check."""
    encoded = {attribute for attribute, _ in binding.encoded}
    named: list[tuple[str, str, bool]] = []
    for check in policy.checks:
        options = getattr(check, check.type, None) if check.type in BEHAVIOUR else None
        for kind, key, columns, stands_in in NAMING_KEYS:
            if options is None or kind != check.type:
                continue
            where = f"{check.location}: check '{check.id}' ({kind}) '{key}'"
            named += [
                (c, where, stands_in)
                for c in dict.fromkeys(columns(options))
                if not (stands_in and c in encoded)
            ]
    return tuple(named)
