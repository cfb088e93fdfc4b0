"""A check whose `type` is misspelt is still judged, so its other mistakes come out in the
same run as the did-you-mean.

With a close type (`fairnes` -> fairness) the check is judged as that type: the author almost
surely meant it, and only that type's schema can tell a key that does not apply, a wrong value
or a missing one (the union of every type's keys would let `bins` pass on a performance check
and could judge no value). Every such problem says which type it was judged as. With no close
type nothing can be assumed: only keys that no check type takes are reported.
"""

from __future__ import annotations

from typing import Any

from gate.policy.schema import check_types, schema_findings
from gate.policy.suggest import closest, did_you_mean
from gate.policy.yamlpos import Path_, SourcedDoc

Found = list[tuple[Path_, Any, str]]


def guessed_type(check: Any) -> str | None:
    """The type a check with an unknown string `type` most likely means, if one is close."""
    if not isinstance(check, dict):
        return None
    kind = check.get("type")
    if not isinstance(kind, str) or kind in check_types():
        return None
    return closest(kind, check_types())


def judged_as(kind: str) -> str:
    """What a problem found under a guessed type says about it."""
    return f" (judged as a {kind} check, the closest type)"


def misspelt_type_findings(doc: SourcedDoc, found: Found) -> Found:
    """The problems of every check with an unknown type, other than the type itself and
    those in `found` already (the schema's findings on the file as written)."""
    checks = doc.data.get("checks")
    if not isinstance(checks, list):
        return []
    unknown = [
        i
        for i, c in enumerate(checks)
        if isinstance(c, dict) and isinstance(c.get("type"), str) and c["type"] not in check_types()
    ]
    guesses = {i: guessed_type(checks[i]) for i in unknown}
    seen = {(path, message) for path, _, message in found}
    out = _as_guessed(doc, {i: g for i, g in guesses.items() if g}, seen)
    for i in (i for i, g in guesses.items() if not g):
        out += _unknown_anywhere(doc, i)
    return out


def _as_guessed(doc: SourcedDoc, guesses: dict[int, str], seen: set[Any]) -> Found:
    if not guesses:
        return []
    checks = [
        {**c, "type": guesses[i]} if i in guesses else c for i, c in enumerate(doc.data["checks"])
    ]
    patched = SourcedDoc(doc.file, {**doc.data, "checks": checks}, doc.values, doc.keys)
    patched.filled = doc.filled
    return [
        (path, loc, message + judged_as(guesses[path[1]]))
        for path, loc, message in schema_findings(patched)
        if path[:1] == ("checks",) and len(path) > 2 and path[1] in guesses
        and path[2] != "type" and (path, message) not in seen
    ]  # fmt: skip


def _unknown_anywhere(doc: SourcedDoc, i: int) -> Found:
    """Keys of check `i` that no check type takes."""
    check = doc.data["checks"][i]
    taken = {k for schema in check_types().values() for k in schema["properties"]}
    cid = check.get("id", f"#{i + 1}")
    return [
        (
            ("checks", i, key),
            doc.loc(("checks", i, key), key=True),
            f"check '{cid}': unknown key '{key}' for any check type{did_you_mean(key, taken)}",
        )
        for key in check
        if key not in taken
    ]
