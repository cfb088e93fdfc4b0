"""Every file the inputs layer opens must be a regular file of bounded size: a symlink to
/dev/zero or a FIFO is refused at once as "not a regular file", never read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
import yaml
from helpers import ROOT, classification_frame, fit_classifier
from test_model_files import onnx_with_external_weights

from gate.errors import InputError
from gate.inputs import files
from gate.inputs.data import load_data
from gate.inputs.model_card import MAX_CARD_BYTES, load_model_card

POLICY = """version: 1
data: {label: y}
checks: [{id: auc, type: performance, metric: roc_auc, min: 0.5}]
"""


def special(path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


def gate(tmp_path: Path, *args: str | Path) -> subprocess.CompletedProcess:
    """The real CLI with a short timeout: reading /dev/zero or a FIFO would hang it."""
    (tmp_path / "p.yaml").write_text(POLICY)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "gate", "check", "--policy", tmp_path / "p.yaml", *args]
    return subprocess.run(
        [*map(str, command), "--output-dir", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        env=env,
        timeout=90,
    )


def workspace(tmp_path: Path) -> tuple[Path, Path]:
    frame = classification_frame(200)
    frame.to_csv(tmp_path / "d.csv", index=False)
    sio.dump(fit_classifier(frame), tmp_path / "good.skops")
    return tmp_path / "d.csv", tmp_path / "good.skops"


def mlflow_with_special_member(tmp_path: Path, kind: str) -> Path:
    model = tmp_path / "mlflow"
    model.mkdir()
    flavor = {"pickled_model": "model.skops", "serialization_format": "skops"}
    (model / "MLmodel").write_text(yaml.safe_dump({"flavors": {"sklearn": flavor}}))
    sio.dump(fit_classifier(classification_frame(200)), model / "model.skops")
    special(model / "conda.yaml", kind)
    return model


def onnx_with_special_data(tmp_path: Path, kind: str) -> Path:
    onnx_with_external_weights(tmp_path / "m.onnx", np.ones(3))
    (tmp_path / "w.bin").unlink()
    special(tmp_path / "w.bin", kind)
    return tmp_path / "m.onnx"


CASES = {
    "skops model": lambda t, k: ["--model", special(t / "m.skops", k)],
    "onnx model": lambda t, k: ["--model", special(t / "m.onnx", k)],
    "pickle model": lambda t, k: [
        "--model",
        special(t / "m.pkl", k),
        "--allow-pickle",
        "--model-sha256",
        "0" * 64,
    ],
    "baseline model": lambda t, k: [
        "--model",
        t / "good.skops",
        "--baseline-model",
        special(t / "b.skops", k),
    ],
    "mlflow member": lambda t, k: ["--model", mlflow_with_special_member(t, k)],
    "onnx external data": lambda t, k: ["--model", onnx_with_special_data(t, k)],
    "model card": lambda t, k: [
        "--model",
        t / "good.skops",
        "--model-card",
        special(t / "card.yaml", k),
    ],
}


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_special_files_are_refused_not_read(tmp_path: Path, case: str, kind: str):
    data, _ = workspace(tmp_path)
    result = gate(tmp_path, "--data", data, *CASES[case](tmp_path, kind))
    assert result.returncode == 2, (result.returncode, result.stderr)
    inside = kind == "fifo" or case not in ("mlflow member", "onnx external data")
    reason = "is not a regular file" if inside else "is a symlink to /dev/zero, outside the model"
    assert reason in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
@pytest.mark.parametrize("name", ["e.csv", "e.parquet"])
def test_special_data_files_are_refused_not_read(tmp_path: Path, name: str, kind: str):
    workspace(tmp_path)
    result = gate(tmp_path, "--data", special(tmp_path / name, kind), "--score", "x1")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert f"{name} is not a regular file" in result.stderr


def test_a_missing_model_is_not_found_and_a_directory_data_file_is_not_regular(tmp_path: Path):
    data, _ = workspace(tmp_path)
    missing = gate(tmp_path, "--data", data, "--model", tmp_path / "none.onnx")
    assert missing.returncode == 2 and "none.onnx not found" in missing.stderr
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(InputError, match=r"dir\.csv is not a regular file"):
        load_data(tmp_path / "dir.csv")


def test_model_cards_are_capped(tmp_path: Path):
    (tmp_path / "card.yaml").write_text("a: 1\n" + "#" * MAX_CARD_BYTES)
    with pytest.raises(InputError, match=r"card\.yaml is 1\.0 MiB, over the 1\.0 MiB limit"):
        load_model_card(tmp_path / "card.yaml")


def test_read_regular_refuses_a_file_over_its_limit(tmp_path: Path):
    (tmp_path / "f").write_bytes(b"x" * 11)
    assert files.read_regular(tmp_path / "f", 11, "f") == b"x" * 11
    with pytest.raises(InputError, match="over the"):
        files.read_regular(tmp_path / "f", 10, "f")
