"""What `promote` (and `log-to-mlflow`) can establish about a report's candidate without
signatures. report.json is unsigned, so nothing it says about the model's identity is believed
on its own:

- its parts must agree: `inputs.model.path`, `.sha256` and every `.files[*].path` name the
  model version `inputs.model.registry` names (uri, name, version, alias);
- the version must still be that run and source in the registry, and its artifacts still have
  the approved digest (the current values are never printed: a refusal is no oracle);
- the report must be byte-identical to `model-gate/report.json` logged on the version's own run
  (by `check --log-to-mlflow` or `model-gate log-to-mlflow`), the run the registry names, not
  the one the report names, and the run's tags must vouch for that file: model_gate.decision
  approve and model_gate.report_sha256 its sha256 (written last, after the files, so a logging
  that failed part-way leaves "pending" there, or the earlier report's digest);
- an approval whose policy asks for a comparison with a baseline holds only against that
  baseline (gate.commands.promote_baseline).

Whoever can write to that run can still forge an approval; signing reports is future work.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import tempfile
from pathlib import Path
from typing import Any

from gate.errors import InputError, UsageError
from gate.inputs import registry
from gate.inputs.files import read_regular
from gate.report.from_json import MAX_REPORT_BYTES

LOGGED = "model-gate/report.json"
REPORT_SHA256 = "model_gate.report_sha256"
DECISION = "model_gate.decision"
PENDING = "pending"


def validate_alias(alias: str) -> None:
    """UsageError unless `alias` is a name MLflow accepts for a new alias (its own rule)."""
    registry.client()  # MLflow installed and a tracking URI set, or exit 2 naming what to do
    from mlflow.exceptions import MlflowException
    from mlflow.utils.validation import (
        _validate_model_alias_name,
        _validate_model_alias_name_reserved,
    )

    try:
        _validate_model_alias_name(alias)
        _validate_model_alias_name_reserved(alias)
    except MlflowException as exc:
        raise UsageError(f"--alias {alias!r}: {exc.message} (MLflow's rule)") from None


def candidate(report: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The candidate's registry facts, once every part of the report naming it agrees."""
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
    consistent(report, model, facts)
    return facts


def consistent(report: str | Path, model: dict[str, Any], facts: dict[str, Any]) -> None:
    """InputError listing every part of the report that names another model than its registry
    facts do."""
    disagree = _disagreements(model, facts)
    if disagree:
        raise InputError(
            f"report {report} contradicts itself about its candidate model: "
            + "; ".join(disagree)
            + " (a report edited by hand is refused)"
        )


def _disagreements(model: dict[str, Any], facts: dict[str, Any]) -> list[str]:
    uri = str(facts.get("uri"))
    try:
        ref = registry.parse(uri)
    except UsageError:
        return [f"inputs.model.registry.uri {uri!r} is not a registry URI"]
    if ref.run_id is not None:
        out = [] if facts.get("run_id") == ref.run_id else [f"its run_id is not the run of {uri}"]
        return out + _paths(model, facts, uri)
    out = [
        f"inputs.model.registry.{key} is {facts.get(key)!r}, its uri {uri} says {want!r}"
        for key, want in (("name", ref.name), ("alias", ref.alias))
        if facts.get(key) != want
    ]
    if ref.version is not None and facts.get("version") != ref.version:
        out.append(f"inputs.model.registry.version is {facts.get('version')!r}, its uri {uri}")
    return out + _paths(model, facts, uri)


def _paths(model: dict[str, Any], facts: dict[str, Any], uri: str) -> list[str]:
    out = []
    if model.get("path") != uri:
        out.append(f"inputs.model.path {model.get('path')!r} is not {uri}")
    if model.get("sha256") != facts.get("artifact_sha256"):
        out.append("inputs.model.sha256 differs from inputs.model.registry.artifact_sha256")
    foreign = [f.get("path") for f in model.get("files") or []]
    foreign = [p for p in foreign if not str(p).startswith(f"{uri}/")]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        out.append(f"inputs.model.files names {foreign[0]!r}{more}, not a file of {uri}")
    return out


def current(facts: dict[str, Any], uri: str) -> registry.Resolved:
    """The version as the registry has it now; InputError when its run or source differ from
    the report's (without saying what they are now)."""
    resolved = registry.resolve(registry.parse(uri), "model")
    for key, now in (("run_id", resolved.run_id), ("source", resolved.source)):
        if facts.get(key) != now:
            raise InputError(f"{uri}: its {key} in the registry differs from the report's")
    return resolved


def digest_now(resolved: registry.Resolved, uri: str) -> str:
    """The digest of the version's artifacts as they are now (downloaded, never loaded)."""
    with tempfile.TemporaryDirectory(prefix="model-gate-promote-") as tmp:
        got = registry.download(resolved, Path(tmp) / "artifacts")
        return registry.artifact_sha256(got, f"model {uri}")


def unlogged(resolved: registry.Resolved, report: Path, uri: str) -> str | None:
    """Why `report` is not the report logged on the version's run (None when it is)."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow.artifacts

    how = (
        "log the gating job's own report to the run (`check --log-to-mlflow`, or `model-gate "
        "log-to-mlflow` in that job) before promoting"
    )
    run_id = resolved.run_id
    if not run_id:
        return f"{uri} has no run, so no report can have been logged for it"
    with tempfile.TemporaryDirectory(prefix="model-gate-promote-") as tmp:
        try:
            _small_enough(run_id, uri)
            got = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=LOGGED, dst_path=tmp
            )
            logged = Path(got).read_bytes()
        except (registry.mlflow_error(), OSError):  # absent, or unreadable
            return f"the run of {uri} has no {LOGGED}; {how}"
    mine = read_regular(report, MAX_REPORT_BYTES, f"report {report}")
    if hashlib.sha256(logged).digest() != hashlib.sha256(mine).digest():
        return f"report {report} is not the {LOGGED} logged on the run of {uri} (it differs); {how}"
    return _unvouched(run_id, hashlib.sha256(logged).hexdigest(), uri, how)


def _small_enough(run_id: str, uri: str) -> None:
    """InputError, before downloading it, when the run's logged report is larger than a
    report can be (the listing's file_size)."""
    c = registry.client()
    for entry in c.list_artifacts(run_id, posixpath.dirname(LOGGED)):
        if entry.path == LOGGED and (entry.file_size or 0) > MAX_REPORT_BYTES:
            raise InputError(f"the {LOGGED} logged on the run of {uri} is too large for a report")


def _unvouched(run_id: str, digest: str, uri: str, how: str) -> str | None:
    """Why the run's tags do not vouch for the logged report with sha256 `digest` (None: they
    do); the tags' values are not shown (a refusal is no oracle)."""
    c = registry.client()
    found = registry.call(f"run {run_id} of {uri}", lambda: c.get_run(run_id)).data.tags
    if found.get(REPORT_SHA256) == PENDING:
        return f"the last logging to the run of {uri} did not complete; {how}"
    if found.get(REPORT_SHA256) != digest:
        return f"the run of {uri} has no {REPORT_SHA256} tag for its {LOGGED}; {how}"
    if found.get(DECISION) != "approve":
        return f"the run of {uri} has no {DECISION} tag approve for its {LOGGED}; {how}"
    return None
