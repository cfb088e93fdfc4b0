"""The metric of a multiclass permutation importance: scikit-learn's metric on class indices
(label metrics) or on (rows, classes) probabilities (log_loss, one-vs-rest roc_auc), and the
same metric on bootstrap resamples of the rows, recomputed from the kept outputs.

Resampled label metrics go through a K x K confusion matrix per resample (the multiclass
profile's own formulas, engine/multiclass_metrics.label_values, held to scikit-learn); log_loss
is the resampled mean of each row's clipped -log p(true class), as scikit-learn clips; roc_auc
averages each class's one-vs-rest Mann-Whitney count (importance_bootstrap's binary one).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from gate.engine import multiclass_metrics as mc
from gate.engine.importance_bootstrap import resampled_roc_auc
from gate.engine.metrics import Input, Task
from gate.engine.resample import row_count_chunks
from gate.engine.scores import EPS

#: the multiclass metrics a permutation importance takes (the averaged ones of data.task:
#: multiclass_classification); the first of each pair is the default with / without scores
METRICS = mc.METRICS
DEFAULT = ("log_loss", "accuracy")
CELL_BLOCK = 4_000_000  # rows x cells of one block's one-hot matrix (32 MB of floats)


@dataclass(frozen=True)
class ClassMetric:
    """A multiclass metric of `classes` classes, averaged as `average` (None: it takes none)."""

    name: str
    classes: int
    average: str | None = None
    task: Task = Task.MULTICLASS

    @property
    def input(self) -> Input:
        return Input.SCORE if self.name in mc.SCORE else Input.LABEL

    @property
    def greater_is_better(self) -> bool:
        return self.name != "log_loss"

    def __call__(self, y: np.ndarray, out: np.ndarray, weight: np.ndarray | None) -> float:
        """scikit-learn's value: `y` class indices, `out` indices or probabilities."""
        from sklearn import metrics

        labels = np.arange(self.classes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.name == "log_loss":
                return float(metrics.log_loss(y, out, labels=labels, sample_weight=weight))
            if self.name == "roc_auc":
                if len(np.unique(y)) < self.classes:
                    return float("nan")  # a class without examples: its curve is undefined
                return float(
                    metrics.roc_auc_score(
                        y, out, multi_class="ovr", average=self.average, sample_weight=weight
                    )
                )
            kwargs = {"average": self.average, "zero_division": 0} if self.average else {}
            function = getattr(metrics, f"{self.name}_score")
            return float(function(y, out, sample_weight=weight, **kwargs))

    def resampled(
        self,
        y: np.ndarray,
        weight: np.ndarray | None,
        outputs: np.ndarray,
        resamples: int,
        seed: int,
    ) -> np.ndarray:
        """(resamples, k): the metric of each of the k outputs ((k, rows) indices or (k, rows,
        classes) probabilities) on the same bootstrap resamples of the rows (NaN: undefined)."""
        n = outputs.shape[1]
        w = np.ones(n) if weight is None else np.asarray(weight, dtype=float)
        chunks = row_count_chunks(n, resamples, seed)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.concatenate([self._chunk(y, w, weight, outputs, c) for c in chunks])

    def _chunk(self, y, w, weight, outputs, c) -> np.ndarray:
        if self.name == "log_loss":
            true = np.clip(
                np.take_along_axis(outputs, y[None, :, None], axis=2)[..., 0], EPS, 1 - EPS
            )
            loss = -np.log(true)  # (k, rows)
            return (c @ (w * loss).T) / (c @ w)[:, None]
        if self.name == "roc_auc":
            return self._ovr_roc_auc(y, w, weight, outputs, c)
        if self.name == "accuracy":  # the resampled weight of the rows predicted right
            right = (outputs == y[None, :]).astype(float)
            return (c @ (w * right).T) / (c @ w)[:, None]
        k, n = self.classes, len(y)
        per = max(1, CELL_BLOCK // (n * k * k))  # outputs per block: bounded memory
        return np.concatenate(
            [
                self._label_block(y, w, weight, outputs[i : i + per], c)
                for i in range(0, len(outputs), per)
            ],
            axis=1,
        )

    def _label_block(self, y, w, weight, outputs, c) -> np.ndarray:
        """A label metric of each output from its K x K cells, counted on every resample by
        one matrix product over the block's outputs."""
        k, n, m = self.classes, len(y), len(outputs)
        cells = np.zeros((n, m * k * k))
        cells[np.arange(n)[None, :], np.arange(m)[:, None] * k * k + y[None, :] * k + outputs] = 1
        counts = c @ cells
        weights = counts if weight is None else c @ (w[:, None] * cells)
        shape = (len(c), m, k, k)
        return mc.label_values(
            self.name, self.average, counts.reshape(shape), weights.reshape(shape)
        )

    def _ovr_roc_auc(self, y, w, weight, outputs, c) -> np.ndarray:
        """Each class's one-vs-rest roc_auc, averaged (macro) or weighted by its resampled
        weight of examples (weighted), as scikit-learn's multi_class="ovr"."""
        per_class = [
            resampled_roc_auc((y == j).astype(float), weight, outputs[:, :, j].astype(float), c)
            for j in range(self.classes)
        ]
        values = np.stack(per_class, axis=2)  # (resamples, k, classes)
        if self.average != "weighted":
            return values.mean(axis=2)
        mass = np.stack([c @ (w * (y == j)) for j in range(self.classes)], axis=1)
        return (values * mass[:, None, :]).sum(axis=2) / mass.sum(axis=1)[:, None]
