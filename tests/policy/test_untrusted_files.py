"""Policy files from pull requests: bounded reading, finite numbers, confined `extends:`.

Every case goes through the real CLI (validate, check --policy / --base-policy, test-policy):
exit 2, fast, and a message naming the file at fault."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import run_cli, write_policy

from gate.policy.yamlpos import MAX_DEPTH, MAX_FILE_BYTES

CHECKS = "checks:\n  - {id: a, type: performance, metric: roc_auc, min: 0.5}\n"
VALID = "version: 1\ndata: {label: y}\n" + CHECKS
BOMB = (
    'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(8)
    )
    + "version: 1\n"
)


def hostile_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (policy path, expected message), one per class of hostile file."""
    (tmp / "bomb.yaml").write_text(BOMB)
    (tmp / "recursive.yaml").write_text("version: 1\nchecks: &c\n  - *c\n")
    (tmp / "recursive-map.yaml").write_text("version: 1\ndata: &d {label: *d}\n")
    (tmp / "deep.yaml").write_text("version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp / "deep-block.yaml").write_text(
        "version: 1\n" + "".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v\n"
    )
    (tmp / "big.yaml").write_text("version: 1\n" + "#" * (MAX_FILE_BYTES + 10) + "\n")
    (tmp / "control.yaml").write_text("version: 1\nname: a\x07b\n" + VALID[11:])
    (tmp / "latin1.yaml").write_bytes("version: 1\nname: caf\xe9\n".encode("latin-1"))
    (tmp / "complex-key.yaml").write_text("version: 1\n? [a, b]\n: 1\n")
    os.symlink("/dev/zero", tmp / "zero.yaml")
    os.mkfifo(tmp / "fifo.yaml")
    (tmp / "dir.yaml").mkdir()
    return {
        "alias bomb": (tmp / "bomb.yaml", "aliases count at each use"),
        "recursive alias": (tmp / "recursive.yaml", "recursive alias"),
        "recursive alias in a mapping": (tmp / "recursive-map.yaml", "recursive alias"),
        "deep flow nesting": (tmp / "deep.yaml", f"nested deeper than {MAX_DEPTH} levels"),
        "deep block nesting": (tmp / "deep-block.yaml", f"nested deeper than {MAX_DEPTH} levels"),
        "too large": (tmp / "big.yaml", "larger than 1024 KiB"),
        "control character": (tmp / "control.yaml", "invalid YAML"),
        "not UTF-8": (tmp / "latin1.yaml", "not UTF-8 text"),
        "complex key": (tmp / "complex-key.yaml", "a mapping key must be a plain value"),
        "symlink to /dev/zero": (tmp / "zero.yaml", "not a regular file"),
        "FIFO": (tmp / "fifo.yaml", "not a regular file"),
        "directory": (tmp / "dir.yaml", "not a regular file"),
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return hostile_files(tmp_path_factory.mktemp("hostile"))


NAMES = [
    "alias bomb",
    "recursive alias",
    "recursive alias in a mapping",
    "deep flow nesting",
    "deep block nesting",
    "too large",
    "control character",
    "not UTF-8",
    "complex key",
    "symlink to /dev/zero",
    "FIFO",
    "directory",
]


@pytest.mark.parametrize("name", NAMES)
def test_validate_refuses_hostile_policy_files_fast(hostile, name: str):
    path, message = hostile[name]
    started = time.monotonic()
    result = run_cli("validate", path)
    assert time.monotonic() - started < 20
    assert result.code == 2, result.stderr
    assert f"{path}" in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("name", ["alias bomb", "symlink to /dev/zero", "recursive alias"])
def test_check_base_policy_and_extends_use_the_same_bounded_reader(
    hostile, workspace: Path, tmp_path: Path, name: str
):
    path, message = hostile[name]
    good = write_policy(tmp_path / "good.yaml", VALID)
    base = run_cli(
        "check",
        "--policy",
        good,
        "--base-policy",
        path,
        "--data",
        workspace / "eval.csv",
        "--model",
        workspace / "candidate.skops",
    )
    assert base.code == 2 and message in base.stderr, base.stderr
    os.symlink(path, tmp_path / "linked.yaml")
    write_policy(tmp_path / "ext.yaml", "version: 1\nextends: [linked.yaml]\n")
    allowed = {"MODEL_GATE_EXTENDS_PATH": f"{path.parent}{os.pathsep}/dev"}
    ext = run_cli("validate", tmp_path / "ext.yaml", env=allowed)
    assert ext.code == 2 and message in ext.stderr, ext.stderr


@pytest.mark.parametrize("name", ["alias bomb", "symlink to /dev/zero", "deep flow nesting"])
def test_test_policy_reads_cases_files_with_the_same_bounds(hostile, name: str):
    path, message = hostile[name]
    result = run_cli("test-policy", path)
    assert result.code == 2 and str(path) in result.stderr and message in result.stderr


NON_FINITE = [
    ("checks:\n  - {id: a, type: performance, metric: roc_auc, min: .nan}\n", "checks[0].min"),
    ("checks:\n  - {id: a, type: performance, metric: roc_auc, max: .inf}\n", "checks[0].max"),
    ("checks:\n  - {id: a, type: performance, metric: roc_auc, min: -.inf}\n", "checks[0].min"),
    ("checks:\n  - {id: a, type: performance, metric: roc_auc, min: 1.0e+999}\n", "checks[0].min"),
    (
        "checks:\n  - {id: a, type: performance, metric: roc_auc, min: 0.5, confidence: .nan}\n",
        "checks[0].confidence",
    ),
    (
        "checks:\n  - {id: a, type: performance, metric: roc_auc, baseline: {max_drop: .NaN}}\n",
        "checks[0].baseline.max_drop",
    ),
    ("data: {threshold: .nan}\n" + CHECKS, "data.threshold"),
    ("data: {positive_label: .nan}\n" + CHECKS, "data.positive_label"),
    (
        "checks:\n  - {id: f, type: fairness, metric: selection_rate, aggregate: ratio,"
        " min: 0.8, min_group_share: .nan}\n",
        "checks[0].min_group_share",
    ),
    (
        "checks:\n  - {id: d, type: documentation, tolerance: .inf}\n",
        "checks[0].tolerance",
    ),
    (
        "extends: ['builtin:eeoc-four-fifths']\nparams: {min_impact_ratio: .nan}\n",
        "params.min_impact_ratio",
    ),
    ("parameters: {t: {default: .inf}}\n" + VALID[11:], "parameters.t.default"),
    (
        VALID[11:] + "waivers:\n  - {check: a, reason: r, approved_by: b, expires: 2030-01-01,"
        " group: {x: .nan}}\n",
        "waivers[0].group.x",
    ),
]


@pytest.mark.parametrize(("body", "key"), NON_FINITE)
def test_non_finite_numbers_are_refused_wherever_they_stand(tmp_path: Path, body: str, key: str):
    path = write_policy(tmp_path / "p.yaml", "version: 1\n" + body)
    result = run_cli("validate", path)
    assert result.code == 2, result.stdout + result.stderr
    assert f"{key}: " in result.stderr and "is not a finite number" in result.stderr
    assert f"{path}:" in result.stderr  # file:line:column


def test_a_nan_parameter_default_in_an_extended_file_is_refused(tmp_path: Path):
    write_policy(
        tmp_path / "pack.yaml",
        "version: 1\nparameters: {t: {default: .nan}}\n"
        "checks:\n  - {id: a, type: performance, metric: roc_auc, min: '${t}'}\n",
    )
    path = write_policy(tmp_path / "p.yaml", "version: 1\nextends: [pack.yaml]\n")
    result = run_cli("validate", path)
    assert result.code == 2 and "pack.yaml:2:" in result.stderr
    assert "parameters.t.default: nan is not a finite number" in result.stderr


def test_parameters_that_are_not_a_mapping_are_a_policy_error(tmp_path: Path):
    path = write_policy(tmp_path / "p.yaml", "version: 1\nparameters: [a, b]\n" + VALID[11:])
    result = run_cli("validate", path)
    assert result.code == 2 and "parameters must be of type object" in result.stderr


# --- extends: confinement ----------------------------------------------------------------


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "policies").mkdir()
    return root


