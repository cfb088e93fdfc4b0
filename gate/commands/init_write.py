"""Writing init's files all-or-nothing: every target is checked before the first byte is
written, each file goes to a temporary file beside it and is renamed into place only when all
of them are written, and an operating-system error is a usage error naming the path."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from gate.errors import UsageError


def _existing_ancestor(path: Path) -> Path:
    """The nearest parent of `path` that exists; a usage error when it is not a folder."""
    for parent in path.parents:
        if parent.is_symlink() and not parent.exists():
            raise UsageError(f"{parent} is a dangling symbolic link; cannot write {path}")
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{parent} is not a folder; cannot write {path} (nothing written)")
            return parent
    return Path(".")


def refuse_unwritable(files: dict[Path, str], force: bool) -> None:
    """Every reason not to write any of `files`, found before anything is written."""
    seen: dict[Path, Path] = {}
    for path in files:
        key = Path(os.path.abspath(path))
        if key in seen:
            raise UsageError(f"{path} would be written twice: choose another --output")
        seen[key] = path
        if path.is_symlink():
            raise UsageError(f"{path} is a symbolic link; init does not write through links")
        if path.is_dir():
            raise UsageError(f"{path} is a directory, not a file (nothing was written)")
        if path.exists() and not force:
            raise UsageError(f"{path} exists; pass --force to overwrite it (nothing was written)")
        folder = _existing_ancestor(path)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise UsageError(f"cannot write {path}: {folder} is not writable (nothing written)")


def write_all(files: dict[Path, str]) -> None:
    """Write every file or none (the folders made on the way are removed again on failure)."""
    made: list[Path] = []
    temps: dict[Path, str] = {}
    current = next(iter(files), Path("."))
    try:
        for current, text in files.items():
            path = current
            _make_parents(path.parent, made)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps[path] = temp
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.chmod(temp, 0o644)
        for current, temp in temps.items():
            os.replace(temp, current)
    except OSError as exc:
        for temp in temps.values():
            if os.path.lexists(temp):
                os.unlink(temp)
        for folder in reversed(made):
            _remove_empty(folder)
        why = exc.strerror or str(exc)
        raise UsageError(f"cannot write {current}: {why} (nothing written)") from None


def _make_parents(folder: Path, made: list[Path]) -> None:
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir()
        made.append(p)


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
