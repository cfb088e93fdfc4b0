"""What loading leaves for the semantic rules: raw pieces of policy files with their positions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gate.errors import Location
from gate.policy.yamlpos import SourcedDoc

Problems = list[tuple[Location, str]]


@dataclass(frozen=True)
class Sourced:
    """A raw mapping (a check, a waiver, a data key) with the document it came from.

    `origin` is the `extends:` entry of the user's policy that brought it in from a built-in
    pack (None for what the user's own files define). `broken` names the keys whose values
    broke the schema (already reported): the semantic rules leave them alone."""

    value: Any
    doc: SourcedDoc
    path: tuple[str | int, ...]
    origin: Location | None = None
    broken: frozenset[str] = frozenset()

    def loc(self, *keys: str | int, key: bool = False) -> Location:
        return self.doc.loc((*self.path, *keys), key=key)

    @property
    def valid(self) -> dict[str, Any]:
        """The mapping without its broken keys."""
        return {k: v for k, v in self.value.items() if k not in self.broken}


@dataclass
class Merged:
    """A policy with its bases merged in, every piece still knowing where it came from.

    `partial` is set when a file could not be read or a piece was dropped for a schema
    problem: rules about the whole tree (no checks, no blocking check, unknown parameters)
    would then speak about what is missing, so they are left out until that is fixed."""

    root: SourcedDoc
    sources: list[str]
    data: dict[str, Sourced]
    checks: dict[str, Sourced]
    waivers: list[Sourced]
    declared: set[str] = field(default_factory=set)  # parameters declared in this tree
    approval: list[str] = field(default_factory=list)  # files setting changes.require_approval
    files: list[tuple[str, str]] = field(default_factory=list)  # (label, resolved path), local
    digests: list[tuple[str, str]] = field(default_factory=list)  # (label, sha256 of bytes read)
    problems: Problems = field(default_factory=list)  # everything found while loading
    ids: set[str] = field(default_factory=set)  # every check id written, valid or not
    partial: bool = False
    unread: bool = False  # a file of the tree could not be read at all
    audit: dict[str, Sourced] = field(default_factory=dict)  # `audit:` keys, later files winning
    rollout: dict[str, Sourced] = field(default_factory=dict)  # `rollout:` keys, the same way
    guessed: list[Sourced] = field(default_factory=list)  # misspelt types, as the closest type
