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


@pytest.mark.parametrize("command", ["check", "dry-run"])
@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (["--format", "markdown", "html"], "--format markdown html needs --output-dir"),
        (["--format", "json"], "--format json needs --output-dir"),
        (["--format", ","], "--format ',' names no format; give one or more of: audit,"),
        (["--format", ""], "--format '' names no format"),
        (["--format", "markdown", " , ", "--output-dir", "out"], "--format ' , ' names no"),
        (["--output-dir", ""], "--output-dir: give a directory, not ''"),
    ],
)
def test_a_format_with_nowhere_to_go_or_no_name_is_a_usage_error(tmp_path, command, flags, needle):
    data = write_csv(tmp_path, classification_frame().assign(score=0.5))
    write_policy(tmp_path / "p.yaml", POLICY)
    args = ["--policy", tmp_path / "p.yaml", "--data", data, "--score", "score", *flags]
    result = run_cli(command, *args, cwd=tmp_path)
    assert_user_error(result, needle, out=tmp_path / "out")
    assert result.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "p.yaml"]


def test_an_error_keeps_its_line_breaks_and_escapes_every_other_control(tmp_path: Path):
    data = write_csv(tmp_path, classification_frame().assign(score=0.5))
    label = "a\\n::error::pwned\\e[31m\\tz\\r##[x"  # YAML escapes: newline, ESC, tab, CR
    policy = POLICY.replace("data: {label: y}", f'data: {{label: "{label}"}}')
    result = gate(tmp_path, data, "--score", "score", policy=policy)
    assert_user_error(result, out=tmp_path / "out")
    assert result.stderr.splitlines() == [
        "model-gate: error: data file " + str(data) + " has no label column 'a",
        "model-gate:   ::error::pwned\\x1b[31m\tz\\x0d#\\x23[x'",
    ]


@pytest.mark.parametrize(
    ("checks", "needle"),
    [
        (["auc"], "but check auc needs both classes"),
        (["auc", "ap"], "but checks auc, ap need both classes"),
    ],
)
def test_a_label_of_one_class_names_the_checks_that_need_both(tmp_path: Path, checks, needle):
    data = write_csv(tmp_path, classification_frame().assign(y=1, score=0.5))
    metrics = {"auc": "roc_auc", "ap": "average_precision"}
    listed = ", ".join(
        f"{{id: {c}, type: performance, metric: {metrics[c]}, min: 0.5}}" for c in checks
    )
    policy = f"version: 1\ndata: {{label: y}}\nchecks: [{listed}]\n"
    result = gate(tmp_path, data, "--score", "score", policy=policy)
    assert_user_error(result, "has only positive examples", needle, out=tmp_path / "out")


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


# A check that cannot be computed on these data is `error` (it blocks under severity block),
# with a message naming the check and why: exit 1, never the internal error's exit 3.
GROUPS = {"g": ["A"] * 10 + ["B"] * 10}
UNDEFINED = [
    (
        "every group under min_group_size, to the overall rate",
        {**GROUPS, "y": [1, 0] * 10, "pred": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7},
        "{id: c, type: fairness, metric: selection_rate, aggregate: ratio, method: to_overall, "
        "min: 0.8, min_group_size: 700}",
        "every group of g has fewer than 700 rows (min_group_size)",
    ),
    (
        "every group under min_group_size, to the most favoured group",
        {**GROUPS, "y": [1, 0] * 10, "pred": [1] * 6 + [0] * 4 + [1] * 3 + [0] * 7},
        "{id: c, type: fairness, metric: selection_rate, aggregate: ratio, "
        "method: to_reference, min: 0.8, min_group_size: 700}",
        "every group of g has fewer than 700 rows (min_group_size)",
    ),
    (
        "a single group compared with the whole sample",
        {"g": ["A"] * 20, "y": [1, 0] * 10, "pred": [1, 0, 0, 1] * 5},
        "{id: c, type: fairness, metric: demographic_parity_ratio, method: to_overall, min: 0.8}",
        "g has a single group (A): nothing to compare",
    ),
    (
        "a group without positives in a true positive rate ratio",
        {**GROUPS, "y": [1, 0] * 5 + [0] * 10, "pred": [1, 0] * 10},
        "{id: c, type: fairness, metric: equal_opportunity_difference, max: 0.5}",
        "true_positive_rate is undefined for g=B (no positive examples)",
    ),
    (
        "a false positive rate without negatives",
        {**GROUPS, "y": [1] * 20, "pred": [1, 1, 1, 0] * 5},
        "{id: c, type: performance, metric: false_positive_rate, max: 0.1}",
        "false_positive_rate is undefined on this data: no negative examples",
    ),
    (
        "precision without predicted positives",
        {**GROUPS, "y": [1, 0] * 10, "pred": [0] * 20},
        "{id: c, type: performance, metric: precision, max: 1.0}",
        "precision is undefined on this data: no predicted positives",
    ),
    (
        "all-zero selections: a ratio of 0 / 0",
        {**GROUPS, "y": [1, 0] * 10, "pred": [0] * 20},
        "{id: c, type: fairness, metric: demographic_parity_ratio, min: 0.8}",
        "demographic_parity_ratio is undefined on these groups",
    ),
    (
        "a relative drop against a baseline of 0",
        {**GROUPS, "y": [1, 0] * 10, "pred": [1, 0] * 10, "base": [1] * 20},
        "{id: c, type: performance, metric: true_negative_rate, "
        "baseline: {max_relative_drop: 0.1}}",
        "relative drop undefined: the baseline value is 0",
    ),
    (
        "zero sample weights",
        {**GROUPS, "y": [1, 0] * 10, "pred": [1, 0] * 10, "w": [0.0] * 20},
        "{id: c, type: performance, metric: accuracy, min: 0.5}",
        "non-zero",
    ),
]


