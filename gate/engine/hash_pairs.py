"""Sorted (key, label) hash pairs as numpy arrays: sorting, runs, and a linear merge.

Row hashes (row_hashes.py) keep unique (key, label) pairs sorted by key then label, with a row
count each. These functions work on those arrays alone.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Pairs(Protocol):
    """Sorted unique pairs with counts (RowHashes)."""

    key: np.ndarray

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


def sorted_pairs(key: np.ndarray, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs sorted by key, then label: one sort of the keys (np.argsort is several times
    faster than np.lexsort of both), then the runs of a repeated key sorted by label."""
    order = np.argsort(key)
    key, label = key[order], label[order]
    sort_repeated_keys(key, label)
    return key, label


def starts(key: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Where each run of equal (key, label) pairs starts in sorted arrays."""
    if not len(key):
        return np.zeros(0, np.intp)
    new = np.empty(len(key), bool)
    new[0] = True
    new[1:] = (key[1:] != key[:-1]) | (label[1:] != label[:-1])
    return np.flatnonzero(new)


def first(key: np.ndarray) -> np.ndarray:
    """Where each run of equal keys starts in a sorted key array."""
    if not len(key):
        return np.zeros(0, np.intp)
    new = np.empty(len(key), bool)
    new[0] = True
    new[1:] = key[1:] != key[:-1]
    return np.flatnonzero(new)


def merge_pairs(a: Pairs, b: Pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two sorted pair lists as one, equal pairs added: a linear merge by key (a stable sort of
    the two sorted runs, which numpy merges in one pass: ~2x faster than np.insert at the
    places searchsorted gives), then the few runs of a repeated key sorted by label."""
    order = np.argsort(np.concatenate([a.key, b.key]), kind="stable")
    key, label, count = (
        np.concatenate([x, y])[order] for x, y in zip(a.arrays(), b.arrays(), strict=True)
    )
    sort_repeated_keys(key, label, count)
    start = starts(key, label)
    if len(start) == len(key):
        return key, label, count  # no pair in both
    return key[start], label[start], np.add.reduceat(count, start)


def sort_repeated_keys(key: np.ndarray, label: np.ndarray, count: np.ndarray | None = None) -> None:
    """Sort by label, in place, the pairs (and counts) of every key that occurs more than once."""
    if len(key) < 2:
        return
    same = key[1:] == key[:-1]
    if not same.any():
        return
    repeated = np.zeros(len(key), bool)
    repeated[1:] |= same
    repeated[:-1] |= same
    slots = np.flatnonzero(repeated)
    order = slots[np.lexsort((label[slots], key[slots]))]
    label[slots] = label[order]
    if count is not None:
        count[slots] = count[order]


def strictly_sorted(key: np.ndarray, label: np.ndarray) -> bool:
    later = (key[1:] > key[:-1]) | ((key[1:] == key[:-1]) & (label[1:] > label[:-1]))
    return bool(later.all())
