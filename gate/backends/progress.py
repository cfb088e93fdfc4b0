"""Progress of a pass over a data file, on stderr only: a live display on a terminal, a plain
log line every few seconds in CI (or when stderr is a file or a pipe).

A pass shorter than the interval logs nothing, so quick runs and their captured stderr stay as
they were. The live display is rich's; it is cleared when the pass ends, also on an error, so the
error message starts on its own line. Neither ever writes to stdout, which carries the reports.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from gate.errors import UsageError

if TYPE_CHECKING:
    from gate.inputs.data import DataSource

INTERVAL = 5.0  # seconds between CI log lines, and the shortest pass that prints a summary
INTERVAL_ENV = "MODEL_GATE_PROGRESS_INTERVAL"  # overrides INTERVAL (tests set 0)
PREFIX = "model-gate: "

Clock = Callable[[], float]
Step = Callable[[int], None]  # called with the rows of each batch once it is profiled
Tracker = Callable[["DataSource"], AbstractContextManager[Step]]  # what RunOptions takes


class Display(Protocol):
    def __call__(self, rows: int) -> None: ...

    def close(self, ok: bool) -> None: ...


def count(rows: int) -> str:
    """2,359,296"""
    return f"{rows:,}"


def rate(rows_per_second: float) -> str:
    """Three significant digits and a unit: 950 rows/s, 12.3k rows/s, 1.21M rows/s."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rows_per_second >= size * 0.9995:  # 999.6k shows as 1.00M, not 1000k
            return f"{_short(rows_per_second / size)}{unit} rows/s"
    return f"{_short(rows_per_second)} rows/s"


def _short(value: float) -> str:
    digits = 2 if value < 9.995 else 1 if value < 99.95 else 0
    return f"{value:.{digits}f}"


def duration(seconds: float) -> str:
    """8.3 s, 2 min 05 s, 1 h 02 min."""
    if seconds < 59.95:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def status(role: str, done: int, total: int | None, seconds: float) -> str:
    """One log line: rows done (of the total, with a percentage and what is left), rows/s."""
    speed = done / seconds if seconds > 0 else math.inf
    line = f"{PREFIX}{role}: {count(done)}"
    if total and done <= total:
        line += f" of {count(total)} rows ({100 * done / total:.1f}%)"
    else:
        line += " rows"
    line += f", {rate(speed)}" if math.isfinite(speed) else ""
    if total and done < total and done and math.isfinite(speed):
        line += f", {duration((total - done) / speed)} left"
    return line


def summary(role: str, done: int, seconds: float) -> str:
    """The last line of a long pass: the rows, the time, the mean rate."""
    speed = f", {rate(done / seconds)}" if seconds > 0 else ""
    return f"{PREFIX}{role}: {count(done)} rows in {duration(seconds)}{speed}"


class LogProgress:
    """A plain line every `interval` seconds, and a summary when the pass took longer than that."""

    def __init__(
        self,
        role: str,
        total: int | None,
        stream: TextIO,
        interval: float = INTERVAL,
        clock: Clock = time.monotonic,
    ) -> None:
        self.role, self.total, self.stream = role, total, stream
        self.interval, self.clock = interval, clock
        self.start = self.last = clock()
        self.done = 0

    def __call__(self, rows: int) -> None:
        self.done += rows
        now = self.clock()
        if now - self.last >= self.interval:
            self.last = now
            self._print(status(self.role, self.done, self.total, now - self.start))

    def close(self, ok: bool) -> None:
        seconds = self.clock() - self.start
        if ok and seconds >= self.interval:
            self._print(summary(self.role, self.done, seconds))

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class LiveProgress:
    """rich's live display of rows, rows/s and elapsed time; a bar and the time left when the
    total is known. Cleared at the end; a long pass then leaves the summary line."""

    def __init__(
        self,
        role: str,
        total: int | None,
        console: Any,
        interval: float = INTERVAL,
        clock: Clock = time.monotonic,
        auto_refresh: bool = True,
    ) -> None:
        from rich.progress import Progress

        self.role, self.interval, self.clock = role, interval, clock
        self.start = clock()
        self.progress = Progress(
            *_columns(total is not None),
            console=console,
            transient=True,
            auto_refresh=auto_refresh,
            redirect_stdout=False,  # stdout carries the report: never route it through here
            get_time=clock,
        )
        self.task = self.progress.add_task(role, total=total)
        self.progress.start()

    def __call__(self, rows: int) -> None:
        self.progress.advance(self.task, rows)
        if not self.progress.live.auto_refresh:
            self.progress.refresh()

    def close(self, ok: bool) -> None:
        self.progress.stop()
        seconds = self.clock() - self.start
        if ok and seconds >= self.interval:
            done = int(self.progress.tasks[0].completed)
            line = summary(self.role, done, seconds)
            self.progress.console.print(line, highlight=False, markup=False)


def _columns(bounded: bool) -> list[Any]:
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rows(ProgressColumn):
        def render(self, task: Any) -> Text:
            done = count(int(task.completed))
            of = f" of {count(int(task.total))}" if task.total else ""
            return Text(f"{done}{of} rows")

    class Rate(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(rate(task.speed) if task.speed else "", style="progress.data.speed")

    head = [TextColumn(f"{PREFIX}[progress.description]{{task.description}}")]
    if bounded:
        return [*head, BarColumn(), TaskProgressColumn(), Rows(), Rate(), TimeRemainingColumn()]
    return [*head, Rows(), Rate(), TimeElapsedColumn()]


def interval_from(environ: Mapping[str, str]) -> float:
    """INTERVAL, or the number of seconds in MODEL_GATE_PROGRESS_INTERVAL."""
    text = environ.get(INTERVAL_ENV, "").strip()
    if not text:
        return INTERVAL
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise UsageError(f"{INTERVAL_ENV}={text!r}: expected a number of seconds >= 0")
    return value


def live_wanted(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """A live display only on a terminal outside CI (CI=true, or any value but false / 0)."""
    in_ci = environ.get("CI", "").strip().lower() not in ("", "false", "0", "no")
    dumb = environ.get("TERM", "") == "dumb"
    return not in_ci and not dumb and _isatty(stream)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def display(
    role: str,
    total: int | None,
    stream: TextIO,
    environ: Mapping[str, str],
    clock: Clock = time.monotonic,
) -> Display:
    """The display for this stream and environment."""
    interval = interval_from(environ)
    if live_wanted(stream, environ):
        from rich.console import Console

        return LiveProgress(role, total, Console(file=stream), interval, clock)
    return LogProgress(role, total, stream, interval, clock)


@contextmanager
def track(source: DataSource) -> Iterator[Step]:
    """Progress on stderr for one pass over `source`; closed however the pass ends."""
    shown = display(source.role, source.total_rows(), sys.stderr, os.environ)
    ok = False
    try:
        yield shown
        ok = True
    finally:
        shown.close(ok)
