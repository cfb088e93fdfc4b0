"""The command line: parse, dispatch to a command, map errors to exit codes. Nothing else.

Heavy libraries are imported by the commands, never here, so `--version` and `--help` are fast.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence

from gate import __version__, cli_parsers, cli_registry, cli_rollouts, cli_run
from gate.cli_parsers import HelpFormatter

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
            description=cli_run.CHECK_HELP,
            epilog=EXAMPLES,
            formatter_class=HelpFormatter,
        )
        cli_run.add_run_arguments(p)
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
    cli_run.add_input_arguments(p)
    cli_parsers.add_policy_parsers(sub)
    cli_parsers.add_metrics_parser(sub)
    cli_registry.add_promote_parser(sub)
    cli_registry.add_log_to_mlflow_parser(sub)
    cli_rollouts.add_analyze_parser(sub, cli_run.argtype)
    cli_rollouts.add_serve_parser(sub, cli_run.argtype)
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
    return _run(args)


def entry() -> int:
    """The console script and `python -m gate`: main, then free what it left before the
    interpreter exits. Arrow objects still alive at exit (a streaming CSV reader left suspended
    by an input error, a batch a traceback held) tear down Arrow's threads after Arrow itself
    and abort the process ("terminate called without an active exception", exit -6, about one
    run in 30 ending on an input error; apache/arrow#34314): collect them while Arrow is alive.
    Only here: a full collection in a long-lived caller's heap (the API, a test process) costs
    far more than the command."""
    code = main()
    gc.collect()
    return code


def _run(args: argparse.Namespace) -> int:
    """The command's exit code; every error becomes its code here."""
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
