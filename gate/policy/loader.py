"""Read a policy and the files it extends, merge them, and build the frozen Policy.

Every problem of every file is collected before anything stops: a file that cannot be read
at all (missing, not YAML, not a mapping) is reported and left out, a piece that breaks the
schema is reported and left out of the semantic rules, and those rules report the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from gate.errors import Location, PolicyError
from gate.policy.audit_block import audit_info
from gate.policy.files import (
    BUILTIN_PREFIX,
    EXTENDS_PATH_ENV,
    PolicyFile,
    builtin_dir,
    builtin_names,
    extended_file,
    git_root,
    root_file,
    unfiled,
)
from gate.policy.model import Policy
from gate.policy.params import Given, own_params, substitute
from gate.policy.rollout_block import rollout_settings
from gate.policy.schema import (
    as_integers,
    non_finite_findings,
    schema_findings,
    whole_floats,
)
from gate.policy.semantics import build_policy
from gate.policy.semantics_guess import guessed_type, misspelt_type_findings
from gate.policy.sourced import Merged, Problems, Sourced
from gate.policy.suggest import did_you_mean
from gate.policy.yamlpos import Filled, Path_, SourcedDoc, decode, load_yaml, read_bounded

__all__ = [
    "BUILTIN_PREFIX",
    "EXTENDS_PATH_ENV",
    "analyse_policy",
    "builtin_dir",
    "builtin_names",
    "git_root",
    "load_policy",
]

ROOT_LABEL = "(the policy file)"  # how the tree's root is named where base and current compare


def read_document(
    path: Path, params: Given | None = None, label: str | None = None, raw: bytes | None = None
) -> tuple[SourcedDoc, bytes, set[Path_], Problems]:
    """Parse one policy file (or its `raw` bytes) and fill in its parameters: the document, its
    bytes, the paths whose values broke the schema, and every problem. PolicyError when it
    cannot be read."""
    label = label or str(path)
    raw = read_bounded(path, label) if raw is None else raw
    doc = load_yaml(decode(raw, label), label, collect=True)
    if doc.data is None:
        raise PolicyError([(Location(label, 1, 1), "policy file is empty")])
    if not isinstance(doc.data, dict):
        message = "a policy must be a mapping with 'version: 1' at the top"
        raise PolicyError([(doc.loc(()), message)])
    found = non_finite_findings(doc)
    problems = doc.problems + substitute(doc, params or {})
    numbers = {p for p, _, _ in found}  # said once: not again as a schema problem
    found += [f for f in schema_findings(doc) if _fine(numbers, f[0])]
    found += [f for f in misspelt_type_findings(doc, found) if _fine(numbers, f[0])]
    broken = {p for p, _, _ in found}
    as_integers(doc, [p for p in whole_floats(doc) if _fine(broken, p)])
    return doc, raw, broken, problems + [(loc, m) for _, loc, m in found]


def _fine(broken: set[Path_], path: Path_) -> bool:
    """True when neither the value at `path` nor anything holding it broke the schema."""
    return not any(path[: len(p)] == p for p in broken)


def _broken_keys(broken: set[Path_], path: Path_) -> frozenset[str]:
    n = len(path)
    return frozenset(str(p[n]) for p in broken if len(p) > n and p[:n] == path)


def _items(doc: SourcedDoc, broken: set[Path_], key: str, kind: type) -> list[tuple[Any, Any]]:
    """The (index or key, value) pairs of a top-level list / mapping that fits the schema."""
    value = doc.data.get(key)
    if not isinstance(value, kind) or not _fine(broken, (key,)):
        return []
    return list(value.items() if kind is dict else enumerate(value))


def load_merged(
    file: PolicyFile, _stack: tuple[Path, ...] = (), params: Given | None = None
) -> tuple[Merged, bytes]:
    """Load `file` and everything it extends, bases first, later files overriding.

    `params` set by the extending policies (outermost wins) fill the bases' placeholders.
    PolicyError only when `file` itself cannot be read; every other problem is collected.
    """
    doc, raw, broken, problems = read_document(file.path, params, file.label, file.raw)
    params = {**_params(doc, broken), **(params or {})}
    declared = dict(_items(doc, broken, "parameters", dict))
    merged = Merged(doc, [], {}, {}, [], set(declared), problems=problems)
    here = file.path.resolve()
    merged.digests.append((file.label, hashlib.sha256(raw).hexdigest()))
    if not file.builtin and file.raw is None:
        merged.files.append((file.label, str(here)))
    for i, ref in _items(doc, broken, "extends", list):
        if _fine(broken, ("extends", i)):
            _merge_base(merged, ref, i, file, (*_stack, here), params)
    if any(p[0] == "extends" for p in broken if p):  # a base left out: the tree is not whole
        merged.partial = merged.unread = True
    merged.sources.append(file.label)
    changes = doc.data.get("changes")
    if isinstance(changes, dict) and changes.get("require_approval") is True:
        merged.approval.append(file.label if _stack else ROOT_LABEL)
    for key, value in _items(doc, broken, "data", dict):
        if _fine(broken, ("data", key)):
            merged.data[key] = Sourced(value, doc, ("data", key), file.origin)
    for block in ("audit", "rollout"):
        for key, value in _items(doc, broken, block, dict):
            if _fine(broken, (block, key)):
                getattr(merged, block)[key] = Sourced(value, doc, (block, key), file.origin)
    _own_checks(merged, doc, broken, file.origin)
    for i, waiver in _items(doc, broken, "waivers", list):
        keys = _broken_keys(broken, ("waivers", i))
        if isinstance(waiver, dict) and _fine(broken, ("waivers", i)):
            merged.waivers.append(Sourced(waiver, doc, ("waivers", i), file.origin, keys))
    return merged, raw


def _params(doc: SourcedDoc, broken: set[Path_]) -> Given:
    return own_params(doc) if _items(doc, broken, "params", dict) else {}


def _merge_base(
    merged: Merged, ref: str, i: int, file: PolicyFile, stack: tuple[Path, ...], params: Given
) -> None:
    """Merge in the base that `extends[i]` names, or note why it cannot be."""
    try:
        base_file = extended_file(ref, merged.root, i, file)
        if base_file.path.resolve() in stack:
            raise PolicyError(
                [(merged.root.loc(("extends", i)), f"'{ref}' extends itself (a cycle)")]
            )
        base, _ = load_merged(base_file, stack, params)
    except PolicyError as exc:
        merged.problems.extend(exc.problems)
        merged.partial = merged.unread = True
        return
    merged.declared |= base.declared
    merged.sources.extend(base.sources)
    merged.data.update(base.data)
    merged.audit.update(base.audit)
    merged.rollout.update(base.rollout)
    merged.checks.update(base.checks)
    merged.guessed.extend(base.guessed)
    merged.waivers.extend(base.waivers)
    merged.approval.extend(base.approval)
    merged.files.extend(base.files)
    merged.digests.extend(base.digests)
    merged.problems.extend(base.problems)
    merged.ids |= base.ids
    merged.partial |= base.partial
    merged.unread |= base.unread


def _own_checks(
    merged: Merged, doc: SourcedDoc, broken: set[Path_], origin: Location | None
) -> None:
    """Add the file's checks that fit the schema; note duplicate ids and dropped checks."""
    first: dict[str, Location] = {}
    for i, check in _items(doc, broken, "checks", list):
        cid = check.get("id") if isinstance(check, dict) else None
        if isinstance(cid, str):
            _note_duplicate(merged, doc, i, cid, first)
            merged.ids.add(cid)
        usable = _fine(broken, ("checks", i)) and isinstance(check, dict)
        keys = _broken_keys(broken, ("checks", i))
        guess = guessed_type(check) if usable and "id" not in keys else None
        if guess:  # judged as the type it most likely means, never run
            value = {**check, "type": guess}
            merged.guessed.append(Sourced(value, doc, ("checks", i), origin, keys - {"type"}))
        if not usable or {"id", "type"} & keys:
            merged.partial = True
            continue
        merged.checks[cid] = Sourced(check, doc, ("checks", i), origin, keys)
    if not _fine(broken, ("checks",)):
        merged.partial = True


