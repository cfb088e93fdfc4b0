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


@pytest.mark.parametrize(
    ("text", "where", "key"),
    [
        ("metrics:\n  roc_auc: .nan\n", "card.yaml:2:12", "metrics.roc_auc"),
        ("metrics: {accuracy: -.inf}\n", "card.yaml:1:21", "metrics.accuracy"),
        ("a:\n  b: [1, .Inf]\n", "card.yaml:2:10", "a.b.1"),
        ("x: 1.0e+400\n", "card.yaml:1:4", "x"),
        (
            "model-index:\n- results:\n  - metrics:\n    - {type: f1, value: .NaN}\n",
            "card.yaml:4:25",
            "model-index.0.results.0.metrics.0.value",
        ),
    ],
)
def test_non_finite_numbers_are_refused_with_their_key(tmp_path: Path, text, where, key):
    (tmp_path / "card.yaml").write_text(text)
    with pytest.raises(InputError, match=rf"^model card .*{where}: '{key}' is .*not a finite"):
        load_model_card(tmp_path / "card.yaml")


def test_positions_in_markdown_front_matter_are_the_files(tmp_path: Path):
    (tmp_path / "README.md").write_text("---\nlicense: mit\nmetrics: {auc: .nan}\n---\n# x\n")
    with pytest.raises(InputError, match=r"README\.md:3:16: 'metrics\.auc'"):
        load_model_card(tmp_path / "README.md")


@pytest.mark.parametrize(
    ("text", "key", "shape"),
    [
        ("metrics: [0.8]\n", "metrics", "a mapping of metric names"),
        ("model-index: {a: 1}\n", "model-index", "a list of models"),
        ("model-index: [text]\n", "model-index.0", "a mapping"),
        ("model-index: [{results: 3}]\n", "model-index.0.results", "a list of results"),
        ("model-index: [{results: [x]}]\n", "model-index.0.results.0", "a mapping"),
        ("model-index: [{results: [{metrics: 1}]}]\n", "model-index.0.results.0.metrics", "a list"),
        ("model-index: [{results: [{metrics: [1]}]}]\n", "results.0.metrics.0", "a mapping"),
    ],
)
def test_malformed_cards_are_refused_with_their_key(tmp_path: Path, text, key, shape):
    (tmp_path / "card.yaml").write_text(text)
    with pytest.raises(InputError, match=rf"card\.yaml:1:\d+: '[\w.-]*{key}' must be {shape}"):
        load_model_card(tmp_path / "card.yaml")


def test_aliases_that_expand_without_bound_are_refused(tmp_path: Path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (tmp_path / "card.yaml").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="expands to more than"):
        load_model_card(tmp_path / "card.yaml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a: 1\na: 2\n", "card.yaml:2:1: duplicate key 'a'"),
        (b"a: \xff\n", "not UTF-8 text"),
        (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
        (b"metrics: {auc: true}\n", None),
    ],
)
def test_other_unusable_cards(tmp_path: Path, content: bytes, message: str | None):
    (tmp_path / "card.yaml").write_bytes(content)
    if message is None:  # a boolean is not a declared metric value
        assert load_model_card(tmp_path / "card.yaml").declared_metrics() == {}
        return
    with pytest.raises(InputError, match=message):
        load_model_card(tmp_path / "card.yaml")


def test_a_nan_card_is_exit_2_from_the_cli(tmp_path: Path, workspace: Path):
    from helpers import run_check

    (tmp_path / "card.yaml").write_text("metrics:\n  roc_auc: .nan\n")
    result = run_check(
        workspace / "passing.yaml",
        workspace / "eval.csv",
        "--model-card",
        tmp_path / "card.yaml",
        model=workspace / "candidate.skops",
        out=tmp_path / "o",
    )
    assert result.code == 2 and "card.yaml:2:12: 'metrics.roc_auc' is nan" in result.stderr
    assert not (tmp_path / "o").exists()
