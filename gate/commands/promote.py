"""`model-gate promote --report report.json --alias champion`: point a registry alias at the
model version a report approved, and only while that version's artifacts are the ones it
approved. The model is downloaded and digested, never loaded.

Exit 0 promoted; 1 refused (the report did not approve, is report-only, or the version's
artifacts changed since); 2 a bad report, flag or registry name (as everywhere).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from gate.errors import InputError, UsageError
from gate.inputs import registry
from gate.report.escape import term
from gate.report.from_json import load_report
from gate.results import Verdict

REFUSED = 1


def promote(args: argparse.Namespace) -> int:
    """Set `--alias` on the approved version; say why not otherwise."""
    from gate.policy.loader import load_policy

    if not args.alias or args.alias.strip() != args.alias:
        raise UsageError(f"--alias {args.alias!r}: give an alias name such as champion")
    policy = load_policy(args.policy) if args.policy else None
    evaluation = load_report(args.report, policy)
    facts = _registry_facts(args.report, evaluation.inputs)
    uri = f"models:/{facts['name']}/{facts['version']}"
    verdict = evaluation.decision.verdict
    if verdict is Verdict.REPORT:
        return _refuse(f"report {args.report} is report-only (mode: report): it approved nothing")
    if verdict is not Verdict.APPROVE:
        return _refuse(f"report {args.report} decided {verdict.value}, not approve")
    now = _current_digest(facts, uri)
    if now != facts["artifact_sha256"]:
        return _refuse(
            f"the artifacts of {uri} changed since report {args.report} approved them "
            f"(approved sha256 {facts['artifact_sha256']}, now {now})"
        )
    _set_alias(facts, uri, args.alias)
    done = f"models:/{facts['name']}@{args.alias} -> version {facts['version']} (sha256 {now})"
    print(f"model-gate: promoted {term(done)}", file=sys.stderr)
    return 0


def _refuse(why: str) -> int:
    print(f"model-gate: not promoted: {term(why)}", file=sys.stderr)
    return REFUSED


def _registry_facts(report: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The candidate's registry facts; InputError when it is not a registry model version."""
    model = inputs.get("model") or {}
    facts = model.get("registry")
    if not facts:
        raise InputError(
            f"report {report}: its candidate model ({model.get('path', 'none')}) is not a registry "
            "model; gate models:/NAME/VERSION or models:/NAME@ALIAS to promote it"
        )
    if facts.get("version") is None:
        raise InputError(
            f"report {report}: its candidate {facts['uri']} is a run's artifact, not a registered "
            "model version; register it and gate models:/NAME/VERSION to promote it"
        )
    return facts


def _current_digest(facts: dict[str, Any], uri: str) -> str:
    """The digest of the version's artifacts as they are now (and the same run and source)."""
    resolved = registry.resolve(registry.parse(uri), "model")
    for key, now in (("run_id", resolved.run_id), ("source", resolved.source)):
        if facts.get(key) != now:
            raise InputError(f"{uri}: its {key} is now {now!r}, not {facts.get(key)!r} as reported")
    with tempfile.TemporaryDirectory(prefix="model-gate-promote-") as tmp:
        got = registry.download(resolved, Path(tmp) / "artifacts")
        return registry.artifact_sha256(got, f"model {uri}")


def _set_alias(facts: dict[str, Any], uri: str, alias: str) -> None:
    """Tag the version with the digest approved for `alias`, then move the alias to it."""
    client = registry.client()
    name, version = facts["name"], facts["version"]
    tag = f"model_gate.approved_for.{alias}"
    registry.call(
        uri, lambda: client.set_model_version_tag(name, version, tag, facts["artifact_sha256"])
    )
    registry.call(uri, lambda: client.set_registered_model_alias(name, alias, version))