def _note_duplicate(
    merged: Merged, doc: SourcedDoc, i: int, cid: str, first: dict[str, Location]
) -> None:
    here = doc.loc(("checks", i))
    if cid in first:
        message = f"duplicate check id '{cid}' (first defined at {first[cid]})"
        merged.problems.append((doc.loc(("checks", i, "id")), message))
    first.setdefault(cid, here)


def analyse_policy(path: str | Path, raw: bytes | None = None) -> tuple[Policy, Problems]:
    """The policy at `path` and every problem of it and the files it extends (sorted, each
    once). The policy is usable only when there are none. PolicyError when the file itself
    cannot be read. `raw`: as for load_policy."""
    merged, raw = load_merged(root_file(path) if raw is None else unfiled(str(path), raw))
    problems = merged.problems + ([] if merged.unread else _unknown_params(merged))
    policy = build_policy(merged, hashlib.sha256(raw).hexdigest(), problems)
    if merged.audit:
        audit, audit_problems = audit_info(merged.audit)
        policy = replace(policy, audit=audit)
        problems = problems + audit_problems
    if merged.rollout:
        settings, rollout_problems = rollout_settings(merged.rollout)
        policy = replace(policy, **settings)
        problems = problems + rollout_problems
    ordered = sorted(set(map(_noted, problems)), key=_order)
    return policy, ordered


def _noted(problem: tuple[Location, str]) -> tuple[Location, str]:
    """A problem located at a value filled in from elsewhere, saying where it was used."""
    loc, message = problem
    if isinstance(loc, Filled):
        return Location(loc.file, loc.line, loc.column), message + loc.note
    return problem


def _order(problem: tuple[Location, str]) -> tuple[str, int, int, str]:
    loc, message = problem
    return loc.file, loc.line or 0, loc.column or 0, message


def _unknown_params(merged: Merged) -> Problems:
    if not isinstance(merged.root.data.get("params"), dict):
        return []
    return [
        (
            loc,
            f"params: '{name}' is not a parameter of any extended policy"
            f"{did_you_mean(name, merged.declared)}",
        )
        for name, (_, loc) in own_params(merged.root).items()
        if name not in merged.declared
    ]


def load_policy(path: str | Path, raw: bytes | None = None) -> Policy:
    """Load, validate and freeze the policy at `path`; PolicyError lists every problem.

    `raw`: the policy's bytes when it is not a file (a dict given to the Python API, as JSON);
    `path` is then only its name, and relative `extends:` start from the working directory."""
    policy, problems = analyse_policy(path, raw)
    if problems:
        raise PolicyError(problems)
    return policy
