"""`model-gate analyze`: canary / shadow prediction logs plus delayed labels -> the policy's
checks -> approve (0), block (1) or inconclusive (4); see gate/commands/analysis.py."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd

from gate.commands.analysis import Analysis, AnalyzeRequest, analyze
from gate.errors import UsageError
from gate.inputs.prediction_logs import LogColumns, parse_duration, parse_time
from gate.report import text
from gate.report.output_dir import (
    KNOWN,
    check_formats,
    check_target,
    discard,
    refuse_links,
    render_set,
    write_set,
)
from gate.results import Evaluation, Verdict

RESULT_FILE = "analysis.json"
OURS = KNOWN | {RESULT_FILE}  # the files an --output-dir of analyze may hold


def request_from(args: argparse.Namespace) -> AnalyzeRequest:
    """The analysis the command line asks for."""
    as_of = pd.Timestamp.now(tz="UTC") if args.as_of is None else parse_time(args.as_of)
    return AnalyzeRequest(
        policy=args.policy,
        predictions=tuple(args.predictions),
        labels=args.labels,
        as_of=as_of,
        label_delay=None if args.label_delay is None else parse_duration(args.label_delay),
        candidate_version=args.candidate_version,
        min_samples=args.min_samples,
        min_group_samples=args.min_group_samples,
        mode=args.mode,
        columns=LogColumns(
            request_id=args.id_column,
            timestamp=args.timestamp_column,
            model_version=args.version_column,
            label_timestamp=args.label_timestamp_column,
        ),
        label=args.label_column,
        score=args.score,
        prediction=args.prediction,
        seed=args.seed,
        resamples=args.resamples,
    )


def analyze_command(args: argparse.Namespace) -> int:
    """Analyze; print the report and the decision; write --output-dir; exit 0 / 1 / 4.

    --output-dir is checked first (absent, or holding model-gate's files only); a run that
    then fails (exit 2 or 3) removes the previous run's files from it, in one step, so that
    no analysis.json of an earlier run is left looking like this run's result."""
    if args.output_dir == "":
        raise UsageError("--output-dir: give a directory, not ''")
    if args.output_dir:  # a directory that is not ours is refused untouched
        refuse_links(args.output_dir)
        check_target(Path(os.path.abspath(args.output_dir)), args.output_dir, OURS)
    try:
        analysis = _analyzed(args)
    except BaseException:
        if args.output_dir and withdraw(args.output_dir):
            print(
                f"model-gate: removed the previous results in --output-dir {args.output_dir} "
                "(this run failed; they are not its results)",
                file=sys.stderr,
            )
        raise
    if analysis.result is not None:
        print(text.render(console(analysis), color=sys.stdout.isatty()), end="")
    print(summary(analysis))
    return analysis.exit_code


def _analyzed(args: argparse.Namespace) -> Analysis:
    """Check the other arguments, analyze, and write --output-dir."""
    formats = check_formats(args.format)
    if args.format and not args.output_dir:
        raise UsageError(f"--format {' '.join(args.format)} needs --output-dir")
    for flag, paths in (("--predictions", args.predictions), ("--labels", [args.labels])):
        if "" in paths:  # a path '' would read as the current directory
            raise UsageError(f"{flag} must not be empty")
    analysis = analyze(request_from(args))
    if args.output_dir:
        write(analysis, args.output_dir, formats)
    return analysis


def console(analysis: Analysis) -> Evaluation:
    """The checks' report as the console prints it (review12e #9): its headline states the
    analysis's decision and exit code, as every file does; the reasons and notices follow in
    the summary, so they are not repeated among the report's notes."""
    evaluation = as_analysed(analysis)
    assert analysis.result is not None
    notes = analysis.result.evaluation.decision.notes
    decision = dataclasses.replace(evaluation.decision, notes=notes)
    return dataclasses.replace(evaluation, decision=decision)


def summary(analysis: Analysis) -> str:
    """The closing lines: the decision, the rows it rests on, and why."""
    c = analysis.joined.counts
    if "candidate_labelled" not in c:  # refused before the join: its counts are not there
        head = (
            f"analysis: {analysis.decision.upper()} (exit {analysis.exit_code}) — candidate "
            f"{analysis.joined.candidate_version}: {c['candidate_predictions']} prediction(s)"
        )
        return "\n".join([head, *(f"  - {reason}" for reason in analysis.reasons)])
    lines = [
        f"analysis: {analysis.decision.upper()} (exit {analysis.exit_code}) — candidate "
        f"{analysis.joined.candidate_version}: {c['candidate_labelled']} labelled row(s) of "
        f"{c['candidate_predictions']} prediction(s); {c['labels_matured']} label(s) past the "
        f"delay, {c['labels_not_yet_matured']} not yet, {c['labels_pending_correction']} "
        "pending correction(s)"
        + f"; {c['live_after_candidate']} live request(s) after the candidate's last prediction"
    ]
    checks = analysis.result.decision if analysis.result else None
    if checks is not None and checks != analysis.decision:
        lines.append(f"  the checks' own verdict ({checks}) is not the decision, because:")
    lines += [f"  - {reason}" for reason in analysis.reasons]
    lines += [f"  note: {notice}" for notice in analysis.notices]
    return "\n".join(lines)


def result_json(analysis: Analysis) -> bytes:
    return (json.dumps(analysis.as_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8")


def withdraw(output_dir: str) -> bool:
    """Remove --output-dir's previous set, all or nothing: renamed aside in one step (a
    reader then finds no directory, never a stale one), then deleted; whether there was one."""
    target = Path(os.path.abspath(output_dir))
    if not target.is_dir():
        return False
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.model-gate-stale-", dir=target.parent))
    try:
        os.rename(target, aside)
    except OSError:
        os.rmdir(aside)
        return False
    discard(aside)
    return True


def write(analysis: Analysis, output_dir: str, formats: list[str]) -> None:
    """analysis.json, and (when the checks ran) report.json, evidence.json and the formats:
    the directory replaced as a whole, as `check --output-dir` does."""
    files = render_set(as_analysed(analysis), formats) if analysis.result else {}
    files[RESULT_FILE] = result_json(analysis)
    write_set(files, output_dir)


def as_analysed(analysis: Analysis) -> Evaluation:
    """The checks' evaluation as every output of this run states it (review12d #14): the
    analysis's decision and exit code (the checks' own verdict, analysis.json's
    report_decision, in a note when it differs), its reasons and notices as notes, and the data
    named by the logs and the candidate version (the `model` label of metrics.prom)."""
    assert analysis.result is not None
    evaluation = analysis.result.evaluation
    d = evaluation.decision
    notes = list(d.notes)
    if analysis.decision != d.verdict.value:
        notes.append(f"the checks' own verdict is {d.verdict.value}; the analysis decides:")
        notes += [f"- {reason}" for reason in analysis.reasons]
    notes += list(analysis.notices)
    verdict = Verdict(analysis.decision)
    checks_verdict = d.verdict if verdict is not d.verdict else None
    decision = dataclasses.replace(
        d, verdict=verdict, notes=tuple(notes), checks_verdict=checks_verdict
    )
    logs = "+".join(Path(p).name for p in analysis.request.predictions)
    data = dict(evaluation.inputs.get("data") or {})
    data["path"] = f"{logs}@{analysis.joined.candidate_version}"
    marker = {"candidate_version": analysis.joined.candidate_version}
    inputs = {**evaluation.inputs, "data": data, "analysis": marker}
    return dataclasses.replace(evaluation, decision=decision, inputs=inputs)
