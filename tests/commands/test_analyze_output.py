"""--output-dir of `model-gate analyze` (review 12b, first review #13): a rerun replaces the
previous set as a whole; a rerun that fails (exit 2 or 3) removes it, in one step, so no
analysis.json of an earlier run is left looking current; a directory holding other files is
refused untouched before anything runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from canary_data import analyze, write_canary
from helpers import run_cli

REMOVED = "removed the previous results in --output-dir"


@pytest.fixture(scope="module")
def approved_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The logs and an approving run's --output-dir, made once (a CLI run of analyze)."""
    root = tmp_path_factory.mktemp("approved")
    paths = write_canary(root, n=1200)
    run = analyze(paths, "--output-dir", root / "out", "--resamples", "100")
    assert run.code == 0, run.stderr
    assert json.loads((root / "out/analysis.json").read_text())["decision"] == "approve"
    return root, {key: path.name for key, path in paths.items()}


@pytest.fixture()
def approved(approved_once, tmp_path: Path) -> tuple[dict[str, Path], Path]:
    """A copy of approved_once for this test to change: the files as the run left them (the
    output directory is recognised by its file names; anything it left aside is copied too)."""
    root, names = approved_once
    shutil.copytree(root, tmp_path, dirs_exist_ok=True)
    return {key: tmp_path / name for key, name in names.items()}, tmp_path / "out"


def test_a_rerun_into_the_same_directory_replaces_the_whole_set(approved):
    paths, out = approved
    run = analyze(paths, "--output-dir", out, "--resamples", "100")
    assert run.code == 0, run.stderr
    # nothing matured yet: the checks do not run, so there is no report.json in the new set
    run = analyze(paths, "--output-dir", out, as_of="2026-01-01T00:30:00Z")
    assert run.code == 4, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["analysis.json"]
    assert json.loads((out / "analysis.json").read_text())["decision"] == "inconclusive"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"--candidate-version": "v9"}, "no rows of model version 'v9'"),  # input error
        ({"--as-of": "soon"}, "--as-of: not an ISO 8601 time"),  # usage error
        ({"--predictions": ""}, "--predictions must not be empty"),
        ({"--labels": "absent.csv"}, "absent.csv"),
        ({"--policy": "bad"}, "policy"),  # a policy error
        ({"--label-delay": "1x"}, "--label-delay: not a duration"),
    ],
)
def test_a_failed_rerun_leaves_no_earlier_result(approved, change, says):
    paths, out = approved
    if change.get("--policy") == "bad":
        paths["policy"].write_text("version: 1\nchecks: []\n")
        change = {}
    args = {
        "--policy": str(paths["policy"]),
        "--predictions": str(paths["predictions"]),
        "--labels": str(paths["labels"]),
        "--candidate-version": "v2",
        "--as-of": "2026-03-01T00:00:00Z",
        "--output-dir": str(out),
        **change,
    }
    run = run_cli("analyze", *(x for pair in args.items() for x in pair))
    assert run.code == 2, run.stdout + run.stderr
    assert says in run.stderr and REMOVED in run.stderr
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if "model-gate" in p.name]  # nothing aside


def test_an_internal_error_removes_it_too(approved, monkeypatch, capsys):
    from gate.cli import main
    from gate.commands import analyze as command

    paths, out = approved

    def broken(_request):
        raise RuntimeError("simulated internal error")

    monkeypatch.setattr(command, "analyze", broken)
    code = main(
        ["analyze", "--policy", str(paths["policy"]), "--predictions", str(paths["predictions"]),
         "--labels", str(paths["labels"]), "--candidate-version", "v2", "--output-dir", str(out)]
    )  # fmt: skip
    assert code == 3
    assert REMOVED in capsys.readouterr().err
    assert not out.exists()


def test_a_directory_holding_other_files_is_refused_untouched(approved):
    paths, out = approved
    (out / "notes.txt").write_text("mine")
    before = (out / "analysis.json").read_bytes()
    run = analyze(paths, "--output-dir", out, "--candidate-version", "v9")
    assert run.code == 2
    assert "holds files model-gate did not write (notes.txt)" in run.stderr
    assert REMOVED not in run.stderr
    assert (out / "notes.txt").read_text() == "mine" and (
        out / "analysis.json"
    ).read_bytes() == before


def test_a_failed_first_run_creates_nothing(tmp_path):
    paths = write_canary(tmp_path, n=400)
    run = analyze(paths, "--output-dir", tmp_path / "out", "--candidate-version", "v9")
    assert run.code == 2 and REMOVED not in run.stderr
    assert not (tmp_path / "out").exists()
