"""The flags behind the Python API's arguments: an argument error (gate.errors.ArgumentError)
raised while a command runs names the flag the value came from (`--model-card must be a
path`), not evaluate()'s argument (`model_card must be a path`)."""

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
#: the commands whose API arguments all come from flags (test-policy's come from its files)
FLAGGED = frozenset({"check", "dry-run", "profile"})


def flag_named(exc: ArgumentError, command: str | None) -> ArgumentError:
    """`exc` naming its flag when `command` takes every API argument from a flag."""
    return exc.named(API_FLAGS) if command in FLAGGED else exc
