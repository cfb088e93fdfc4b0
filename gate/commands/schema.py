"""`model-gate schema policy|report`: print a published JSON Schema."""

from __future__ import annotations

from importlib import resources


def print_schema(which: str) -> int:
    """Print gate/schemas/<which>.schema.json."""
    print(
        resources.files("gate.schemas").joinpath(f"{which}.schema.json").read_text("utf-8"), end=""
    )
    return 0
