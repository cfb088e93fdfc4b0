"""`model-gate check` and `model-gate dry-run`: a thin layer over the Python API (gate.api)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gate.api import Result, evaluate, run_options
from gate.errors import UsageError
from gate.options import RunOptions
from gate.report import markdown, text
from gate.report.output_dir import check_formats


def evaluate_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """`evaluate()`'s arguments from the parsed command line."""
    given = {
        k: getattr(args, k, None)
        for k in ("label", "score", "prediction", "weight", "threshold", "positive_label")
    }
    return {
        "model": args.model,
        "baseline": getattr(args, "baseline_model", None),
        "reference": getattr(args, "reference", None),
        "model_card": getattr(args, "model_card", None),
        "base_policy": getattr(args, "base_policy", None),
        **given,
        "sensitive": _joined(getattr(args, "sensitive", None)),
        "features": _joined(getattr(args, "features", None)),
        "seed": getattr(args, "seed", 0),
        "resamples": getattr(args, "resamples", 1000),
        "engine": args.engine,
        "scheduler": args.scheduler,
        "batch_rows": args.batch_rows,
        "fail_on_warn": getattr(args, "fail_on_warn", False),
        "no_waivers": getattr(args, "no_waivers", False),
        "progress": not args.no_progress,
        "allow_pickle": args.allow_pickle,
        "model_sha256": args.model_sha256,
        "baseline_sha256": args.baseline_model_sha256,
        "trust_types": tuple(args.trust_type),
    }


def options_from(args: argparse.Namespace) -> RunOptions:
    """RunOptions from the parsed command line (`profile` shares the inputs' flags)."""
    return run_options(args.policy, args.data, **evaluate_arguments(args))


def _joined(values: list[str] | None) -> str | None:
    """Repeated comma-separated flags (--sensitive sex --sensitive race,age) as one list."""
    return None if not values else ",".join(values)


def _check_output_dir(output_dir: str | None, formats: list[str]) -> None:
    """UsageError for an empty --output-dir, or --format without one: every format is a file
    written there (nothing prints a format to stdout), so it would be dropped unsaid."""
    if output_dir == "":
        raise UsageError("--output-dir: give a directory, not ''")
    if formats and output_dir is None:
        raise UsageError(
            f"--format {' '.join(formats)} needs --output-dir: the formats are files written there"
        )


#: check's posting flags, and what dry-run, which posts nothing, leaves undone for each
NOT_POSTED = {
    "comment": ("--comment", "nothing is posted"),
    "commit_status": ("--commit-status", "nothing is posted"),
    "push_gateway": ("--push-gateway", "nothing is pushed"),
    "push_label": ("--push-label", "nothing is pushed"),
    "log_to_mlflow": ("--log-to-mlflow", "nothing is logged"),
}


def _say_not_posted(args: argparse.Namespace, formats: list[str]) -> None:
    """dry-run: one notice on stderr per posting flag given, so none is dropped unsaid."""
    labelled = "prometheus" in formats and bool(args.output_dir)  # metrics.prom takes them
    for dest, (flag, undone) in NOT_POSTED.items():
        if getattr(args, dest, None) and not (dest == "push_label" and labelled):
            print(f"model-gate: dry-run: {flag} not used: {undone}", file=sys.stderr)


def _prepare_push(args: argparse.Namespace, formats: list[str], dry_run: bool) -> str | None:
    """The --push-gateway URL (None for dry-run, which posts nothing), checked before the
    evaluation, as are its --push-label's (which label metrics.prom too) and the library
    --format prometheus needs."""
    from gate.report import prometheus

    url = None if dry_run else getattr(args, "push_gateway", None)
    if url is not None:
        from gate.ci import pushgateway

        for warning in pushgateway.prepare(url):
            print(f"model-gate: {warning}", file=sys.stderr)
    elif "prometheus" in formats:
        prometheus.require()
    elif getattr(args, "push_label", None) and not dry_run:
        raise UsageError(
            "--push-label needs --push-gateway or --format prometheus: it labels the pushed "
            "group and metrics.prom's series"
        )
    run_labels(args)
    return url


def run_labels(args: argparse.Namespace) -> dict[str, str]:
    """--push-label's (checked: UsageError), the monitored thing's labels on every series."""
    if not getattr(args, "push_label", None):
        return {}
    from gate.ci import pushgateway

    return pushgateway.labels(args.push_label)


def _push(result: Result, url: str, args: argparse.Namespace) -> int:
    """Push the metrics; a failed push is exit 2 (the monitor would go silent otherwise)."""
    from gate.ci import pushgateway

    try:
        said = pushgateway.push(result.evaluation, url, extra=run_labels(args))
        print(f"model-gate: {said}", file=sys.stderr)
    except pushgateway.PushError as exc:
        verdict = result.evaluation.decision.verdict.value
        print(
            f"model-gate: error: {exc}; the decision was {verdict} (exit {result.exit_code}), "
            "exiting 2 because the monitor did not receive it",
            file=sys.stderr,
        )
        return 2
    return result.exit_code


def check(args: argparse.Namespace, dry_run: bool = False) -> int:
    """Evaluate; print the terminal (or, for dry-run, pull-request) report; write outputs;
    post the comment and push the metrics when asked. A run that ends in exit 2 or 3 once the
    inputs are known (an error or an interrupt, during the evaluation or after it, before the
    push) publishes the error set (gate/commands/check_error.py)."""
    formats = check_formats(args.format)
    _check_output_dir(args.output_dir, args.format)
    if dry_run:
        _say_not_posted(args, formats)
    push_url = _prepare_push(args, formats, dry_run)
    written = False
    try:
        if not dry_run and getattr(args, "log_to_mlflow", False):
            from gate.commands.mlflow_log import preflight

            preflight(args)
        result: Result = evaluate(args.policy, args.data, **evaluate_arguments(args))
        labels = run_labels(args) if "prometheus" in formats else None
        paths = result.write(args.output_dir, formats, labels) if args.output_dir else []
        written = True
        if dry_run:
            print(markdown.render(result.evaluation), end="")
            return 0
        _report(args, result, paths)
    except (Exception, KeyboardInterrupt) as exc:
        if not dry_run:
            from gate.commands.check_error import publish_error

            # once the report set is written, metrics.prom is the evaluation's own (listed in
            # evidence.json with its digest): only the push still owes the run's end
            publish_error(args, [] if written else formats, push_url, exc)
        raise
    return _push(result, push_url, args) if push_url is not None else result.exit_code


def _report(args: argparse.Namespace, result: Result, written: list[Path]) -> None:
    """Print the terminal report; post the comment and log to MLflow when asked (each a
    warning when it fails: the decision stands)."""
    print(text.render(result.evaluation, color=sys.stdout.isatty()), end="")
    if args.comment:
        from gate.commands.publish import publish

        publish(args, result.evaluation)
    if getattr(args, "log_to_mlflow", False):
        from gate.commands.mlflow_log import log_to_mlflow

        log_to_mlflow(result.evaluation, written)
