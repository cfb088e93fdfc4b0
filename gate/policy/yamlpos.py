"""Load YAML keeping the line and column of every key and value, so errors can point at them.

Policy files come from pull requests, so reading them is bounded: only regular files of at most
MAX_FILE_BYTES are read, nesting stops at MAX_DEPTH levels, and at most MAX_NODES values are
built (an alias counts again at each use, so an "alias bomb" stops early); a recursive alias is
an error.

A value reached through an alias (`*name`) is located at that use, not at its anchor: a problem
the second use causes is reported where that use stands. Merge keys (`<<: *name`) are refused
with a clear problem at the key, but merged as YAML 1.1 defines (own keys win, earlier merged
mappings over later ones) so that the rest of the file is still judged as its author meant it:
YAML 1.2 dropped merge keys, and a reviewed policy reads best with every key written out.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gate.errors import Location, PolicyError

Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 1 << 20  # 1 MiB: policies and test-policy case files are a few KiB
MAX_DEPTH = 64  # nesting levels of mappings and lists
MAX_NODES = 100_000  # values built, aliases counted at each use
MERGE_TAG = "tag:yaml.org,2002:merge"
MERGE_REFUSED = "merge keys ('<<') are not supported; repeat the keys"


@dataclass(frozen=True)
class Filled(Location):
    """Where a value filled in from elsewhere was given, and a note saying where it landed."""

    note: str = ""


@dataclass
class SourcedDoc:
    """A parsed YAML document with the positions of its values (and of mapping keys)."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[Location, str]] = field(default_factory=list)  # found while building
    filled: dict[Path_, Location] = field(default_factory=dict)  # values set from elsewhere

    def loc(self, path: Path_, *, key: bool = False) -> Location:
        """The location of the value at `path` (or of its key), falling back to the parent.

        A value filled in from another file (a pack's placeholder set by a child's `params:`)
        is located where it was given."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in self.filled:
                return self.filled[probe]
            if probe in table:
                return Location(self.file, *table[probe])
            if probe in self.values:
                return Location(self.file, *self.values[probe])
            probe = probe[:-1]
        return Location(self.file, *self.values.get((), (1, 1)))


def read_bounded(path: Path, label: str, what: str = "policy file") -> bytes:
    """The bytes of `path`, a regular file of at most MAX_FILE_BYTES; PolicyError otherwise.

    `label` is how errors name the file. Devices, pipes and directories are refused before any
    byte is read, so a symlink to /dev/zero or a FIFO cannot hang or exhaust memory.
    """
    here = Location(label)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise PolicyError([(here, f"{what} not found")]) from None
    except OSError as exc:
        raise PolicyError([(here, f"cannot read {what}: {exc.strerror}")]) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PolicyError([(here, f"{what} is not a regular file")])
    with os.fdopen(fd, "rb") as fh:  # reads until the bound or the end (os.read may stop short)
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        limit = f"{MAX_FILE_BYTES // 1024} KiB"
        raise PolicyError([(here, f"{what} is larger than {limit}, the limit for {what}s")])
    return raw


def decode(raw: bytes, label: str, what: str = "policy file") -> str:
    """UTF-8 text, or a PolicyError naming the file."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([(Location(label), f"{what} is not UTF-8 text ({exc.reason})")]) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses to compose nodes nested deeper than MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", mark
                )
            if not self.check_event(yaml.AliasEvent):
                return super().compose_node(parent, index)
            mark = self.peek_event().start_mark
            return _alias_use(super().compose_node(parent, index), mark)
        finally:
            self.depth -= 1


