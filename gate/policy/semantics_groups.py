"""Groups a policy names (a fairness check's `reference:`, a waiver's `group:`) must be groups
the check forms: a feature it does not group by would only fail at run time, with a misleading
"does not occur in the data", or (a waiver) silently never apply.

The features a check groups by are its own `sensitive:`, else data.sensitive; when neither is
written they come from --sensitive at run time and nothing can be judged here.
"""

from __future__ import annotations

from typing import Any

from gate.policy.sourced import Merged, Problems, Sourced
from gate.policy.suggest import did_you_mean


def group_problems(merged: Merged, problems: Problems) -> None:
    """Append a problem for every reference / waiver group naming a feature the check does
    not group by, or a reference that does not pick one group of those the check compares."""
    for s in merged.checks.values():
        reference_problems(s, merged, problems)
    for w in merged.waivers:
        check, group = w.valid.get("check"), w.valid.get("group")
        s = merged.checks.get(check) if isinstance(check, str) else None
        if s is None or s.value["type"] != "fairness" or not isinstance(group, dict):
            continue
        features = _features(s, merged)
        where = f"waiver for '{check}': group"
        problems.extend(_unknown(w, "group", group, where, features))


def reference_problems(s: Sourced, merged: Merged, problems: Problems) -> None:
    """The reference rules above, for the fairness check `s`."""
    if s.value["type"] == "fairness" and isinstance(s.valid.get("reference"), dict | str):
        _reference(s, s.value["id"], _features(s, merged), problems)


def _features(s: Sourced, merged: Merged) -> tuple[tuple[str, ...], str] | None:
    """The features check `s` groups by and where they are written, or None when unknown."""
    if "sensitive" in s.value:
        own = s.valid.get("sensitive")
        return (tuple(own), "its sensitive:") if _names(own) else None
    data = merged.data.get("sensitive")
    given = data.value if data is not None else None
    return (tuple(given), "data.sensitive") if _names(given) else None


def _names(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _reference(
    s: Sourced, cid: str, features: tuple[tuple[str, ...], str] | None, problems: Problems
) -> None:
    if features is None:
        return
    reference, (names, _) = s.valid["reference"], features
    if isinstance(reference, dict):
        unknown = _unknown(s, "reference", reference, f"check '{cid}': reference", features)
        problems.extend(unknown)
        if unknown:
            return
    one = len(names) == 1 or s.valid.get("intersectional") is True
    named = set(reference) if isinstance(reference, dict) else set(names[:1] if one else ())
    if not one or named != set(names):
        problems.append((s.loc("reference", key=True), _pick_one(cid, names, one)))


def _pick_one(cid: str, names: tuple[str, ...], one: bool) -> str:
    if not one:
        return (
            f"check '{cid}': a reference group needs one grouping, but the check compares "
            f"{', '.join(names)} each on its own; set 'intersectional: true' or group by one"
        )
    example = ", ".join(f"{n}: ..." for n in names)
    return f"check '{cid}': the reference names one group of {' x '.join(names)}: {{{example}}}"


def _unknown(
    s: Sourced,
    key: str,
    group: dict[str, Any],
    where: str,
    features: tuple[tuple[str, ...], str] | None,
) -> Problems:
    if features is None:
        return []
    names, source = features
    return [
        (
            s.loc(key, name, key=True),
            f"{where} names '{name}', which the check does not group by (it groups by "
            f"{', '.join(names)}, from {source}){did_you_mean(name, names)}",
        )
        for name in group
        if name not in names
    ]
