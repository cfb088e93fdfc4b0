"""The order in which the profiles of a file's batches or partitions are added."""

from __future__ import annotations

from gate.engine.profile import Profile


class MergeStack:
    """Batch profiles added as a balanced tree, oldest + newest: parts of equal weight merge
    as soon as both exist (a binary counter), so a row's statistics are merged O(log batches)
    times instead of once per later batch (row hashes and exact value tables grow with the
    rows, and a left fold re-merged them every batch). At most log2(batches) parts are held."""

    def __init__(self) -> None:
        self.parts: list[tuple[int, Profile]] = []  # (weight in batches, profile), oldest first

    def push(self, part: Profile) -> None:
        weight = 1
        while self.parts and self.parts[-1][0] == weight:
            older = self.parts.pop()[1]
            part, weight = older + part, weight * 2
        self.parts.append((weight, part))

    def total(self) -> Profile | None:
        """Every part pushed, added oldest first; None when none was."""
        if not self.parts:
            return None
        total = self.parts[0][1]
        for _, part in self.parts[1:]:
            total = total + part
        return total
