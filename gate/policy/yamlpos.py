"""Load YAML keeping the line and column of every key and value, so errors can point at them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

from gate.errors import Location, PolicyError

Path_ = tuple[str | int, ...]


@dataclass
class SourcedDoc:
    """A parsed YAML document with the positions of its values (and of mapping keys)."""

    file: str
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def loc(self, path: Path_, *, key: bool = False) -> Location:
        """The location of the value at `path` (or of its key), falling back to the parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return Location(self.file, *table[probe])
            if probe in self.values:
                return Location(self.file, *self.values[probe])
            probe = probe[:-1]
        return Location(self.file, *self.values.get((), (1, 1)))


def load_yaml(text: str, file: str) -> SourcedDoc:
    """Parse one YAML document; duplicate keys and syntax errors are PolicyErrors with positions."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc = SourcedDoc(file, None)
        if node is not None:
            doc.data = _build(loader, node, (), doc)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise PolicyError([(loc, f"invalid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([(Location(file), f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, doc: SourcedDoc) -> Any:
    doc.values[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                loc = Location(doc.file, *_pos(key_node))
                raise PolicyError([(loc, f"duplicate key '{key}'")])
            doc.keys[(*path, key)] = _pos(key_node)
            out[key] = _build(loader, value_node, (*path, key), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:  # e.g. 2027-02-30 resolves as a date but is none; keep the text
        return node.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
