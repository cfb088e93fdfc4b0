"""A request's fields as an analysis: which files (confined to the data root), which
candidate, and the few settings a caller may choose. Everything else is the service's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: the fields a request may carry; anything else is refused (a misspelt field is not ignored)
FIELDS = ("predictions", "labels", "candidate_version", "as_of", "label_delay", "mode")
MODES = ("shadow", "canary")  # how the logs were made (analyze --mode)
#: fields passed on as `--flag=value` (so a value can never be read as another flag)
FLAGS = {
    "candidate_version": "--candidate-version",
    "as_of": "--as-of",
    "label_delay": "--label-delay",
    "mode": "--mode",
}


class BadCall(Exception):
    """A request that cannot be analyzed as asked: HTTP 400 with this message."""


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise BadCall(f"{key}: expected non-empty text, not {value!r}")
    return value.strip()


def confined(root: Path, name: str, key: str) -> Path:
    """The file `name` below `root` (symbolic links resolved); BadCall for a name outside
    the root (absolute, `..`, a link out) or no such file."""
    path = (root / _text(name, key)).resolve()
    if not path.is_relative_to(root):
        raise BadCall(f"{key}: {name!r} is outside the data root")
    if not path.is_file():
        raise BadCall(f"{key}: no file {name!r} in the data root")
    return path


def _names(value: Any) -> list[str]:
    """predictions: a list of names, or one text of comma-separated names (Flagger's
    metadata holds text only)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return value
    raise BadCall(f"predictions: expected a list of file names, not {value!r}")


def arguments(
    fields: Mapping[str, Any], root: Path, least_delay: dt.timedelta = dt.timedelta(0)
) -> list[str]:
    """`model-gate analyze` arguments for these request fields; BadCall if they are wrong.
    `least_delay`: the service's --label-delay, which a request may lengthen, never shorten
    (a shorter delay would count labels the operator ruled immature)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise BadCall(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})")
    for key in ("predictions", "labels"):
        if key not in fields:
            raise BadCall(f"{key}: required")
    logs = [str(confined(root, n, "predictions")) for n in _names(fields["predictions"])]
    if not logs:
        raise BadCall("predictions: name one or more files")
    out = ["--predictions", *logs, "--labels", str(confined(root, fields["labels"], "labels"))]
    if fields.get("label_delay") is not None:
        _no_shorter(_text(fields["label_delay"], "label_delay"), least_delay)
    if fields.get("mode") is not None and _text(fields["mode"], "mode") not in MODES:
        raise BadCall(f"mode: {fields['mode']!r} is neither {' nor '.join(MODES)}")
    for key, flag in FLAGS.items():
        if fields.get(key) is not None:
            out.append(f"{flag}={_text(fields[key], key)}")
    return out


def _no_shorter(text: str, least: dt.timedelta) -> None:
    from gate.errors import UsageError
    from gate.inputs.prediction_logs import parse_duration

    try:
        asked = parse_duration(text, "label_delay")
    except UsageError as exc:
        raise BadCall(str(exc)) from None
    if asked < least:
        raise BadCall(
            f"label_delay: {text} is shorter than the service's least label delay "
            f"({int(least.total_seconds())} s: its --label-delay, or the policy's "
            "rollout.label_delay if longer); a request may only lengthen it"
        )
