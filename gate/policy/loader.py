"""Read policy files, resolve `extends:`, merge, and build the frozen Policy."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from gate.errors import Location, PolicyError
from gate.policy.model import Policy
from gate.policy.params import Given, own_params, substitute
from gate.policy.schema import did_you_mean, schema_problems
from gate.policy.yamlpos import SourcedDoc, load_yaml

BUILTIN_PREFIX = "builtin:"


@dataclass(frozen=True)
class Sourced:
    """A raw mapping (a check, a waiver, a data key) with the document it came from."""

    value: Any
    doc: SourcedDoc
    path: tuple[str | int, ...]

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


def builtin_dir() -> Path:
    """Where the built-in packs live."""
    return Path(str(resources.files("gate.policies")))


def builtin_names() -> list[str]:
    """The names of the built-in packs."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def read_document(path: Path, params: Given | None = None) -> tuple[SourcedDoc, bytes]:
    """Parse one policy file, fill in its parameters, and check it against the schema."""
    here = Location(str(path))
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PolicyError([(here, "policy file not found")]) from None
    except OSError as exc:
        raise PolicyError([(here, f"cannot read policy file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError([(here, "policy file is not UTF-8 text")]) from None
    doc = load_yaml(text, str(path))
    if doc.data is None:
        raise PolicyError([(Location(str(path), 1, 1), "policy file is empty")])
    if not isinstance(doc.data, dict):
        message = "a policy must be a mapping with 'version: 1' at the top"
        raise PolicyError([(doc.loc(()), message)])
    problems = substitute(doc, params or {}) if isinstance(doc.data, dict) else []
    problems += schema_problems(doc)
    if problems:
        raise PolicyError(problems)
    return doc, raw


def resolve_extends(ref: str, doc: SourcedDoc, index: int) -> Path:
    """The file an `extends:` entry names: a built-in pack or a path relative to the policy."""
    loc = doc.loc(("extends", index))
    if ref.startswith(BUILTIN_PREFIX):
        name = ref[len(BUILTIN_PREFIX) :]
        path = builtin_dir() / f"{name}.yaml"
        if not path.is_file():
            hint = did_you_mean(name, builtin_names())
            known = ", ".join(builtin_names()) or "none"
            raise PolicyError([(loc, f"unknown built-in policy '{name}'{hint} (known: {known})")])
        return path
    path = Path(os.path.normpath(Path(doc.file).parent / ref))
    if not path.is_file():
        raise PolicyError([(loc, f"extended policy '{ref}' not found (looked for {path})")])
    return path


def load_merged(
    path: Path, _stack: tuple[Path, ...] = (), params: Given | None = None
) -> tuple[Merged, bytes]:
    """Load `path` and everything it extends, bases first, later files overriding.

    `params` set by the extending policies (outermost wins) fill the bases' placeholders.
    """
    doc, raw = read_document(path, params)
    params = {**own_params(doc), **(params or {})}
    merged = Merged(doc, [], {}, {}, [], set(doc.data.get("parameters") or {}))
    for i, ref in enumerate(doc.data.get("extends", [])):
        base_path = resolve_extends(ref, doc, i)
        if base_path.resolve() in (*_stack, path.resolve()):
            raise PolicyError([(doc.loc(("extends", i)), f"'{ref}' extends itself (a cycle)")])
        base, _ = load_merged(base_path, (*_stack, path.resolve()), params)
        merged.declared |= base.declared
        merged.sources.extend(base.sources)
        merged.data.update(base.data)
        merged.checks.update(base.checks)
        merged.waivers.extend(base.waivers)
    merged.sources.append(str(path))
    for key in doc.data.get("data", {}):
        merged.data[key] = Sourced(doc.data["data"][key], doc, ("data", key))
    merged.checks.update(_own_checks(doc))
    merged.waivers.extend(
        Sourced(w, doc, ("waivers", i)) for i, w in enumerate(doc.data.get("waivers", []))
    )
    return merged, raw


def _own_checks(doc: SourcedDoc) -> dict[str, Sourced]:
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
        checks[check["id"]] = Sourced(check, doc, ("checks", i))
    if problems:
        raise PolicyError(problems)
    return checks


def load_policy(path: str | Path) -> Policy:
    """Load, validate and freeze the policy at `path`; PolicyError lists every problem."""
    from gate.policy.semantics import build_policy

    merged, raw = load_merged(Path(path))
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
    return build_policy(merged, sha256=hashlib.sha256(raw).hexdigest())
