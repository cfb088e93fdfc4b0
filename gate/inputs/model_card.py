"""Model cards: a YAML file, or the YAML front matter of a Markdown card (Hugging Face style)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate.errors import InputError
from gate.inputs.files import MiB, read_regular, sha256_hex
from gate.inputs.yaml_input import parse_yaml, require_finite
from gate.policy.yamlpos import SourcedDoc

# A model card is a page of text; a megabyte is already far more than any real one.
MAX_CARD_BYTES = 1 * MiB
ROLE = "model card"


@dataclass(frozen=True)
class ModelCard:
    path: str
    sha256: str
    fields: dict[str, Any]

    def get(self, dotted: str) -> Any:
        """The value at 'a.b.c', or None when any part is missing or empty."""
        node: Any = self.fields
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return None if node in ("", [], {}) else node

    def declared_metrics(self) -> dict[str, float]:
        """{metric: value} from a `metrics:` mapping or a Hugging Face `model-index`."""
        out = {k: float(v) for k, v in (self.fields.get("metrics") or {}).items() if _number(v)}
        for entry in self.fields.get("model-index") or []:
            for result in entry.get("results") or []:
                for m in result.get("metrics") or []:
                    if _number(m.get("value")):
                        out.setdefault(str(m.get("type")), float(m["value"]))
        return out


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _front_matter(text: str, path: Path) -> str:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InputError(
            f"model card {path}: a Markdown card needs YAML front matter "
            "between '---' lines at the top"
        )
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "\n".join(["", *lines[1:i]])  # keeps line numbers those of the file
    raise InputError(f"model card {path}: the front matter is not closed by a '---' line")


def load_model_card(path: str | Path) -> ModelCard:
    """Read and parse a model card; InputError naming the file for anything unusable."""
    path = Path(path)
    raw = read_regular(path, MAX_CARD_BYTES, f"{ROLE} {path}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{ROLE} {path} is not UTF-8 text: {exc}") from None
    if path.suffix.lower() in (".md", ".markdown"):
        text = _front_matter(text, path)
    doc = parse_yaml(text, str(path), ROLE)
    if not isinstance(doc.data, dict):
        raise InputError(f"{ROLE} {path} must be a mapping of fields")
    require_finite(doc, ROLE)
    _require_shapes(doc)
    return ModelCard(str(path), sha256_hex(raw), doc.data)


# (path pattern, expected type, what it must be); "*" stands for every item of a list.
_SHAPES: tuple[tuple[tuple[str, ...], type, str], ...] = (
    (("metrics",), dict, "a mapping of metric names to values"),
    (("model-index",), list, "a list of models"),
    (("model-index", "*"), dict, "a mapping (name, results)"),
    (("model-index", "*", "results"), list, "a list of results"),
    (("model-index", "*", "results", "*"), dict, "a mapping (task, dataset, metrics)"),
    (("model-index", "*", "results", "*", "metrics"), list, "a list of metrics"),
    (("model-index", "*", "results", "*", "metrics", "*"), dict, "a mapping (type, value)"),
)


def _require_shapes(doc: SourcedDoc) -> None:
    """The parts declared_metrics() reads must have their documented shape (or be empty)."""
    for pattern, kind, meaning in _SHAPES:
        for path, value in _at(doc.data, pattern, ()):
            if value not in (None, "") and not isinstance(value, kind):
                key = ".".join(str(p) for p in path)
                raise InputError(f"{ROLE} {doc.loc(path)}: '{key}' must be {meaning}")


def _at(node: Any, pattern: tuple[str, ...], path: tuple[Any, ...]) -> list[tuple[tuple, Any]]:
    """Every (path, value) that `pattern` matches under `node`."""
    if not pattern:
        return [(path, node)]
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(node, list):
        return [m for i, item in enumerate(node) for m in _at(item, rest, (*path, i))]
    if head != "*" and isinstance(node, dict) and head in node:
        return _at(node[head], rest, (*path, head))
    return []
