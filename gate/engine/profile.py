"""A profile: the mergeable statistics one pass over (data, bound predictions) leaves behind.

Its group cells are the occurring combinations of the sensitive features (sorted, MISSING last);
each model's outputs are "parts" (confusion cells, score cells, regression moments) keyed by
those cells, and every column has its own summary. `a + b` is the profile of the rows of both:
group lists are united and each part renumbered, then parts add. Counts add exactly in any
order, so the same rows give the same profile whatever the batching.

What a plan asks for beyond that (None when it did not): `hashes`, the row hashes (duplicates,
conflicting labels, overlap with a reference); `outputs`, column profiles of the candidate's
bound "score" and "prediction"; `group_columns`, per group cell (aligned with `groups`) the
column profiles of some data columns, folded into one feature's groups by `columns_by_group`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol, Self

import numpy as np

from gate.engine.groups import Grouping, project, union

VERSION = 2  # 2: row hashes, output columns and per-group columns
MAX_CLASSES_SEEN = 3  # distinct label values remembered: enough to tell "more than two"


class Part(Protocol):
    """What every part of a profile offers (see the parts' modules)."""

    def remap(self, codes: np.ndarray, groups: int) -> Self: ...
    def __add__(self, other: Self) -> Self: ...
    def to_arrays(self) -> dict[str, np.ndarray]: ...


Parts = dict[str, Any]  # part name -> part: "confusion", "scores", "regression", "paired",
#  "classes" / "class_scores" (multiclass)


def part_type(name: str) -> Any:
    """The class of the part called `name` (KeyError for an unknown one)."""
    from gate.engine.confusion import ConfusionCells
    from gate.engine.multiclass import ClassCells, ClassScores
    from gate.engine.paired import JointCells
    from gate.engine.paired_scores import JointScores
    from gate.engine.regression import RegressionCells
    from gate.engine.scores import ScoreCells

    return {
        "confusion": ConfusionCells,
        "scores": ScoreCells,
        "regression": RegressionCells,
        "paired": JointCells,  # the candidate's: joint with the baseline (engine/paired.py)
        "paired_scores": JointScores,
        "classes": ClassCells,  # multiclass: K x K confusion cells (engine/multiclass.py)
        "class_scores": ClassScores,
    }[name]


@dataclass(frozen=True, eq=False)
class Profile:
    """The statistics of some rows, keyed by the group cells of `features`."""

    task: str
    features: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    group_rows: np.ndarray  # int64 rows per group cell
    candidate: Parts | None = None  # None: no outputs were bound (governance-only policies)
    baseline: Parts | None = None
    columns: dict[str, Any] = field(default_factory=dict)  # column name -> ColumnProfile
    classes: tuple[str, ...] = ()  # distinct label values seen (text, sorted, at most 3)
    meta: dict[str, Any] = field(default_factory=dict)  # binding, bins and digests: must match
    sample: Any = None  # a RowSample of the rows row-reading checks need (never saved)
    hashes: Any = None  # RowHashes of every row (None: not asked for)
    outputs: dict[str, Any] | None = None  # "score" / "prediction" -> ColumnProfile
    group_columns: tuple[dict[str, Any], ...] | None = None  # per group cell: name -> profile

    @property
    def rows(self) -> int:
        return int(self.group_rows.sum())

    def grouping(self, features: tuple[str, ...]) -> tuple[Grouping, np.ndarray]:
        """The groups of `features` (a subset of the profile's) and the fold onto them."""
        missing = [f for f in features if f not in self.features]
        if missing:
            raise KeyError(f"the profile has no group cells for {', '.join(missing)}")
        return project(self.groups, self.features, features)

    def __add__(self, other: Profile) -> Profile:
        _require_compatible(self, other)
        groups, mine, theirs = union(self.groups, other.groups)
        size = len(groups)
        rows = _moved(self.group_rows, mine, size) + _moved(other.group_rows, theirs, size)
        return replace(
            self,
            groups=groups,
            group_rows=rows,
            candidate=_add_parts(self.candidate, other.candidate, mine, theirs, size),
            baseline=_add_parts(self.baseline, other.baseline, mine, theirs, size),
            columns=_add_columns(self.columns, other.columns),
            classes=tuple(sorted(set(self.classes) | set(other.classes)))[:MAX_CLASSES_SEEN],
            sample=None
            if self.sample is None or other.sample is None
            else self.sample + other.sample,
            hashes=_add_optional(self.hashes, other.hashes, "row hashes"),
            outputs=_add_optional(self.outputs, other.outputs, "output columns", _add_columns),
            group_columns=_add_cells(self.group_columns, other.group_columns, mine, theirs, size),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Profile):
            return NotImplemented
        same = (
            (self.task, self.features, self.groups, self.classes, self.meta)
            == (other.task, other.features, other.groups, other.classes, other.meta)
            and np.array_equal(self.group_rows, other.group_rows)
            and self.columns == other.columns
            and self.hashes == other.hashes
            and self.outputs == other.outputs
            and self.group_columns == other.group_columns
            and (self.sample == other.sample if self.sample is not None else other.sample is None)
        )
        return same and all(
            _parts_equal(getattr(self, k), getattr(other, k)) for k in ("candidate", "baseline")
        )


def _require_compatible(a: Profile, b: Profile) -> None:
    for name in ("task", "features", "meta"):
        if getattr(a, name) != getattr(b, name):
            raise ValueError(
                f"profiles of different {name} cannot be merged: "
                f"{getattr(a, name)!r} and {getattr(b, name)!r}"
            )


def _moved(values: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=values.dtype)
    np.add.at(out, codes, values)
    return out


def _add_parts(
    a: Parts | None, b: Parts | None, mine: np.ndarray, theirs: np.ndarray, size: int
) -> Parts | None:
    if a is None or b is None:
        if a is not None or b is not None:
            raise ValueError("a profile with model outputs cannot be merged with one without")
        return None
    if a.keys() != b.keys():
        raise ValueError(f"profiles hold different statistics: {sorted(a)} and {sorted(b)}")
    return {k: a[k].remap(mine, size) + b[k].remap(theirs, size) for k in a}


def _add_columns(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    if a.keys() != b.keys():
        raise ValueError(f"profiles of different columns: {sorted(a)} and {sorted(b)}")
    return {name: a[name] + b[name] for name in a}


def _parts_equal(a: Parts | None, b: Parts | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(a[k] == b[k] for k in a)


def _add_optional(a: Any, b: Any, what: str, add: Any = None) -> Any:
    if a is None or b is None:
        if a is not None or b is not None:
            raise ValueError(f"a profile with {what} cannot be merged with one without")
        return None
    return add(a, b) if add is not None else a + b


def _add_cells(
    a: tuple[dict[str, Any], ...] | None,
    b: tuple[dict[str, Any], ...] | None,
    mine: np.ndarray,
    theirs: np.ndarray,
    size: int,
) -> tuple[dict[str, Any], ...] | None:
    """Per-group column profiles of both parts in the united groups' order."""
    if a is None or b is None:
        return _add_optional(a, b, "per-group columns")
    cells: list[dict[str, Any] | None] = [None] * size
    for part, codes in ((a, mine), (b, theirs)):
        for j, columns in zip(codes.tolist(), part, strict=True):
            held = cells[j]
            cells[j] = columns if held is None else _add_columns(held, columns)
    assert all(c is not None for c in cells)  # every united group comes from a part
    return tuple(c for c in cells if c is not None)


def columns_by_group(profile: Profile, feature: str) -> dict[str, dict[str, Any]]:
    """The per-group column profiles folded into the groups of one sensitive feature:
    {group text: {column: ColumnProfile}}, groups in the profile's order (MISSING last)."""
    if profile.group_columns is None:
        raise ValueError("the profile holds no per-group column profiles")
    grouping, fold = profile.grouping((feature,))
    out: dict[str, dict[str, Any]] = {}
    for cell, columns in zip(np.argmax(fold, axis=1).tolist(), profile.group_columns, strict=True):
        name = grouping.labels[cell][0]
        out[name] = columns if name not in out else _add_columns(out[name], columns)
    return {label[0]: out[label[0]] for label in grouping.labels}
