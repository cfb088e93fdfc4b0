"""The sha256 of a data file, read beside its parser, and whether the file changed meanwhile."""

from __future__ import annotations

import hashlib
import os
import threading

from gate.errors import InputError
from gate.inputs.files import MiB


class Hasher(threading.Thread):
    """sha256 of a descriptor's first `size` bytes, read with pread beside the parser."""

    def __init__(self, fd: int, size: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.size = fd, size
        self.digest = hashlib.sha256()
        self.error: OSError | None = None
        self.stopped = threading.Event()

    def cancel(self) -> None:
        """Stop reading (the pass failed or ended) and wait for the thread."""
        self.stopped.set()
        self.join()

    def run(self) -> None:
        offset = 0
        try:
            while offset < self.size and not self.stopped.is_set():
                chunk = os.pread(self.fd, min(8 * MiB, self.size - offset), offset)
                if not chunk:
                    break
                self.digest.update(chunk)
                offset += len(chunk)
        except OSError as exc:
            self.error = exc

    def result(self) -> str:
        self.join()
        if self.error is not None:
            raise InputError(f"cannot read the file to digest it: {self.error}")
        return self.digest.hexdigest()


def changed(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether a file was written between two stats: size, modification time, or the change
    time, which `os.utime` cannot set back (a rewrite that restores the mtime still shows)."""
    fields = ("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")
    return any(getattr(before, f) != getattr(after, f) for f in fields)
