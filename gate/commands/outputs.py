"""Write report files all or nothing: everything is rendered before anything is written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gate.errors import UsageError
from gate.report import FORMATS
from gate.results import Evaluation


def check_formats(names: list[str]) -> list[str]:
    """The asked-for formats, plus json and evidence (always); UsageError for an unknown name."""
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise UsageError(
            f"unknown --format {', '.join(unknown)} (known: {', '.join(sorted(FORMATS))})"
        )
    return ["json", "evidence", *dict.fromkeys(n for n in names if n not in ("json", "evidence"))]


def write_reports(evaluation: Evaluation, output_dir: str, formats: list[str]) -> list[Path]:
    """Render every format, then write each file atomically into `output_dir`."""
    rendered = {FORMATS[f].filename: FORMATS[f].render(evaluation) for f in formats}
    directory = Path(output_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create --output-dir {directory}: {exc.strerror}") from None
    staged = []
    try:
        for filename, text in rendered.items():
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{filename}.")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            staged.append((Path(tmp), directory / filename))
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write to --output-dir {directory}: {exc.strerror}") from None
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]
