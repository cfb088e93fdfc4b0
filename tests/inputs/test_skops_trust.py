"""skops files: only what skops itself trusts loads by default, and archives are bounded."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
import skops.io as sio
from helpers import FEATURES, classification_frame, fit_classifier, run_check

from gate.errors import InputError
from gate.inputs import skops_model
from gate.inputs.models import LoadPolicy, load_model

DUMP = "sklearn.datasets._svmlight_format_io.dump_svmlight_file"
TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
POLICY = """version: 1
data: {label: y}
checks: [{id: auc, type: performance, metric: roc_auc, min: 0.5}]
"""


def file_writing_pipeline(frame, target: Path):
    """A fitted pipeline whose predict would write `target` through a sklearn function."""
    from sklearn.datasets import dump_svmlight_file
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    step = FunctionTransformer()
    pipe = make_pipeline(step, fit_classifier(frame)).fit(frame[FEATURES], frame["y"])
    step.func = dump_svmlight_file
    step.kw_args = {"y": frame["y"].to_numpy(), "f": str(target)}
    return pipe


def test_a_sklearn_function_that_writes_a_file_never_runs(tmp_path: Path):
    frame = classification_frame(200)
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "p.yaml").write_text(POLICY)
    target = tmp_path / "written-by-the-model.txt"
    sio.dump(file_writing_pipeline(frame, target), tmp_path / "m.skops")
    result = run_check(
        tmp_path / "p.yaml", tmp_path / "d.csv", model=tmp_path / "m.skops", out=tmp_path / "o"
    )
    assert result.code == 2, result.stderr
    assert DUMP in result.stderr and "--trust-type" in result.stderr
    assert "Traceback" not in result.stderr
    assert not target.exists(), "the model's function ran"
    assert not (tmp_path / "o").exists()


def test_skops_own_distrust_of_tree_predictor_is_kept_with_its_reason(tmp_path: Path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    frame = classification_frame(200)
    model = HistGradientBoostingClassifier(max_iter=3).fit(frame[FEATURES], frame["y"])
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(InputError) as info:
        load_model(tmp_path / "m.skops", LoadPolicy())
    message = str(info.value)
    assert TREE_PREDICTOR in message and "without bounds checking" in message
    assert "trusted=[" not in message  # skops' Python-API hint is replaced by --trust-type
    loaded = load_model(tmp_path / "m.skops", LoadPolicy(trusted_types=(TREE_PREDICTOR,)))
    assert loaded.model.predict(frame[FEATURES]).shape == (200,)


def test_every_refused_type_is_named_with_a_reason(tmp_path: Path):
    import operator

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.tree import DecisionTreeClassifier

    frame = classification_frame(200)
    model = make_pipeline(FunctionTransformer(operator.neg), DecisionTreeClassifier()).fit(
        frame[FEATURES], frame["y"]
    )
    sio.dump(model, tmp_path / "m.skops")
    with pytest.raises(InputError) as info:
        load_model(tmp_path / "m.skops", LoadPolicy(trusted_types=("_operator.neg",)))
    lines = str(info.value).splitlines()
    assert any(line.startswith("  - sklearn.tree._tree.Tree: ") for line in lines)
    assert not any("_operator.neg" in line for line in lines)  # trusted by the user
    with pytest.raises(InputError, match=r"  - _operator.neg: not in skops' default trusted set"):
        load_model(tmp_path / "m.skops", LoadPolicy(trusted_types=("sklearn.tree._tree.Tree",)))


def padded_skops(tmp_path: Path, padding: int) -> Path:
    """A real skops model whose schema.json starts with `padding` spaces, deflated."""
    sio.dump(fit_classifier(classification_frame(100)), tmp_path / "real.skops")
    out = tmp_path / "bomb.skops"
    with (
        zipfile.ZipFile(tmp_path / "real.skops") as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "schema.json":
                data = b" " * padding + data
            dst.writestr(info.filename, data)
    return out


def test_a_zip_bomb_is_refused_quickly_before_skops_expands_it(tmp_path: Path):
    bomb = padded_skops(tmp_path, 200 * 2**20)
    assert bomb.stat().st_size < 2**20
    frame = classification_frame(200)
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "p.yaml").write_text(POLICY)
    started = time.monotonic()
    result = run_check(tmp_path / "p.yaml", tmp_path / "d.csv", model=bomb, out=tmp_path / "o")
    assert result.code == 2, result.stderr
    assert "bomb.skops expands" in result.stderr and "fold" in result.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "o").exists()


def test_declared_expansion_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sio.dump(fit_classifier(classification_frame(100)), tmp_path / "m.skops")
    with zipfile.ZipFile(tmp_path / "m.skops") as archive:
        expanded = sum(i.file_size for i in archive.infolist())
    monkeypatch.setattr(skops_model, "MAX_SKOPS_EXPANDED_BYTES", expanded - 1)
    with pytest.raises(InputError, match=rf"expands to {expanded} bytes, over the"):
        load_model(tmp_path / "m.skops", LoadPolicy())
    monkeypatch.setattr(skops_model, "MAX_SKOPS_EXPANDED_BYTES", expanded)
    assert load_model(tmp_path / "m.skops", LoadPolicy()).format == "skops"


def test_a_real_deflated_model_is_within_the_ratio(tmp_path: Path):
    from sklearn.ensemble import RandomForestClassifier

    frame = classification_frame(2000)
    forest = RandomForestClassifier(n_estimators=50, random_state=0).fit(
        frame[FEATURES], frame["y"]
    )
    buffer = io.BytesIO(sio.dumps(forest, compression=zipfile.ZIP_DEFLATED, compresslevel=9))
    with zipfile.ZipFile(buffer) as archive:
        expanded = sum(i.file_size for i in archive.infolist())
    assert expanded < skops_model.MAX_SKOPS_RATIO * len(buffer.getvalue())
