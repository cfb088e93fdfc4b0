"""The label delay, the minimum rows and the mode of a rollout analysis, and where each came
from: a flag (or a webhook's field, passed on as the flag), the policy's `rollout:` block, or
the default (the mode's: detected from the logs). analysis.json states each, so a reviewer
sees which value decided."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from gate.durations import shown
from gate.policy.model import Policy

if TYPE_CHECKING:
    from gate.commands.analysis import AnalyzeRequest

DEFAULTS: dict[str, Any] = {"label_delay": dt.timedelta(0), "min_samples": 100}
FLAGS = {"label_delay": "--label-delay", "min_samples": "--min-samples"}


def resolved(policy: Policy, req: AnalyzeRequest) -> tuple[AnalyzeRequest, dict[str, str]]:
    """`req` with its label delay and minimum rows filled in (flag, else policy, else default),
    and where each came from."""
    where = dict(policy.rollout_from)
    values, sources = {}, {}
    for key, default in DEFAULTS.items():
        given, written = getattr(req, key), getattr(policy, key)
        if given is not None:
            values[key], sources[key] = given, FLAGS[key]
        elif written is not None:
            values[key], sources[key] = written, f"policy {where.get(key, policy.path)}"
        else:
            values[key], sources[key] = default, "default"
    if req.mode is not None:
        values["mode"], sources["mode"] = req.mode, "--mode"
    elif policy.rollout_mode is not None:
        values["mode"] = policy.rollout_mode
        sources["mode"] = f"policy {where.get('mode', policy.path)}"
    else:
        sources["mode"] = DETECTED
    return dataclasses.replace(req, **values), sources


#: the mode's source when neither --mode nor rollout.mode set it
DETECTED = "detected"


def detected(shared: int, candidate: int, mode: str) -> str:
    """How a detected mode was found, as analysis.json states it."""
    return (
        f"{DETECTED}: {shared} of the candidate's {candidate} request(s) answered by the live "
        f"model too ({mode}); set rollout.mode or --mode to fix it"
    )


def described(req: AnalyzeRequest, sources: dict[str, str], mode: str) -> dict[str, Any]:
    """analysis.json's `settings`: each value as written, and where it came from."""
    delay = req.label_delay or dt.timedelta(0)
    return {
        "label_delay": {
            "value": shown(delay),
            "seconds": int(delay.total_seconds()),
            "from": sources["label_delay"],
        },
        "min_samples": {"value": req.min_samples, "from": sources["min_samples"]},
        "mode": {"value": mode, "from": sources.get("mode", DETECTED)},
    }
