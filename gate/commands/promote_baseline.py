"""The baseline rule of `promote` (step 7): an approval whose policy asks for a comparison with a
baseline (`baseline:`) holds only against the very baseline compared, as it is now.

The rule is keyed on the policy *asking* for a comparison, not on one having happened: a
comparison skipped under `when_missing: skip` ("a first release, no champion yet") may move an
alias that points at nothing (or at the candidate), never one that points at another version.
When the alias points at another version, the report must have compared the candidate with
exactly that version: a registry baseline of the same model, whose version (an alias must still
resolve to it), run, source and artifact digest are still the ones the report records. A
baseline column (`data.baseline_score` / `baseline_prediction`) or a local model file names no
registry version, so it cannot stand for the version the alias would replace.

MLflow has no compare-and-set for aliases: the rule is re-checked right before the write and the
alias re-read right after it (gate.commands.promote), which narrows the window two concurrent
promotes of one model can race in; only one promote per model at a time closes it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from gate.inputs import registry
from gate.policy.model import Policy
from gate.results import CheckResult

#: what the gate writes in a check's message when `when_missing: skip` skipped its comparison
SKIP_WORDS = "baseline comparison skipped"


def asks(results: list[CheckResult] | tuple[CheckResult, ...], policy: Policy | None) -> bool:
    """Whether the policy asks for a comparison with a baseline: a trusted `--policy` says so
    by its checks; otherwise the report, by a comparison made (a check's, a group's or an
    input's) or one skipped under `when_missing: skip`."""
    if policy is not None and any(_asks(spec) for spec in policy.checks):
        return True
    return any(_compared(r) or SKIP_WORDS in r.message for r in results)


def _asks(spec: Any) -> bool:
    if spec.baseline is not None:
        return True
    return spec.importance is not None and spec.importance.compares


def _compared(r: CheckResult) -> bool:
    rows = (*r.groups, *r.features)
    return r.baseline is not None or any(row.get("baseline") is not None for row in rows)


def stale(
    inputs: dict[str, Any], facts: dict[str, Any], alias: str, held: str | None
) -> str | None:
    """Why the report's baseline does not hold for moving `alias`, which points at version
    `held` (None: at nothing), now (None: it holds). `facts`: the candidate's registry facts."""
    known = (inputs.get("baseline_model") or {}).get("registry") or {}
    if known.get("version"):
        why = _moved(known)
        if why:
            return why
    target = f"models:/{facts['name']}@{alias}"
    same = held == known.get("version") and known.get("name") == facts["name"]
    if held not in (None, facts["version"]) and not same:
        return (
            f"{target} points at version {held}, which the report never compared the "
            f"candidate with (its baseline: {compared_with(inputs)}); moving the alias "
            f"would replace a version the approval says nothing about: gate against "
            f"{target} first"
        )
    return _changed(known) if known.get("version") else None


def compared_with(inputs: dict[str, Any]) -> str:
    """What the report compared the candidate with, in words."""
    base = inputs.get("baseline_model") or {}
    if base:
        known = base.get("registry") or {}
        if known.get("version"):
            return f"{known.get('uri')}, version {known['version']}"
        return f"the model {known.get('uri') or base.get('path')}, not a registry version"
    binding = inputs.get("binding") or {}
    for key in ("baseline_score", "baseline_prediction"):
        if binding.get(key):
            return f"the column data.{key}: {binding[key]}, not a registry version"
    return "none, the comparison was skipped (when_missing: skip is for an alias that is unset)"


def _moved(known: dict[str, Any]) -> str | None:
    """Why the baseline version is not the one compared any more (its alias moved, or its run
    or source changed)."""
    now = registry.resolve(registry.parse(known["uri"]), "baseline model")
    if (now.version, now.run_id, now.source) == (
        known["version"],
        known.get("run_id"),
        known.get("source"),
    ):
        return None
    return (
        f"the report compared the candidate with {known['uri']} when it was version "
        f"{known['version']}; it points elsewhere now (or that version's run or source "
        "changed), so the comparison is stale: gate the candidate against the current version"
    )


def _changed(known: dict[str, Any]) -> str | None:
    """Why the baseline version's artifacts are not the ones compared (None: same digest)."""
    uri = f"models:/{known['name']}/{known['version']}"
    resolved = registry.resolve(registry.parse(uri), "baseline model")
    with tempfile.TemporaryDirectory(prefix="model-gate-promote-") as tmp:
        got = registry.download(resolved, Path(tmp) / "baseline", "baseline model")
        now = registry.artifact_sha256(got, f"baseline model {uri}")
    if now == known.get("artifact_sha256"):
        return None
    return (
        f"the artifacts of the baseline {uri} changed since the report compared the candidate "
        f"with them (sha256 {known.get('artifact_sha256')}); the comparison is stale: gate the "
        "candidate against the baseline as it is now"
    )


def alias_version(name: str, alias: str, what: str) -> str | None:
    """The version `alias` of model `name` points at now (None: it points at nothing)."""
    c = registry.client()
    model = registry.call(what, lambda: c.get_registered_model(name))
    version = dict(getattr(model, "aliases", {}) or {}).get(alias)
    return None if version is None else str(version)
