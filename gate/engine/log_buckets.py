"""The log-bucket sketch of a numeric column (DDSketch's mapping): bucket i holds the values
whose magnitude lies in [gamma^(i - shift), gamma^(i - shift + 1)), so a bucket's representative
is within relative `accuracy` of every value in it; values below the zero floor share bucket 0.
"""

from __future__ import annotations

import math

import numpy as np

ACCURACY = 0.005
ZERO_FLOOR = 1e-12


def _gamma(accuracy: float) -> float:
    return (1 + accuracy) / (1 - accuracy)


def _mapping(accuracy: float, floor: float) -> tuple[float, float, float, int]:
    """1/log(gamma), the shift making floor's index 1, the clip value, the largest index."""
    inv = 1 / math.log(_gamma(accuracy))
    shift = 1 - math.log(floor) * inv
    clip = floor / math.sqrt(_gamma(accuracy))  # index 0.5: below the floor, never below 0
    top = int(math.log(np.finfo(np.float64).max) * inv + shift) + 1
    return inv, shift, clip, top


_INV, _SHIFT, _CLIP, _TOP = _mapping(ACCURACY, ZERO_FLOOR)


def bucket_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Occupied bucket keys and counts of finite values, in one vectorised pass."""
    a = np.abs(x)
    np.maximum(a, _CLIP, out=a)
    np.log(a, out=a)
    a *= _INV
    a += _SHIFT  # >= 0.5 after the clip
    np.copysign(a, x, out=a)
    index = a.astype(np.intp)  # truncates toward zero: floor of |.|, sign kept
    low = int(index.min()) if index.size else 0
    index -= low  # count over the occupied span only, not all 2 * _TOP + 1 keys
    counts = np.bincount(index)
    keys = np.flatnonzero(counts)
    return (keys + low).astype(np.int64), counts[keys].astype(np.int64)


def representatives(keys: np.ndarray, accuracy: float, floor: float) -> np.ndarray:
    """The value each bucket stands for: within `accuracy` of every value in it."""
    gamma = _gamma(accuracy)
    shift = _mapping(accuracy, floor)[1]
    low = np.power(gamma, np.abs(keys) - shift)  # bucket i holds |x| in [low, low * gamma)
    return np.where(keys == 0, 0.0, np.sign(keys) * low * (2 * gamma / (1 + gamma)))


def add_buckets(
    a_keys: np.ndarray, a_counts: np.ndarray, b_keys: np.ndarray, b_counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The keys and counts of both sketches (sorted keys, counts summed)."""
    keys = np.concatenate([a_keys, b_keys])
    counts = np.concatenate([a_counts, b_counts])
    merged, where = np.unique(keys, return_inverse=True)
    return merged.astype(np.int64), np.bincount(where, counts, len(merged)).astype(np.int64)