@pytest.mark.parametrize(
    ("columns", "check", "needle"), [c[1:] for c in UNDEFINED], ids=[c[0] for c in UNDEFINED]
)
def test_a_check_that_cannot_be_computed_is_an_error_that_blocks(
    tmp_path: Path, columns: dict, check: str, needle: str
):
    import json

    frame = pd.DataFrame(columns)
    binding = ["label: y", "prediction: pred", "sensitive: [g]"]
    binding += ["baseline_prediction: base"] * ("base" in frame) + ["weight: w"] * ("w" in frame)
    policy = f"version: 1\ndata: {{{', '.join(binding)}}}\nchecks:\n  - {check}\n"
    result = gate(tmp_path, write_csv(tmp_path, frame), policy=policy)
    assert result.code == 1, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    (checked,) = json.loads((tmp_path / "out" / "report.json").read_text())["checks"]
    assert checked["status"] == "error", checked
    assert needle in checked["message"], checked["message"]


def test_waiving_every_group_is_no_approval(tmp_path: Path):
    """With every group waived nothing is left to compare: the check stays unmet."""
    frame = pd.DataFrame({**GROUPS, "y": 1, "pred": [1] * 6 + [0] * 4 + [1] * 2 + [0] * 8})
    waivers = "".join(
        f"  - {{check: c, reason: r, approved_by: x, expires: 2099-01-01, group: {{g: {g}}}}}\n"
        for g in "AB"
    )
    policy = (
        "version: 1\ndata: {label: y, prediction: pred, sensitive: [g]}\nchecks:\n"
        "  - {id: c, type: fairness, metric: selection_rate, aggregate: ratio, "
        "method: to_reference, min: 0.8}\nwaivers:\n" + waivers
    )
    result = gate(tmp_path, write_csv(tmp_path, frame), policy=policy)
    assert result.code == 1, (result.code, result.stdout, result.stderr)
    assert "BLOCKED" in result.stdout


def test_an_unexpected_exception_is_exit_3_with_a_crash_log(
    tmp_path: Path, workspace: Path, monkeypatch, capsys
):
    """A bug deep in a check (here: the decision raising) is exit 3, never an approval, and
    leaves a crash log with the traceback."""
    import gate.runner
    from gate.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("planted bug for the crash handler")

    monkeypatch.setattr(gate.runner, "decide", broken)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    out = tmp_path / "out"
    code = main(
        [
            "check",
            "--policy",
            str(workspace / "passing.yaml"),
            "--data",
            str(workspace / "eval.csv"),
            "--model",
            str(workspace / "candidate.skops"),
            "--output-dir",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert "internal error" in err and "Nothing was approved." in err
    (log,) = tmp_path.glob("model-gate-crash-*.log")
    assert str(log) in err
    text = log.read_text()
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: planted bug for the crash handler" in text
    assert not (out / "report.json").exists()


def test_a_group_of_zero_weight_is_an_error_not_left_out_silently(tmp_path: Path):
    """A regression group whose rows all weigh 0 has no mean error; skipping it compared A with
    itself and approved."""
    frame = pd.DataFrame(
        {
            "g": ["A"] * 10 + ["B"] * 10,
            "t": [float(i) for i in range(20)],
            "p": [i + 1.0 for i in range(20)],
            "w": [1.0] * 10 + [0.0] * 10,
        }
    )
    policy = (
        "version: 1\ndata: {label: t, prediction: p, sensitive: [g], weight: w}\nchecks:\n"
        "  - {id: c, type: fairness, metric: mae, aggregate: difference, max: 0.5}\n"
    )
    result = gate(tmp_path, write_csv(tmp_path, frame), policy=policy)
    assert result.code == 1, (result.code, result.stdout, result.stderr)
    assert "mae is undefined for g=B (no rows of non-zero weight)" in result.stdout


@pytest.mark.parametrize(
    ("values", "parsed"),
    [
        (["markdown,", "html"], ["markdown", "html"]),  # the Action's "markdown, html" input
        (["markdown", ","], ["markdown", ","]),  # kept whole, for check to refuse
        ([""], [""]),
    ],
)
def test_format_values_naming_nothing_reach_the_command(values, parsed):
    from gate.cli import build_parser

    args = ["check", "--policy", "p.yaml", "--data", "d.csv", "--format", *values]
    assert build_parser().parse_args(args).format == parsed
