"""The policy's `rollout:` block: how the logs were made (`mode`: shadow or canary), how old
a label must be to count (`label_delay`) and the fewest labelled candidate rows a rollout
analysis decides on (`min_samples`), so that the file a risk officer reviews says it;
`model-gate analyze` flags override it, `serve`'s --label-delay stays a floor over both."""

from __future__ import annotations

from typing import Any

from gate.durations import duration
from gate.errors import Location
from gate.policy.sourced import Sourced


def rollout_settings(keys: dict[str, Sourced]) -> tuple[dict[str, Any], list[tuple[Location, str]]]:
    """The Policy fields of the merged `rollout:` block, and a problem per unusable value
    (the schema has already refused a wrong type or a malformed duration)."""
    problems: list[tuple[Location, str]] = []
    values: dict[str, Any] = {}
    origin = []
    for key, s in keys.items():
        if key == "label_delay":
            try:
                values[key] = duration(str(s.value))
            except ValueError as exc:
                problems.append((s.loc(), f"rollout.label_delay: {exc}"))
                continue
        elif key == "min_samples":
            values[key] = int(s.value)
        elif key == "mode":
            values["rollout_mode"] = str(s.value)
        else:
            continue
        origin.append((key, str(s.loc())))
    values["rollout_from"] = tuple(sorted(origin))
    return values, problems
