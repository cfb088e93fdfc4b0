"""The argument parsers of the smaller sub-commands, their examples, and shared argparse parts.

gate/cli_run.py holds the run commands' arguments (check, dry-run, profile), gate/cli_registry.py
and gate/cli_rollouts.py the registry and rollout commands'; gate/cli.py builds the parser and
dispatches.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from gate.commands.test_policy_help import HELP as TEST_POLICY_HELP

FORMATS_PLACEHOLDER = "{FORMATS}"

EXAMPLES = {
    "comment": """\
examples:
  model-gate comment model-gate-report/report.json --platform github --pr 42
  model-gate comment report.json --platform gitlab --policy base-policy.yaml
""",
    "profile": """\
examples:
  model-gate profile --policy policy.yaml --model model.skops --data reference.parquet \\
      -o reference.profile
  model-gate check --policy policy.yaml --model model.skops --data eval.csv \\
      --reference reference.profile
""",
    "test-policy": TEST_POLICY_HELP,
    "validate": """\
examples:
  model-gate validate policy.yaml
  model-gate validate policy.yaml scored.yaml
""",
    "policies": """\
examples:
  model-gate policies list
  model-gate policies show nyc-ll144
""",
    "schema": """\
examples:
  model-gate schema policy > policy.schema.json
  model-gate schema report
""",
    "init": """\
examples:
  model-gate init --model model.skops --data eval.csv
  model-gate init --model model.skops --data eval.parquet --label default \\
      --sensitive sex,race --output policies/deploy.yaml --ci github
  model-gate init --data scored.csv --score score --label y --output scored.yaml --ci none
""",
    "metrics": """\
examples:
  model-gate metrics
  model-gate metrics --format json
""",
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps epilogs as written; fills the list of output formats in only when help is shown,
    so building the parser never imports the report modules."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text and FORMATS_PLACEHOLDER in text:
            from gate.report import FORMATS

            text = text.replace(FORMATS_PLACEHOLDER, ", ".join(sorted(FORMATS)))
        return text


class CommaList(argparse.Action):
    """A list option taking several values per flag, space- or comma-separated, repeatable:
    `-f a b`, `-f a,b` and `-f a -f b` all give [a, b]. Names are checked by the command."""

    keep_empty = False  # keep a value naming nothing (`-f ,`, `-f ''`) for the command to refuse

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])
        for value in values if isinstance(values, list) else [values]:
            parts = [part.strip() for part in str(value).split(",") if part.strip()]
            items.extend(parts or ([str(value)] if self.keep_empty else []))
        setattr(namespace, self.dest, items)


class FormatList(CommaList):
    """--format's list: a value naming no format is kept, and refused by the command."""

    keep_empty = True


def add_format_argument(p: argparse.ArgumentParser) -> None:
    """--format: one or more output formats; the names come from the report registry."""
    p.add_argument(
        "--format",
        nargs="+",
        action=FormatList,
        default=[],
        metavar="F",
        help="extra output formats, several at once (`--format markdown html`, "
        f"`--format markdown,html`, or repeated): {FORMATS_PLACEHOLDER}",
    )


def add_push_argument(group: Any) -> None:
    """--push-gateway: push the run's metrics to a Prometheus Pushgateway (check only)."""
    group.add_argument(
        "--push-gateway",
        metavar="URL",
        help="push the run's metrics (as --format prometheus writes them) to this Prometheus "
        "Pushgateway, job model-gate, grouped by policy and model (needs model-gate[prometheus]; "
        "basic auth from MODEL_GATE_PUSHGATEWAY_USERNAME / _PASSWORD); a failed push exits 2; "
        'a run ending in exit 2 or 3 pushes decision="error"',
    )
    group.add_argument(
        "--push-label",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --push-gateway: one more label of the Pushgateway group and of every pushed "
        "series (repeatable): one group is one monitored thing; model=NAME replaces the "
        "default identity (registry name/version, model file name, else data file name)",
    )


def subparser(
    sub: Any,
    name: str,
    help: str,
    description: str | None = None,
    examples: str | None = None,
) -> argparse.ArgumentParser:
    """A sub-command's parser with its examples (default: EXAMPLES[name]) as the epilog."""
    return sub.add_parser(
        name,
        help=help,
        description=textwrap.fill(description or help[0].upper() + help[1:] + ".", 88),
        epilog=EXAMPLES[name] if examples is None else examples,
        formatter_class=HelpFormatter,
    )


