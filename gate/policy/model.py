"""Frozen, typed policy objects: what a validated policy file becomes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gate.errors import Location
from gate.policy.importance_options import ImportanceOptions
from gate.policy.robustness_options import RobustnessOptions
from gate.policy.slices_options import SliceOptions
from gate.results import Severity

#: the check types that read rows and call the model (their options: importance, robustness,
#: slices on CheckSpec)
BEHAVIOUR = ("importance", "robustness", "slices")


@dataclass(frozen=True)
class DataBinding:
    """How columns of the evaluation data are bound to roles."""

    label: str | None = None
    score: str | None = None
    prediction: str | None = None
    weight: str | None = None
    threshold: float = 0.5
    positive_label: str | int | bool = 1
    sensitive: tuple[str, ...] = ()
    features: tuple[str, ...] | None = None
    task: str | None = None
    baseline_score: str | None = None  # the baseline model's scores, in predictions-only mode
    baseline_prediction: str | None = None
    #: values meaning "not known", per sensitive feature ("*": every one): counted as missing
    unknown_values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: multiclass: (class, column) of each class's probability column (data.scores)
    scores: tuple[tuple[str, str], ...] = ()
    #: (attribute, its columns) of an attribute the model takes over several inputs (data.encoded)
    encoded: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "unknown_values", unknown_pairs(self.unknown_values))
        given = self.scores.items() if isinstance(self.scores, dict) else self.scores
        object.__setattr__(self, "scores", tuple((str(k), str(v)) for k, v in given))
        groups = self.encoded.items() if isinstance(self.encoded, dict) else self.encoded
        object.__setattr__(self, "encoded", tuple((str(k), tuple(map(str, v))) for k, v in groups))

    def as_dict(self) -> dict[str, Any]:
        """The fields as plain values (data.scores and data.encoded left out when unset, so that
        the binding of a run without them reads as it did before they existed)."""
        import dataclasses

        out = dataclasses.asdict(self)
        for key in ("scores", "encoded"):
            if not getattr(self, key):
                del out[key]
        return out


ANY_FEATURE = "*"  # unknown_values given as a list: they apply to every sensitive feature
#  (the same key gate.engine.groups reads)


def unknown_pairs(given: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """data.unknown_values (a list for every feature, or feature -> list) as sorted pairs."""
    if not given:
        return ()
    if isinstance(given, dict):
        items = given.items()
    elif all(isinstance(v, str) for v in given):
        items = [(ANY_FEATURE, given)]
    else:  # already pairs (a binding rebuilt from its own fields)
        items = [(k, v) for k, v in given]
    return tuple(sorted((str(k), tuple(str(v) for v in vs)) for k, vs in items))


@dataclass(frozen=True)
class BaselineRule:
    """How much worse than the baseline model the candidate may be."""

    max_drop: float | None = None
    max_relative_drop: float | None = None
    confidence: float | None = None  # judge the drop's paired interval, not its point value
    when_missing: str = "error"  # no baseline given: error (fail closed) | skip


def joint_parts(checks: tuple[CheckSpec, ...] | list[CheckSpec]) -> tuple[str, ...]:
    """The profile parts that count the candidate's and the baseline's outputs together:
    "paired" (labels) for a fairness check's baseline or a paired label metric,
    "paired_scores" for a paired score metric (engine/paired*.py); () when no check asks."""
    from gate.engine.metrics import METRICS, Input

    wanted = set()
    for c in checks:
        if c.baseline is None or (c.baseline.confidence is None and c.type != "fairness"):
            continue
        metric = METRICS.get(c.metric or "")
        scores = c.type == "performance" and metric is not None and metric.input is Input.SCORE
        wanted.add("paired_scores" if scores else "paired")
    return tuple(sorted(wanted))


@dataclass(frozen=True)
class FairnessOptions:
    """How a fairness check groups rows and compares the groups."""

    components: tuple[str, ...]  # the per-group metrics (two for equalized odds)
    aggregate: str  # difference | ratio
    method: str = "between_groups"  # between_groups | to_overall | to_reference
    sensitive: tuple[str, ...] = ()  # empty: data.sensitive
    intersectional: bool = False
    reference: tuple[tuple[str, str], ...] | None = None  # None: the most favoured group
    min_group_size: int = 1
    small_groups: str = "exclude"  # exclude | fail
    agg: str = "worst_case"  # worst_case | mean
    exclude: tuple[tuple[tuple[str, str], ...], ...] = ()  # groups left out (waived groups)
    min_group_share: float = 0.0
    exclude_missing: bool = False


@dataclass(frozen=True)
class GovernanceOptions:
    """What a governance check looks at: feature names, protected attributes."""

    features: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()  # empty: data.sensitive
    bins: int = 10  # numeric features are cut into this many quantile bins (proxy screen)
    match: str = "normalized"  # normalized | exact | contains
    required: tuple[str, ...] = ()  # documentation: model-card fields (dotted paths)
    tolerance: float | None = None  # documentation: declared vs measured metrics
    max_missing: float | None = None  # representation: largest share of missing values


@dataclass(frozen=True)
class DriftOptions:
    """How a drift check compares the data with the reference, column by column."""

    columns: tuple[str, ...] | None = None  # None: every data column but the bound roles
    method: str = "auto"  # auto | psi | ks | wasserstein | jensen_shannon | chi2 | z
    methods: tuple[tuple[str, str], ...] = ()  # (column kind or column name, method) overrides
    verdict: str = "effect_size"  # effect_size | p_value
    p_value: float = 0.05
    correction: str = "bh"  # bh | bonferroni | none
    max_drifted_share: float = 0.0
    max_missing_change: float = 0.05
    outputs: bool = True
    by_group: bool = True
    engine: str = "native"  # native | evidently


@dataclass(frozen=True)
class QualityOptions:
    """The data-quality rules a policy sets; None (or empty) leaves a rule out."""

    max_missing_share: float | None = None
    missing_per_column: tuple[tuple[str, float], ...] = ()
    expected: tuple[tuple[str, str], ...] = ()  # (column, kind); kind "any" for names only
    expected_from_model: bool = False  # columns: model
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    allowed: tuple[tuple[str, tuple[str, ...]], ...] = ()
    max_unseen_share: float | None = None
    constant: bool | None = None
    max_duplicate_share: float | None = None
    min_rows: int | None = None
    min_class_share: float | None = None
    max_conflicting_share: float | None = None
    max_overlap_share: float | None = None


@dataclass(frozen=True)
class CheckSpec:
    """One check as the policy states it."""

    id: str
    type: str
    location: Location
    severity: Severity = Severity.BLOCK
    metric: str | None = None
    min: float | None = None
    max: float | None = None
    confidence: float | None = None
    baseline: BaselineRule | None = None
    description: str | None = None
    fairness: FairnessOptions | None = None
    governance: GovernanceOptions | None = None
    drift: DriftOptions | None = None
    quality: QualityOptions | None = None
    # behaviour checks (issue 13): each options type exposes `columns`, the data columns it
    # reads beyond the model's inputs, the label, the weight and the sensitive features
    importance: ImportanceOptions | None = None  # type: importance
    robustness: RobustnessOptions | None = None  # type: robustness
    slices: SliceOptions | None = None  # type: slices
    extended_at: Location | None = None  # the user's `extends:` entry, for a built-in pack's check
    average: str | None = None  # multiclass: macro | weighted | micro (None: the default)
    of_class: str | None = None  # multiclass `class:`: the metric of this class against the rest

    @property
    def threshold(self) -> dict[str, float]:
        """The absolute bounds (an importance check's conditions, a slices check's max_gap),
        as report.json shows them."""
        if self.importance is not None:
            return self.importance.threshold
        gap = self.slices.max_gap if self.slices is not None else None
        bounds = (("min", self.min), ("max", self.max), ("max_gap", gap))
        return {k: v for k, v in bounds if v is not None}


@dataclass(frozen=True)
class Waiver:
    """A time-limited, approved exception for one check."""

    check: str
    reason: str
    approved_by: str
    expires: dt.date
    location: Location
    group: tuple[tuple[str, str], ...] | None = None  # only this group of a fairness check

    def active_on(self, day: dt.date) -> bool:
        """True while the waiver applies (through its expiry day)."""
        return day <= self.expires


@dataclass(frozen=True)
class AuditInfo:
    """The `audit:` block: what an audit summary states about the audit itself."""

    auditor: str | None = None
    audit_date: dt.date | None = None  # None: the run date
    data_source: str | None = None
    data_period: tuple[dt.date | None, dt.date | None] | None = None  # (start, end)
    aedt_name: str | None = None
    aedt_version: str | None = None
    distribution_date: dt.date | None = None
    notes: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The block as report.json carries it (dates as ISO text; unset keys left out)."""
        out: dict[str, Any] = {}
        for key, value in vars(self).items():
            if key == "data_period" and value is not None:
                value = {
                    k: d.isoformat() for k, d in zip(("start", "end"), value, strict=True) if d
                }
            elif isinstance(value, dt.date):
                value = value.isoformat()
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Policy:
    """A validated policy, its bases merged in."""

    name: str
    path: str
    sha256: str
    data: DataBinding
    checks: tuple[CheckSpec, ...]
    waivers: tuple[Waiver, ...] = ()
    sources: tuple[str, ...] = field(default=())
    require_change_approval: bool = False
    mode: str = "gate"  # gate | report (report only: never approves, never blocks)
    #: the files of the tree (labels) that set `changes: {require_approval: true}`
    approval_set_in: tuple[str, ...] = ()
    #: (label, resolved path) of every local file of the tree, the policy's own first
    files: tuple[tuple[str, str], ...] = ()
    #: (label, sha256) of every file of the tree, builtin packs included, from the bytes parsed
    digests: tuple[tuple[str, str], ...] = ()
    audit: AuditInfo | None = None  # the `audit:` block (None when absent)
    #: the `rollout:` block (model-gate analyze / serve; flags override it): how old a label
    #: must be to count, and the fewest labelled candidate rows to decide on (None: not set)
    label_delay: dt.timedelta | None = None
    min_samples: int | None = None
    #: how the logs were made: "shadow" or "canary" (None: detected from the logs)
    rollout_mode: str | None = None
    #: (key, "file:line:col") of each `rollout:` key set, the file that set it
    rollout_from: tuple[tuple[str, str], ...] = ()