def test_extends_may_reach_anywhere_inside_the_repository(tmp_path: Path):
    root = repo(tmp_path)
    (root / "shared").mkdir()
    write_policy(root / "shared" / "base.yaml", VALID)
    path = write_policy(
        root / "policies" / "p.yaml", "version: 1\nextends: [../shared/base.yaml]\n"
    )
    result = run_cli("validate", path)
    assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    "ref", ["../../outside.yaml", "/etc/passwd", "../../outside-link.yaml", "link/outside.yaml"]
)
def test_extends_outside_the_repository_is_refused(tmp_path: Path, ref: str):
    root = repo(tmp_path)
    write_policy(tmp_path / "outside.yaml", VALID)
    os.symlink(tmp_path / "outside.yaml", tmp_path / "outside-link.yaml")
    os.symlink(tmp_path, root / "policies" / "link")  # a symlink inside pointing out
    path = write_policy(root / "policies" / "p.yaml", f"version: 1\nextends: ['{ref}']\n")
    result = run_cli("validate", path)
    assert result.code == 2, result.stderr
    assert "p.yaml:2:" in result.stderr and "is outside the repository" in result.stderr
    assert "MODEL_GATE_EXTENDS_PATH" in result.stderr


def test_without_a_repository_extends_stays_in_the_policy_directory(tmp_path: Path):
    write_policy(tmp_path / "outside.yaml", VALID)
    (tmp_path / "here").mkdir()
    path = write_policy(tmp_path / "here" / "p.yaml", "version: 1\nextends: [../outside.yaml]\n")
    assert run_cli("validate", path).code == 2


def test_an_allow_listed_directory_may_be_extended(tmp_path: Path):
    root = repo(tmp_path)
    (tmp_path / "org").mkdir()
    write_policy(tmp_path / "org" / "base.yaml", VALID)
    path = write_policy(
        root / "p.yaml", f"version: 1\nextends: ['{tmp_path / 'org' / 'base.yaml'}']\n"
    )
    assert run_cli("validate", path).code == 2
    env = {"MODEL_GATE_EXTENDS_PATH": f"/nonexistent{os.pathsep}{tmp_path / 'org'}"}
    assert run_cli("validate", path, env=env).code == 0


@pytest.mark.parametrize(
    "ref",
    [
        "builtin:../loader",
        "builtin:../../gate/policies/nyc-ll144",
        "builtin:/etc/passwd",
        "builtin:cases/nyc-ll144",
        "builtin:",
    ],
)
def test_builtin_names_a_pack_never_a_path(tmp_path: Path, ref: str):
    path = write_policy(tmp_path / "p.yaml", f"version: 1\nextends: ['{ref}']\n" + VALID[11:])
    result = run_cli("validate", path)
    assert result.code == 2 and "unknown built-in policy" in result.stderr, result.stderr
    assert "names a pack, not a path" in result.stderr
