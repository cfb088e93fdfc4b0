"""The command line's own usability: several formats per flag, examples in every help, and a
pickle refusal that prints the pin to use."""

from __future__ import annotations

import argparse
import hashlib
import pickle
import re
from pathlib import Path

import pytest
from helpers import classification_frame, fit_classifier, run_cli

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
