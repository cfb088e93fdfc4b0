"""The command line: parse, dispatch to a command, map errors to exit codes. Nothing else.

Heavy libraries are imported by the commands, never here, so `--version` and `--help` are fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence

from gate import __version__, cli_parsers, cli_rollouts, limits
from gate.cli_parsers import HelpFormatter, add_format_argument, add_loading_arguments

EXAMPLES = """\
examples:
  model-gate init --model model.skops --data eval.csv --sensitive sex --ci github
  model-gate validate policy.yaml
  model-gate check --policy policy.yaml --model model.skops --data eval.csv \\
      --baseline-model prod.skops --output-dir out --format markdown html junit
  model-gate check --policy policy.yaml --model model.skops --data eval.csv \\
      --output-dir monitor --format prometheus --push-gateway http://localhost:9091
  model-gate dry-run --policy policy.yaml --model model.skops --data eval.csv
  model-gate init --data scored.parquet --score score --output scored.yaml --ci none
  model-gate dry-run --policy scored.yaml --data scored.parquet
  model-gate validate policy.yaml scored.yaml
  model-gate policies list
  model-gate metrics

exit codes: 0 approved, 1 blocked, 2 usage / input / policy error (never an approval),
            3 internal error
"""

CHECK_HELP = """\
Evaluate the policy's checks on the candidate model (or on the score / prediction columns
of the data) and approve or block. Prints the terminal report; --output-dir receives
report.json plus every --format asked for.
"""


def _argtype(parse: type, check: Callable[..., object], name: str) -> Callable[[str], object]:
    """An argparse type: parse the text, then apply a bound from gate.limits (exit 2 if out)."""
    from gate.errors import UsageError

    def convert(text: str) -> object:
        try:
            value = parse(text)
        except ValueError:
            noun = "whole number" if parse is int else "number"
            raise argparse.ArgumentTypeError(f"not a {noun}: {text!r}") from None
        try:
            return check(value, name)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--policy", required=True, metavar="P.yaml", help="the policy file")
    p.add_argument("--data", required=True, metavar="D", help="evaluation data (.csv, .parquet)")
    p.add_argument(
        "--model",
        metavar="M",
        help="candidate model (.skops, .onnx, MLflow dir, pinned pickle, or a registry URI: "
        "models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN_ID/PATH); omit to read score / "
        "prediction columns from the data",
    )
    p.add_argument(
        "--baseline-model",
        metavar="B",
        help="production model to compare against (a file, or e.g. models:/credit@champion)",
    )
    p.add_argument(
        "--reference",
        metavar="R",
        help="reference data for drift checks: a data file, or a profile saved by "
        "`model-gate profile` (.profile)",
    )
    p.add_argument(
        "--model-card",
        metavar="C",
        help="model card (.yaml, or .md with YAML front matter) for documentation checks",
    )
    p.add_argument("--output-dir", metavar="DIR", help="write report.json (and --format files)")
    add_format_argument(p)
    p.add_argument(
        "--base-policy",
        metavar="P.yaml",
        help="the policy before this change "
        "(e.g. from the target branch): report what the change loosens",
    )
    p.add_argument("--fail-on-warn", action="store_true", help="block on warnings too")
    p.add_argument(
        "--no-waivers",
        action="store_true",
        help="ignore every waiver (see the decision without exceptions)",
    )
    p.add_argument(
        "--seed",
        type=_argtype(int, limits.seed, "--seed"),
        default=0,
        help="seed for resampling (default 0)",
    )
    p.add_argument(
        "--resamples",
        type=_argtype(int, limits.resamples, "--resamples"),
        default=1000,
        help="bootstrap resamples for confidence intervals (default 1000)",
    )
    posting = p.add_argument_group("posting the report (check only; dry-run posts nothing)")
    posting.add_argument(
        "--comment",
        choices=["github", "gitlab"],
        help="post the report on the pull / merge request of this CI run",
    )
    posting.add_argument(
        "--comment-mode",
        default="update",
        choices=["update", "new", "delete-and-new", "off"],
        help="update one sticky comment (default), add a new one each run, "
        "replace it, or post none (GitHub: summary and annotations only)",
    )
    posting.add_argument(
        "--comment-key",
        metavar="KEY",
        help="tells this gate's comment apart (default: the policy name)",
    )
    posting.add_argument(
        "--comment-author",
        metavar="LOGIN",
        help="only update comments by this account (GitHub default: "
        "github-actions[bot]; GitLab default: the token's user)",
    )
    posting.add_argument(
        "--commit-status",
        action="store_true",
        help="GitHub: also set a commit status on the head commit",
    )
    cli_parsers.add_push_argument(posting)
    cli_parsers.add_mlflow_argument(posting)
    _add_input_arguments(p)


def _add_input_arguments(p: argparse.ArgumentParser) -> None:
    """Model loading and column binding, shared by check, dry-run and profile."""
    p.add_argument(
        "--batch-rows",
        type=_argtype(int, limits.batch_rows, "--batch-rows"),
        default=limits.DEFAULT_BATCH_ROWS,
        help="rows read, scored and profiled at once: memory grows with this times the columns "
        f"(default {limits.DEFAULT_BATCH_ROWS})",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress on stderr (default: a live display on a terminal, else a log line "
        "every 5 s once a pass takes that long)",
    )
    engine = p.add_argument_group("where the data is profiled")
    engine.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="local: this process, batch by batch (default); dask: partitions on Dask workers "
        "(needs model-gate[dask])",
    )
    engine.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler (tcp://HOST:8786); default: a local "
        "cluster for this run",
    )
    add_loading_arguments(p, baseline=True)
    binding = p.add_argument_group("column binding (overrides the policy's data: section)")
    for name in ("label", "score", "prediction", "weight"):
        binding.add_argument(f"--{name}", metavar="COLUMN", help=f"the {name} column")
    binding.add_argument(
        "--threshold",
        type=_argtype(float, limits.finite, "--threshold"),
        help="score >= threshold is positive",
    )
    binding.add_argument("--positive-label", metavar="VALUE", help="the positive label value")
    binding.add_argument(
        "--features",
        action="append",
        metavar="A,B,...",
        help="the model's input columns, in order (comma-separated, repeatable): for a model "
        "that does not record its input names",
    )
    binding.add_argument(
        "--sensitive",
        action="append",
        metavar="A,B,...",
        help="the sensitive feature columns (comma-separated, repeatable); a check's own "
        "sensitive: list still wins",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="model-gate",
        description="A policy-as-code deployment gate for ML models.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"model-gate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in (
        ("check", "evaluate and approve or block (exit 0 / 1)"),
        ("dry-run", "evaluate and print the pull-request report (exit 0)"),
    ):
        p = sub.add_parser(
            name,
            help=text,
            description=CHECK_HELP,
            epilog=EXAMPLES,
            formatter_class=HelpFormatter,
        )
        _add_run_arguments(p)
    cli_parsers.add_init_parser(sub)
    cli_parsers.add_comment_parser(sub)
    p = cli_parsers.subparser(
        sub,
        "profile",
        "save the profile of a data set (e.g. a drift reference) for later runs",
        "Stream DATA once (scored by --model when given) into a profile: the "
        "mergeable statistics checks read, saved to OUT.profile. No rows are stored.",
    )
    p.add_argument("--policy", required=True, metavar="P.yaml", help="the policy file")
    p.add_argument("--data", required=True, metavar="D", help="data (.csv, .parquet)")
    p.add_argument("--model", metavar="M", help="the model whose outputs to profile too")
    p.add_argument("-o", "--output", required=True, metavar="OUT.profile", help="where to write")
    _add_input_arguments(p)
    cli_parsers.add_policy_parsers(sub)
    cli_parsers.add_metrics_parser(sub)
    cli_parsers.add_promote_parser(sub)
    cli_parsers.add_log_to_mlflow_parser(sub)
    cli_rollouts.add_analyze_parser(sub, _argtype)
    cli_rollouts.add_serve_parser(sub, _argtype)
    return parser


def _command(spec: str) -> Callable[..., int]:
    """The command function named "module:function", imported only when it runs."""
    module, name = spec.split(":")
    return getattr(importlib.import_module(f"gate.commands.{module}"), name)


#: each sub-command: how to call its command with the parsed arguments
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": lambda a: _command("check:check")(a, dry_run=False),
    "dry-run": lambda a: _command("check:check")(a, dry_run=True),
    "profile": lambda a: _command("profile:profile")(a),
    "comment": lambda a: _command("comment:comment")(a),
    "test-policy": lambda a: _command("test_policy:test_policy")(a.paths),
    "validate": lambda a: _command("validate:validate")(a.paths),
    "policies": lambda a: _command("policies:policies")(a.action, a.name),
    "schema": lambda a: _command("schema:print_schema")(a.which, a.output),
    "init": lambda a: _command("init:init")(a),
    "metrics": lambda a: _command("metrics:metrics")(a.format),
    "promote": lambda a: _command("promote:promote")(a),
    "log-to-mlflow": lambda a: _command("mlflow_log:log_report")(a),
    "analyze": lambda a: _command("analyze:analyze_command")(a),
    "serve": lambda a: _command("serve:serve")(a),
}


def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen command; returns its exit code."""
    if args.command in COMMANDS:
        return COMMANDS[args.command](args)
    build_parser().print_help()
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: the one place errors become exit codes."""
    args = build_parser().parse_args(argv)
    from gate.cli_flags import flag_named
    from gate.errors import ArgumentError, GateError, PolicyError

    try:
        return dispatch(args)
    except PolicyError as exc:
        for loc, message in exc.problems:
            _say(f"policy error: {loc}", message)
        return exc.exit_code
    except ArgumentError as exc:  # named by the flag the value came from, not the argument
        _say("error", str(flag_named(exc, args.command)))
        return exc.exit_code
    except GateError as exc:
        _say("error", str(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        print("model-gate: interrupted", file=sys.stderr)
        return 3
    except Exception:
        return _internal_error()


def _say(kind: str, message: str) -> None:
    """A user error on stderr, escaped for the terminal (messages quote file contents) but for
    its line breaks and tabs; every line begins `model-gate:`, so none begins with text a CI
    runner would take as a workflow command."""
    from gate.report.escape import term

    first, *more = term(f"{kind}: {message}", keep="\t\n").split("\n")
    lines = [f"model-gate: {first}", *(f"model-gate:   {line}" for line in more)]
    print("\n".join(lines), file=sys.stderr)


def _internal_error() -> int:
    """Exit 3 with a crash log; never an approval."""
    fd, path = tempfile.mkstemp(prefix="model-gate-crash-", suffix=".log")
    with os.fdopen(fd, "w") as fh:
        fh.write(f"model-gate {__version__}\n{traceback.format_exc()}")
    print(
        f"model-gate: internal error (a bug in model-gate, not in your inputs); "
        f"details in {path}. Nothing was approved.",
        file=sys.stderr,
    )
    return 3
