"""The rank-keeping table of a paired score part: (candidate score, baseline score, group,
class) keys with their counts, kept exactly while there are at most EXACT_PAIRS of them.

Past the cap the keys are not dropped: both scores are truncated to fewer float64 mantissa bits
(the same number for both models, the most that fit), so the table keeps the order of the
scores at a resolution relative to their magnitude — two weak models whose scores all lie in
[0.5, 0.5001] keep hundreds of distinct levels each at a million rows, where fixed bins keep
one. Truncation is monotone (it never swaps two scores, it may tie them) and composes
(truncating to m bits and then to m' <= m bits is truncating to m' bits), so the table is the
same in any merge order: the whole data's keys at the most bits whose keys fit. `ranks` gives
each key's rank bin per model, which the paired bootstrap merges to its cell budget.
"""

from __future__ import annotations

import numpy as np

from gate.engine.scores import keyed_table, merged_table

FULL = 52  # float64 mantissa bits: the scores exactly
EXACT_PAIRS = 500_000  # most keys kept; past it the scores lose mantissa bits
KEYS = ("pair", "group", "y")  # pair: candidate score + 1j * baseline score (sorts by both)


def truncate(x: np.ndarray, bits: int) -> np.ndarray:
    """`x` (float64) with all but the top `bits` mantissa bits cleared (toward zero)."""
    if bits >= FULL:
        return x
    mask = np.int64(~((1 << (FULL - bits)) - 1))
    return (np.ascontiguousarray(x, dtype=np.float64).view(np.int64) & mask).view(np.float64)


def at_bits(table: dict[str, np.ndarray], bits: int) -> dict[str, np.ndarray]:
    """The table with both scores truncated to `bits`, keys that became equal merged."""
    pair = table["pair"]
    keys = {"pair": truncate(pair.real, bits) + 1j * truncate(pair.imag, bits)}
    keys |= {k: table[k] for k in KEYS[1:]}
    return keyed_table(keys, {k: v for k, v in table.items() if k not in KEYS})


def capped(table: dict[str, np.ndarray], bits: int) -> tuple[dict[str, np.ndarray], int]:
    """The table at the most bits (at most `bits`) whose keys number at most EXACT_PAIRS (at 0
    bits only the scores' exponents remain: taken as it is)."""
    if len(table["count"]) <= EXACT_PAIRS or bits <= 0:
        return table, max(bits, 0)

    def fits(m: int) -> bool:
        return _distinct(table, m) <= EXACT_PAIRS

    failing, fitting, step = bits, bits - 1, 1
    while fitting > 0 and not fits(fitting):  # galloping down: a merge of two capped tables
        failing, fitting, step = fitting, max(fitting - step, 0), 2 * step  # fits a bit below
    low, high = fitting, failing - 1  # the answer: the most bits in [low, high] that fit
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return at_bits(table, low), low


def merged(
    a: dict[str, np.ndarray], bits_a: int, b: dict[str, np.ndarray], bits_b: int
) -> tuple[dict[str, np.ndarray], int]:
    """Two tables as one, at the bits of the coarser, then capped."""
    bits = min(bits_a, bits_b)
    if bits_a != bits:
        a = at_bits(a, bits)
    if bits_b != bits:
        b = at_bits(b, bits)
    return capped(merged_table(a, b, KEYS), bits)


def _distinct(table: dict[str, np.ndarray], bits: int) -> int:
    """How many keys the table has at `bits`."""
    pair = table["pair"]
    columns = (
        table["group"].astype(np.int64) * 2 + table["y"],
        truncate(pair.imag, bits).view(np.int64),
        truncate(pair.real, bits).view(np.int64),
    )
    order = np.lexsort(columns)
    changed = np.zeros(len(order) - 1, dtype=bool)
    for column in columns:
        ranked = column[order]
        changed |= ranked[1:] != ranked[:-1]
    return int(changed.sum()) + 1 if len(order) else 0


def ranks(table: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Each key's rank bin for the candidate's and the baseline's score (see _dense and
    _positive); `name`: the ranking metric they are for."""
    rank = _positive if name == "average_precision" else _dense
    return rank(table["pair"].real, table), rank(table["pair"].imag, table)


def _dense(score: np.ndarray, exact: dict[str, np.ndarray]) -> np.ndarray:
    return np.unique(score, return_inverse=True)[1].ravel()


def _positive(score: np.ndarray, exact: dict[str, np.ndarray]) -> np.ndarray:
    """Each row's bin, ascending by score: a distinct score holding positives gets a bin of its
    own (odd), the negative-only scores between two such scores share one (even). Merging
    bins pairwise then joins equal numbers of positive-bearing scores: no positive is tied
    with a negative until the budget forces it, and then least where positives are dense."""
    unique, index = np.unique(score, return_inverse=True)
    index = index.ravel()
    has_pos = np.bincount(index, weights=exact["y"] == 1, minlength=len(unique)) > 0
    before = np.cumsum(has_pos) - has_pos  # positive-bearing scores below each score
    return (2 * before + has_pos)[index].astype(np.int64)
