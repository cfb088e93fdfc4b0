"""End to end: every bad input is exit 2 with a message naming the culprit, no traceback,
and nothing written to --output-dir."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest
from helpers import classification_frame, run_cli, write_policy

POLICY = """
    version: 1
    data: {label: y}
    checks: [{id: auc, type: performance, metric: roc_auc, min: 0.5}]
"""


def gate(
    tmp_path: Path, data: Path, *extra: str | Path, policy: str = POLICY, model: Path | None = None
):
    write_policy(tmp_path / "p.yaml", policy)
    args: list[str | Path] = [
        "check",
        "--policy",
        tmp_path / "p.yaml",
        "--data",
        data,
        "--output-dir",
        tmp_path / "out",
        *extra,
    ]
    if model:
        args += ["--model", model]
    return run_cli(*args)


def assert_user_error(result, *needles: str, out: Path | None = None) -> None:
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)
    if out is not None:
        assert not out.exists(), "nothing may be written on an error"


def write_csv(tmp_path: Path, frame: pd.DataFrame, name: str = "d.csv") -> Path:
    frame.to_csv(tmp_path / name, index=False)
    return tmp_path / name


@pytest.mark.parametrize(
    ("mutate", "needles"),
    [
        (lambda f: f.rename(columns={"y": "label"}), ["no label column 'y'", "d.csv"]),
        (
            lambda f: f.assign(y=f["y"].astype(float).where(f.index != 3)),
            ["label column 'y' has missing values", "row 4"],
        ),
        (lambda f: f.assign(y=0), ["only negative examples", "auc need", "label column 'y'"]),
        (lambda f: f.assign(y=f.index % 3), ["3 distinct values", "binary classification"]),
    ],
)
def test_bad_label_column(tmp_path: Path, workspace: Path, mutate, needles):
    data = write_csv(tmp_path, mutate(classification_frame()))
    result = gate(tmp_path, data, model=workspace / "candidate.skops")
    assert_user_error(result, *needles, out=tmp_path / "out")


def test_score_column_with_wrong_dtype(tmp_path: Path):
    frame = classification_frame().assign(score="high")
    data = write_csv(tmp_path, frame)
    result = gate(tmp_path, data, "--score", "score")
    assert_user_error(result, "score column 'score' must be numeric", out=tmp_path / "out")


def test_missing_model_input_column_with_hint(tmp_path: Path, workspace: Path):
    data = write_csv(tmp_path, classification_frame().rename(columns={"x2": "x_2"}))
    result = gate(tmp_path, data, model=workspace / "candidate.skops")
    assert_user_error(result, "lacks model input column 'x2'; did you mean 'x_2'?")


@pytest.mark.parametrize(
    ("content", "name", "needle"),
    [
        (b"", "empty.csv", "is empty"),
        (b"y,x1\n", "header.csv", "has no rows"),
        (b"y,x1\n1,2\n", "data.xlsx", "unsupported format '.xlsx'"),
    ],
)
def test_unusable_data_files(tmp_path: Path, content: bytes, name: str, needle: str):
    (tmp_path / name).write_bytes(content)
    assert_user_error(
        gate(tmp_path, tmp_path / name, "--score", "x1"), name, needle, out=tmp_path / "out"
    )


def test_missing_data_file(tmp_path: Path):
    assert_user_error(gate(tmp_path, tmp_path / "nope.csv"), "nope.csv", "not found")


@pytest.mark.parametrize(
    ("policy", "needles"),
    [
        (
            "version: 1\ndata: {label: y}\nchecks:\n  - id: a\n    type: performance\n"
            "    metric: roc_auc\n    minimum: 0.5\n",
            ["p.yaml:7:5", "unknown key 'minimum'"],
        ),
        (
            "version: 1\nchecks:\n  - {id: a, type: performance, metric: rocauc, min: 0.5}\n",
            ["p.yaml:3", "did you mean 'roc_auc'?"],
        ),
        ("version: 1\nchecks: []\n", ["no checks", "empty gate"]),
        ("version: 1\nchecks: [\n", ["p.yaml:", "invalid YAML"]),
        ("", ["p.yaml", "policy file is empty"]),
        ("version: 2\nchecks: []\n", ["version must be 1"]),
    ],
)
def test_policy_errors_name_file_line_and_key(tmp_path: Path, policy: str, needles: list[str]):
    data = write_csv(tmp_path, classification_frame().assign(score=0.5))
    result = gate(tmp_path, data, "--score", "score", policy=policy)
    assert_user_error(result, *needles, out=tmp_path / "out")


def test_unknown_format_is_a_usage_error(tmp_path: Path, workspace: Path):
    result = gate(
        tmp_path, workspace / "eval.csv", "--format", "pdf", model=workspace / "candidate.skops"
    )
    assert_user_error(result, "unknown --format pdf")


def test_argparse_usage_error_is_exit_2():
    result = run_cli("check", "--data", "x.csv")
    assert result.code == 2 and "--policy" in result.stderr


class CreatesFile:
    """Unpickling this creates the file named `path`: proof that code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def evil_pickle(tmp_path: Path) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(CreatesFile(marker)))
    return path, marker


