"""Reading input files once, bounded, and only when they are regular files; their digests.

Every input is read into memory exactly once and hashed from those bytes, and the same bytes
are what gets parsed or loaded, so a digest always covers what was evaluated: a file swapped,
grown or fed by a FIFO between a check and a load cannot change the result behind its digest.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from gate.errors import InputError

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class FileDigest:
    """One file an input was read from, and the sha256 of the bytes read."""

    path: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "sha256": self.sha256}


def sha256_hex(data: bytes) -> str:
    """The hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def read_regular(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.

    `what` names the file in errors ("model m.skops"). FIFOs, devices, sockets and directories
    are refused without reading from them; so is a file larger than `limit`.
    """
    fd, info = open_regular(path, what)
    if info.st_size > limit:
        os.close(fd)
        raise InputError(f"{what} is {size_text(info.st_size)}, over the {size_text(limit)} limit")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(info.st_size + 1)  # the file's size, not the limit, is allocated
    if len(data) > info.st_size:
        raise InputError(f"{what} grew while being read")
    return data


def open_regular(path: str | Path, what: str) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file at `path` (symlinks followed) and its stat;
    InputError naming `what` for a missing file or anything that is not a regular file (a FIFO
    is opened non-blocking, so refusing it never waits for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(f"{what} not found") from None
    except OSError as exc:
        raise InputError(f"{what} cannot be read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"{what} is not a regular file")
    return fd, info


def size_text(n: int) -> str:
    return f"{n / GiB:.1f} GiB" if n >= GiB else f"{n / MiB:.1f} MiB"


def read_tree(
    root: Path, limit: int, total_limit: int, max_files: int, what: str
) -> dict[str, bytes]:
    """Every file under the directory `root`, by its relative POSIX path, read as `read_regular`.

    A symlink must resolve to a regular file inside `root`; one that leaves it, a symlinked
    directory, and anything that is not a regular file are refused, as are more than
    `max_files` files or more than `total_limit` bytes in all.
    """
    base = root.resolve()
    files: dict[str, bytes] = {}
    total = 0
    for entry in sorted(base.rglob("*")):
        rel = entry.relative_to(base).as_posix()
        if entry.is_dir() and not entry.is_symlink():
            continue
        require_inside(entry, base, f"{what}: {rel}")
        if len(files) == max_files:
            raise InputError(f"{what} holds more than {max_files} files")
        files[rel] = read_regular(entry, limit, f"{what}: {rel}")
        total += len(files[rel])
        if total > total_limit:
            raise InputError(f"{what} holds more than {size_text(total_limit)} in all")
    return files


def require_inside(entry: Path, base: Path, what: str) -> None:
    """InputError unless `entry`, symlinks resolved, lies inside the resolved directory `base`."""
    target = entry.resolve()
    if not target.is_relative_to(base):
        raise InputError(f"{what} is a symlink to {target}, outside the model directory")
