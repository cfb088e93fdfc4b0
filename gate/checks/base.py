"""What every check type receives (a profile, not rows), and the small helpers they share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gate.engine.metrics import Input, Metric, Task
from gate.engine.profile import Parts, Profile
from gate.inputs.model_card import ModelCard
from gate.policy.model import CheckSpec, DataBinding


@dataclass(frozen=True)
class ModelOutputs:
    """A model's outputs on some rows: labels (binary: 1 = the positive label, 0 otherwise;
    regression: the predicted values; multiclass: the predicted class's index in `classes`) and
    scores (binary: the positive class's score; multiclass: (rows, classes) probabilities;
    None when the model gives only labels)."""

    labels: np.ndarray
    scores: np.ndarray | None
    classes: tuple[str, ...] | None = None  # multiclass: the classes, as scikit-learn sorts them


class CheckUnavailable(Exception):
    """The check cannot be computed on these inputs; it becomes status `error`."""


@dataclass(frozen=True)
class CheckContext:
    """The profile of the evaluation data, what was bound, and this run's resampling settings."""

    profile: Profile
    task: Task = Task.BINARY
    sensitive: tuple[str, ...] = ()  # data.sensitive: the default groups of fairness checks
    model_features: tuple[str, ...] | None = None  # the candidate model's input names
    baseline_features: tuple[str, ...] | None = None  # the baseline model's, where it names them
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
    #: a model's outputs on a frame of rows, as the pass binds them: predict("candidate" or
    #: "baseline", frame) -> (labels, scores); None: no model was given for that role
    predict: Callable[[str, pd.DataFrame], ModelOutputs] | None = None
    has_model: frozenset[str] = frozenset()  # the roles ("candidate", "baseline") with a model
    #: a model's exact SHAP values on a frame, one column per input: explain("candidate",
    #: frame); gate.inputs.shap_values.NotExplainable for a model shap cannot explain exactly
    explain: Callable[[str, pd.DataFrame], pd.DataFrame] | None = None

    @property
    def rows(self) -> int:
        return self.profile.rows

    def sample_rows(self, what: str) -> pd.DataFrame:
        """The profile's row sample (every row up to SAMPLE_ROWS, a fixed subset beyond), which
        behaviour checks read; CheckUnavailable naming `what` when the pass kept none."""
        sample = self.profile.sample
        if sample is None or sample.frame.empty:
            raise CheckUnavailable(f"{what} needs rows of the data, and the pass kept none")
        return sample.frame

    def model_outputs(self, which: str, frame: pd.DataFrame, what: str) -> ModelOutputs:
        """The candidate's or the baseline's outputs on `frame`; CheckUnavailable naming `what`
        when there is no such model (a predictions-only run cannot be probed)."""
        if self.predict is None or which not in self.has_model:
            flag = "--model" if which == "candidate" else "--baseline-model"
            raise CheckUnavailable(f"{what} calls the {which} model, and none was given ({flag})")
        return self.predict(which, frame)

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
