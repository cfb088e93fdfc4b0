"""gate.durations: the one grammar of durations (flags, policies, serve), case by case."""

from __future__ import annotations

import datetime as dt

import pytest

from gate.durations import MAX_DELAY, duration, shown


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0), ("45s", 45), ("90m", 5400), ("12h", 43200), ("1d12h", 129600), ("2w1d", 1296000)],
)
def test_a_duration_is_read_and_written_back(text, seconds):
    assert duration(text) == dt.timedelta(seconds=seconds)
    assert duration(shown(duration(text))) == duration(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1d1d", "names a unit twice"),
        ("1h1d", "a smaller one before a larger"),
        ("30m1h", "a smaller one before a larger"),
        ("1", "has no unit: write 1s, 1m, 1h or 1d"),
        ("500", "has no unit"),
        ("1x", "not a duration"),
        ("soon", "not a duration"),
        ("1d 2h", "not a duration"),
        ("-1d", "not a duration"),
        ("", "not a duration"),
        (f"{MAX_DELAY.days + 1}d", "longer than"),
    ],
)
def test_a_malformed_duration_says_why(text, why):
    with pytest.raises(ValueError, match=why):
        duration(text)
