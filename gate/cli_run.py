"""The arguments of the run commands (check, dry-run, profile): inputs, outputs, posting, model
loading and column binding; gate/cli.py builds their parsers from these."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from gate import cli_parsers, cli_registry, limits
from gate.cli_parsers import add_format_argument, add_loading_arguments

CHECK_HELP = """\
Evaluate the policy's checks on the candidate model (or on the score / prediction columns
of the data) and approve or block. Prints the terminal report; --output-dir receives
report.json plus every --format asked for.
"""


def argtype(parse: type, check: Callable[..., object], name: str) -> Callable[[str], object]:
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


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """check's and dry-run's arguments: inputs, outputs, posting, and the shared loading ones."""
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
        type=argtype(int, limits.seed, "--seed"),
        default=0,
        help="seed for resampling (default 0)",
    )
    p.add_argument(
        "--resamples",
        type=argtype(int, limits.resamples, "--resamples"),
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
    cli_registry.add_mlflow_argument(posting)
    add_input_arguments(p)


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """Model loading and column binding, shared by check, dry-run and profile."""
    p.add_argument(
        "--batch-rows",
        type=argtype(int, limits.batch_rows, "--batch-rows"),
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
        type=argtype(float, limits.finite, "--threshold"),
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
