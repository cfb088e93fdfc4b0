"""Model cards: a YAML file, or the YAML front matter of a Markdown card (Hugging Face style)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.errors import InputError
from gate.inputs.files import sha256_of


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
        out = {
            k: float(v)
            for k, v in (self.fields.get("metrics") or {}).items()
            if isinstance(v, int | float)
        }
        for entry in self.fields.get("model-index") or []:
            for result in (entry or {}).get("results") or []:
                for m in (result or {}).get("metrics") or []:
                    if isinstance(m, dict) and isinstance(m.get("value"), int | float):
                        out.setdefault(str(m.get("type")), float(m["value"]))
        return out


def _front_matter(text: str, path: Path) -> str:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise InputError(
            f"model card {path}: a Markdown card needs YAML front matter "
            "between '---' lines at the top"
        )
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return "\n".join(lines[1:i])
    raise InputError(f"model card {path}: the front matter is not closed by a '---' line")


def load_model_card(path: str | Path) -> ModelCard:
    """Read and parse a model card; InputError naming the file for anything unusable."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputError(f"model card {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"model card {path} cannot be read: {exc}") from None
    if path.suffix.lower() in (".md", ".markdown"):
        text = _front_matter(text, path)
    try:
        fields = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"model card {path} is not valid YAML: {exc}") from None
    if not isinstance(fields, dict):
        raise InputError(f"model card {path} must be a mapping of fields")
    return ModelCard(str(path), sha256_of(path), fields)
