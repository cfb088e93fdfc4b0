"""An argument the Python API refuses is named as its caller named it: `model_card must be ...`
for a Python caller, `--model-card must not be empty` when the value came from the command
line (gate.cli_flags), for every argument of evaluate() that has a flag."""

from __future__ import annotations

import argparse
import inspect

import pytest
from helpers import FEATURES, classification_frame, fit_classifier, run_cli, write_policy
from test_api import POLICY, WRONG_KINDS

from gate import evaluate
from gate.api import Result
from gate.cli import build_parser
from gate.cli_flags import ANALYZE_FLAGS, API_FLAGS, FLAGGED, flag_named
from gate.commands.check import evaluate_arguments
from gate.errors import ArgumentError, GateError

#: what the command line can give wrong: an empty value (argparse types check the rest)
EMPTY = {"policy": "", "data": "", "model": "", "baseline": "", "trust_types": [""]}


@pytest.fixture(scope="module")
def frame():
    return classification_frame()


@pytest.fixture(scope="module")
def model():
    return fit_classifier(classification_frame(seed=1))


def check_flags(command: str = "check") -> dict[str, argparse.Action]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {o: action for action in sub.choices[command]._actions for o in action.option_strings}


def test_every_flag_named_is_a_flag_of_check_and_every_argument_it_gives_has_one():
    flags = check_flags()
    assert set(API_FLAGS.values()) <= set(flags)
    args = build_parser().parse_args(["check", "--policy", "p.yaml", "--data", "d.csv"])
    given = {"policy", "data", *evaluate_arguments(args)}
    assert given | {"output_dir"} == set(API_FLAGS)
    assert given <= set(inspect.signature(evaluate).parameters)
    assert "output_dir" in inspect.signature(Result.write).parameters


def refusal(frame, model, argument: str, value: object) -> GateError:
    arguments = {"policy": POLICY, "data": frame, "model": model, argument: value}
    with pytest.raises(GateError) as caught:
        evaluate(**arguments)
    return caught.value


@pytest.mark.parametrize("argument", sorted(set(API_FLAGS) - {"output_dir"}))
def test_every_api_argument_with_a_flag_is_named_by_its_flag_on_the_command_line(
    frame, model, argument
):
    values = [v for a, v, *_ in WRONG_KINDS if a == argument] + [EMPTY.get(argument, "")]
    refused = [refusal(frame, model, argument, v) for v in values]
    named = [e for e in refused if isinstance(e, ArgumentError)]
    assert named, f"no value of {argument} is refused as an argument: {refused}"
    flag = API_FLAGS[argument]
    for exc in named:
        assert str(exc).startswith(argument)  # the Python caller reads the argument's name
        shown = str(flag_named(exc, "check"))
        assert shown.startswith(flag) and not shown.startswith(argument), shown


def test_output_dir_is_named_by_its_flag_on_the_command_line(frame, model):
    result = evaluate(POLICY, frame, model=model, resamples=50)
    with pytest.raises(ArgumentError) as caught:
        result.write(5)
    assert str(caught.value).startswith("output_dir must be a directory's path")
    assert str(flag_named(caught.value, "dry-run")).startswith("--output-dir must be")


def test_a_command_whose_values_come_from_files_keeps_the_arguments_names():
    """test-policy hands a cases file's values to the API: no flag gave them."""
    exc = ArgumentError("today", " must be a date or YYYY-MM-DD, not 'x'")
    assert {"check", "dry-run", "profile", "analyze"} == FLAGGED
    assert str(flag_named(exc, "test-policy")) == "today must be a date or YYYY-MM-DD, not 'x'"


def test_analyze_names_the_flags_its_api_arguments_come_from_and_no_other():
    """analyze's policy, columns, seed and resamples come from its flags; its data (the joined
    logs) and the date waivers expire by (the clock) from none, so they keep their names."""
    flags = check_flags("analyze")
    assert set(ANALYZE_FLAGS.values()) <= set(flags)
    assert set(ANALYZE_FLAGS) - {"output_dir"} <= set(inspect.signature(evaluate).parameters)
    for argument, flag in ANALYZE_FLAGS.items():
        exc = ArgumentError(argument, " must be a whole number", " must not be empty")
        assert str(flag_named(exc, "analyze")) == f"{flag} must not be empty"
    for argument in ("data", "today", "model", "sensitive"):
        exc = ArgumentError(argument, " is wrong")
        assert str(flag_named(exc, "analyze")) == f"{argument} is wrong"


@pytest.fixture(scope="module")
def files(tmp_path_factory, frame):
    tmp = tmp_path_factory.mktemp("flags")
    frame.assign(s=frame[FEATURES[0]]).to_csv(tmp / "d.csv", index=False)
    write_policy(
        tmp / "p.yaml",
        """
        version: 1
        data: {label: y, score: s, sensitive: [sex]}
        checks: [{id: auc, type: performance, metric: roc_auc, min: 0.5}]
        """,
    )
    write_policy(tmp / "r.yaml", (tmp / "p.yaml").read_text().replace("\n", "\nmode: report\n", 1))
    return tmp


FROM_THE_COMMAND_LINE = [  # (flag, its value, what stderr says)
    *((flag, "", f"{flag} must not be empty") for flag in (
        "--policy", "--data", "--model", "--baseline-model", "--reference", "--model-card",
        "--base-policy", "--label", "--score", "--prediction", "--weight", "--scheduler",
        "--model-sha256", "--baseline-model-sha256", "--trust-type",
    )),
    ("--sensitive", ",", "--sensitive: give one or more column names, not ','"),
    ("--features", "", "--features: give one or more column names, not ''"),
]  # fmt: skip


@pytest.mark.parametrize(("flag", "value", "says"), FROM_THE_COMMAND_LINE)
def test_the_command_line_names_the_flag(files, capsys, flag, value, says):
    from gate.cli import main

    args = {"--policy": str(files / "p.yaml"), "--data": str(files / "d.csv"), flag: value}
    code = main(["check", *(x for pair in args.items() for x in pair)])
    err = capsys.readouterr().err
    assert code == 2 and err == f"model-gate: error: {says}\n"


def test_report_only_with_fail_on_warn_names_the_flag_or_the_argument(files, frame):
    result = run_cli("check", "--policy", files / "r.yaml", "--data", files / "d.csv",
                     "--fail-on-warn")  # fmt: skip
    assert result.code == 2 and "error: --fail-on-warn asks for a gate decision" in result.stderr
    with pytest.raises(ArgumentError, match=r"^fail_on_warn asks for a gate decision"):
        evaluate(files / "r.yaml", frame, fail_on_warn=True)
