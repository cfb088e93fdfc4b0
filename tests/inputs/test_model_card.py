"""Model cards: YAML files, Markdown front matter, Hugging Face model-index, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import InputError
from gate.inputs.model_card import load_model_card

HF_CARD = """---
license: mit
model-index:
- name: credit
  results:
  - task: {type: tabular-classification}
    metrics:
    - {type: roc_auc, value: 0.81}
    - {type: accuracy, value: 0.9}
training_data: {source: loans}
---
# Credit model
"""


def test_markdown_front_matter_and_model_index(tmp_path: Path):
    (tmp_path / "README.md").write_text(HF_CARD)
    card = load_model_card(tmp_path / "README.md")
    assert card.get("training_data.source") == "loans" and card.get("training_data.rows") is None
    assert card.declared_metrics() == {"roc_auc": 0.81, "accuracy": 0.9}
    assert len(card.sha256) == 64


def test_yaml_card_with_a_metrics_mapping(tmp_path: Path):
    (tmp_path / "card.yaml").write_text("metrics: {accuracy: 0.8, note: text}\nprovider: ''\n")
    card = load_model_card(tmp_path / "card.yaml")
    assert card.declared_metrics() == {"accuracy": 0.8}
    assert card.get("provider") is None  # an empty field counts as missing


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("card.md", "# no front matter\n", "needs YAML front matter"),
        ("card.md", "---\na: 1\n", "not closed"),
        ("card.yaml", "a: [1\n", "invalid YAML"),
        ("card.yaml", "- 1\n", "must be a mapping"),
    ],
)
def test_unusable_cards(tmp_path: Path, name: str, text: str, message: str):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=message):
        load_model_card(tmp_path / name)
    with pytest.raises(InputError, match="not found"):
        load_model_card(tmp_path / "missing.md")
