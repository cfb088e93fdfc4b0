"""Durations as flags and policies write them: '30d', '12h', '1d12h', '90m', '45s', '0'."""

from __future__ import annotations

import datetime as dt
import re

_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+)([smhdw])")
MAX_DELAY = dt.timedelta(days=3660)  # ten years: a longer label delay is a typo
PATTERN = r"^(0|([0-9]+[smhdw])+)$"  # the same grammar, for the policy schema


def duration(text: str) -> dt.timedelta:
    """`text` as a timedelta; ValueError saying why not (a text, or longer than MAX_DELAY)."""
    text = text.strip()
    if text == "0":
        return dt.timedelta(0)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration {text!r} (e.g. 30d, 12h, 1d12h, 90m, 45s, 0)")
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
