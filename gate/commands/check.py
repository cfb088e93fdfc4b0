"""`model-gate check` and `model-gate dry-run`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gate.commands.outputs import check_formats, write_reports
from gate.inputs.models import LoadPolicy
from gate.report import markdown, text
from gate.runner import RunOptions, run


def options_from(args: argparse.Namespace) -> RunOptions:
    """RunOptions from the parsed command line."""
    overrides: dict[str, Any] = {
        k: getattr(args, k)
        for k in ("label", "score", "prediction", "weight", "threshold")
        if getattr(args, k) is not None
    }
    if args.positive_label is not None:
        overrides["positive_label"] = args.positive_label
    trusted = tuple(args.trust_type)
    return RunOptions(
        policy=args.policy,
        data=args.data,
        model=args.model,
        baseline_model=args.baseline_model,
        model_card=args.model_card,
        base_policy=args.base_policy,
        overrides=overrides,
        model_rules=LoadPolicy(args.allow_pickle, args.model_sha256, trusted),
        baseline_rules=LoadPolicy(args.allow_pickle, args.baseline_model_sha256, trusted),
        fail_on_warn=args.fail_on_warn,
        no_waivers=args.no_waivers,
        seed=args.seed,
        resamples=args.resamples,
        batch_rows=args.batch_rows,
        engine=args.engine,
        scheduler=args.scheduler,
    )


def check(args: argparse.Namespace, dry_run: bool = False) -> int:
    """Evaluate; print the terminal (or, for dry-run, pull-request) report; write outputs."""
    formats = check_formats(args.format)
    evaluation = run(options_from(args))
    if args.output_dir:
        write_reports(evaluation, args.output_dir, formats)
    if dry_run:
        print(markdown.render(evaluation), end="")
        return 0
    print(text.render(evaluation, color=sys.stdout.isatty()), end="")
    if args.comment:
        from gate.commands.publish import publish

        publish(args, evaluation)
    return evaluation.decision.exit_code