def add_comment_parser(sub: Any) -> None:
    p = subparser(
        sub,
        "comment",
        "post an existing report.json to a pull / merge request",
        "Re-render REPORT.json and post it as the sticky comment: "
        "for a privileged workflow_run job that must not run untrusted code.",
    )
    p.add_argument("report", metavar="REPORT.json")
    p.add_argument("--platform", dest="comment", required=True, choices=["github", "gitlab"])
    p.add_argument(
        "--policy",
        metavar="P.yaml",
        help="a trusted policy (e.g. the base branch's): refuse a report whose checks are not "
        "exactly its checks (ids, types, metrics, severities, bounds, waivers)",
    )
    p.add_argument(
        "--pr",
        type=int,
        help="GitHub: the pull-request number (when the event "
        "does not carry one, as in workflow_run)",
    )
    p.add_argument(
        "--comment-mode", default="update", choices=["update", "new", "delete-and-new", "off"]
    )
    p.add_argument("--comment-key", metavar="KEY")
    p.add_argument("--comment-author", metavar="LOGIN")
    p.add_argument("--commit-status", action="store_true")
    p.add_argument(
        "--sha",
        metavar="SHA",
        help="GitHub: the commit for --commit-status (default: the event's pull-request or "
        "workflow_run head, else GITHUB_SHA)",
    )


def add_policy_parsers(sub: Any) -> None:
    """test-policy, validate, policies and schema."""
    p = subparser(sub, "test-policy", "run policy unit tests (fixtures + expected outcomes)")
    p.add_argument("paths", nargs="+", metavar="CASES.yaml")
    p = subparser(sub, "validate", "check policy files (schema and meaning)")
    p.add_argument("paths", nargs="+", metavar="P.yaml")
    p = subparser(sub, "policies", "the built-in policy packs")
    p.add_argument("action", choices=["list", "show"])
    p.add_argument("name", nargs="?", help="the pack to show")
    p = subparser(sub, "schema", "print a published JSON Schema (policy or report)")
    p.add_argument("which", choices=["policy", "report"])
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write it to FILE instead (e.g. model-gate-policy.schema.json, for editors)",
    )


def add_init_parser(sub: Any) -> None:
    p = subparser(
        sub,
        "init",
        "write a starter policy (and a CI workflow) for a model and its data",
        "Inspect the data's columns and the model's inputs and write a commented starter "
        "policy, the policy JSON Schema beside it (for editors), and a CI workflow. Asks "
        "nothing: everything comes from the flags. Never overwrites a file without --force.",
    )
    p.add_argument("--model", metavar="M", help="the model (.skops, .onnx, MLflow directory)")
    p.add_argument("--data", metavar="D", help="evaluation data (.csv, .parquet)")
    for name in ("label", "score", "prediction"):
        p.add_argument(f"--{name}", metavar="COLUMN", help=f"the {name} column")
    for name, text in (
        ("sensitive", "the sensitive columns fairness checks compare groups of"),
        ("features", "the model's inputs in training order, when the model does not name them"),
    ):
        p.add_argument(
            f"--{name}",
            action="append",
            metavar="A,B,...",
            help=f"{text} (comma-separated, repeatable, as for check)",
        )
    p.add_argument(
        "--task",
        choices=["binary_classification", "multiclass_classification", "regression"],
        help="the task, when neither the model nor the label's values tell (e.g. a "
        "whole-number regression target without a model)",
    )
    add_loading_arguments(p, baseline=False)
    p.add_argument("--name", help="the policy's name (default: the model's or data's file name)")
    p.add_argument(
        "-o",
        "--output",
        default="policy.yaml",
        metavar="P.yaml",
        help="where to write the policy (default: policy.yaml; its schema goes beside it)",
    )
    p.add_argument(
        "--ci",
        choices=["auto", "github", "gitlab", "none"],
        default="auto",
        help="the workflow to write (default auto: github if .github/ exists, gitlab if "
        ".gitlab-ci.yml does, else none)",
    )
    p.add_argument("--force", action="store_true", help="overwrite files that exist")


def add_metrics_parser(sub: Any) -> None:
    p = subparser(
        sub,
        "metrics",
        "list every metric a policy may name",
        "Every metric a policy may name, with its task, what it reads, which way is better "
        "and its definition; fairness metrics with the group metric they compare.",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")


def add_loading_arguments(p: argparse.ArgumentParser, *, baseline: bool) -> None:
    """How a model file may be loaded (check, dry-run, profile and init take the same)."""
    loading = p.add_argument_group("model loading")
    loading.add_argument(
        "--allow-pickle",
        action="store_true",
        help="allow pickle / joblib models (they run code when loaded)",
    )
    loading.add_argument("--model-sha256", metavar="HEX", help="required pin for a pickled model")
    if baseline:
        loading.add_argument(
            "--baseline-model-sha256",
            metavar="HEX",
            help="required pin for a pickled baseline model",
        )
    loading.add_argument(
        "--trust-type",
        action="append",
        default=[],
        metavar="NAME",
        help="trust this type in a skops file (repeatable)",
    )
