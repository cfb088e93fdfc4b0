"""Which file a policy or an `extends:` entry names, how reports label it, where it may reach.

Files are named as reports show them: a built-in pack as `builtin:NAME`, a file inside a git
repository by its repository-relative path, any other file by the path given. A path in
`extends:` must stay inside the policy's repository (the nearest ancestor holding `.git`, else
the policy's own directory) or a directory listed in MODEL_GATE_EXTENDS_PATH; symlinks are
resolved first. `builtin:` names a pack, never a path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gate.errors import Location, PolicyError
from gate.policy.suggest import did_you_mean
from gate.policy.yamlpos import SourcedDoc

BUILTIN_PREFIX = "builtin:"
EXTENDS_PATH_ENV = "MODEL_GATE_EXTENDS_PATH"


@dataclass(frozen=True)
class PolicyFile:
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
        message = (
            f"unknown built-in policy '{name}'{hint} (known: {known}); "
            "'builtin:' names a pack, not a path"
        )
        raise PolicyError([(loc, message)])
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


def extended_file(ref: str, doc: SourcedDoc, index: int, parent: PolicyFile) -> PolicyFile:
    """The file an `extends:` entry names: a built-in pack or a path relative to the policy;
    PolicyError when it is unknown, missing or out of reach."""
    loc = doc.loc(("extends", index))
    if ref.startswith(BUILTIN_PREFIX):
        path = builtin_path(ref[len(BUILTIN_PREFIX) :], loc)
        return builtin_file(path, parent.origin if parent.builtin else loc)
    path = parent.path.parent / ref
    real = path.resolve()
    if not any(real.is_relative_to(root) for root in parent.roots):
        where = "the built-in packs" if parent.builtin else f"the repository ({parent.roots[0]})"
        message = (
            f"extended policy '{ref}' is outside {where}; list its directory in "
            f"{EXTENDS_PATH_ENV} to allow it"
        )
        raise PolicyError([(loc, message)])
    if not real.exists():
        raise PolicyError([(loc, f"extended policy '{ref}' not found (looked for {real})")])
    fallback = os.path.normpath(Path(parent.label).parent / ref)
    label = f"{BUILTIN_PREFIX}{real.stem}" if parent.builtin else _label(path, parent.git, fallback)
    return PolicyFile(path, label, parent.roots, parent.git, parent.builtin, parent.origin)


def root_file(path: str | Path) -> PolicyFile:
    """The policy file named on the command line, labelled and confined as documented."""
    if str(path).startswith(BUILTIN_PREFIX):
        name = str(path)[len(BUILTIN_PREFIX) :]
        return builtin_file(builtin_path(name, Location(str(path))), None)
    path = Path(path)
    if path.resolve().parent == builtin_dir().resolve() and path.stem in builtin_names():
        return builtin_file(path, None)
    git = git_root(path)
    return PolicyFile(path, _label(path, git, str(path)), extends_roots(path), git)


def unfiled(label: str, raw: bytes) -> PolicyFile:
    """A policy given as bytes, named `label`, anchored in the working directory."""
    anchor = Path.cwd() / label
    return PolicyFile(anchor, label, extends_roots(anchor), git_root(anchor), raw=raw)


def builtin_file(path: Path, origin: Location | None) -> PolicyFile:
    """A built-in pack, confined to the packs' directory."""
    label = f"{BUILTIN_PREFIX}{path.stem}"
    return PolicyFile(path, label, (builtin_dir().resolve(),), builtin=True, origin=origin)