# YAML 1.2's core schema for scalars, not PyYAML's YAML 1.1 (review13b #17): 1.1 reads
# `1e-3` as text (its floats need a dot and a signed exponent), `010` as 8 (octal), `1:40` as
# 100 (base 60) and `yes` / `no` / `on` / `off` / `y` / `n` as true / false — a swap value `NO`
# (Norway) became False. Here, as in YAML 1.2 and JSON: true / false only, decimal integers
# (`0o` octal and `0x` hex spelled out), floats with an optional exponent, .inf and .nan.
_BOOL, _INT, _FLOAT = (f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float"))
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in found if tag not in (_BOOL, _INT, _FLOAT)]
    for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    _INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _int12(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    """A YAML 1.2 integer: decimal (a leading 0 is not octal), 0o octal, 0x hex."""
    text = str(loader.construct_scalar(node))
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


_Loader.add_constructor(_INT, _int12)


def _alias_use(node: yaml.Node, mark: Any) -> yaml.Node:
    """The anchored `node` as used at `mark`: the same content, located at the use."""
    use = copy.copy(node)
    use.start_mark = mark
    use.alias_use = True  # type: ignore[attr-defined]
    return use


def load_yaml(text: str, file: str, *, collect: bool = False) -> SourcedDoc:
    """Parse one YAML document; duplicate keys and syntax errors are PolicyErrors with positions.

    A merge key is a problem too: raised with the others found while building, or with
    `collect` left in `doc.problems` for the caller to report beside its own."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        doc = SourcedDoc(file, None)
        if node is not None:
            doc.data = _Builder(loader, doc).build(node, ())
        if doc.problems and not collect:
            raise PolicyError(doc.problems)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise PolicyError([(loc, f"invalid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([(Location(file), f"invalid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Python values from composed nodes, recording positions and bounding the work."""

    def __init__(self, loader: yaml.SafeLoader, doc: SourcedDoc) -> None:
        self.loader, self.doc = loader, doc
        self.built = 0
        self.active: set[int] = set()  # nodes on the path being built: a revisit is a cycle
        self.merges: set[int] = set()  # merge keys reported (once each, however often used)

    def fail(self, node: yaml.Node, message: str) -> PolicyError:
        return PolicyError([(Location(self.doc.file, *_pos(node)), message)])

    def build(self, node: yaml.Node, path: Path_, at: tuple[int, int] | None = None) -> Any:
        """The value of `node`; `at`: where an enclosing alias was used (every position
        inside it is that use's)."""
        self.built += 1
        if self.built > MAX_NODES:
            raise self.fail(node, f"more than {MAX_NODES} values (aliases count at each use)")
        if getattr(node, "alias_use", False):
            at = at or _pos(node)
        self.doc.values[path] = at or _pos(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node.value) in self.active:
            raise self.fail(node, "recursive alias: this anchor contains an alias to itself")
        self.active.add(id(node.value))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path, at)
            return [self.build(item, (*path, i), at) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node.value))

    def mapping(self, node: yaml.MappingNode, path: Path_, at: tuple[int, int] | None) -> Any:
        out: dict[str, Any] = {}
        merged = self.merged(node, path, at)
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a plain value")
            key = self.scalar(key_node)
            key = key if isinstance(key, str) else str(key)
            if key in out:
                raise self.fail(key_node, f"duplicate key '{key}'")
            self.doc.keys[(*path, key)] = at or _pos(key_node)
            out[key] = self.build(value_node, (*path, key), at)
        self.doc.values[path] = at or _pos(node)
        return {**merged, **out}

    def merged(self, node: yaml.MappingNode, path: Path_, at: tuple[int, int] | None) -> Any:
        """What the node's merge keys bring in (each refused with a problem at its key):
        earlier mappings win over later ones, the node's own keys over all of them."""
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag != MERGE_TAG:
                continue
            if id(key_node) not in self.merges:
                self.merges.add(id(key_node))
                where = at or _pos(key_node)
                self.doc.problems.append((Location(self.doc.file, *where), MERGE_REFUSED))
            many = isinstance(value_node, yaml.SequenceNode)
            sources = list(value_node.value) if many else [value_node]
            for source in reversed(sources):  # built last, an earlier one's positions win
                if not isinstance(source, yaml.MappingNode):
                    raise self.fail(source, "a merge key takes a mapping or a list of mappings")
                out.update(self.build(source, path, at))
        return out

    def scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, AttributeError, OverflowError):
            return node.value  # e.g. 2027-02-30 resolves as a date but is none; keep the text
        if isinstance(value, dt.date | dt.datetime):
            return value.isoformat()
        return value
