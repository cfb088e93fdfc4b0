"""Write the report files as one set, all or nothing.

Everything is rendered first, then written into a fresh staging directory beside
--output-dir (same file system) and synced, then put in place in one step: Linux's
renameat2(RENAME_EXCHANGE) swaps the two directories atomically; where it is missing, the old
directory is renamed aside and the new one renamed in (a reader may then briefly find no
directory, never a mixed one). A reader sees the whole previous set or the whole new one.
evidence.json lists the sha256 of every other file of its set. Files are 0644, the
directory 0755. --output-dir is replaced as a whole, so it must hold only model-gate's files.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from gate.errors import UsageError
from gate.report import FORMATS, evidence, output_owned
from gate.results import Evaluation

FILE_MODE = 0o644
DIR_MODE = 0o755
MANIFEST = FORMATS["evidence"].filename
KNOWN = frozenset(name for f in FORMATS.values() for name in (f.filename, *dict(f.more)))
RENAME_EXCHANGE = 2
AT_FDCWD = -100


class NoExchange(Exception):
    """renameat2(RENAME_EXCHANGE) is not available here (libc, kernel or file system)."""


def format_names(formats: object, key: str = "--format") -> list[str]:
    """The formats to write from a list of names or one comma-separated string (each item may
    itself be comma-separated, as --format takes them), plus json and evidence (always);
    UsageError naming `key` and the value for anything but text, an empty name or an unknown one."""
    if isinstance(formats, str):
        items: list[object] = [formats]
    elif isinstance(formats, Iterable) and not isinstance(formats, Mapping):
        items = list(formats)
    else:
        raise UsageError(
            f"{key} must be a list of format names or one comma-separated string "
            f"(known: {', '.join(sorted(FORMATS))}), not {type(formats).__name__} {formats!r}"
        )
    odd = [item for item in items if not isinstance(item, str)]
    if odd:
        shown = f"{type(odd[0]).__name__} {odd[0]!r}"
        raise UsageError(f"{key}: a format is named by text, not {shown}")
    names: list[str] = []
    for item in items:  # as --format: a value naming nothing is kept whole, to be refused
        names.extend([n.strip() for n in str(item).split(",") if n.strip()] or [str(item)])
    return check_formats(names, key)


def check_formats(names: list[str], key: str = "--format") -> list[str]:
    """The asked-for formats, plus json and evidence (always); UsageError for a value naming no
    format ("", ",") or an unknown name."""
    blank = [n for n in names if not n.strip(", ")]
    if blank:
        raise UsageError(
            f"{key} {blank[0]!r} names no format; give one or more of: {', '.join(sorted(FORMATS))}"
        )
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise UsageError(
            f"unknown {key} {', '.join(unknown)} (known: {', '.join(sorted(FORMATS))})"
        )
    return ["json", "evidence", *dict.fromkeys(n for n in names if n not in ("json", "evidence"))]


def render_set(
    evaluation: Evaluation, formats: list[str], labels: dict[str, str] | None = None
) -> dict[str, bytes]:
    """Every file's bytes; evidence.json lists the sha256 of all the others. `labels`: the
    run's own (--push-label), on every series of metrics.prom."""
    files = {
        name: text.encode("utf-8")
        for f in formats
        if f != "evidence"
        for name, text in FORMATS[f].files(evaluation, labels).items()
    }
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    files[MANIFEST] = evidence.render(evaluation, outputs=digests).encode("utf-8")
    return files


def refuse_links(output_dir: str) -> None:
    """UsageError if the output directory, or a directory on its way below the working
    directory, is a symbolic link: a link committed in a pull request (say, a
    `model-gate-report` pointing elsewhere) would steer where the gate creates and replaces
    directories."""
    path, here = Path(os.path.abspath(output_dir)), Path.cwd()
    inside = [p for p in path.parents if here in p.parents]
    for p in (path, *inside):
        if p.is_symlink():
            raise UsageError(
                f"--output-dir {output_dir}: {p} is a symbolic link; give a real directory "
                "(a link could point the reports anywhere)"
            )


def check_target(target: Path, shown: str, known: frozenset[str] = KNOWN) -> None:
    """UsageError unless `target` is absent or a directory of model-gate's files only
    (`known`: their names), each recorded as model-gate's (gate/report/output_owned.py)."""
    if not target.exists():
        return
    if not target.is_dir():
        raise UsageError(f"--output-dir {shown} exists and is not a directory")
    here, real = Path.cwd().resolve(), target.resolve()
    if real == here or real in here.parents:
        raise UsageError(f"--output-dir {shown} is the current directory or holds it")
    foreign = output_owned.foreign(target, known)  # by what model-gate recorded, not by name
    if foreign:
        listed = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise UsageError(
            f"--output-dir {shown} holds files model-gate did not write ({listed}); it is "
            "replaced as a whole, so give it a new or empty directory"
        )


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot sync a directory; nothing to do then
        if exc.errno not in (errno.EINVAL, errno.EOPNOTSUPP):
            raise
    finally:
        os.close(fd)


def discard(path: Path) -> None:
    """Remove a staging or superseded directory (best effort: it holds only our files)."""
    shutil.rmtree(path, ignore_errors=True)


def stage(files: dict[str, bytes], target: Path) -> Path:
    """A fresh directory beside `target` holding the whole set, synced; removed on any failure."""
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.model-gate-", dir=target.parent))
    try:
        os.chmod(staged, DIR_MODE)
        for name, data in files.items():
            _write(staged / name, data)
        _sync_dir(staged)
    except BaseException:
        discard(staged)
        raise
    return staged


def exchange(a: Path, b: Path) -> None:
    """Swap two directories atomically (renameat2 RENAME_EXCHANGE); NoExchange if unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        raise NoExchange from None
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        raise NoExchange
    raise OSError(err, os.strerror(err), str(b))


def _rename_aside(staged: Path, target: Path) -> None:
    """The fallback: target -> aside, staged -> target (undone if the second rename fails)."""
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.model-gate-old-", dir=target.parent))
    try:
        os.rename(target, aside)
    except BaseException:
        os.rmdir(aside)
        raise
    try:
        os.rename(staged, target)
    except BaseException:
        os.rename(aside, target)
        raise
    discard(aside)


def switch(staged: Path, target: Path) -> None:
    """Put the staged set at `target` in one step; the previous set is then removed."""
    if not target.exists():
        os.rename(staged, target)
    else:
        try:
            exchange(staged, target)
            discard(staged)  # it now holds the previous set
        except NoExchange:
            _rename_aside(staged, target)
    _sync_dir(target.parent)


def write_reports(
    evaluation: Evaluation,
    output_dir: str,
    formats: list[str],
    labels: dict[str, str] | None = None,
) -> list[Path]:
    """Render every format, then replace `output_dir` with the new set all or nothing."""
    return write_set(render_set(evaluation, formats, labels), output_dir)


def write_set(files: dict[str, bytes], output_dir: str) -> list[Path]:
    """Replace `output_dir` with `files` ({name: text}) all or nothing (UsageError naming
    --output-dir when it cannot be written)."""
    refuse_links(output_dir)
    target = Path(os.path.abspath(output_dir))
    check_target(target, output_dir, KNOWN | set(files))  # a set of the same files is ours
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = stage(files, target)
        try:
            switch(staged, target)
        except BaseException:
            discard(staged)
            raise
    except OSError as exc:
        hint = " (a mount point cannot be replaced: use a directory inside it)"
        raise UsageError(
            f"cannot write --output-dir {output_dir}: {exc.strerror or exc}"
            + (hint if exc.errno == errno.EBUSY else "")
        ) from None
    return [target / name for name in files]
