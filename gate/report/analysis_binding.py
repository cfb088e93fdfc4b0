"""The data binding of a `model-gate analyze` report as the trusted policy pins it (review12e #3):
analyze binds the label to the label file's column (--label-column, else the policy's data.label,
else `label`) and, when the policy names no output, the logs' output column (--score /
--prediction, else `score`), with the live model's beside it (`live__` + the column) for a
shadow comparison. Those are the analysis's own where the policy leaves them unset; a value that
overrides one the policy sets is still refused (gate.report.pinning)."""

from __future__ import annotations

from typing import Any

from gate.inputs.log_shadow import BASELINE_PREFIX
from gate.policy.model import Policy

OUTPUTS = ("score", "prediction")


def analysed(binding: dict[str, Any] | None, policy: Policy, analysis: bool) -> Any:
    """`binding` with what analyze legitimately bound where the policy is silent replaced by
    the policy's own (unset) values, so the pin compares only what the policy decides; as is
    for a report of `check`, or a value analyze would not have bound."""
    if not analysis or not isinstance(binding, dict):
        return binding
    data = policy.data
    out = dict(binding)
    if data.label is None and isinstance(out.get("label"), str) and out["label"]:
        out["label"] = None  # the label file's column
    if all(getattr(data, k) is None for k in OUTPUTS):
        bound = [k for k in OUTPUTS if isinstance(out.get(k), str) and out[k]]
        if len(bound) == 1:  # analyze binds one output column when the policy names none
            out[bound[0]] = None
    for key in OUTPUTS:  # the live model's column beside the candidate's, for a shadow
        live, mine = f"baseline_{key}", binding.get(key)
        if (
            getattr(data, f"baseline_{key}") is None
            and mine
            and out.get(live) == (BASELINE_PREFIX + str(mine))
        ):
            out[live] = None
    return out
