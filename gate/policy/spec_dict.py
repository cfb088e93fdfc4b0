"""What a check measures, as plain JSON-ready data: the whole CheckSpec but where it was written
(its location and `extends:` entry) and its description, unset keys (None) left out.

report.json carries it with every check (`spec`), and a trusted policy pins a report by
comparing it whole (gate.report.pinning): a key added to CheckSpec or to one of its option types
is pinned without anyone having to list it. The data binding is compared the same way."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from enum import Enum
from typing import Any

from gate.policy.model import CheckSpec
from gate.results import significant

#: the CheckSpec fields that do not change what is measured
NOT_MEASURED = frozenset({"location", "extended_at", "description"})


def measured_spec(spec: CheckSpec) -> dict[str, Any]:
    """`spec` as report.json states it."""
    fields = (f.name for f in dataclasses.fields(spec) if f.name not in NOT_MEASURED)
    out = plain({name: getattr(spec, name) for name in fields})
    if "of_class" in out:  # the policy's key
        out["class"] = out.pop("of_class")
    return out


def plain(value: Any) -> Any:
    """`value` as JSON data, normalised so that equal specs compare equal after a round trip:
    dataclasses and dicts as dicts without their None entries, tuples as lists, enums and dates
    as their text, floats at report.json's 12 significant digits."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value):
        return significant(value)
    return value


def first_difference(mine: Any, theirs: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """(dotted key, mine, theirs) of the first place two plain values differ; None if equal.
    Values of different JSON types differ (true is not 1)."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        for key in sorted(mine.keys() | theirs.keys()):
            where = f"{path}.{key}" if path else key
            found = first_difference(mine.get(key), theirs.get(key), where)
            if found:
                return found
        return None
    if isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs):
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if type(mine) is not type(theirs) and not _both_numbers(mine, theirs):
        return path or "(whole)", mine, theirs
    return None if mine == theirs else (path or "(whole)", mine, theirs)


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
