"""`model-gate profile`: one pass over a data set, saved as a reusable, mergeable profile."""

from __future__ import annotations

import argparse
from pathlib import Path

from gate import __version__
from gate.commands.check import options_from
from gate.errors import UsageError
from gate.inputs import profile_file
from gate.measurement import measure
from gate.policy.loader import load_policy


def profile(args: argparse.Namespace) -> int:
    """Profile --data (and --model's outputs on it) under --policy's binding; write -o."""
    target = Path(args.output)
    if not profile_file.is_profile(target):
        raise UsageError(f"-o {target}: a profile file's name ends in .profile")
    if not target.parent.is_dir():
        raise UsageError(f"-o {target}: directory {target.parent} does not exist")
    if target.is_dir():
        raise UsageError(f"-o {target} is a directory")
    options = options_from(args)
    policy = load_policy(options.policy)
    binding = policy.data
    bound = options.model or options.overrides.get("score") or options.overrides.get("prediction")
    outputs = bool(bound or binding.score or binding.prediction)
    measured = measure(options, policy, outputs, output_columns=outputs or None)
    built_from = {
        "data": {"path": str(measured.source.path), "sha256": measured.source.sha256},
        "policy": {"path": policy.path, "sha256": policy.sha256},
    }
    if measured.model is not None:
        built_from["model"] = {"path": measured.model.path, "sha256": measured.model.sha256}
    try:
        profile_file.save(measured.profile, target, built_from, __version__)
    except OSError as exc:
        raise UsageError(f"-o {target}: cannot write it: {exc.strerror or exc}") from None
    p = measured.profile
    print(
        f"wrote {target}: {p.rows:,} rows, {len(p.columns)} columns, "
        f"{len(p.groups)} group cell(s) of {', '.join(p.features) or 'no sensitive features'}"
    )
    return 0
