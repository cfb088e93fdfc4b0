"""The command line's own usability: several formats per flag, examples in every help, and a
pickle refusal that prints the pin to use."""

from __future__ import annotations

import argparse
import hashlib
import pickle
import re
from pathlib import Path

import pytest
from canary_data import write_canary
from helpers import classification_frame, fit_classifier, run_cli
from recording_server import recording_server

from gate.cli import build_parser
from gate.errors import InputError
from gate.inputs.models import LoadPolicy, load_model
from gate.report import FORMATS

RUN = ("check", "--policy", "p.yaml", "--data", "d.csv")


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.mark.parametrize(
    "flags",
    [
        ["--format", "markdown", "html", "junit"],
        ["--format", "markdown,html,junit"],
        ["--format", "markdown", "--format", "html", "--format", "junit"],
        ["--format", "markdown, html", "--format", "junit"],
    ],
    ids=["spaces", "commas", "repeated", "mixed"],
)
def test_several_formats_in_one_flag_equal_repeated_flags(flags):
    args = build_parser().parse_args([*RUN, *flags])
    assert args.format == ["markdown", "html", "junit"]


def test_no_format_is_an_empty_list():
    assert build_parser().parse_args(list(RUN)).format == []


def test_format_help_lists_the_registry():
    help_text = " ".join(subparsers(build_parser())["check"].format_help().split())
    for name in FORMATS:
        assert name in help_text
    assert "{FORMATS}" not in help_text


def test_an_unknown_format_names_it_and_lists_the_known_ones(tmp_path: Path):
    result = run_cli(*RUN, "--format", "markdown,pdf", cwd=tmp_path)
    assert result.code == 2
    assert "unknown --format pdf" in result.stderr
    for name in FORMATS:
        assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_every_help_shows_an_example():
    parser = build_parser()
    assert "examples:" in parser.format_help()
    commands = subparsers(parser)
    assert {"init", "metrics", "check", "validate"} <= set(commands)
    for name, sub in commands.items():
        text = sub.format_help()
        assert "examples:" in text, name
        example = text.split("examples:")[1]
        assert f"model-gate {name}" in example, name


def test_help_runs_for_every_subcommand():
    for name in subparsers(build_parser()):
        result = run_cli(name, "--help")
        assert result.code == 0 and "examples:" in result.stdout, name


def test_the_pickle_refusal_prints_the_pin_that_loads_the_file(tmp_path: Path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(fit_classifier(classification_frame(200))))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(InputError) as refused:
        load_model(path, LoadPolicy())
    flags = re.search(r"--allow-pickle --model-sha256 ([0-9a-f]{64})", str(refused.value))
    assert flags and flags.group(1) == digest
    with pytest.raises(InputError, match=digest):
        load_model(path, LoadPolicy(allow_pickle=True))
    with pytest.raises(InputError, match=f"--baseline-model-sha256 {digest}"):
        load_model(path, LoadPolicy(), role="baseline")
    loaded = load_model(path, LoadPolicy(allow_pickle=True, sha256=flags.group(1)))
    assert loaded.sha256 == digest


def examples(text: str) -> list[str]:
    """The example commands of a help text, continuation lines joined."""
    block = text.split("examples:\n")[1].split("\n\n")[0]
    return [" ".join(line.split()) for line in block.replace("\\\n", " ").splitlines()]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The files the help examples name: a model, a production model, evaluation, scored
    and reference data, a cases file (a copy of a shipped one), and canary logs with labels."""
    import shutil
    import sys

    import skops.io as sio

    frame = classification_frame(600)
    sio.dump(fit_classifier(frame), tmp_path / "model.skops")
    sio.dump(fit_classifier(classification_frame(600, seed=1), c=0.1), tmp_path / "prod.skops")
    frame.to_csv(tmp_path / "eval.csv", index=False)
    frame.assign(race=["a", "b", "c"] * 200).rename(columns={"y": "default"}).to_parquet(
        tmp_path / "eval.parquet"
    )
    classification_frame(600, seed=2).to_parquet(tmp_path / "reference.parquet")
    scored = frame.assign(score=(frame["x1"] > 0) * 0.6 + 0.2)
    scored.to_csv(tmp_path / "scored.csv", index=False)
    scored.to_parquet(tmp_path / "scored.parquet")
    cases = Path(__file__).parents[1] / "gate/policies/cases"
    shutil.copytree(cases, tmp_path / "policies/cases")
    shutil.copy(cases / "eeoc-four-fifths.yaml", tmp_path / "policies/cases/deploy.yaml")
    (tmp_path / "report.json").write_text("{}")
    write_canary(tmp_path)  # analyze's: canary.yaml, predictions.parquet, live / canary.csv, labels
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin/model-gate"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gate "$@"\n')
    script.chmod(0o755)
    return tmp_path


#: check and dry-run show the main help's examples
RUNS = ("check", "dry-run")
#: examples that cannot run here: they post to a pull request on GitHub / GitLab
NEEDS_A_PLATFORM = ("model-gate comment",)
#: the Pushgateway the examples name; a recording server on 127.0.0.1 stands in for it
PUSHGATEWAY = "http://localhost:9091"
#: examples that need an MLflow tracking server (tests/inputs/test_registry.py runs the same
#: commands against one it starts)
NEEDS_A_REGISTRY = ("model-gate promote", "model-gate log-to-mlflow", "models:/", "runs:/")
#: examples that run until stopped (tests/commands/test_serve.py runs serve's)
RUNS_UNTIL_STOPPED = ("model-gate serve",)


def test_every_help_example_runs_as_written_in_order(project: Path, tmp_path_factory):
    """The main help's sequence from init to check, then each sub-command's own examples:
    init's on the untouched files, the others after the main sequence wrote policy.yaml;
    each through a real shell, as a user would paste it."""
    import os
    import shutil
    import subprocess

    pristine = tmp_path_factory.mktemp("pristine") / "project"
    shutil.copytree(project, pristine, symlinks=True)
    parser = build_parser()
    blocks = [(project, parser.format_help())]
    for name, sub in subparsers(parser).items():
        if name not in RUNS:
            blocks.append((pristine if name == "init" else project, sub.format_help()))
    env = {
        **os.environ,
        "PATH": f"{project / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(Path(__file__).parents[1]),
        "MODEL_GATE_PROGRESS_INTERVAL": "86400",
    }
    ran = 0
    with recording_server() as gateway:
        for where, text in blocks:
            for command in examples(text):
                if command.startswith(NEEDS_A_PLATFORM + RUNS_UNTIL_STOPPED) or any(
                    part in command for part in NEEDS_A_REGISTRY
                ):
                    continue
                proc = subprocess.run(
                    ["bash", "-c", command.replace(PUSHGATEWAY, gateway.url)],
                    cwd=where,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                assert proc.returncode == 0, f"{command}\n{proc.stdout}\n{proc.stderr}"
                ran += 1
    assert ran >= 20
    group = "/metrics/job/model-gate/model/model.skops/policy/model"
    assert [r.path for r in gateway.requests] == [group]
