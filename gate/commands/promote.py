"""`model-gate promote --report report.json --alias champion`: point a registry alias at the
model version a report approved, only when the report is the one the gating step logged on that
version's run and the version's artifacts are still the ones it approved (the trust model is
in gate.commands.approval). The model is downloaded and digested, never loaded. Nothing is
written to the registry unless every check passed.

Exit 0 promoted; 1 refused (the report did not approve, is report-only, is not the report logged
on the version's run, the run's tags do not vouch for it (model_gate.decision approve and
model_gate.report_sha256 its sha256: a logging that failed part-way leaves them otherwise), its
baseline comparison is stale or was skipped while the alias points at another version
(gate.commands.promote_baseline), the version's artifacts changed since, or the alias moved
while promote ran); 2 a bad report (one that
contradicts itself), flag or registry name (as everywhere).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gate.commands import approval, promote_baseline
from gate.inputs import registry
from gate.report.escape import term
from gate.report.from_json import load_report
from gate.results import Verdict

REFUSED = 1
#: MLflow cannot set an alias only if it still points where promote checked (no compare-and-set)
ONE_AT_A_TIME = (
    "run one promote per model at a time (a CI concurrency group), then re-gate against the alias"
)


def promote(args: argparse.Namespace) -> int:
    """Set `--alias` on the approved version; say why not otherwise."""
    from gate.policy.loader import load_policy

    approval.validate_alias(args.alias)
    policy = load_policy(args.policy) if args.policy else None
    evaluation = load_report(args.report, policy)
    facts = approval.candidate(args.report, evaluation.inputs)
    uri = f"models:/{facts['name']}/{facts['version']}"
    verdict = evaluation.decision.verdict
    if verdict is Verdict.REPORT:
        return _refuse(f"report {args.report} is report-only (mode: report): it approved nothing")
    if verdict is not Verdict.APPROVE:
        return _refuse(f"report {args.report} decided {verdict.value}, not approve")
    resolved = approval.current(facts, uri)
    why = approval.unlogged(resolved, Path(args.report), uri)
    if why:
        return _refuse(why)
    if approval.digest_now(resolved, uri) != facts["artifact_sha256"]:
        return _refuse(
            f"the artifacts of {uri} changed since report {args.report} approved them "
            f"(sha256 {facts['artifact_sha256']}); the digest now differs"
        )
    target = f"models:/{facts['name']}@{args.alias}"
    held = promote_baseline.alias_version(facts["name"], args.alias, target)
    if promote_baseline.asks(evaluation.decision.results, policy):
        why = promote_baseline.stale(evaluation.inputs, facts, args.alias, held)
        if why:
            return _refuse(why)
    if promote_baseline.alias_version(facts["name"], args.alias, target) != held:
        return _refuse(f"{target} was moved while promote was checking; {ONE_AT_A_TIME}")
    _set_alias(facts, uri, args.alias)
    now = promote_baseline.alias_version(facts["name"], args.alias, target)
    if now != facts["version"]:
        return _refuse(
            f"another writer moved {target} right after this promote set it (it points at "
            f"version {now} now); {ONE_AT_A_TIME}"
        )
    done = f"{target} -> version {facts['version']}"
    print(f"model-gate: promoted {term(done)} (sha256 {facts['artifact_sha256']})", file=sys.stderr)
    return 0


def _refuse(why: str) -> int:
    print(f"model-gate: not promoted: {term(why)}", file=sys.stderr)
    return REFUSED


def _set_alias(facts: dict[str, Any], uri: str, alias: str) -> None:
    """Tag the version with the digest approved for `alias`, then move the alias to it; when
    MLflow refuses the alias, the tag is put back as it was."""
    client = registry.client()
    name, version = facts["name"], facts["version"]
    tag = f"model_gate.approved_for.{alias}"
    before = registry.call(uri, lambda: client.get_model_version(name, version)).tags.get(tag)
    registry.call(
        uri, lambda: client.set_model_version_tag(name, version, tag, facts["artifact_sha256"])
    )
    try:
        registry.call(uri, lambda: client.set_registered_model_alias(name, alias, version))
    except Exception:
        if before is None:
            client.delete_model_version_tag(name, version, tag)
        else:
            client.set_model_version_tag(name, version, tag, before)
        raise