def test_unpinned_pickle_is_refused_and_never_unpickled(tmp_path, workspace, evil_pickle):
    model, marker = evil_pickle
    result = gate(tmp_path, workspace / "eval.csv", model=model)
    assert_user_error(result, "model.pkl is a pickle", "--allow-pickle", out=tmp_path / "out")
    allowed = gate(tmp_path, workspace / "eval.csv", "--allow-pickle", model=model)
    assert_user_error(allowed, "--model-sha256")
    wrong = gate(
        tmp_path, workspace / "eval.csv", "--allow-pickle", "--model-sha256", "0" * 64, model=model
    )
    assert_user_error(wrong, "does not match the pin")
    assert not marker.exists(), "the pickle was executed"


def test_pinned_pickle_loads(tmp_path: Path, workspace: Path):
    import hashlib

    import joblib
    import skops.io as sio

    estimator = sio.load(workspace / "candidate.skops")
    for name in ("model.pkl", "model.joblib"):
        path = tmp_path / name
        if name.endswith(".pkl"):
            path.write_bytes(pickle.dumps(estimator))
        else:
            joblib.dump(estimator, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        result = gate(
            tmp_path, workspace / "eval.csv", "--allow-pickle", "--model-sha256", digest, model=path
        )
        assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--threshold", "nan"], "--threshold must be a finite number"),
        (["--threshold", "inf"], "--threshold must be a finite number"),
        (["--threshold=-Infinity"], "--threshold must be a finite number"),
        (["--threshold", "high"], "not a number"),
        (["--seed=-1"], "--seed must be a whole number from 0"),
        (["--seed", str(2**32)], "--seed must be a whole number from 0"),
        (["--resamples", "9"], "--resamples must be between 10 and 100,000"),
        (["--resamples", "100001"], "--resamples must be between 10 and 100,000"),
        (["--resamples", "1e9"], "not a whole number"),
    ],
)
def test_out_of_range_numbers_on_the_command_line(tmp_path, workspace, flags, needle):
    """Non-finite thresholds, negative seeds and unbounded resample counts are usage errors."""
    result = gate(tmp_path, workspace / "eval.csv", *flags, model=workspace / "candidate.skops")
    assert_user_error(result, needle, out=tmp_path / "out")


@pytest.mark.parametrize(
    "options",
    [{"seed": -1}, {"resamples": 10**9}, {"overrides": {"threshold": float("nan")}}],
)
def test_out_of_range_numbers_through_run_options(workspace, options):
    """The Python entry enforces the same bounds as the command line."""
    from gate.errors import UsageError
    from gate.runner import RunOptions, run

    base = {"policy": str(workspace / "passing.yaml"), "data": str(workspace / "eval.csv")}
    with pytest.raises(UsageError):
        run(RunOptions(**base, model=str(workspace / "candidate.skops"), **options))
