"""The flags behind the Python API's arguments: an argument error (gate.errors.ArgumentError)
raised while a command runs names the flag the value came from (`--model-card must be a
path`, analyze's `--label-column must not be empty`), not evaluate()'s argument (`model_card
must be a path`)."""

from __future__ import annotations

from gate.errors import ArgumentError

#: evaluate()'s arguments (gate.api) as the flags that give them
API_FLAGS = {
    "policy": "--policy",
    "data": "--data",
    "model": "--model",
    "baseline": "--baseline-model",
    "reference": "--reference",
    "model_card": "--model-card",
    "base_policy": "--base-policy",
    "label": "--label",
    "score": "--score",
    "prediction": "--prediction",
    "weight": "--weight",
    "threshold": "--threshold",
    "positive_label": "--positive-label",
    "sensitive": "--sensitive",
    "features": "--features",
    "seed": "--seed",
    "resamples": "--resamples",
    "engine": "--engine",
    "scheduler": "--scheduler",
    "batch_rows": "--batch-rows",
    "fail_on_warn": "--fail-on-warn",
    "no_waivers": "--no-waivers",
    "progress": "--no-progress",
    "allow_pickle": "--allow-pickle",
    "model_sha256": "--model-sha256",
    "baseline_sha256": "--baseline-model-sha256",
    "trust_types": "--trust-type",
    "output_dir": "--output-dir",
}
#: analyze's flags behind the API arguments it passes; its data (the joined logs) and the date
#: waivers expire by (the clock) come from no flag and keep their names
ANALYZE_FLAGS = {
    "policy": "--policy",
    "label": "--label-column",
    "score": "--score",
    "prediction": "--prediction",
    "seed": "--seed",
    "resamples": "--resamples",
    "output_dir": "--output-dir",
}
#: per command, the flags its API arguments come from (test-policy's come from its files)
COMMAND_FLAGS = {
    "check": API_FLAGS,
    "dry-run": API_FLAGS,
    "profile": API_FLAGS,
    "analyze": ANALYZE_FLAGS,
}
FLAGGED = frozenset(COMMAND_FLAGS)


def flag_named(exc: ArgumentError, command: str | None) -> ArgumentError:
    """`exc` naming its flag when `command` took that argument from a flag."""
    names = COMMAND_FLAGS.get(command or "")
    return exc.named(names) if names else exc
