"""`model-gate policies list | show NAME`: the built-in packs."""

from __future__ import annotations

from gate.errors import UsageError
from gate.policy.loader import builtin_dir, builtin_names
from gate.policy.schema import did_you_mean
from gate.policy.yamlpos import load_yaml


def summary(name: str) -> str:
    """A pack's one-line summary: the first line of its `description`."""
    path = builtin_dir() / f"{name}.yaml"
    data = load_yaml(path.read_text("utf-8"), str(path)).data or {}
    lines = str(data.get("description") or "").strip().splitlines()
    return lines[0] if lines else ""


def policies(action: str, name: str | None) -> int:
    """List the packs, or print one."""
    names = builtin_names()
    if action == "list":
        if not names:
            print("no built-in policy packs are installed")
        width = max(map(len, names), default=0)
        for n in names:
            print(f"builtin:{n:<{width}}  {summary(n)}")
        return 0
    if not name:
        raise UsageError("policies show needs a NAME (see: model-gate policies list)")
    name = name.removeprefix("builtin:")
    if name not in names:
        raise UsageError(f"no built-in policy '{name}'{did_you_mean(name, names)}")
    print((builtin_dir() / f"{name}.yaml").read_text("utf-8"), end="")
    return 0
