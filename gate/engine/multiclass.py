"""Multiclass parts of a profile, keyed by class text so that batches showing different classes
merge: per group a K x K confusion matrix ("classes"), and, when the outputs hold per-class
probabilities, one-vs-rest score cells per class and log-loss sums per true class
("class_scores").

Classes are named and sorted as gate.engine.class_names does. The confusion matrix's classes
are the union of the label's and the predicted values (scikit-learn's unique_labels); the
score part's are the probability columns' (the model's classes_), which every label value
must be one of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd

from gate.engine import scores
from gate.engine.class_names import class_codes, sort_classes
from gate.engine.confusion import Cells, ConfusionCells
from gate.engine.scores import EPS, ScoreCells


def _expand(a: np.ndarray, at: np.ndarray, size: int, axes: int) -> np.ndarray:
    """`a` (groups, k, ...) with its `axes` class axes placed at indices `at` of `size`."""
    out = np.zeros((a.shape[0], *(size,) * axes, *a.shape[1 + axes :]), dtype=a.dtype)
    out[(slice(None), *np.ix_(*(at,) * axes))] = a
    return out


@dataclass(frozen=True, eq=False)
class ClassCells:
    """Rows (and weight sums) per [group, true class, predicted class]."""

    classes: tuple[str, ...]
    cells: Cells

    @classmethod
    def from_rows(
        cls,
        group: np.ndarray,
        truth: np.ndarray,
        predicted: np.ndarray,
        weight: np.ndarray | None,
        groups: int,
    ) -> Self:
        """One batch: `truth` and `predicted` are class values (compared as text)."""
        sizes = {len(group), len(truth), len(predicted)}
        sizes |= {len(weight)} if weight is not None else set()
        if len(sizes) > 1:
            raise ValueError(f"group, truth, prediction and weight differ in length: {sizes}")
        classes = sort_classes(pd.unique(np.r_[np.asarray(truth, object), predicted]))
        k = len(classes)
        cell = (np.asarray(group, np.int64) * k + class_codes(truth, classes)) * k
        cell += class_codes(predicted, classes)

        def count(values: np.ndarray | None) -> np.ndarray:
            return np.bincount(cell, weights=values, minlength=groups * k * k).reshape(groups, k, k)

        n = count(None).astype(np.int64)
        if weight is None:
            return cls(classes, Cells(n))
        w = np.asarray(weight, dtype=float)
        return cls(classes, Cells(n, count(w), count(w * w)))

    def with_classes(self, classes: tuple[str, ...]) -> Self:
        """The same cells over `classes` (a superset of its own, in order)."""
        if classes == self.classes:
            return self
        at = np.array([classes.index(c) for c in self.classes], dtype=np.int64)
        arrays = {k: _expand(v, at, len(classes), 2) for k, v in self.cells.arrays().items()}
        return type(self)(classes, Cells(**arrays))

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        return type(self)(self.classes, self.cells.remap(codes, groups))

    def __add__(self, other: Self) -> Self:
        classes = sort_classes(self.classes + other.classes)
        return type(self)(
            classes, self.with_classes(classes).cells + other.with_classes(classes).cells
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClassCells):
            return NotImplemented
        return self.classes == other.classes and self.cells == other.cells

    __hash__ = None  # type: ignore[assignment]

    def to_arrays(self) -> dict[str, np.ndarray]:
        return self.cells.to_arrays() | {"classes": np.array(self.classes, dtype=np.str_)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        classes = tuple(str(c) for c in np.asarray(arrays["classes"]).tolist())
        rest = {k: v for k, v in arrays.items() if k != "classes"}
        return cls(classes, Cells._checked(rest, (len(classes), len(classes)), "class"))

    def one_vs_rest(self, label: str) -> ConfusionCells:
        """Binary cells of `label` against every other class ([group, truth, prediction])."""
        k = len(self.classes)
        hit = np.array([c == label for c in self.classes], dtype=bool)
        masks = {  # (truth is label, predicted is label) -> which [truth, pred] entries
            (t, p): np.outer(hit == bool(t), hit == bool(p)) for t in (0, 1) for p in (0, 1)
        }
        out = {}
        for name, a in self.cells.arrays().items():
            binary = np.zeros((a.shape[0], 2, 2), dtype=a.dtype)
            for (t, p), mask in masks.items():
                binary[:, t, p] = a.reshape(a.shape[0], k * k)[:, mask.ravel()].sum(axis=1)
            out[name] = binary
        return ConfusionCells(**out)


def _keys(cells: ScoreCells) -> int:
    return len(cells.table["score"])


def _binned(cells: ScoreCells) -> ScoreCells:
    """The same cells without their exact table (values then come from the bins, bounded)."""
    empty = {k: v[:0] for k, v in cells.table.items()}
    return ScoreCells(cells.groups, cells.weighted, False, empty, cells.bins)


def within_budget(ovr: list[ScoreCells]) -> tuple[ScoreCells, ...]:
    """The classes' score cells, exact while their distinct (score, group, class) keys add
    up to at most EXACT_BUDGET over every class; past it every class keeps its bins only
    (as a binary model's cells do past the budget), so memory does not grow with classes."""
    if all(c.exact for c in ovr) and sum(_keys(c) for c in ovr) <= scores.EXACT_BUDGET:
        return tuple(ovr)
    return tuple(_binned(c) for c in ovr)


LOSS_FIELDS = ("count", "log_loss", "log_loss_sq")
WEIGHTED_LOSS_FIELDS = (
    "count",
    "weight",
    "weight_sq",
    "log_loss",
    "log_loss_cross",
    "log_loss_sq",
)


@dataclass(frozen=True, eq=False)
class ClassScores:
    """Per-class probabilities, summarised: for class k, the score cells of p_k against
    (truth == k) (one-vs-rest; exact tables within one budget over all classes), and per
    [group, true class] the sums of -log p(true class)
    (clipped to [eps, 1 - eps] as scikit-learn's log_loss clips) with their squares."""

    classes: tuple[str, ...]
    ovr: tuple[ScoreCells, ...]
    loss: dict[str, np.ndarray]  # field -> (groups, K): see LOSS_FIELDS / WEIGHTED_LOSS_FIELDS

    @property
    def weighted(self) -> bool:
        return "weight" in self.loss

    @classmethod
    def from_rows(
        cls,
        group: np.ndarray,
        truth: np.ndarray,
        classes: tuple[str, ...],
        probabilities: np.ndarray,
        weight: np.ndarray | None,
        groups: int,
    ) -> Self:
        """One batch; every value of `truth` must be one of `classes` (the columns' order)."""
        t = class_codes(truth, classes)
        if (t < 0).any():
            raise ValueError("a label value is none of the probabilities' classes")
        group = np.asarray(group, np.int64)
        p = np.asarray(probabilities, dtype=float)
        ovr: list[ScoreCells] = []
        for j in range(len(classes)):  # one class at a time: past the budget, bins only
            cells = ScoreCells.from_rows(group, (t == j).astype(np.int8), p[:, j], weight, groups)
            over = sum(_keys(c) for c in ovr) + _keys(cells) > scores.EXACT_BUDGET
            ovr.append(_binned(cells) if over else cells)
        loss = -np.log(np.clip(p[np.arange(len(t)), t], EPS, 1 - EPS))
        cell, size = group * len(classes) + t, groups * len(classes)

        def total(values: np.ndarray | None) -> np.ndarray:
            return np.bincount(cell, weights=values, minlength=size).reshape(groups, len(classes))

        sums = {"count": total(None).astype(np.int64)}
        if weight is None:
            sums |= {"log_loss": total(loss), "log_loss_sq": total(loss * loss)}
        else:
            w = np.asarray(weight, dtype=float)
            wl = w * loss
            sums |= {"weight": total(w), "weight_sq": total(w * w), "log_loss": total(wl)}
            sums |= {"log_loss_cross": total(w * wl), "log_loss_sq": total(wl * wl)}
        return cls(classes, within_budget(ovr), sums)

    def remap(self, codes: np.ndarray, groups: int) -> Self:
        def move(a: np.ndarray) -> np.ndarray:
            out = np.zeros((groups, *a.shape[1:]), dtype=a.dtype)
            np.add.at(out, codes, a)
            return out

        ovr = tuple(c.remap(codes, groups) for c in self.ovr)
        return type(self)(self.classes, ovr, {k: move(v) for k, v in self.loss.items()})

    def __add__(self, other: Self) -> Self:
        if self.classes != other.classes or self.weighted != other.weighted:
            raise ValueError(
                f"class probabilities of different classes or weighting: {self.classes} "
                f"and {other.classes}"
            )
        ovr = within_budget([a + b for a, b in zip(self.ovr, other.ovr, strict=True)])
        loss = {k: v + other.loss[k] for k, v in self.loss.items()}
        return type(self)(self.classes, ovr, loss)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClassScores):
            return NotImplemented
        mine, theirs = self.to_arrays(), other.to_arrays()
        return mine.keys() == theirs.keys() and all(
            np.array_equal(v, theirs[k]) for k, v in mine.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def to_arrays(self) -> dict[str, np.ndarray]:
        out = {"classes": np.array(self.classes, dtype=np.str_)}
        out |= {f"loss.{k}": v for k, v in self.loss.items()}
        for j, cells in enumerate(self.ovr):
            out |= {f"ovr{j}.{k}": v for k, v in cells.to_arrays().items()}
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Self:
        classes = tuple(str(c) for c in np.asarray(arrays["classes"]).tolist())
        fields = WEIGHTED_LOSS_FIELDS if "loss.weight" in arrays else LOSS_FIELDS
        loss = {}
        for name in fields:
            if f"loss.{name}" not in arrays:
                raise ValueError(f"class scores: 'loss.{name}' is missing")
            loss[name] = np.asarray(arrays[f"loss.{name}"])
        ovr = []
        for j in range(len(classes)):
            prefix = f"ovr{j}."
            ovr.append(
                ScoreCells.from_arrays(
                    {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
                )
            )
        return cls(classes, tuple(ovr), loss)

    def one_vs_rest(self, label: str) -> ScoreCells | None:
        """The score cells of `label`'s probability (None: no such column)."""
        return self.ovr[self.classes.index(label)] if label in self.classes else None


def class_parts(
    group: np.ndarray,
    truth: np.ndarray,
    classes: tuple[str, ...],
    labels: np.ndarray,
    probabilities: np.ndarray | None,
    weight: np.ndarray | None,
    groups: int,
) -> dict[str, object]:
    """The multiclass parts of one batch: `labels` index `classes` (the predicted class),
    `probabilities` (rows x classes) or None."""
    predicted = np.asarray(classes, dtype=object)[np.asarray(labels, np.int64)]
    truth = np.asarray(truth, dtype=object)
    parts: dict[str, object] = {
        "classes": ClassCells.from_rows(group, truth, predicted, weight, groups)
    }
    if probabilities is not None:
        parts["class_scores"] = ClassScores.from_rows(
            group, truth, classes, probabilities, weight, groups
        )
    return parts
