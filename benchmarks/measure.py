"""Run one benchmark case in a fresh process: wall time, that process's peak RSS, and limits.

The peak RSS comes from os.wait4 on the child's own pid: that process's maximum resident set,
nobody else's. Limits: a timeout, and a cap on resident memory, both enforced by a watchdog
that samples the child every POLL seconds and kills its process group. RLIMIT_AS is only a
backstop set well above the cap: address space is not memory in use (the gate today reserves
its 8 GiB read limit up front with fh.read(limit + 1), untouched), so an address-space limit at
the cap would stop runs that fit in it.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# What a child prints when an allocation fails under the cap (Python, numpy, Arrow, C++).
OUT_OF_MEMORY = (
    "MemoryError",
    "Unable to allocate",
    "bad_alloc",
    "Cannot allocate memory",
    "ArrowMemoryError",
    "out of memory",
)


@dataclass(frozen=True)
class Run:
    """One finished (or stopped) child process."""

    wall: float
    peak_rss_mb: float
    returncode: int | None
    outcome: str  # "ok" | "timeout" | "memory" | "error"
    stdout: str
    stderr: str


class Runs:
    """What a case's repeated runs add up to (a mixin: the case holds `runs`)."""

    runs: list[Run]

    @property
    def finished(self) -> bool:
        return bool(self.runs) and all(r.outcome == "ok" for r in self.runs)

    @property
    def wall(self) -> float | None:
        return statistics.median(r.wall for r in self.runs) if self.finished else None

    @property
    def peak_mb(self) -> float:
        return max(r.peak_rss_mb for r in self.runs)


POLL = 0.02


def run(
    cmd: list[str],
    *,
    timeout: float,
    mem_cap_bytes: int,
    address_space_bytes: int,
    env: dict[str, str],
    cwd: Path,
) -> Run:
    """Run `cmd` to completion or to a limit; never raises for the child's failure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=lambda: _limit(address_space_bytes),
        )
        stopped: list[str] = []
        done = threading.Event()
        watchdog = threading.Thread(
            target=_watch, args=(proc.pid, start, timeout, mem_cap_bytes, done, stopped)
        )
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave no child behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        wall = time.perf_counter() - start
        done.set()
        watchdog.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    code = proc.returncode
    if stopped:
        outcome = stopped[0]
    elif code not in (0, 1) and any(s in stderr for s in OUT_OF_MEMORY):
        outcome = "memory"
    else:
        outcome = "ok" if code in (0, 1) else "error"
    return Run(wall, usage.ru_maxrss / 1024, code, outcome, stdout, stderr)


def _limit(cap: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _watch(
    pid: int, start: float, timeout: float, cap: int, done: threading.Event, stopped: list[str]
) -> None:
    """Kill the child's process group at the timeout or when its RSS passes the cap."""
    while not done.wait(POLL):
        reason = None
        if time.perf_counter() - start > timeout:
            reason = "timeout"
        elif _rss_bytes(pid) > cap:
            reason = "memory"
        if reason:
            stopped.append(reason)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            return


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0
