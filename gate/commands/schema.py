"""`model-gate schema policy|report [-o FILE]`: print or write a published JSON Schema.

The policy schema's `$id` is `urn:model-gate:schema:policy:v1`: a versioned name, not an
address (no server is promised). To check policies outside this repository, write a copy next
to them (`model-gate schema policy -o model-gate-policy.schema.json`, the name `model-gate init`
uses) and point the editor at it with the comment `schema_comment()` returns.
"""

from __future__ import annotations

import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

from gate.errors import UsageError

POLICY_SCHEMA_COPY = Path("model-gate-policy.schema.json")  # beside the user's policies


def schema_text(which: str) -> str:
    """The text of gate/schemas/<which>.schema.json, as shipped."""
    return resources.files("gate.schemas").joinpath(f"{which}.schema.json").read_text("utf-8")


def print_schema(which: str, output: str | None = None) -> int:
    """Print gate/schemas/<which>.schema.json, or write it to `output`."""
    if output is None:
        print(schema_text(which), end="")
        return 0
    path = write_schema(which, Path(output))
    print(f"wrote the {which} schema to {path}", file=sys.stderr)
    return 0


def write_policy_schema(path: str | Path = POLICY_SCHEMA_COPY) -> Path:
    """Write the policy JSON Schema (version 1) to `path`, creating its directory; returns
    the path. The file is replaced whole or not at all."""
    return write_schema("policy", Path(path))


def write_schema(which: str, path: Path) -> Path:
    """Write schema `which` to `path` atomically (a temporary file renamed over it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write the {which} schema to {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(schema_text(which))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write the {which} schema to {path}: {exc.strerror}") from None
    return path


def schema_comment(policy: str | Path, schema: str | Path = POLICY_SCHEMA_COPY) -> str:
    """The first line of a policy file that points YAML editors (yaml-language-server) at
    the schema copy, by a path relative to the policy's directory."""
    policy_dir = Path(policy).resolve().parent
    relative = Path(os.path.relpath(Path(schema).resolve(), policy_dir)).as_posix()
    return f"# yaml-language-server: $schema={relative}"
