"""What every check type receives, and the small helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gate.engine.groups import Grouping, group_rows
from gate.engine.metrics import Input, Metric
from gate.inputs.binding import EvalData, Predictions
from gate.inputs.model_card import ModelCard
from gate.policy.model import CheckSpec


class CheckUnavailable(Exception):
    """The check cannot be computed on these inputs; it becomes status `error`."""


@dataclass(frozen=True)
class CheckContext:
    """The evaluation inputs, the resampling settings of this run, and shared groupings."""

    data: EvalData
    seed: int = 0
    resamples: int = 1000
    model_card: ModelCard | None = None
    _groupings: dict[tuple[str, ...], Grouping] = field(default_factory=dict, repr=False)

    def grouping(self, features: tuple[str, ...]) -> Grouping:
        """The rows grouped by `features`, computed once per run."""
        if features not in self._groupings:
            self._groupings[features] = group_rows(self.data.frame, features)
        return self._groupings[features]

    def arrays(
        self, metric: Metric, which: str = "candidate"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(y_true, what the metric reads, weight) for the candidate or baseline predictions."""
        preds: Predictions | None = getattr(self.data, which)
        if preds is None:
            raise CheckUnavailable(
                "no baseline: pass --baseline-model (or bind data.baseline_score) to compare"
            )
        values = preds.scores if metric.input is Input.SCORE else preds.labels
        if values is None:
            raise CheckUnavailable(
                f"{metric.name} needs scores, and {preds.source} gives only "
                "labels (bind data.score, or use a model with predict_proba)"
            )
        return self.data.y_true, values, self.data.weight


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
