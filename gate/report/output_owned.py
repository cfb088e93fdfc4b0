"""Which files of an existing --output-dir model-gate wrote, judged by what it recorded, not by
the file's name: --output-dir is replaced as a whole, so a hand-written `report.md` or
`junit.xml` must be refused, never deleted (review12d 10a).

A file is model-gate's when evidence.json (model-gate's manifest: `predicate.outputs`) lists
it with the same sha256, or it is evidence.json itself. The two files a set may hold without
a manifest are recognised by their content: analysis.json valid against model-gate's analysis
schema, and a metrics.prom holding model-gate's families only (the set a failed run writes).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

MANIFEST = "evidence.json"
ANALYSIS = "analysis.json"
METRICS = "metrics.prom"
MAX_BYTES = 64 * 2**20  # a larger file is not one model-gate wrote here


def _bytes(path: Path) -> bytes | None:
    """The file's bytes; None for a link, a directory, an unreadable or an oversized file."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _json(path: Path) -> Any:
    raw = _bytes(path)
    try:
        return None if raw is None else json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _listed(directory: Path) -> dict[str, str]:
    """evidence.json's outputs as {name: sha256}; {} when there is no such manifest."""
    data = _json(directory / MANIFEST)
    try:
        outputs = data["predicate"]["outputs"]
        return {o["name"]: o["digest"]["sha256"] for o in outputs}
    except (TypeError, KeyError):
        return {}


@cache
def _analysis_validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = Path(__file__).resolve().parent.parent / "schemas/analysis.schema.json"
    return Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))


def _is_analysis(path: Path) -> bool:
    data = _json(path)
    return isinstance(data, dict) and _analysis_validator().is_valid(data)


def _is_metrics(path: Path) -> bool:
    """Every line a model_gate_* sample, its HELP / TYPE / UNIT, or the closing `# EOF`."""
    raw = _bytes(path)
    try:
        lines = [] if raw is None else raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return False
    ours = ("model_gate_", "# HELP model_gate_", "# TYPE model_gate_", "# UNIT model_gate_")
    return bool(lines) and all(line.startswith(ours) or line == "# EOF" for line in lines)


def foreign(directory: Path, known: frozenset[str] | set[str]) -> list[str]:
    """The entries of `directory` model-gate did not write (sorted), each with the reason when
    the name is one of its own (`known`)."""
    listed = _listed(directory)
    out = []
    for path in sorted(directory.iterdir()):
        name = path.name
        if name not in known or path.is_symlink() or path.is_dir():
            out.append(name)
        elif name == MANIFEST:
            if not listed:
                out.append(f"{name} (not a model-gate manifest)")
        elif name in listed:
            raw = _bytes(path)
            if raw is None or hashlib.sha256(raw).hexdigest() != listed[name]:
                out.append(f"{name} (changed since model-gate wrote it)")
        elif not (name == ANALYSIS and _is_analysis(path)) and not (
            name == METRICS and _is_metrics(path)
        ):
            out.append(f"{name} (not listed in a model-gate {MANIFEST})")
    return out
