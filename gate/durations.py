"""Durations as flags and policies write them: '30d', '12h', '1d12h', '90m', '45s', '0'."""

from __future__ import annotations

import datetime as dt
import re

_UNIT = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}  # largest first
_DURATION = re.compile(r"(\d+)([smhdw])")
MAX_DELAY = dt.timedelta(days=3660)  # ten years: a longer label delay is a typo
PATTERN = r"^(0|([0-9]+[smhdw])+)$"  # the same grammar, for the policy schema


def duration(text: str) -> dt.timedelta:
    """`text` as a timedelta; ValueError saying why not: not a duration, a unit named twice or
    a smaller before a larger ('1d1d', '1h1d': most likely a typo), or longer than MAX_DELAY."""
    text = text.strip()
    if text == "0":
        return dt.timedelta(0)
    parts = _DURATION.findall(text)
    if text.isdigit():
        raise ValueError(f"{text!r} has no unit: write {text}s, {text}m, {text}h or {text}d")
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration {text!r} (e.g. 30d, 12h, 1d12h, 90m, 45s, 0)")
    ranks = [list(_UNIT).index(u) for _, u in parts]
    if ranks != sorted(set(ranks)):
        raise ValueError(
            f"{text!r} names a unit twice or a smaller one before a larger; write each unit "
            "once, largest first (e.g. 2d, 1d12h, 90m)"
        )
    seconds = sum(int(n) * _UNIT[u] for n, u in parts)
    if seconds > MAX_DELAY.total_seconds():
        raise ValueError(f"{text} is longer than {MAX_DELAY.days} days")
    return dt.timedelta(seconds=seconds)


def shown(delay: dt.timedelta) -> str:
    """A duration as it is written: 86400 s -> '1d', 5400 s -> '1h30m', 0 -> '0'."""
    seconds, out = int(delay.total_seconds()), ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        out += f"{count}{unit}" if count else ""
    return out or "0"
