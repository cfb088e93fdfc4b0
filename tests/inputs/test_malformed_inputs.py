"""Malformed MLmodel files and model cards are user errors naming the file (exit 2), never an
internal error: every shape by hand, then a fuzz test through the real entry points."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import pytest
import skops.io as sio
import yaml
from helpers import classification_frame, fit_classifier, run_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.errors import GateError, InputError
from gate.inputs.model_card import load_model_card
from gate.inputs.models import LoadPolicy, load_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow directory with a real skops model; tests rewrite its MLmodel."""
    root = tmp_path_factory.mktemp("mlflow") / "m"
    root.mkdir()
    sio.dump(fit_classifier(classification_frame(100)), root / "model.skops")
    return root


@pytest.mark.parametrize(
    ("mlmodel", "message"),
    [
        ("- 1\n", r"MLmodel:1:1: MLmodel must be a mapping"),
        ("flavors: [sklearn]\n", r"MLmodel:1:10: 'flavors' must be a mapping"),
        ("flavors: {sklearn: 3}\n", r"MLmodel:1:20: 'flavors.sklearn' must be a mapping"),
        ("flavors: {onnx: [a]}\n", r"'flavors.onnx' must be a mapping"),
        ("flavors: {sklearn: {pickled_model: 3}}\n", r"'flavors.sklearn.pickled_model' must be"),
        ("flavors: {sklearn: {pickled_model: ''}}\n", r"'flavors.sklearn.pickled_model' must be"),
        ("flavors: {sklearn: {pickled_model: [a]}}\n", r"pickled_model' must be a non-empty"),
        ("flavors: {sklearn: {serialization_format: 7}}\n", r"serialization_format' must be"),
        ("flavors: {sklearn: {serialization_format: json}}\n", r"'json' is not one of"),
        ("flavors: {onnx: {data: {a: 1}}}\n", r"'flavors.onnx.data' must be a non-empty string"),
        ("flavors: {python_function: {}}\n", r"no sklearn or onnx flavour \(found: python_f"),
        ("{}\n", r"no sklearn or onnx flavour \(found: none\)"),
        ("", r"no sklearn or onnx flavour"),
        ("flavors: {sklearn: {pickled_model: gone.pkl}}\n", r"gone.pkl: the MLmodel names it"),
        ("flavors: [\n", r"MLmodel:2:1: invalid YAML"),
        ("flavors: {}\nflavors: {}\n", r"MLmodel:2:1: duplicate key 'flavors'"),
        ("flavors: {sklearn: {pickled_model: a\\b}}\n", r"leaves the model directory"),
    ],
)
def test_malformed_mlmodel_names_the_file_and_key(model_dir: Path, mlmodel: str, message: str):
    (model_dir / "MLmodel").write_text(mlmodel)
    with pytest.raises(InputError, match=message) as info:
        load_model(model_dir, LoadPolicy())
    assert str(model_dir) in str(info.value)


def test_a_non_utf8_mlmodel(model_dir: Path):
    (model_dir / "MLmodel").write_bytes(b"flavors: \xff\n")
    with pytest.raises(InputError, match=r"MLmodel is not UTF-8 text"):
        load_model(model_dir, LoadPolicy())


def test_a_malformed_mlmodel_is_exit_2_from_the_cli(model_dir: Path, workspace: Path, tmp_path):
    (model_dir / "MLmodel").write_text("flavors: {sklearn: 3}\n")
    result = run_check(
        workspace / "passing.yaml", workspace / "eval.csv", model=model_dir, out=tmp_path / "o"
    )
    assert result.code == 2 and "'flavors.sklearn' must be a mapping" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o").exists()


KEYS = st.sampled_from(
    [
        "flavors",
        "sklearn",
        "onnx",
        "pickled_model",
        "serialization_format",
        "data",
        "metrics",
        "model-index",
        "results",
        "type",
        "value",
        "skops",
        "model.skops",
        "../model.skops",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | KEYS
)
TREES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


def yaml_texts() -> st.SearchStrategy[str]:
    """Documents of the right vocabulary, and some raw (mostly broken) YAML text."""
    dumped = TREES.map(lambda tree: yaml.safe_dump(tree, allow_unicode=True))
    raw = st.text(
        alphabet=st.sampled_from(list("{}[]:,-&*!|>'\"#\n .0123456789abnfs")), max_size=60
    )
    return dumped | raw


FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(text=yaml_texts())
def test_fuzz_mlmodel_is_loaded_or_refused_as_a_user_error(model_dir: Path, text: str):
    (model_dir / "MLmodel").write_text(text, "utf-8")
    with contextlib.suppress(GateError):
        load_model(model_dir, LoadPolicy())


@FUZZ
@given(text=yaml_texts(), markdown=st.booleans())
def test_fuzz_model_card_is_loaded_or_refused_as_a_user_error(
    tmp_path_factory: pytest.TempPathFactory, text: str, markdown: bool
):
    path = tmp_path_factory.getbasetemp() / ("card.md" if markdown else "card.yaml")
    path.write_text(f"---\n{text}\n---\n# card\n" if markdown else text, "utf-8")
    try:
        card = load_model_card(path)
    except GateError:
        return
    assert all(math.isfinite(v) for v in card.declared_metrics().values())
    for dotted in ("metrics", "model-index.0", "flavors.sklearn", "a.b"):
        card.get(dotted)


def test_a_directory_named_mlmodel_is_an_input_error(tmp_path):
    from gate.errors import InputError
    from gate.inputs.models import LoadPolicy, load_model

    (tmp_path / "m" / "MLmodel").mkdir(parents=True)
    with pytest.raises(InputError, match="directory without an MLmodel file"):
        load_model(tmp_path / "m", LoadPolicy())


SIGNED = """flavors: {sklearn: {pickled_model: model.skops, serialization_format: skops}}
signature:
  inputs: '[{"type": "double", "name": "x1"}, {"type": "string", "name": "region"},
    {"type": "long", "name": "n"}, {"type": "datetime", "name": "at"},
    {"type": "map", "name": "m"}]'
"""


def test_an_mlflow_signature_gives_the_expected_kinds(model_dir: Path):
    (model_dir / "MLmodel").write_text(SIGNED)
    loaded = load_model(model_dir, LoadPolicy())
    assert loaded.model.feature_kinds == {
        "x1": "numeric", "region": "categorical", "n": "numeric", "at": "datetime", "m": "any"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ("'[{\"type\": '", r"'signature.inputs' is not JSON"),
        ("'{\"a\": 1}'", r"'signature.inputs' must be a JSON list of columns"),
        ("[1, 2]", r"'signature.inputs' must be a JSON list of columns"),
    ],
)
def test_a_malformed_signature_names_the_key(model_dir: Path, inputs: str, message: str):
    body = "flavors: {sklearn: {pickled_model: model.skops, serialization_format: skops}}\n"
    (model_dir / "MLmodel").write_text(body + f"signature:\n  inputs: {inputs}\n")
    with pytest.raises(InputError, match=message) as info:
        load_model(model_dir, LoadPolicy())
    assert "MLmodel:3:" in str(info.value)


def test_a_tensor_signature_declares_no_column_kinds(model_dir: Path):
    body = "flavors: {sklearn: {pickled_model: model.skops, serialization_format: skops}}\n"
    tensor = '\'[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]\''
    (model_dir / "MLmodel").write_text(body + f"signature:\n  inputs: {tensor}\n")
    assert getattr(load_model(model_dir, LoadPolicy()).model, "feature_kinds", None) is None
