"""The metric of a multiclass permutation importance: scikit-learn's metric on class indices
(label metrics) or on (rows, classes) probabilities (log_loss, one-vs-rest roc_auc), and the
same metric on bootstrap resamples of the rows, recomputed from the kept outputs.

Resampled label metrics are counted per class (rows predicted right, rows of the class, rows
predicted as it: K numbers, not a K x K confusion matrix) by sparse matrix products, and read by
the multiclass profile's own formulas (engine/multiclass_metrics.class_values, held to
scikit-learn); log_loss
is the resampled mean of each row's clipped -log p(true class), as scikit-learn clips; roc_auc
averages each class's one-vs-rest Mann-Whitney count (importance_bootstrap's binary one).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gate.engine import multiclass_metrics as mc
from gate.engine.importance_bootstrap import resampled_roc_auc
from gate.engine.metrics import Input, Task
from gate.engine.resample import row_count_chunks
from gate.engine.scores import EPS

if TYPE_CHECKING:
    from scipy import sparse

#: the multiclass metrics a permutation importance takes (the averaged ones of data.task:
#: multiclass_classification); the first of each pair is the default with / without scores
METRICS = mc.METRICS
DEFAULT = ("log_loss", "accuracy")
CELL_BLOCK = 4_000_000  # resamples x cells of one block's counts (32 MB of floats)


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
        from scipy import sparse  # imported when used: the CLI starts faster

        k, n = self.classes, len(y)
        truth = sparse.csr_matrix((np.ones(n), (np.arange(n), y)), shape=(n, k))
        true_n, true_w = _resampled(truth, c, None), _resampled(truth, c, weight)  # (R, K)
        per = max(1, CELL_BLOCK // (len(c) * 2 * k))  # outputs per block: bounded memory
        return np.concatenate(
            [
                self._label_block(y, weight, outputs[i : i + per], c, true_n, true_w)
                for i in range(0, len(outputs), per)
            ],
            axis=1,
        )

    def _label_block(self, y, weight, outputs, c, true_n, true_w) -> np.ndarray:
        """A label metric of each output from K counts per class (rows predicted right, rows
        predicted as the class; the rows of each class are the same for every output), counted
        on every resample by one sparse matrix product over the block's outputs: the cost is
        rows x outputs per resample, whatever the number of classes."""
        from scipy import sparse

        k, n, m = self.classes, len(y), len(outputs)
        at = np.arange(m)[:, None] * k
        right = outputs == y[None, :]
        rows = np.r_[np.tile(np.arange(n), m)[right.ravel()], np.tile(np.arange(n), m)]
        columns = np.r_[(at + y[None, :])[right], m * k + (at + outputs).ravel()]
        cells = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(n, 2 * m * k))
        counts = _resampled(cells, c, None).reshape(len(c), 2, m, k)
        weights = counts if weight is None else _resampled(cells, c, weight)
        weights = weights.reshape(len(c), 2, m, k)
        present = (true_n[:, None, :] + counts[:, 1]) > 0  # in the label or the predictions
        return mc.class_values(
            self.name, self.average, present, weights[:, 0], true_w[:, None, :], weights[:, 1]
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


def _resampled(cells: sparse.csr_matrix, c: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    """(resamples, cells): each cell's resampled count (weight: weighted) of rows, from the
    (rows, cells) 0/1 matrix and the (resamples, rows) draw counts."""
    from scipy import sparse

    if weight is not None:
        cells = sparse.diags(np.asarray(weight, dtype=float)) @ cells
    return np.asarray((cells.T @ c.T.astype(float)).T)
