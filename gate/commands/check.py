"""`model-gate check` and `model-gate dry-run`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gate.backends import progress
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
        baseline_model=getattr(args, "baseline_model", None),
        reference=getattr(args, "reference", None),
        model_card=getattr(args, "model_card", None),
        base_policy=getattr(args, "base_policy", None),
        overrides=overrides,
        model_rules=LoadPolicy(args.allow_pickle, args.model_sha256, trusted),
        baseline_rules=LoadPolicy(args.allow_pickle, args.baseline_model_sha256, trusted),
        fail_on_warn=getattr(args, "fail_on_warn", False),
        no_waivers=getattr(args, "no_waivers", False),
        seed=getattr(args, "seed", 0),
        resamples=getattr(args, "resamples", 1000),
        batch_rows=args.batch_rows,
        progress=None if args.no_progress else progress.track,
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
