"""Read policy files, resolve `extends:`, merge, and build the frozen Policy.

Files are named as reports show them: a built-in pack as `builtin:NAME`, a file inside a git
repository by its repository-relative path, any other file by the path given. A path in
`extends:` must stay inside the policy's repository (the nearest ancestor holding `.git`, else
the policy's own directory) or a directory listed in MODEL_GATE_EXTENDS_PATH; symlinks are
resolved first. `builtin:` names a pack, never a path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from gate.errors import Location, PolicyError
from gate.policy.model import AuditInfo, Policy
from gate.policy.params import Given, own_params, substitute
from gate.policy.schema import did_you_mean, non_finite, schema_problems
from gate.policy.yamlpos import SourcedDoc, decode, load_yaml, read_bounded

BUILTIN_PREFIX = "builtin:"
EXTENDS_PATH_ENV = "MODEL_GATE_EXTENDS_PATH"
ROOT_LABEL = "(the policy file)"  # how the tree's root is named where base and current compare


@dataclass(frozen=True)
class Sourced:
    """A raw mapping (a check, a waiver, a data key) with the document it came from.

    `origin` is the `extends:` entry of the user's policy that brought it in from a built-in
    pack (None for what the user's own files define)."""

    value: Any
    doc: SourcedDoc
    path: tuple[str | int, ...]
    origin: Location | None = None

    def loc(self, *keys: str | int, key: bool = False) -> Location:
        return self.doc.loc((*self.path, *keys), key=key)


@dataclass
class Merged:
    """A policy with its bases merged in, every piece still knowing where it came from."""

    root: SourcedDoc
    sources: list[str]
    data: dict[str, Sourced]
    checks: dict[str, Sourced]
    waivers: list[Sourced]
    declared: set[str] = field(default_factory=set)  # parameters declared in this tree
    approval: list[str] = field(default_factory=list)  # files setting changes.require_approval
    files: list[tuple[str, str]] = field(default_factory=list)  # (label, resolved path), local
    digests: list[tuple[str, str]] = field(default_factory=list)  # (label, sha256 of bytes read)
    audit: dict[str, Sourced] = field(default_factory=dict)  # `audit:` keys, later files winning


@dataclass(frozen=True)
class _File:
    """A policy file to read: where it is, how reports name it, and where it may extend to."""

    path: Path
    label: str
    roots: tuple[Path, ...]  # directories its relative `extends:` may reach (resolved)
    git: Path | None = None  # the repository root that labels are relative to
    builtin: bool = False
    origin: Location | None = None  # the user's extends entry that led here (packs only)
    raw: bytes | None = None  # the policy's bytes when it is no file (the API's dict)


def builtin_dir() -> Path:
    """Where the built-in packs live."""
    return Path(str(resources.files("gate.policies")))


def builtin_names() -> list[str]:
    """The names of the built-in packs."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def builtin_path(name: str, loc: Location) -> Path:
    """The file of the built-in pack `name`; PolicyError unless it names a shipped pack."""
    if name not in builtin_names():
        hint = did_you_mean(name, builtin_names())
        known = ", ".join(builtin_names()) or "none"
        raise PolicyError(
            [
                (
                    loc,
                    f"unknown built-in policy '{name}'{hint} (known: {known}); "
                    "'builtin:' names a pack, not a path",
                )
            ]
        )
    return builtin_dir() / f"{name}.yaml"


def git_root(path: Path) -> Path | None:
    """The nearest ancestor of `path` (symlinks resolved) that holds `.git`, or None."""
    start = path.resolve().parent
    return next((d for d in (start, *start.parents) if (d / ".git").exists()), None)


def extends_roots(path: Path) -> tuple[Path, ...]:
    """Where relative `extends:` of the policy at `path` may reach: its repository (else its
    own directory) and the directories listed in MODEL_GATE_EXTENDS_PATH."""
    extra = [Path(p).resolve() for p in os.environ.get(EXTENDS_PATH_ENV, "").split(os.pathsep) if p]
    return (git_root(path) or path.resolve().parent, *extra)


def _label(path: Path, git: Path | None, fallback: str) -> str:
    real = path.resolve()
    if git is not None and real.is_relative_to(git):
        return real.relative_to(git).as_posix()
    return fallback


def read_document(
    path: Path, params: Given | None = None, label: str | None = None, raw: bytes | None = None
) -> tuple[SourcedDoc, bytes]:
    """Parse one policy file (or its `raw` bytes), fill in its parameters, and check it against
    the schema."""
    label = label or str(path)
    raw = read_bounded(path, label) if raw is None else raw
    doc = load_yaml(decode(raw, label), label)
    if doc.data is None:
        raise PolicyError([(Location(label, 1, 1), "policy file is empty")])
    if not isinstance(doc.data, dict):
        message = "a policy must be a mapping with 'version: 1' at the top"
        raise PolicyError([(doc.loc(()), message)])
    problems = non_finite(doc)
    if problems:
        raise PolicyError(problems)
    problems = substitute(doc, params or {}) + schema_problems(doc)
    if problems:
        raise PolicyError(problems)
    return doc, raw


def _extended(ref: str, doc: SourcedDoc, index: int, parent: _File) -> _File:
    """The file an `extends:` entry names: a built-in pack or a path relative to the policy."""
    loc = doc.loc(("extends", index))
    if ref.startswith(BUILTIN_PREFIX):
        path = builtin_path(ref[len(BUILTIN_PREFIX) :], loc)
        return _builtin_file(path, parent.origin if parent.builtin else loc)
    path = parent.path.parent / ref
    real = path.resolve()
    if not any(real.is_relative_to(root) for root in parent.roots):
        where = "the built-in packs" if parent.builtin else f"the repository ({parent.roots[0]})"
        raise PolicyError(
            [
                (
                    loc,
                    f"extended policy '{ref}' is outside {where}; list its directory in "
                    f"{EXTENDS_PATH_ENV} to allow it",
                )
            ]
        )
    if not real.exists():
        raise PolicyError([(loc, f"extended policy '{ref}' not found (looked for {real})")])
    fallback = os.path.normpath(Path(parent.label).parent / ref)
    label = f"{BUILTIN_PREFIX}{real.stem}" if parent.builtin else _label(path, parent.git, fallback)
    return _File(path, label, parent.roots, parent.git, parent.builtin, parent.origin)


def load_merged(
    file: _File, _stack: tuple[Path, ...] = (), params: Given | None = None
) -> tuple[Merged, bytes]:
    """Load `file` and everything it extends, bases first, later files overriding.

    `params` set by the extending policies (outermost wins) fill the bases' placeholders.
    """
    doc, raw = read_document(file.path, params, file.label, file.raw)
    params = {**own_params(doc), **(params or {})}
    merged = Merged(doc, [], {}, {}, [], set(doc.data.get("parameters") or {}))
    here = file.path.resolve()
    merged.digests.append((file.label, hashlib.sha256(raw).hexdigest()))
    if not file.builtin and file.raw is None:
        merged.files.append((file.label, str(here)))
    for i, ref in enumerate(doc.data.get("extends", [])):
        base_file = _extended(ref, doc, i, file)
        if base_file.path.resolve() in (*_stack, here):
            raise PolicyError([(doc.loc(("extends", i)), f"'{ref}' extends itself (a cycle)")])
        base, _ = load_merged(base_file, (*_stack, here), params)
        merged.declared |= base.declared
        merged.sources.extend(base.sources)
        merged.data.update(base.data)
        merged.checks.update(base.checks)
        merged.waivers.extend(base.waivers)
        merged.approval.extend(base.approval)
        merged.files.extend(base.files)
        merged.digests.extend(base.digests)
        merged.audit.update(base.audit)
    merged.sources.append(file.label)
    if (doc.data.get("changes") or {}).get("require_approval") is True:
        merged.approval.append(file.label if _stack else ROOT_LABEL)
    for key in doc.data.get("data", {}):
        merged.data[key] = Sourced(doc.data["data"][key], doc, ("data", key), file.origin)
    for key, value in (doc.data.get("audit") or {}).items():
        merged.audit[key] = Sourced(value, doc, ("audit", key), file.origin)
    merged.checks.update(_own_checks(doc, file.origin))
    merged.waivers.extend(
        Sourced(w, doc, ("waivers", i), file.origin)
        for i, w in enumerate(doc.data.get("waivers", []))
    )
    return merged, raw


def _own_checks(doc: SourcedDoc, origin: Location | None) -> dict[str, Sourced]:
    checks: dict[str, Sourced] = {}
    problems = []
    for i, check in enumerate(doc.data.get("checks", [])):
        if check["id"] in checks:
            first = checks[check["id"]].loc()
            problems.append(
                (
                    doc.loc(("checks", i, "id")),
                    f"duplicate check id '{check['id']}' (first defined at {first})",
                )
            )
        checks[check["id"]] = Sourced(check, doc, ("checks", i), origin)
    if problems:
        raise PolicyError(problems)
    return checks


def root_file(path: str | Path) -> _File:
    """The policy file named on the command line, labelled and confined as documented."""
    if str(path).startswith(BUILTIN_PREFIX):
        name = str(path)[len(BUILTIN_PREFIX) :]
        return _builtin_file(builtin_path(name, Location(str(path))), None)
    path = Path(path)
    if path.resolve().parent == builtin_dir().resolve() and path.stem in builtin_names():
        return _builtin_file(path, None)
    git = git_root(path)
    return _File(path, _label(path, git, str(path)), extends_roots(path), git)


def _unfiled(label: str, raw: bytes) -> _File:
    """A policy given as bytes, named `label`, anchored in the working directory."""
    anchor = Path.cwd() / label
    return _File(anchor, label, extends_roots(anchor), git_root(anchor), raw=raw)


def _builtin_file(path: Path, origin: Location | None) -> _File:
    label = f"{BUILTIN_PREFIX}{path.stem}"
    return _File(path, label, (builtin_dir().resolve(),), builtin=True, origin=origin)


def load_policy(path: str | Path, raw: bytes | None = None) -> Policy:
    """Load, validate and freeze the policy at `path`; PolicyError lists every problem.

    `raw`: the policy's bytes when it is not a file (a dict given to the Python API, as JSON);
    `path` is then only its name, and relative `extends:` start from the working directory."""
    from gate.policy.semantics import build_policy

    merged, raw = load_merged(root_file(path) if raw is None else _unfiled(str(path), raw))
    unknown = [
        (loc, name)
        for name, (_, loc) in own_params(merged.root).items()
        if name not in merged.declared
    ]
    if unknown:
        raise PolicyError(
            [
                (
                    loc,
                    f"params: '{name}' is not a parameter of any extended policy"
                    f"{did_you_mean(name, merged.declared)}",
                )
                for loc, name in unknown
            ]
        )
    policy = build_policy(merged, sha256=hashlib.sha256(raw).hexdigest())
    return replace(policy, audit=audit_info(merged.audit)) if merged.audit else policy


def audit_info(keys: dict[str, Sourced]) -> AuditInfo:
    """The merged `audit:` block; PolicyError naming each date that is not a calendar date."""
    problems: list[tuple[Location, str]] = []

    def date(value: Any, s: Sourced, *where: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(str(value)) if value is not None else None
        except ValueError:
            problems.append(
                (s.loc(*where), f"audit: '{value}' is not a calendar date (YYYY-MM-DD)")
            )
            return None

    values: dict[str, Any] = {}
    for key, s in keys.items():
        if key == "data_period":
            values[key] = tuple(date(s.value.get(k), s, k) for k in ("start", "end"))
        elif key in ("audit_date", "distribution_date"):
            values[key] = date(s.value, s)
        else:
            values[key] = str(s.value)
    if problems:
        raise PolicyError(problems)
    return AuditInfo(**values)
