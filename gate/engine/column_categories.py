"""The categorical part of a column profile: counts per category text, and past CATEGORY_CAP
distinct values a bottom-k sample of categories by stable hash plus an "other" count, so merges
stay exact in any order (see columns.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from gate.engine.column_numbers import Exact

CATEGORY_CAP = 10_000


@dataclass(frozen=True, eq=False)
class Categories(Exact):
    """Rows per category text (at most `cap` categories) and the rows of the others."""

    counts: dict[str, int]  # never mutated
    other: int = 0
    cap: int = CATEGORY_CAP


def category_hash(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _bottom(counts: dict[str, int], cap: int) -> tuple[dict[str, int], int]:
    """The `cap` categories of smallest hash and the rows of the rest."""
    if len(counts) <= cap:
        return counts, 0
    kept = sorted(counts, key=lambda t: (category_hash(t), t))[:cap]
    small = {t: counts[t] for t in kept}
    return small, sum(counts.values()) - sum(small.values())


def categories_of(texts: list[str], counts: list[int], cap: int = CATEGORY_CAP) -> Categories:
    """Categories of one batch from (text, rows) pairs; equal texts add up."""
    table: dict[str, int] = {}
    for text, rows in zip(texts, counts, strict=True):
        if rows:
            table[text] = table.get(text, 0) + int(rows)
    kept, other = _bottom(table, cap)
    return Categories(kept, other, cap)


def add_categories(a: Categories, b: Categories, name: str) -> Categories:
    """Categories of both parts: the bottom-k of the union is the bottom-k of the two bottom-ks."""
    if a.cap != b.cap:
        raise ValueError(
            f"column {name!r}: profiles built with other category caps ({a.cap} vs {b.cap}) "
            "cannot be merged"
        )
    table = dict(a.counts)
    for text, rows in b.counts.items():
        table[text] = table.get(text, 0) + rows
    kept, dropped = _bottom(table, a.cap)
    return Categories(kept, a.other + b.other + dropped, a.cap)


def distinct(c: Categories) -> float:
    """Distinct categories: exact below the cap, else the k-minimum-values estimate
    (k - 1) / h_k, h_k the largest kept hash as a fraction of 2**64 (about 1/sqrt(k) relative)."""
    if c.other == 0:
        return float(len(c.counts))
    k = len(c.counts)
    top = max(category_hash(t) for t in c.counts) + 1
    return (k - 1) / (top / 2**64)
