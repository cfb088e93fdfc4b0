"""What every check type receives, and the small helpers they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gate.engine.metrics import Input, Metric
from gate.inputs.binding import EvalData, Predictions


class CheckUnavailable(Exception):
    """The check cannot be computed on these inputs; it becomes status `error`."""


@dataclass(frozen=True)
class CheckContext:
    """The evaluation inputs, and the resampling settings of this run."""

    data: EvalData
    seed: int = 0
    resamples: int = 1000

    def arrays(
        self, metric: Metric, which: str = "candidate"
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(y_true, what the metric reads, weight) for the candidate or baseline predictions."""
        preds: Predictions | None = getattr(self.data, which)
        if preds is None:
            raise CheckUnavailable("no baseline: pass --baseline-model to compare against one")
        values = preds.scores if metric.input is Input.SCORE else preds.labels
        if values is None:
            raise CheckUnavailable(
                f"{metric.name} needs scores, and {preds.source} gives only "
                "labels (bind data.score, or use a model with predict_proba)"
            )
        return self.data.y_true, values, self.data.weight
