"""What every check type receives (a profile, not rows), and the small helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gate.engine.metrics import Input, Metric, Task
from gate.engine.profile import Parts, Profile
from gate.inputs.model_card import ModelCard
from gate.policy.model import CheckSpec, DataBinding


class CheckUnavailable(Exception):
    """The check cannot be computed on these inputs; it becomes status `error`."""


@dataclass(frozen=True)
class CheckContext:
    """The profile of the evaluation data, what was bound, and this run's resampling settings."""

    profile: Profile
    task: Task = Task.BINARY
    sensitive: tuple[str, ...] = ()  # data.sensitive: the default groups of fairness checks
    model_features: tuple[str, ...] | None = None  # the candidate model's input names
    model_kinds: dict[str, str] | None = None  # their kinds, where the model declares them
    seed: int = 0
    resamples: int = 1000
    model_card: ModelCard | None = None
    sources: dict[str, str] = field(default_factory=dict)  # candidate / baseline -> where from
    binding: DataBinding = field(default_factory=DataBinding)
    reference: Profile | None = None  # --reference: the profile the data is compared with
    reference_source: str | None = None  # where the reference came from (a file, a profile)
    #: the rows of "current" or "reference" as one frame (engine: evidently); None: not possible
    read_rows: Callable[[str], Any] | None = None

    @property
    def rows(self) -> int:
        return self.profile.rows

    def require_reference(self, what: str) -> Profile:
        """The reference profile; CheckUnavailable naming `what` needs it when there is none."""
        if self.reference is None:
            raise CheckUnavailable(f"{what} needs --reference (a data file or a saved profile)")
        return self.reference

    def outputs(self, which: str = "candidate") -> Parts:
        """The candidate's or the baseline's statistics; CheckUnavailable when there are none."""
        parts = getattr(self.profile, which)
        if parts is None:
            if which == "baseline":
                raise CheckUnavailable(
                    "no baseline: pass --baseline-model (or bind data.baseline_score) to compare"
                )
            raise CheckUnavailable("no model outputs were bound (no label, model or score)")
        return parts

    def require(self, metric: Metric, which: str = "candidate") -> Parts:
        """The outputs, checked to have what `metric` reads."""
        parts = self.outputs(which)
        if metric.input is Input.SCORE and "scores" not in parts:
            source = self.sources.get(which, which)
            raise CheckUnavailable(
                f"{metric.name} needs scores, and {source} gives only "
                "labels (bind data.score, or use a model with predict_proba)"
            )
        return parts


def identity(spec: CheckSpec) -> dict[str, Any]:
    """The CheckResult fields every check copies from its spec (id, type, severity, where)."""
    return {
        "id": spec.id,
        "type": spec.type,
        "severity": spec.severity,
        "location": str(spec.location),
    }


def judged(spec: CheckSpec) -> dict[str, Any]:
    """identity() plus the bounds a metric check is judged against."""
    return identity(spec) | {
        "metric": spec.metric,
        "threshold": spec.threshold,
        "confidence": spec.confidence,
    }
